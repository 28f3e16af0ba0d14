// The health poll of one cluster once an operation on it succeeded (HealthPollTask::PollSoon
// from OperationExecutor::Finish): a poll that ran while the operation was still changing
// the cluster does not leave its answer standing until the next interval. On simulated time
// (no timer thread, health_poll_interval 1 h): only the conductor's own trigger polls.
#include "conductor_test_util.h"

namespace magnum::conductor::testing {
namespace {

using namespace std::chrono_literals;

// A driver whose lifecycle calls wait for the test to release them and whose PollHealth
// answers UNHEALTHY while one of them runs (nodes still joining), HEALTHY otherwise.
class HealthScriptDriver final : public NoOpDriver {
 public:
  struct Script {
    std::mutex mu;
    std::condition_variable cv;
    bool released = true;      // lifecycle calls return at once
    bool fail = false;         // lifecycle calls fail
    bool polls_health = true;  // false: PollHealth answers "no health polling"
    int running = 0;           // lifecycle calls running
    int entered = 0;           // lifecycle calls started
    int polls = 0;             // PollHealth calls
  };

  explicit HealthScriptDriver(std::shared_ptr<Script> s)
      : NoOpDriver("healthscript", "healthscript-os"), s_(std::move(s)) {}

  Result<void> CreateCluster(drivers::OperationContext&) override { return Run(); }
  Result<void> ResizeNodeGroup(drivers::OperationContext&, const std::string&,
                               const std::vector<std::string>&) override {
    return Run();
  }
  Result<void> UpgradeCluster(drivers::OperationContext&, const drivers::TemplateState&, int64_t,
                              const std::string&) override {
    return Run();
  }
  Result<void> DeleteCluster(drivers::OperationContext&) override { return Run(); }
  Result<void> CreateNodeGroup(drivers::OperationContext&, const std::string&) override {
    return Run();
  }
  Result<void> UpdateNodeGroup(drivers::OperationContext&, const std::string&) override {
    return Run();
  }
  Result<void> DeleteNodeGroup(drivers::OperationContext&, const std::string&) override {
    return Run();
  }
  Result<void> RotateCaCertificate(drivers::OperationContext&) override { return Run(); }

  std::optional<Result<drivers::HealthReport>> PollHealth(const drivers::ClusterState&) override {
    std::lock_guard<std::mutex> lock(s_->mu);
    ++s_->polls;
    if (!s_->polls_health) return std::nullopt;
    drivers::HealthReport r;
    if (s_->running > 0) {
      r.status = drivers::HealthStatus::kUnhealthy;
      r.reason["node-0.Ready"] = "False";
    } else {
      r.status = drivers::HealthStatus::kHealthy;
      r.reason["api"] = "ok";
    }
    return Result<drivers::HealthReport>(r);
  }

 private:
  Result<void> Run() {
    std::unique_lock<std::mutex> lock(s_->mu);
    ++s_->running;
    ++s_->entered;
    s_->cv.notify_all();
    s_->cv.wait(lock, [this] { return s_->released; });
    --s_->running;
    if (s_->fail) return Fail(Error::Unavailable("healthscript: the nodes never joined"));
    return {};
  }

  std::shared_ptr<Script> s_;
};

class HealthAfterOperationTest : public ConductorTestBase {
 protected:
  void SetUp() override {
    ConductorTestBase::SetUp();
    registry_.Register(std::make_unique<HealthScriptDriver>(script_));
  }
  void TearDown() override {
    Release();  // never leave a blocked worker behind
    ConductorTestBase::TearDown();
  }

  ConductorService* Start(const std::string& host = "test-host", db::Database* d = nullptr) {
    ConductorOptions o = Options(host);
    o.run_timer_thread = false;  // health_poll_interval 1 h: no periodic poll runs
    return StartConductor(std::move(o), d, &clock_);
  }

  void Hold() {
    std::lock_guard<std::mutex> lock(script_->mu);
    script_->released = false;
  }
  void SetScript(bool fail, bool polls_health) {
    std::lock_guard<std::mutex> lock(script_->mu);
    script_->fail = fail;
    script_->polls_health = polls_health;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(script_->mu);
    script_->released = true;
    script_->cv.notify_all();
  }
  bool WaitRunning(int entered) {
    std::unique_lock<std::mutex> lock(script_->mu);
    return script_->cv.wait_for(lock, 10s, [&] { return script_->entered >= entered; });
  }
  int Polls() {
    std::lock_guard<std::mutex> lock(script_->mu);
    return script_->polls;
  }
  // Completes `c`'s pending work and timers (nothing is scheduled for the poll itself).
  void Settle(ConductorService* c) {
    ASSERT_TRUE(c->WaitIdle(10s));
    c->RunDueTasks();
    ASSERT_TRUE(c->WaitIdle(10s));
  }

  std::string Health(const std::string& uuid) {
    auto row = Cluster(uuid);
    return !row                           ? "<gone>"
           : row->IsNull("health_status") ? "<null>"
                                          : row->GetString("health_status");
  }
  void SetHealth(const std::string& uuid, const std::string& health) {
    Row r;
    r.Set("health_status", health);
    ASSERT_OK(db_->Update(db::kClusterTable, Filter().Where(Condition::Eq("uuid", uuid)), r));
  }

