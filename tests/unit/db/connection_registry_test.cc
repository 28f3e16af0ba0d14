// ConnectionRegistry (connection_registry.h) on its own, with a stand-in connection type that
// counts the live ones: which thread gets which connection, and when connections close.
#include "magnum/db/connection_registry.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <thread>
#include <vector>

namespace magnum::db {
namespace {

// A stand-in connection: remembers the thread that opened it, counts the live ones.
struct FakeConnection {
  explicit FakeConnection(std::atomic<int>& live_count) : live(live_count) { ++live; }
  ~FakeConnection() { --live; }
  FakeConnection(const FakeConnection&) = delete;
  FakeConnection& operator=(const FakeConnection&) = delete;

  std::atomic<int>& live;
  const std::thread::id opened_by = std::this_thread::get_id();
};

using Registry = ConnectionRegistry<FakeConnection>;

// The opener of one registry: counts its calls and fails the next `fail_next` of them.
struct Opener {
  Registry::Open Fn() {
    return [this]() -> Result<std::unique_ptr<FakeConnection>> {
      ++opens;
      if (fail_next > 0) {
        --fail_next;
        return Fail(Error::Unavailable("cannot open"));
      }
      return std::make_unique<FakeConnection>(live);
    };
  }

  std::atomic<int> opens{0};
  std::atomic<int> live{0};
  int fail_next = 0;  // read under the registry's mutex, set before any thread opens
};

FakeConnection* Get(Registry& registry) {
  Result<FakeConnection*> conn = registry.ThisThread();
  EXPECT_TRUE(conn) << conn.error().message();
  return conn ? *conn : nullptr;
}

TEST(ConnectionRegistryTest, AThreadKeepsTheConnectionItOpenedFirst) {
  Opener opener;
  Registry registry(opener.Fn());
  EXPECT_EQ(registry.ConnectionCount(), 0u);
  EXPECT_EQ(opener.opens, 0);  // nothing is opened before the first call

  FakeConnection* first = Get(registry);
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->opened_by, std::this_thread::get_id());
  for (int i = 0; i < 3; ++i) EXPECT_EQ(Get(registry), first);
  EXPECT_EQ(opener.opens, 1);
  EXPECT_EQ(opener.live, 1);
  EXPECT_EQ(registry.ConnectionCount(), 1u);
}

TEST(ConnectionRegistryTest, EveryThreadGetsAConnectionOfItsOwn) {
  constexpr int kThreads = 4;
  Opener opener;
  Registry registry(opener.Fn());
  FakeConnection* mine = Get(registry);

  std::vector<FakeConnection*> got(kThreads, nullptr);
  std::vector<std::thread::id> ids(kThreads);
  std::latch all_have_one(kThreads);  // keeps every thread alive, so no id is reused
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ids[t] = std::this_thread::get_id();
      got[t] = Get(registry);
      all_have_one.arrive_and_wait();
      EXPECT_EQ(Get(registry), got[t]);
    });
  }
  for (auto& t : threads) t.join();

  std::set<FakeConnection*> distinct(got.begin(), got.end());
  distinct.insert(mine);
  EXPECT_EQ(distinct.size(), size_t{kThreads + 1});
  for (int t = 0; t < kThreads; ++t) {
    ASSERT_NE(got[t], nullptr);
    EXPECT_EQ(got[t]->opened_by, ids[t]);  // opened on the thread that asked
  }
  EXPECT_EQ(opener.opens, kThreads + 1);
  EXPECT_EQ(registry.ConnectionCount(), size_t{kThreads + 1});
  EXPECT_EQ(Get(registry), mine);
}

// One thread alternating between registries (the thread-local cache holds one of them).
TEST(ConnectionRegistryTest, AlternatingRegistriesKeepTheirOwnConnections) {
  Opener opener_a, opener_b;
  Registry a(opener_a.Fn());
  Registry b(opener_b.Fn());
  FakeConnection* conn_a = Get(a);
  FakeConnection* conn_b = Get(b);
  EXPECT_NE(conn_a, conn_b);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Get(a), conn_a);
    EXPECT_EQ(Get(b), conn_b);
  }
  EXPECT_EQ(opener_a.opens, 1);
  EXPECT_EQ(opener_b.opens, 1);
}

