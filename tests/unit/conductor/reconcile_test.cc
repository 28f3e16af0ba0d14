// ReconcileTask (reconcile_task.h): which clusters a pass looks at, the lease it holds while
// the driver repairs (an operation asked for meanwhile is refused as busy), the lease given
// back after, and a failed pass recorded as a warning event without a status change.
#include <atomic>

#include "conductor_test_util.h"

namespace magnum::conductor::testing {
namespace {

// A driver whose Reconcile runs `during` (with the cluster's state) and records the calls.
class ReconcileDriver final : public NoOpDriver {
 public:
  ReconcileDriver() : NoOpDriver("recon", "recon-os") {}
  bool Reconciles() const override { return true; }
  Result<void> Reconcile(drivers::OperationContext& op) override {
    calls.push_back(op.cluster().name);
    if (during) during(op);
    if (fail) return Fail(Error::Unavailable("engine gone"));
    op.Event("reconcile", "node x was drained: made active", "x");
    return {};
  }

  std::vector<std::string> calls;
  std::function<void(drivers::OperationContext&)> during;
  bool fail = false;
};

class ReconcileTest : public ConductorTestBase {
 protected:
  void SetUp() override {
    ConductorTestBase::SetUp();
    auto d = std::make_unique<ReconcileDriver>();
    driver_ = d.get();
    registry_.Register(std::move(d));
  }
  ReconcileDriver* driver_ = nullptr;
};

TEST_F(ReconcileTest, SettledClustersOnlyAndNotWhileAnOperationHoldsTheLease) {
  auto* c = StartConductor();
  std::string done =
      InsertCluster({.name = "done", .driver = "recon", .status = "UPDATE_COMPLETE"});
  std::string failed =
      InsertCluster({.name = "failed", .driver = "recon", .status = "UPDATE_FAILED"});
  InsertCluster({.name = "creating", .driver = "recon", .status = "CREATE_IN_PROGRESS"});
  InsertCluster({.name = "broken", .driver = "recon", .status = "CREATE_FAILED"});
  std::string held =
      InsertCluster({.name = "held", .driver = "recon", .status = "CREATE_COMPLETE"});
  Row lock;
  lock.Set("cluster_uuid", held);
  lock.Set("conductor_id", std::string("other-host"));
  lock.Set("operation", std::string("resize"));
  lock.Set("lease_expires_at", FormatDbTimestamp(SystemClock().Now() + std::chrono::minutes(1)));
  ASSERT_OK(db_->Insert(db::kClusterLockTable, lock));
  CreatedCluster(c, {.name = "other-driver"});  // fake: does not reconcile

  c->ReconcileOnce();
  std::sort(driver_->calls.begin(), driver_->calls.end());
  EXPECT_EQ(driver_->calls, (std::vector<std::string>{"done", "failed"}));
  EXPECT_TRUE(HasEvent(done, "node x was drained: made active"));
  EXPECT_EQ(Status(done), "UPDATE_COMPLETE");
  EXPECT_EQ(Status(failed), "UPDATE_FAILED") << "a repair changes no status";
  EXPECT_FALSE(Lock(done)) << "the lease is given back";
  EXPECT_EQ(Lock(held)->GetString("operation"), "resize") << "never touches a running one";
}

TEST_F(ReconcileTest, AnOperationAskedForDuringARepairIsRefusedAsBusy) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.name = "busy", .driver = "recon", .node_count = 1});
  std::optional<Row> lock_during;
  Result<void> update_during;
  driver_->during = [&](drivers::OperationContext&) {
    lock_during = Lock(uuid);
    update_during = c->ClusterUpdate(Caller{}, uuid, 3, false);
  };
  c->ReconcileOnce();
  ASSERT_TRUE(lock_during);
  EXPECT_EQ(lock_during->GetString("operation"), "reconcile");
  EXPECT_EQ(lock_during->GetString("conductor_id"), "test-host");
  ASSERT_FALSE(update_during);
  EXPECT_EQ(update_during.error().code(), ErrorCode::kConflict);
  EXPECT_NE(update_during.error().message().find("is busy"), std::string::npos)
      << update_during.error().message();
  EXPECT_NE(update_during.error().message().find("(reconcile)"), std::string::npos)
      << update_during.error().message();
  EXPECT_FALSE(Lock(uuid));
  // Afterwards the same request is accepted.
  ASSERT_OK(c->ClusterUpdate(Caller{}, uuid, 3, false));
  ASSERT_TRUE(c->WaitIdle(std::chrono::seconds(10)));
  EXPECT_EQ(Status(uuid), "UPDATE_COMPLETE");
}

TEST_F(ReconcileTest, ADeleteDuringARepairCancelsItAndRuns) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.name = "gone", .driver = "recon"});
  bool cancelled_after = false;
  driver_->during = [&](drivers::OperationContext& op) {
    EXPECT_FALSE(op.Cancelled());
    ASSERT_OK(c->ClusterDelete(Caller{}, uuid));
    cancelled_after = op.Cancelled();
  };
  c->ReconcileOnce();
  EXPECT_TRUE(cancelled_after);
  ASSERT_TRUE(c->WaitIdle(std::chrono::seconds(10)));
  EXPECT_FALSE(Cluster(uuid)) << "the delete ran";
}

TEST_F(ReconcileTest, AFailedPassIsAWarningEventAndChangesNothing) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.name = "f", .driver = "recon"});
  driver_->fail = true;
  c->ReconcileOnce();
  EXPECT_EQ(Status(uuid), "CREATE_COMPLETE");
  EXPECT_TRUE(HasEvent(uuid, "reconcile failed: engine gone"));
  EXPECT_FALSE(Lock(uuid));
}

TEST_F(ReconcileTest, NoPassAfterStop) {
  auto* c = StartConductor();
  CreatedCluster(c, {.name = "s", .driver = "recon"});
  c->Stop();
  c->ReconcileOnce();
  EXPECT_TRUE(driver_->calls.empty());
}

}  // namespace
}  // namespace magnum::conductor::testing