  std::shared_ptr<HealthScriptDriver::Script> script_ =
      std::make_shared<HealthScriptDriver::Script>();
  ManualClock clock_{SystemClock().Now()};
};

TEST_F(HealthAfterOperationTest, CreateEndsWithTheHealthOfTheFinishedCluster) {
  auto* c = Start();
  Hold();
  std::string uuid = InsertCluster({.driver = "healthscript"});
  ASSERT_OK(c->ClusterCreate(Caller{}, uuid));
  ASSERT_TRUE(WaitRunning(1));
  // The periodic poll comes while the nodes are still joining.
  c->PollHealthOnce();
  EXPECT_EQ(Health(uuid), "UNHEALTHY");
  Release();
  Settle(c);
  EXPECT_EQ(Status(uuid), "CREATE_COMPLETE");
  EXPECT_EQ(Health(uuid), "HEALTHY") << "polled again at the end, not an interval later";
  EXPECT_EQ(Cluster(uuid)->GetString("health_status_reason"), R"({"api":"ok"})");
  EXPECT_EQ(Polls(), 2) << "the periodic poll above and the one after the create";
}

// Every successful operation but a delete polls its cluster once at its end.
TEST_F(HealthAfterOperationTest, EverySuccessfulOperationPollsItsCluster) {
  auto* c = Start();
  const std::string uuid = CreatedCluster(c, {.driver = "healthscript"});
  ASSERT_EQ(Health(uuid), "HEALTHY");
  const std::string target = InsertTemplate("healthscript");
  std::string ng;
  struct OpCase {
    const char* what;
    std::function<Result<void>()> run;
  };
  const std::vector<OpCase> cases = {
      {"resize", [&] { return c->ClusterResize(Caller{}, uuid, "", 3, {}); }},
      {"upgrade", [&] { return c->ClusterUpgrade(Caller{}, uuid, target, 1, ""); }},
      {"nodegroup create",
       [&] {
         ng = InsertNodeGroup(uuid, "gpu", "worker", false, 1, "CREATE_IN_PROGRESS");
         return c->NodeGroupCreate(Caller{}, uuid, ng);
       }},
      {"nodegroup update", [&] { return c->NodeGroupUpdate(Caller{}, uuid, ng); }},
      {"nodegroup delete", [&] { return c->NodeGroupDelete(Caller{}, uuid, ng); }},
      {"CA rotation", [&] { return c->RotateCaCertificate(Caller{}, uuid); }},
  };
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.what);
    SetHealth(uuid, "UNHEALTHY");  // what a poll during the operation wrote
    const int before = Polls();
    ASSERT_OK(tc.run());
    Settle(c);
    EXPECT_EQ(Status(uuid), "UPDATE_COMPLETE") << Reason(uuid);
    EXPECT_EQ(Health(uuid), "HEALTHY");
    EXPECT_EQ(Polls(), before + 1);
  }
}

TEST_F(HealthAfterOperationTest, FailedOrDeletingOperationsPollNothing) {
  auto* c = Start();
  SetScript(/*fail=*/true, /*polls_health=*/true);
  std::string failed = CreatedCluster(c, {.name = "f", .driver = "healthscript"});
  Settle(c);
  EXPECT_EQ(Status(failed), "CREATE_FAILED");
  EXPECT_EQ(Health(failed), "<null>");
  EXPECT_EQ(Polls(), 0);

  SetScript(/*fail=*/false, /*polls_health=*/true);
  std::string deleted = CreatedCluster(c, {.name = "d", .driver = "healthscript"});
  ASSERT_EQ(Polls(), 1);
  ASSERT_OK(c->ClusterDelete(Caller{}, deleted));
  Settle(c);
  EXPECT_FALSE(Cluster(deleted));
  EXPECT_EQ(Polls(), 1) << "no poll after a delete";
}

TEST_F(HealthAfterOperationTest, DriverWithoutHealthPollingIsUntouched) {
  auto* c = Start();
  SetScript(/*fail=*/false, /*polls_health=*/false);
  std::string uuid = CreatedCluster(c, {.driver = "healthscript"});
  Settle(c);
  EXPECT_EQ(Status(uuid), "CREATE_COMPLETE");
  EXPECT_EQ(Health(uuid), "<null>");
  EXPECT_TRUE(Cluster(uuid)->IsNull("health_status_reason"));
  EXPECT_EQ(Polls(), 1) << "asked once after the create; it declined";
}

TEST_F(HealthAfterOperationTest, AutoHealerLabelsStillSkipThePoll) {
  auto* c = Start();
  std::string healer =
      CreatedCluster(c, {.name = "a",
                         .driver = "healthscript",
                         .labels = {{"auto_healing_enabled", "true"},
                                    {"auto_healing_controller", "magnum-auto-healer"}}});
  std::string plain = CreatedCluster(c, {.name = "p", .driver = "healthscript"});
  Settle(c);
  EXPECT_EQ(Status(healer), "CREATE_COMPLETE");
  EXPECT_EQ(Health(healer), "<null>") << "that controller reports health itself";
  EXPECT_EQ(Health(plain), "HEALTHY");
  EXPECT_EQ(Polls(), 1) << "only the cluster without the auto-healer";
}

// The conductor that ran the operation polls it, whichever live conductor's share of the
// periodic passes the cluster is in (with two, 8 clusters all in this one's share: 1/256).
TEST_F(HealthAfterOperationTest, TheConductorThatRanItPollsOutsideItsShare) {
  auto* a = Start("host-a");
  Start("host-b", OtherDatabase());
  std::vector<std::string> clusters;
  for (int i = 0; i < 8; ++i) {
    clusters.push_back(
        CreatedCluster(a, {.name = "c" + std::to_string(i), .driver = "healthscript"}));
  }
  Settle(a);
  for (const auto& u : clusters) EXPECT_EQ(Health(u), "HEALTHY") << u;
  EXPECT_EQ(Polls(), 8);
}

}  // namespace
}  // namespace magnum::conductor::testing
