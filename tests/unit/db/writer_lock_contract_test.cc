// Writers racing on the same rows from two connections (two processes, as far as locking
// goes), on every backend of the contract: a single-statement write never slips between a
// transaction's read and its write of the same row (no lost update), and an append to the
// event log racing a transaction that deletes the cluster's events lands whole, before the
// delete or after it. On MariaDB, event appends skip the writer lock (writer_lock_policy.h):
// they do not wait for a transaction, every other write still does.
#include <gtest/gtest.h>

#include <chrono>
#include <latch>
#include <string>
#include <thread>

#include "db_test_util.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"
#include "magnum/db/writer_lock_policy.h"

namespace magnum::db {
namespace {

using testing::DatabaseContractTest;
using WriterLockTest = DatabaseContractTest;

// How long a transaction below waits between its read and its write: the racing write,
// sent meanwhile, lands in that window unless something keeps it out.
constexpr auto kWindow = std::chrono::milliseconds(300);

Filter ById(int64_t id) { return Filter().Where(Condition::Eq("id", id)); }

Row EventRow(const std::string& cluster_uuid, const std::string& message) {
  Row r;
  r.Set("cluster_uuid", cluster_uuid);
  r.Set("step", std::string("create"));
  r.Set("level", std::string("INFO"));
  r.Set("message", message);
  return r;
}

Row Counter(int64_t value) {
  Row r;
  r.Set("hard_limit", value);
  return r;
}

TEST(WriterLockPolicyTest, OnlyEventAppendsSkipTheLock) {
  EXPECT_FALSE(InsertTakesWriterLock(kClusterEventTable));
  for (const char* table : {kClusterTable, kClusterLockTable, kQuotaTable}) {
    EXPECT_TRUE(InsertTakesWriterLock(table)) << table;
  }
}

TEST_P(WriterLockTest, SingleUpdateRacingATransactionOnTheSameRowLosesNoUpdate) {
  Row quota;
  quota.Set("project_id", std::string("p"));
  quota.Set("resource", std::string("Cluster"));
  quota.Set("hard_limit", int64_t{0});
  ASSERT_OK_AND_ASSIGN(Row stored, db_->Insert(kQuotaTable, quota));
  const int64_t id = stored.GetInt("id");
  ASSERT_OK_AND_ASSIGN(auto other, OpenAnother(DatabaseOptions{}));
  std::latch read_done(1);
  Result<void> racer_result;
  // The other connection increments by compare-and-set, retried when it loses.
  std::thread racer([&] {
    read_done.wait();
    racer_result = Fail(Error::Internal("the compare-and-set never won"));
    for (int attempt = 0; attempt < 50; ++attempt) {
      auto row = other->GetOne(kQuotaTable, ById(id));
      if (!row || !*row) {
        racer_result = Fail(Error::Internal("racer could not read the row"));
        return;
      }
      const int64_t seen = (*row)->GetInt("hard_limit");
      auto n = other->Update(kQuotaTable, ById(id).Where(Condition::Eq("hard_limit", seen)),
                             Counter(seen + 1));
      if (!n) {
        racer_result = Fail(n.error());
        return;
      }
      if (*n == 1) {
        racer_result = {};
        return;
      }
    }
  });
  auto tx = db_->Transaction([&](Database& t) -> Result<void> {
    MAGNUM_ASSIGN_OR_RETURN(auto row, t.GetOne(kQuotaTable, ById(id)));
    if (!row) return Fail(Error::NotFound("quota row vanished"));
    const int64_t seen = row->GetInt("hard_limit");
    read_done.count_down();
    std::this_thread::sleep_for(kWindow);
    MAGNUM_ASSIGN_OR_RETURN(int64_t n, t.Update(kQuotaTable, ById(id), Counter(seen + 1)));
    if (n != 1) return Fail(Error::Internal("update missed"));
    return {};
  });
  racer.join();
  ASSERT_TRUE(tx) << tx.error().message();
  ASSERT_TRUE(racer_result) << racer_result.error().message();
  ASSERT_OK_AND_ASSIGN(auto row, db_->GetOne(kQuotaTable, ById(id)));
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->GetInt("hard_limit"), 2) << "one of the two increments was lost";
}

TEST_P(WriterLockTest, EventAppendRacingTheDeleteOfTheClusterEventsLandsWhole) {
  ASSERT_OK(db_->Insert(kClusterEventTable, EventRow("u-1", "before")));
  ASSERT_OK_AND_ASSIGN(auto other, OpenAnother(DatabaseOptions{}));
  std::latch deleted(1);
  Result<Row> appended = Fail(Error::Internal("not run"));
  std::thread appender([&] {
    deleted.wait();
    appended = other->Insert(kClusterEventTable, EventRow("u-1", "racing"));
  });
  auto tx = db_->Transaction([&](Database& t) -> Result<void> {
    MAGNUM_ASSIGN_OR_RETURN(int64_t n,
                            t.Delete(kClusterEventTable,
                                     Filter().Where(Condition::Eq("cluster_uuid", "u-1"))));
    if (n != 1) return Fail(Error::Internal("expected one event to delete"));
    deleted.count_down();
    std::this_thread::sleep_for(kWindow);
    return {};
  });
  appender.join();
  ASSERT_TRUE(tx) << tx.error().message();
  ASSERT_TRUE(appended) << appended.error().message();
  ASSERT_OK_AND_ASSIGN(auto rows, db_->List(kClusterEventTable, ListQuery{}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].GetString("message"), "racing");
}

TEST_P(WriterLockTest, EventAppendsDoNotWaitForTheWriterLockOtherWritesDo) {
  if (GetParam().name != "mariadb") {
    GTEST_SKIP() << "SQLite has a single writer: every write waits for the transaction";
  }
  DatabaseOptions quick;
  quick.busy_timeout_ms = 50;
  ASSERT_OK_AND_ASSIGN(auto other, OpenAnother(quick));
  Row holding;
  holding.Set("uuid", std::string("u-1"));
  testing::WriteLockHolder holder(*db_, holding);
  const auto t0 = std::chrono::steady_clock::now();
  auto event = other->Insert(kClusterEventTable, EventRow("u-1", "while locked"));
  const auto waited = std::chrono::steady_clock::now() - t0;
  Row cluster;
  cluster.Set("uuid", std::string("u-2"));
  auto write = other->Insert(kClusterTable, cluster);
  holder.Release();
  ASSERT_TRUE(event) << event.error().message();
  EXPECT_LT(waited, std::chrono::seconds(2));
  ASSERT_FALSE(write) << "a cluster insert got past the writer lock";
  EXPECT_EQ(write.error().code(), ErrorCode::kUnavailable) << write.error().message();
}

INSTANTIATE_TEST_SUITE_P(Backends, WriterLockTest, ::testing::ValuesIn(testing::ContractBackends()),
                         testing::BackendName);

}  // namespace
}  // namespace magnum::db
