// The conductor's periodic tasks (health polling, status sync) and its restart recovery and
// stop with blocking drivers (lock rows without a persisted operation, the gate driver):
// interrupted operations fail with advice, deletes are run again. (Resumable operations:
// resume_test.cc.)
#include "conductor_test_util.h"

namespace magnum::conductor::testing {
namespace {

using std::chrono::seconds;

class RecoveryTest : public ConductorTestBase {};

// ---- periodic tasks -----------------------------------------------------------------

TEST_F(RecoveryTest, HealthPollWritesStatusAndReason) {
  auto* c = StartConductor();
  std::string healthy = CreatedCluster(c, {.name = "h"});
  std::string sick = CreatedCluster(c, {.name = "s", .labels = {{"fake_health", "UNHEALTHY"}}});
  std::string healer =
      CreatedCluster(c, {.name = "a",
                         .labels = {{"auto_healing_enabled", "true"},
                                    {"auto_healing_controller", "magnum-auto-healer"}}});
  c->PollHealthOnce();
  EXPECT_EQ(Cluster(healthy)->GetString("health_status"), "HEALTHY");
  EXPECT_EQ(Cluster(healthy)->GetString("health_status_reason"), R"({"api":"ok"})");
  EXPECT_EQ(Cluster(sick)->GetString("health_status"), "UNHEALTHY");
  EXPECT_TRUE(Cluster(healer)->IsNull("health_status")) << "the auto-healer reports itself";
}

class RecoverySyncDriver final : public NoOpDriver {
 public:
  explicit RecoverySyncDriver(drivers::SyncReport report)
      : NoOpDriver("sync", "sync-os"), report_(std::move(report)) {}
  Result<drivers::SyncReport> SyncStatus(const drivers::ClusterState&) override { return report_; }