TEST(ConnectionRegistryTest, ARegistryWhereADestroyedOneWasOpensItsOwnConnection) {
  Opener first_opener, second_opener;
  std::optional<Registry> slot;
  slot.emplace(first_opener.Fn());
  const Registry* address = &*slot;
  ASSERT_NE(Get(*slot), nullptr);  // this thread's cache now names the first registry
  slot.reset();
  EXPECT_EQ(first_opener.live, 0);

  slot.emplace(second_opener.Fn());
  ASSERT_EQ(&*slot, address);
  FakeConnection* conn = Get(*slot);
  ASSERT_NE(conn, nullptr);
  // A stale cache entry would hand back the destroyed connection without opening.
  EXPECT_EQ(second_opener.opens, 1);
  EXPECT_EQ(second_opener.live, 1);
  EXPECT_EQ(&conn->live, &second_opener.live);
}

TEST(ConnectionRegistryTest, DestroyingTheRegistryClosesEveryThreadsConnection) {
  Opener opener;
  {
    Registry registry(opener.Fn());
    Get(registry);
    std::latch all_have_one(3);
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&] {
        Get(registry);
        all_have_one.arrive_and_wait();
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(opener.live, 4);  // the threads are gone, their connections are not
    EXPECT_EQ(registry.ConnectionCount(), 4u);
  }
  EXPECT_EQ(opener.opens, 4);
  EXPECT_EQ(opener.live, 0);
}

// A thread that exits leaves its connection registered under its id, for the next thread
// given that id: one connection per distinct id, whether or not the C library reuses ids.
TEST(ConnectionRegistryTest, AnExitedThreadsConnectionGoesToTheNextThreadWithItsId) {
  Opener opener;
  Registry registry(opener.Fn());
  std::map<std::thread::id, FakeConnection*> by_id;
  for (int t = 0; t < 8; ++t) {
    std::thread::id id;
    FakeConnection* conn = nullptr;
    std::thread([&] {
      id = std::this_thread::get_id();
      conn = Get(registry);
    }).join();
    ASSERT_NE(conn, nullptr);
    EXPECT_EQ(opener.live, static_cast<int>(registry.ConnectionCount()));  // none closed
    auto [it, first_time] = by_id.emplace(id, conn);
    if (!first_time) {
      EXPECT_EQ(conn, it->second) << "a thread reusing an id got a new connection";
    }
    EXPECT_EQ(conn->opened_by, id);  // opened by this thread or an earlier one with its id
  }
  EXPECT_EQ(registry.ConnectionCount(), by_id.size());
  EXPECT_EQ(opener.opens, static_cast<int>(by_id.size()));
}

TEST(ConnectionRegistryTest, AFailedOpenRegistersNothingAndTheNextCallOpensAgain) {
  Opener opener;
  opener.fail_next = 2;
  Registry registry(opener.Fn());

  for (int attempt = 0; attempt < 2; ++attempt) {
    Result<FakeConnection*> failed = registry.ThisThread();
    ASSERT_FALSE(failed);
    EXPECT_TRUE(failed.error().Is(ErrorCode::kUnavailable));
    EXPECT_EQ(failed.error().message(), "cannot open");
    EXPECT_EQ(registry.ConnectionCount(), 0u);
  }
  FakeConnection* conn = Get(registry);
  ASSERT_NE(conn, nullptr);
  EXPECT_EQ(Get(registry), conn);
  EXPECT_EQ(opener.opens, 3);
  EXPECT_EQ(opener.live, 1);
  EXPECT_EQ(registry.ConnectionCount(), 1u);
}

// Many threads' first and later calls at once, on two registries (run under TSan too).
TEST(ConnectionRegistryTest, ConcurrentCallsEachFindTheirOwnConnection) {
  constexpr int kThreads = 8;
  constexpr int kCalls = 2000;
  Opener opener_a, opener_b;
  Registry a(opener_a.Fn());
  Registry b(opener_b.Fn());
  std::latch start(kThreads);
  std::latch done(kThreads);  // keeps every thread alive, so no id is reused
  std::atomic<int> mismatches{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      FakeConnection* conn_a = Get(a);
      FakeConnection* conn_b = Get(b);
      if (conn_a == nullptr || conn_b == nullptr) {
        ++mismatches;
      } else {
        for (int i = 0; i < kCalls; ++i) {
          if (Get(i % 3 == 0 ? b : a) != (i % 3 == 0 ? conn_b : conn_a)) ++mismatches;
        }
        if (conn_a->opened_by != std::this_thread::get_id()) ++mismatches;
      }
      done.arrive_and_wait();
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(mismatches, 0);
  EXPECT_EQ(opener_a.opens, kThreads);
  EXPECT_EQ(opener_b.opens, kThreads);
  EXPECT_EQ(a.ConnectionCount(), size_t{kThreads});
  EXPECT_EQ(b.ConnectionCount(), size_t{kThreads});
}

}  // namespace
}  // namespace magnum::db
