// The conductor's periodic tasks and deadlines on simulated time: a ManualClock the test
// advances, no scheduler thread (RunDueTasks runs what is due), no sleeps.
#include "conductor_test_util.h"

#include <future>

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
    ASSERT_TRUE(c->WaitIdle(10s)) << "the status sync runs on the worker pool";
  }
  EXPECT_EQ(Status(uuid), "CREATE_IN_PROGRESS");
  clock_.Advance(20s);
  c->RunDueTasks();
  ASSERT_TRUE(c->WaitIdle(10s));
  EXPECT_EQ(Status(uuid), "CREATE_FAILED");
  EXPECT_EQ(Reason(uuid),
            "conductor test-host stopped during create; delete the cluster and create it again");
}

// Status sync calls drivers and may take long: it runs on the worker pool, so the
// scheduler keeps reporting heartbeats (and renewing leases) while a sync hangs.
TEST_F(SimulatedTimeTest, SlowStatusSyncDoesNotDelayTheHeartbeat) {
  gate_->gate_sync = true;
  std::string uuid = InsertCluster({.driver = "gate"});  // in progress, nobody runs it
  auto* c = StartConductor(SimOptions(), nullptr, &clock_);
  // RunDueTasks on another thread: were the sync run by the scheduler, it would hang there.
  std::future<size_t> first, second;
  struct OpenAtExit {  // destroyed before the futures: a hung RunDueTasks can return
    GateDriver::State* gate;
    ~OpenAtExit() { OpenGate(*gate); }
  } open_at_exit{gate_.get()};
  auto run_due = [c](std::future<size_t>& ran) {
    ran = std::async(std::launch::async, [c] { return c->RunDueTasks(); });
    return ran.wait_for(5s) == std::future_status::ready;
  };
  clock_.Advance(20s);  // the sync is due (and heartbeats)
  EXPECT_TRUE(run_due(first)) << "the scheduler ran the status sync itself";
  {
    std::unique_lock<std::mutex> lock(gate_->mu);
    ASSERT_TRUE(gate_->cv.wait_for(lock, 10s, [&] { return gate_->sync_entered == 1; }))
        << "the sync reached the driver";
  }
  const int64_t before = ReportCount();
  clock_.Advance(20s);  // heartbeats and the next sync are due
  EXPECT_TRUE(run_due(second)) << "the scheduler waited for the sync";
  EXPECT_GT(ReportCount(), before) << "heartbeat while the sync hangs in the driver";
  {
    std::lock_guard<std::mutex> lock(gate_->mu);
    EXPECT_EQ(gate_->sync_entered, 1) << "no second sync queued behind the running one";
  }
  OpenGate(*gate_);
  ASSERT_TRUE(c->WaitIdle(10s));
  EXPECT_EQ(Status(uuid), "CREATE_IN_PROGRESS") << "the driver said: unchanged";
}

}  // namespace
}  // namespace magnum::conductor::testing