 private:
  drivers::SyncReport report_;
};

TEST_F(RecoveryTest, StatusSyncAppliesWhatTheBackendSays) {
  drivers::DriverRegistry reg;
  reg.Register(
      std::make_unique<RecoverySyncDriver>(drivers::SyncReport{drivers::SyncReport::State::kGone, ""}));
  ConductorDeps deps;
  deps.db = db_.get();
  deps.drivers = &reg;
  deps.clock = &SystemClock();
  deps.certificates = NewCertificates();
  ConductorService c(std::move(deps), Options());
  std::string deleting =
      InsertCluster({.name = "d", .driver = "sync", .status = "DELETE_IN_PROGRESS"});
  std::string creating =
      InsertCluster({.name = "c", .driver = "sync", .status = "CREATE_IN_PROGRESS"});
  std::string fresh = InsertCluster({.name = "f", .driver = "sync"});  // ClusterCreate due
  std::string owned = InsertCluster({.name = "o", .driver = "sync"});
  Row lock;
  lock.Set("cluster_uuid", owned);
  lock.Set("conductor_id", std::string("other-host"));
  lock.Set("operation", std::string("create"));
  ASSERT_OK(db_->Insert(db::kClusterLockTable, lock));
  for (const auto& u : {deleting, creating, owned}) Backdate(u);
  c.SyncStatusOnce();
  EXPECT_FALSE(Cluster(deleting)) << "gone during delete: rows removed";
  EXPECT_EQ(Status(creating), "CREATE_FAILED");
  EXPECT_EQ(Reason(creating), "create failed (status sync): the cluster's resources are gone");
  EXPECT_EQ(Status(fresh), "CREATE_IN_PROGRESS") << "just inserted by the API";
  EXPECT_EQ(Status(owned), "CREATE_IN_PROGRESS") << "a conductor runs it";
}

// ---- restart recovery ---------------------------------------------------------------

void InsertLock(db::Database& d, const std::string& uuid, const std::string& owner,
                const std::string& op) {
  Row l;
  l.Set("cluster_uuid", uuid);
  l.Set("conductor_id", owner);
  l.Set("operation", op);
  l.Set("created_at", FormatDbTimestamp(SystemClock().Now()));
  auto r = d.Insert(db::kClusterLockTable, l);
  ASSERT_TRUE(r) << r.error().message();
}

void InsertService(db::Database& d, const std::string& host, TimePoint last_seen) {
  Row s;
  s.Set("host", host);
  s.Set("binary", std::string("magnum-conductor"));
  s.Set("report_count", int64_t{5});
  s.Set("disabled", false);
  s.Set("forced_down", false);
  s.Set("last_seen_up", FormatDbTimestamp(last_seen));
  s.Set("created_at", FormatDbTimestamp(last_seen));
  auto r = d.Insert(db::kMagnumServiceTable, s);
  ASSERT_TRUE(r) << r.error().message();
}

TEST_F(RecoveryTest, RestartRecoveryFailsOrResumesOrphans) {
  std::string dead_create = InsertCluster({.name = "dc"});
  InsertLock(*db_, dead_create, "dead-host", "create");
  std::string dead_resize = InsertCluster({.name = "dr", .status = "UPDATE_IN_PROGRESS"});
  InsertLock(*db_, dead_resize, "dead-host", "resize");
  std::string dead_delete = InsertCluster({.name = "dd", .status = "DELETE_IN_PROGRESS"});
  InsertLock(*db_, dead_delete, "dead-host", "delete");
  std::string no_lock = InsertCluster({.name = "nl"});
  std::string fresh_no_lock = InsertCluster({.name = "fr"});  // the API is about to call
  Row old;
  old.Set("created_at", FormatDbTimestamp(SystemClock().Now() - std::chrono::minutes(1)));
  ASSERT_OK(db_->Update(db::kClusterTable, Filter().Where(Condition::Eq("uuid", no_lock)), old));
  std::string own_lock = InsertCluster({.name = "ol", .status = "UPDATE_IN_PROGRESS"});
  InsertLock(*db_, own_lock, "test-host", "nodegroup_create");
  std::string live = InsertCluster({.name = "lv", .status = "UPDATE_IN_PROGRESS"});
  InsertLock(*db_, live, "live-host", "resize");
  InsertService(*db_, "live-host", SystemClock().Now());
  std::string stale = InsertCluster({.name = "st", .status = "UPDATE_IN_PROGRESS"});
  InsertLock(*db_, stale, "stale-host", "upgrade");
  InsertService(*db_, "stale-host", SystemClock().Now() - std::chrono::minutes(10));

  auto* c = StartConductor();
  ASSERT_TRUE(c->WaitIdle(seconds(10)));

  EXPECT_EQ(Status(dead_create), "CREATE_FAILED");
  EXPECT_EQ(Reason(dead_create),
            "conductor dead-host stopped during create; delete the cluster and create it again");
  for (const auto& ng : NodeGroups(dead_create)) EXPECT_EQ(ng.GetString("status"), "CREATE_FAILED");
  EXPECT_EQ(Status(dead_resize), "UPDATE_FAILED");
  EXPECT_EQ(Reason(dead_resize),
            "conductor dead-host stopped during resize; retry the resize (the nodegroup may not "
            "have the requested node count)");
  EXPECT_FALSE(Cluster(dead_delete)) << "the delete was resumed and finished";
  EXPECT_EQ(Status(no_lock), "CREATE_FAILED");
  EXPECT_EQ(Reason(no_lock),
            "conductor test-host stopped during create; delete the cluster and create it again");
  EXPECT_EQ(Status(own_lock), "UPDATE_FAILED");
  EXPECT_NE(Reason(own_lock).find("stopped during nodegroup_create"), std::string::npos);
  EXPECT_EQ(Status(fresh_no_lock), "CREATE_IN_PROGRESS") << "too young to be an orphan";
  EXPECT_EQ(Status(live), "UPDATE_IN_PROGRESS") << "a live conductor owns it";
  EXPECT_EQ(Status(stale), "UPDATE_FAILED");
  // Advice the API accepts from UPDATE_FAILED (issue 17: "retry the upgrade" was refused).
  EXPECT_EQ(Reason(stale),
            "conductor stale-host stopped during upgrade; resize the cluster to its current node "
            "count (which makes it UPDATE_COMPLETE), then retry the upgrade");
  // Only the live owner's lock is left.
  EXPECT_EQ(CountRows(db::kClusterLockTable), 1);
}

// The gate driver is blocking (not resumable): a stop fails its create. (A resumable
// driver's create is left for the next conductor: resume_test.cc.)
TEST_F(RecoveryTest, StopMidCreateFailsItAndMidDeleteResumesOnRestart) {
  std::string creating, deleting;
  {
    auto* c = StartConductor();
    creating = InsertCluster({.name = "mc", .driver = "gate"});
    deleting = InsertCluster({.name = "md", .driver = "gate"});
    ASSERT_OK(c->ClusterCreate(Caller{}, creating));
    ASSERT_OK(c->ClusterCreate(Caller{}, deleting));
    ASSERT_TRUE(WaitEntered(*gate_, 2));
    ASSERT_OK(c->ClusterDelete(Caller{}, deleting));  // queued behind the gated create
    c->Stop();
  }
  EXPECT_EQ(Status(creating), "CREATE_FAILED");
  EXPECT_EQ(Reason(creating),
            "conductor test-host stopped during create; delete the cluster and create it again");
  EXPECT_EQ(Status(deleting), "DELETE_IN_PROGRESS") << "a stopped delete is resumed later";
  OpenGate(*gate_);
  auto* again = StartConductor();
  ASSERT_TRUE(again->WaitIdle(seconds(10)));
  EXPECT_FALSE(Cluster(deleting));
  EXPECT_EQ(Status(creating), "CREATE_FAILED");
}

TEST_F(RecoveryTest, RefusesWorkWhileStopping) {
  auto* c = StartConductor();
  std::string uuid = InsertCluster({});
  c->Stop();
  auto r = c->ClusterCreate(Caller{}, uuid);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_FALSE(c->Ping());
}

}  // namespace
}  // namespace magnum::conductor::testing
