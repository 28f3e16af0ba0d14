// Resumable operations (drivers/driver.h Advance) across conductor stops and takeovers,
// with the resumable fake driver on simulated time: a stop leaves the operation in progress
// with its persisted spec and progress and an expired lease; the next conductor (here on
// another host) resumes it from that progress; the create deadline survives.
#include "conductor_test_util.h"

namespace magnum::conductor::testing {
namespace {

using namespace std::chrono_literals;

class ResumeTest : public ConductorTestBase {
 protected:
  ConductorOptions SimOptions(const std::string& host) {
    ConductorOptions o = Options(host);
    o.run_timer_thread = false;
    return o;
  }

  std::string Progress(const std::string& uuid) {
    auto l = Lock(uuid);
    return l ? l->GetString("progress") : "<no lock>";
  }
  // Waits until the operation's persisted progress is `want` (a worker writes it).
  bool WaitProgress(const std::string& uuid, const std::string& want) {
    return WaitUntil([&] { return Progress(uuid) == want; });
  }
  void SetLabels(const std::string& uuid, const std::string& labels_json) {
    Row r;
    r.Set("labels", labels_json);
    ASSERT_OK(db_->Update(db::kClusterTable, Filter().Where(Condition::Eq("uuid", uuid)), r));
  }
  int64_t Count(const std::vector<Row>& events, const std::string& message) {
    int64_t n = 0;
    for (const auto& e : events) n += e.GetString("message") == message;
    return n;
  }

