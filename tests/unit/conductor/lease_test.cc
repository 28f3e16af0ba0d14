// Cluster leases across conductor processes: two ConductorServices on one database file,
// each with its own connection, in-process locks and host name, share only the lock rows.
#include <gtest/gtest.h>

#include <chrono>
#include <string>

#include "conductor_test_util.h"

namespace magnum::conductor {
namespace {

using namespace std::chrono_literals;
using testing::ConductorTestBase;
using db::Condition;
using db::Filter;
using db::Row;

class LeaseTest : public ConductorTestBase {
 protected:
  ConductorOptions LeaseOptions(const std::string& host, std::chrono::milliseconds ttl) {
    ConductorOptions o = Options(host);
    o.lease_ttl = ttl;
    return o;
  }
};

TEST_F(LeaseTest, TakingALockWritesAnExpiryOneTtlAheadAndRenewalMovesIt) {
  auto* a = StartConductor(LeaseOptions("host-a", 1h));
  CloseGate(*gate_);
  std::string uuid = InsertCluster({.driver = "gate"});
  ASSERT_OK(a->ClusterCreate(Caller{}, uuid));
  ASSERT_TRUE(testing::WaitEntered(*gate_, 1));
  auto lock = Lock(uuid);
  ASSERT_TRUE(lock);
  EXPECT_EQ(lock->GetString("conductor_id"), "host-a");
  TimePoint expires;
  ASSERT_TRUE(ParseDbTimestamp(lock->GetString("lease_expires_at"), &expires));
  EXPECT_GT(expires, SystemClock().Now() + 59min);

  Row past;
  past.Set("lease_expires_at", FormatDbTimestamp(SystemClock().Now() - 1s));
  ASSERT_OK(db_->Update(db::kClusterLockTable, Filter().Where(Condition::Eq("cluster_uuid", uuid)),
                        past));
  a->RenewLeasesOnce();
  ASSERT_TRUE(ParseDbTimestamp(Lock(uuid)->GetString("lease_expires_at"), &expires));
  EXPECT_GT(expires, SystemClock().Now() + 59min) << "renewed";
  OpenGate(*gate_);
  ASSERT_TRUE(a->WaitIdle(10s));
  EXPECT_EQ(Status(uuid), "CREATE_COMPLETE");
  EXPECT_FALSE(Lock(uuid)) << "released with the outcome";
}

// A delete accepted by conductor B stops the create running in conductor A: A's next
// renewal finds its lease taken, cancels the driver, and records nothing; B waits for A's
// lease to run out, then deletes.
TEST_F(LeaseTest, DeleteInAnotherConductorCancelsTheRunningCreate) {
  auto* a = StartConductor(LeaseOptions("host-a", 1500ms));
  auto* b = StartConductor(LeaseOptions("host-b", 1500ms), OtherDatabase());
  CloseGate(*gate_);
  std::string uuid = InsertCluster({.driver = "gate"});
  ASSERT_OK(a->ClusterCreate(Caller{}, uuid));
  ASSERT_TRUE(testing::WaitEntered(*gate_, 1));

  const auto start = std::chrono::steady_clock::now();
  ASSERT_OK(b->ClusterDelete(Caller{}, uuid));
  EXPECT_EQ(Status(uuid), "DELETE_IN_PROGRESS");
  EXPECT_EQ(Lock(uuid)->GetString("conductor_id"), "host-b");

  a->RenewLeasesOnce();  // also done by A's timer within ttl / 3
  ASSERT_TRUE(a->WaitIdle(10s)) << "A's create stopped";
  EXPECT_GE(gate_->cancelled_seen.load(), 1);
  EXPECT_TRUE(HasEvent(uuid, "host-a lost the cluster lease"));

  OpenGate(*gate_);  // B's driver delete passes
  ASSERT_TRUE(b->WaitIdle(10s));
  EXPECT_FALSE(Cluster(uuid)) << "deleted by B";
  EXPECT_EQ(CountRows(db::kClusterLockTable), 0);
  EXPECT_EQ(CountRows(db::kNodeGroupTable), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 8s);
}

// The same with a lease of an hour: B does not wait for A's lease to expire. A, finding
// its lease gone at the end of its step, leaves a handover marker (an event of step
// "handover", node host-a), and B's delete goes on as soon as it sees it.
TEST_F(LeaseTest, DeleteInAnotherConductorGoesOnOnceTheOldOwnerHandsOver) {
  auto* a = StartConductor(LeaseOptions("host-a", 1h));
  auto* b = StartConductor(LeaseOptions("host-b", 1h), OtherDatabase());
  CloseGate(*gate_);
  gate_->ignore_cancel = true;  // A's step runs to its end
  std::string uuid = InsertCluster({.driver = "gate"});
  ASSERT_OK(a->ClusterCreate(Caller{}, uuid));
  ASSERT_TRUE(testing::WaitEntered(*gate_, 1));

  const auto start = std::chrono::steady_clock::now();
  ASSERT_OK(b->ClusterDelete(Caller{}, uuid));
  EXPECT_EQ(Status(uuid), "DELETE_IN_PROGRESS");
  EXPECT_FALSE(b->WaitIdle(300ms)) << "B waits while A's step runs";
  EXPECT_TRUE(Cluster(uuid));
  OpenGate(*gate_);  // A's create step ends (its outcome fenced off), then B's delete passes
  ASSERT_TRUE(a->WaitIdle(10s));
  ASSERT_TRUE(b->WaitIdle(10s));
  EXPECT_FALSE(Cluster(uuid)) << "deleted by B";
  EXPECT_EQ(CountRows(db::kClusterLockTable), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 8s) << "not A's lease of an hour";
}

// A resumable create (the fake driver, advanced by polls) finds the lease gone when it
// persists its progress, stops and hands over: B's delete does not wait out the lease.
TEST_F(LeaseTest, ResumableCreateHandsOverToADeleteInAnotherConductor) {
  auto* a = StartConductor(LeaseOptions("host-a", 1h));
  auto* b = StartConductor(LeaseOptions("host-b", 1h), OtherDatabase());
  std::string uuid = InsertCluster({.driver = "fake", .labels = {{"fake_delay_ms", "300"}}});
  ASSERT_OK(a->ClusterCreate(Caller{}, uuid));
  const auto start = std::chrono::steady_clock::now();
  ASSERT_OK(b->ClusterDelete(Caller{}, uuid));
  ASSERT_TRUE(a->WaitIdle(10s));
  ASSERT_TRUE(b->WaitIdle(10s));
  EXPECT_FALSE(Cluster(uuid)) << "deleted by B";
  EXPECT_EQ(CountRows(db::kClusterLockTable), 0);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 8s) << "not A's lease of an hour";
}

// A conductor that stops renewing (dead, hung) loses the cluster when its lease expires:
// another conductor's recovery takes it over and records the outcome. If the old owner
// wakes up later and its driver succeeds while a newer operation runs under another
// conductor's lease, it is fenced off (its lock row id is gone) and writes nothing: the
// status compare-and-set alone would let it complete the newer operation.
TEST_F(LeaseTest, ExpiredLeaseIsTakenOverAndTheOldOwnerIsFenced) {
  auto* a = StartConductor(LeaseOptions("host-a", 1h));  // renews every 20 min: not here
  auto* b = StartConductor(LeaseOptions("host-b", 1h), OtherDatabase());
  OpenGate(*gate_);
  std::string uuid = CreatedCluster(a, {.driver = "gate"});
  ASSERT_EQ(Status(uuid), "CREATE_COMPLETE");
  CloseGate(*gate_);
  gate_->ignore_cancel = true;  // A's driver does not notice anything
  ASSERT_OK(a->ClusterResize(Caller{}, uuid, "", 3, {}));
  ASSERT_TRUE(testing::WaitEntered(*gate_, 2));

  b->RecoverOnce(false);
  EXPECT_EQ(Status(uuid), "UPDATE_IN_PROGRESS") << "A's lease is live: B leaves it alone";

  Row past;
  past.Set("lease_expires_at", FormatDbTimestamp(SystemClock().Now() - 1s));
  ASSERT_OK(db_->Update(db::kClusterLockTable, Filter().Where(Condition::Eq("cluster_uuid", uuid)),
                        past));
  b->RecoverOnce(false);
  EXPECT_EQ(Status(uuid), "UPDATE_FAILED");
  EXPECT_NE(Reason(uuid).find("conductor host-a stopped during resize"), std::string::npos)
      << Reason(uuid);

  // A newer operation under host-b's lease, in the status A's operation had.
  Row lock;
  lock.Set("cluster_uuid", uuid);
  lock.Set("conductor_id", std::string("host-b"));
  lock.Set("operation", std::string("resize"));
  lock.Set("lease_expires_at", FormatDbTimestamp(SystemClock().Now() + 1h));
  ASSERT_OK(db_->Insert(db::kClusterLockTable, lock));
  Row busy;
  busy.Set("status", std::string("UPDATE_IN_PROGRESS"));
  ASSERT_OK(db_->Update(db::kClusterTable, Filter().Where(Condition::Eq("uuid", uuid)), busy));

  OpenGate(*gate_);  // A's driver "succeeds" after all
  ASSERT_TRUE(a->WaitIdle(10s));
  EXPECT_EQ(Status(uuid), "UPDATE_IN_PROGRESS") << "A was fenced off";
  ASSERT_TRUE(Lock(uuid));
  EXPECT_EQ(Lock(uuid)->GetString("conductor_id"), "host-b");
  EXPECT_TRUE(HasEvent(uuid, "is not recorded: another conductor took the cluster over"));
}

}  // namespace
}  // namespace magnum::conductor
