// The conductor's periodic tasks and deadlines on simulated time: a ManualClock the test
// advances, no scheduler thread (RunDueTasks runs what is due), no sleeps.
#include "conductor_test_util.h"

namespace magnum::conductor::testing {
namespace {

using namespace std::chrono_literals;

class SimulatedTimeTest : public ConductorTestBase {
 protected:
  ConductorOptions SimOptions() {
    ConductorOptions o = Options();
    o.run_timer_thread = false;
    o.report_interval = 10s;
    o.lease_ttl = 30s;
    o.status_sync_interval = 20s;
    o.health_poll_interval = 1h;
    o.service_down_time = 60s;
    return o;
  }

  int64_t ReportCount() {
    auto r = db_->GetOne(db::kMagnumServiceTable,
                         Filter().Where(Condition::Eq("host", std::string("test-host"))));
    EXPECT_TRUE(r && *r);
    return r && *r ? (*r)->GetInt("report_count") : -1;
  }

  TimePoint LeaseExpiry(const std::string& uuid) {
    auto lock = Lock(uuid);
    TimePoint t{};
    EXPECT_TRUE(lock);
    if (lock) {
      EXPECT_TRUE(ParseDbTimestamp(lock->GetString("lease_expires_at"), &t));
    }
    return t;
  }

  ManualClock clock_{SystemClock().Now()};
};

TEST_F(SimulatedTimeTest, HeartbeatReportsEveryIntervalOfTheClock) {
  auto* c = StartConductor(SimOptions(), nullptr, &clock_);
  EXPECT_EQ(ReportCount(), 1) << "reported at start";
  clock_.Advance(9s);
  c->RunDueTasks();
  EXPECT_EQ(ReportCount(), 1);
  clock_.Advance(1s);
  c->RunDueTasks();
  EXPECT_EQ(ReportCount(), 2);
  clock_.Advance(10s);
  c->RunDueTasks();
  EXPECT_EQ(ReportCount(), 3);
}

TEST_F(SimulatedTimeTest, LeaseIsRenewedEveryThirdOfItsTtl) {
  auto* c = StartConductor(SimOptions(), nullptr, &clock_);
  std::string uuid = InsertCluster({.driver = "gate"});
  ASSERT_OK(c->ClusterCreate(Caller{}, uuid));
  ASSERT_TRUE(WaitEntered(*gate_, 1));
  EXPECT_EQ(LeaseExpiry(uuid), clock_.Now() + 30s);
  clock_.Advance(10s);
  c->RunDueTasks();
  EXPECT_EQ(LeaseExpiry(uuid), clock_.Now() + 30s) << "renewed at ttl / 3";
  OpenGate(*gate_);
  ASSERT_TRUE(c->WaitIdle(10s));
  EXPECT_EQ(Status(uuid), "CREATE_COMPLETE");
}

TEST_F(SimulatedTimeTest, CreateDeadlineFiresWhenTheClockPassesIt) {
  gate_->ignore_cancel = true;
  auto* c = StartConductor(SimOptions(), nullptr, &clock_);
  std::string uuid = InsertCluster({.driver = "gate", .create_timeout = 2});
  ASSERT_OK(c->ClusterCreate(Caller{}, uuid));
  ASSERT_TRUE(WaitEntered(*gate_, 1));
  clock_.Advance(119s);
  c->RunDueTasks();
  EXPECT_EQ(Status(uuid), "CREATE_IN_PROGRESS");
  clock_.Advance(1s);
  c->RunDueTasks();
  EXPECT_EQ(Status(uuid), "CREATE_FAILED") << "failed by the deadline, the driver still runs";
  EXPECT_NE(Reason(uuid).find("create timed out after 2 minutes"), std::string::npos)
      << Reason(uuid);
  EXPECT_EQ(c->ActiveOperations(), 1u);
  OpenGate(*gate_);
  ASSERT_TRUE(c->WaitIdle(10s));
  EXPECT_EQ(Status(uuid), "CREATE_FAILED");
  EXPECT_EQ(CountRows(db::kClusterLockTable), 0);
}

TEST_F(SimulatedTimeTest, LocklessOrphanIsRecoveredAfterServiceDownTime) {
  std::string uuid = InsertCluster({});  // the API inserted it; ClusterCreate never came
  auto* c = StartConductor(SimOptions(), nullptr, &clock_);
  EXPECT_EQ(Status(uuid), "CREATE_IN_PROGRESS") << "too young at start";
  for (int i = 0; i < 3; ++i) {  // 60 s: not older than service_down_time yet
    clock_.Advance(20s);
    c->RunDueTasks();
  }
  EXPECT_EQ(Status(uuid), "CREATE_IN_PROGRESS");
  clock_.Advance(20s);
  c->RunDueTasks();
  EXPECT_EQ(Status(uuid), "CREATE_FAILED");
  EXPECT_EQ(Reason(uuid),
            "conductor test-host stopped during create; delete the cluster and create it again");
}

}  // namespace
}  // namespace magnum::conductor::testing