  ManualClock clock_{SystemClock().Now()};
};

TEST_F(ResumeTest, StopLeavesTheCreateAndAnotherConductorResumesItFromItsProgress) {
  auto* a = StartConductor(SimOptions("host-a"), nullptr, &clock_);
  std::string uuid = InsertCluster({.node_count = 2, .labels = {{"fake_delay_ms", "1000"}}});
  ASSERT_OK(a->ClusterCreate(Caller{}, uuid));
  ASSERT_TRUE(WaitProgress(uuid, R"({"step":0,"waited":true})"));
  auto lock = Lock(uuid);
  ASSERT_TRUE(lock);
  EXPECT_NE(lock->GetString("spec").find(R"("operation":"create")"), std::string::npos);
  TimePoint deadline;
  ASSERT_TRUE(ParseDbTimestamp(lock->GetString("deadline_at"), &deadline));
  EXPECT_GT(deadline, clock_.Now() + 59min) << "create_timeout 60 minutes";
  // A simulated second later the network step runs, then the wait before the first node.
  // (The clock moves in small steps: the worker may schedule its poll a little late.)
  ASSERT_TRUE(WaitUntil([&] {
    if (Progress(uuid) == R"({"step":1,"waited":true})") return true;
    clock_.Advance(100ms);
    a->RunDueTasks();
    return false;
  }));
  EXPECT_EQ(a->ActiveOperations(), 1u) << "registered, though no thread runs it";

  a->Stop();
  EXPECT_EQ(Status(uuid), "CREATE_IN_PROGRESS") << "left for the next conductor";
  lock = Lock(uuid);
  ASSERT_TRUE(lock);
  EXPECT_EQ(lock->GetString("conductor_id"), "host-a");
  TimePoint expires;
  ASSERT_TRUE(ParseDbTimestamp(lock->GetString("lease_expires_at"), &expires));
  EXPECT_LE(expires, clock_.Now()) << "lease released";
  EXPECT_TRUE(HasEvent(uuid, "conductor host-a is stopping: the create resumes when a "
                             "conductor starts"));
  const int64_t certificates = CountRows(db::kX509KeyPairTable);

  SetLabels(uuid, "{}");  // the rest without delays
  auto* b = StartConductor(SimOptions("host-b"), OtherDatabase(), &clock_);
  ASSERT_TRUE(b->WaitIdle(10s));
  EXPECT_EQ(Status(uuid), "CREATE_COMPLETE") << Reason(uuid);
  EXPECT_EQ(Reason(uuid), "Cluster create completed");
  auto events = Events(uuid);
  EXPECT_EQ(Count(events, "network created"), 1) << "not run again";
  EXPECT_EQ(Count(events, "node started"), 3);
  EXPECT_TRUE(HasEvent(uuid, "conductor host-b resumes the create interrupted on conductor "
                             "host-a from its saved progress"));
  EXPECT_EQ(CountRows(db::kX509KeyPairTable), certificates) << "certificates kept";
  auto worker = NodeGroup(uuid, "default-worker");
  ASSERT_TRUE(worker);
  EXPECT_EQ(worker->GetString("node_addresses"), R"(["192.0.2.12","192.0.2.13"])");
  EXPECT_EQ(worker->GetString("status"), "CREATE_COMPLETE");
  EXPECT_EQ(Cluster(uuid)->GetString("api_address"), "https://192.0.2.11:6443");
  EXPECT_EQ(CountRows(db::kClusterLockTable), 0);
}

TEST_F(ResumeTest, TheCreateDeadlineSurvivesARestart) {
  auto* a = StartConductor(SimOptions("host-a"), nullptr, &clock_);
  std::string uuid = InsertCluster({.create_timeout = 1, .labels = {{"fake_delay_ms", "1000"}}});
  ASSERT_OK(a->ClusterCreate(Caller{}, uuid));
  ASSERT_TRUE(WaitProgress(uuid, R"({"step":0,"waited":true})"));
  a->Stop();
  clock_.Advance(30s);
  auto* b = StartConductor(SimOptions("host-a"), OtherDatabase(), &clock_);
  EXPECT_EQ(b->ActiveOperations(), 1u) << "resumed";
  clock_.Advance(29s);
  b->RunDueTasks();
  // Resumed and waiting for its next poll (how far it got depends on the worker's pace).
  ASSERT_TRUE(WaitUntil([&] { return Progress(uuid).find(R"("waited":true)") != std::string::npos &&
                                     Progress(uuid) != R"({"step":0,"waited":true})"; }));
  EXPECT_EQ(Status(uuid), "CREATE_IN_PROGRESS");
  clock_.Advance(1s);  // 60 s after the create was accepted
  b->RunDueTasks();
  // The deadline timer and the next poll are due together: either fails the create, the
  // poll on a worker thread, so the status may be written a moment after RunDueTasks.
  EXPECT_TRUE(WaitUntil([&] { return Status(uuid) != "CREATE_IN_PROGRESS"; }));
  EXPECT_EQ(Status(uuid), "CREATE_FAILED");
  EXPECT_NE(Reason(uuid).find("create timed out after 1 minutes"), std::string::npos)
      << Reason(uuid);
  ASSERT_TRUE(b->WaitIdle(10s));
  EXPECT_EQ(CountRows(db::kClusterLockTable), 0);
}

TEST_F(ResumeTest, ResumedResizeFinishesAndAFailedOneRestoresTheOldCount) {
  auto* a = StartConductor(SimOptions("host-a"), nullptr, &clock_);
  std::string ok = CreatedCluster(a, {.name = "ok", .node_count = 1});
  std::string bad = CreatedCluster(a, {.name = "bad", .node_count = 1});
  ASSERT_EQ(Status(ok), "CREATE_COMPLETE");
  for (const auto& u : {ok, bad}) {
    SetLabels(u, R"({"fake_delay_ms":"1000"})");
    ASSERT_OK(a->ClusterResize(Caller{}, u, "", 3, {}));
    ASSERT_TRUE(WaitProgress(u, R"({"step":0,"waited":true})"));
  }
  a->Stop();
  EXPECT_EQ(Status(ok), "UPDATE_IN_PROGRESS");
  SetLabels(ok, "{}");
  SetLabels(bad, R"({"fake_fail":"resize:nodegroup"})");
  auto* b = StartConductor(SimOptions("host-b"), OtherDatabase(), &clock_);
  ASSERT_TRUE(b->WaitIdle(10s));
  EXPECT_EQ(Status(ok), "UPDATE_COMPLETE") << Reason(ok);
  EXPECT_EQ(NodeGroup(ok, "default-worker")->GetInt("node_count"), 3);
  EXPECT_EQ(NodeGroup(ok, "default-worker")->GetString("node_addresses"),
            R"(["192.0.2.12","192.0.2.101","192.0.2.102"])");
  EXPECT_EQ(Status(bad), "UPDATE_FAILED");
  EXPECT_EQ(NodeGroup(bad, "default-worker")->GetInt("node_count"), 1)
      << "the persisted old count was restored";
}

TEST_F(ResumeTest, DeleteEndsACreateWaitingBetweenPolls) {
  auto* a = StartConductor(SimOptions("host-a"), nullptr, &clock_);
  std::string uuid = InsertCluster({.labels = {{"fake_delay_ms", "1000"}}});
  ASSERT_OK(a->ClusterCreate(Caller{}, uuid));
  ASSERT_TRUE(WaitProgress(uuid, R"({"step":0,"waited":true})"));
  SetLabels(uuid, "{}");  // the delete without delays
  ASSERT_OK(a->ClusterDelete(Caller{}, uuid));
  ASSERT_TRUE(a->WaitIdle(10s));
  EXPECT_FALSE(Cluster(uuid));
  EXPECT_EQ(CountRows(db::kClusterLockTable), 0);
}

// Two conductors: a delete accepted by B takes the lease of A's create, which waits between
// two polls (no thread of A runs it). A's next renewal finds the lease gone and ends the
// create without calling its driver again; B deletes once A's lease would have expired.
TEST_F(ResumeTest, DeleteInAnotherConductorEndsAWaitingCreate) {
  auto* a = StartConductor(SimOptions("host-a"), nullptr, &clock_);
  auto* b = StartConductor(SimOptions("host-b"), OtherDatabase(), &clock_);
  std::string uuid = InsertCluster({.labels = {{"fake_delay_ms", "1000"}}});
  ASSERT_OK(a->ClusterCreate(Caller{}, uuid));
  ASSERT_TRUE(WaitProgress(uuid, R"({"step":0,"waited":true})"));
  SetLabels(uuid, "{}");  // the delete without delays
  ASSERT_OK(b->ClusterDelete(Caller{}, uuid));
  EXPECT_EQ(Lock(uuid)->GetString("conductor_id"), "host-b");
  a->RenewLeasesOnce();
  ASSERT_TRUE(a->WaitIdle(10s)) << "A's create ended";
  EXPECT_TRUE(HasEvent(uuid, "host-a lost the cluster lease"));
  EXPECT_EQ(Status(uuid), "DELETE_IN_PROGRESS");
  clock_.Advance(30s);  // A's lease (lease_ttl 30 s) would have expired: B goes on
  ASSERT_TRUE(WaitUntil([&] {
    b->RunDueTasks();
    return !Cluster(uuid);
  }));
  ASSERT_TRUE(b->WaitIdle(10s));
  // A's poll, still on its scheduler, finds the operation ended: nothing more is written.
  clock_.Advance(1s);
  a->RunDueTasks();
  ASSERT_TRUE(a->WaitIdle(10s));
  EXPECT_EQ(CountRows(db::kClusterEventTable), 0);
  EXPECT_EQ(CountRows(db::kClusterLockTable), 0);
}

// No thread is held while a resumable driver waits: with a single worker thread, two
// slow creates (each step 1 simulated second apart) advance together, step by step.
TEST_F(ResumeTest, OneWorkerThreadAdvancesTwoSlowCreatesTogether) {
  ConductorOptions o = SimOptions("host-a");
  o.workers = 1;
  auto* a = StartConductor(o, nullptr, &clock_);
  std::string x = InsertCluster({.name = "x", .labels = {{"fake_delay_ms", "1000"}}});
  std::string y = InsertCluster({.name = "y", .labels = {{"fake_delay_ms", "1000"}}});
  ASSERT_OK(a->ClusterCreate(Caller{}, x));
  ASSERT_OK(a->ClusterCreate(Caller{}, y));
  ASSERT_TRUE(WaitProgress(x, R"({"step":0,"waited":true})"));
  ASSERT_TRUE(WaitProgress(y, R"({"step":0,"waited":true})")) << "y started while x waits";
  EXPECT_EQ(a->ActiveOperations(), 2u);
  for (int step = 1; step <= 2; ++step) {
    const std::string want = R"({"step":)" + std::to_string(step) + R"(,"waited":true})";
    clock_.Advance(1s);
    a->RunDueTasks();
    ASSERT_TRUE(WaitProgress(x, want)) << Progress(x);
    ASSERT_TRUE(WaitProgress(y, want)) << Progress(y);
  }
  ASSERT_TRUE(WaitUntil([&] {
    clock_.Advance(1s);
    a->RunDueTasks();
    return Status(x) != "CREATE_IN_PROGRESS" && Status(y) != "CREATE_IN_PROGRESS";
  }));
  ASSERT_TRUE(a->WaitIdle(10s));
  EXPECT_EQ(Status(x), "CREATE_COMPLETE") << Reason(x);
  EXPECT_EQ(Status(y), "CREATE_COMPLETE") << Reason(y);
}

// A CA rotation is persisted like a resumable operation: its new CA set is made once (in
// one transaction with the cluster's refs) and recorded in the spec; a conductor that
// resumes the interrupted rotation runs the driver's distribution again on that set.
TEST_F(ResumeTest, InterruptedCaRotationResumesOnTheSetItMadeOnce) {
  OpenGate(*gate_);
  auto* a = StartConductor(Options("host-a"));
  std::string uuid = CreatedCluster(a, {.driver = "gate"});
  ASSERT_EQ(Status(uuid), "CREATE_COMPLETE") << Reason(uuid);
  const std::string first_ca = Cluster(uuid)->GetString("ca_cert_ref");
  CloseGate(*gate_);
  ASSERT_OK(a->RotateCaCertificate(Caller{}, uuid));
  ASSERT_TRUE(WaitEntered(*gate_, 2)) << "the rotation reached the driver";
  const std::string rotated_ca = Cluster(uuid)->GetString("ca_cert_ref");
  EXPECT_NE(rotated_ca, first_ca);
  auto lock = Lock(uuid);
  ASSERT_TRUE(lock);
  EXPECT_NE(lock->GetString("spec").find(R"("ca_rotated":true)"), std::string::npos)
      << lock->GetString("spec");
  const int64_t certificates = CountRows(db::kX509KeyPairTable);

  a->Stop();  // the driver sees the cancellation and returns
  EXPECT_EQ(Status(uuid), "UPDATE_IN_PROGRESS") << "left for the next conductor";
  EXPECT_TRUE(HasEvent(uuid, "resumes when a conductor starts"));
  OpenGate(*gate_);
  auto* b = StartConductor(Options("host-b"), OtherDatabase());
  ASSERT_TRUE(b->WaitIdle(10s));
  EXPECT_EQ(Status(uuid), "UPDATE_COMPLETE") << Reason(uuid);
  EXPECT_EQ(Cluster(uuid)->GetString("ca_cert_ref"), rotated_ca) << "not generated again";
  EXPECT_EQ(CountRows(db::kX509KeyPairTable), certificates);
  {
    std::lock_guard<std::mutex> l(gate_->mu);
    EXPECT_EQ(std::count(gate_->calls.begin(), gate_->calls.end(), "rotate_ca:" + uuid), 2);
  }
  EXPECT_EQ(CountRows(db::kClusterLockTable), 0);
}

TEST_F(ResumeTest, TemplateNamingTheBlockingFakeIsNotResumed) {
  registry_.Register(drivers::NewBlockingFakeDriver());
  auto* a = StartConductor(SimOptions("host-a"), nullptr, &clock_);
  std::string uuid = InsertCluster({.driver = "fake-blocking",
                                    .labels = {{"fake_delay_ms", "60000"}}});
  ASSERT_OK(a->ClusterCreate(Caller{}, uuid));
  ASSERT_TRUE(WaitUntil([&] { return HasEvent(uuid, "generated"); }));
  EXPECT_TRUE(Lock(uuid)->IsNull("spec")) << "nothing persisted for a blocking driver";
  a->Stop();
  EXPECT_EQ(Status(uuid), "CREATE_FAILED");
  EXPECT_EQ(Reason(uuid),
            "conductor host-a stopped during create; delete the cluster and create it again");
}

}  // namespace
}  // namespace magnum::conductor::testing
