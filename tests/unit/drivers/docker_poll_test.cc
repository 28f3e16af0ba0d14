// The docker driver's waits as polls (drivers/driver.h resumable contract, session_wait.cc):
// driven by Advance() calls as the conductor makes them, with the fake engine's nodes
// becoming ready only after some polls. Every call returns at once (no sleep on the
// driver's clock), answering Step::PollAfter(poll interval) with the wait recorded in the
// progress; the test moves the simulated clock between polls as the conductor's scheduler
// would. Timeouts still fire, and a wait resumed by another driver instance (a restarted
// conductor) starts its time afresh.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>

#include "fake_docker_driver.h"
#include "magnum/drivers/docker/session.h"

namespace magnum::drivers::docker {
namespace {

using namespace std::chrono_literals;
using fake::FakeEngine;
using fake::FakeOperation;
using fake::FakeTime;
using fake::json;

using fake::kV2;

class DockerPollTest : public ::testing::Test {
 protected:
  struct Polls {
    Result<Step> last = Step::Done();
    int calls = 0;
    int waits = 0;                   // answers PollAfter(> 0): a wait under way
    std::set<std::string> waited;    // what the progress said it waited for
    std::chrono::milliseconds slowest{0};  // real time of the slowest call
  };

  // Advances `spec` with `driver` until it is done or fails (or `max_calls`); between two
  // polls the simulated clock moves by the answer's delay.
  Polls Drive(Driver& driver, FakeOperation& op, const OperationSpec& spec,
              std::string& progress, int max_calls = 100000) {
    Polls out;
    for (; out.calls < max_calls; ++out.calls) {
      auto start = std::chrono::steady_clock::now();
      out.last = driver.Advance(op, spec, progress);
      auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
          std::chrono::steady_clock::now() - start);
      out.slowest = std::max(out.slowest, took);
      if (!out.last || out.last->done) break;
      if (out.last->after > 0ms) {
        ++out.waits;
        json p = json::parse(progress);
        if (p.contains("wait")) out.waited.insert(p["wait"].value("what", ""));
      }
      time->Advance(out.last->after);
    }
    ++out.calls;
    return out;
  }

  // A driver whose nodes' engines never get ready, waiting for them at most `timeout`.
  std::unique_ptr<Driver> NeverReady(std::chrono::seconds timeout) {
    engine->ready_after_polls = 1 << 30;
    DockerDriverOptions o;
    o.node_ready_timeout = timeout;
    return fake::MakeDriver(engine, time, o);
  }

  std::shared_ptr<FakeEngine> engine = std::make_shared<FakeEngine>();
  std::shared_ptr<FakeTime> time = std::make_shared<FakeTime>();
};

TEST_F(DockerPollTest, CreateAnswersPollAfterWhileNodesStartAndNeverSleeps) {
  engine->ready_after_polls = 5;  // each node's engine answers 404 to its first 5 probes
  auto driver = fake::MakeDriver(engine, time);
  FakeOperation op(fake::Cluster(1, 2));
  std::string progress;
  Polls polls = Drive(*driver, op, OperationSpec::Of(OperationKind::kCreate), progress);
  ASSERT_TRUE(polls.last) << polls.last.error().message();
  EXPECT_TRUE(polls.last->done);
  // One look per poll at every node: five answers "poll again in 10 ms", then ready.
  EXPECT_EQ(polls.waits, 5);
  EXPECT_EQ(polls.waited, std::set<std::string>{"ready"});
  EXPECT_EQ(time->sleeps.load(), 0) << "no call slept on the driver's clock";
  EXPECT_LT(polls.slowest, 2000ms) << "each call returns at once";
  EXPECT_EQ(json::parse(progress).count("wait"), 0u) << "the wait ended";
  EXPECT_EQ(engine->SwarmHosts(),
            (std::vector<std::string>{"demo-master-0", "demo-node-0", "demo-node-1"}));
  EXPECT_EQ(op.events.back().step, "ready");
}

TEST_F(DockerPollTest, AWaitPastItsDeadlineFailsSayingWhatAndWhatToDo) {
  auto driver = NeverReady(15s);
  FakeOperation op(fake::Cluster(1, 1));
  std::string progress;
  const auto start = time->Now();
  Polls polls = Drive(*driver, op, OperationSpec::Of(OperationKind::kCreate), progress);
  ASSERT_FALSE(polls.last);
  const std::string& m = polls.last.error().message();
  EXPECT_NE(m.find("node demo-master-0 not ready in time"), std::string::npos) << m;
  EXPECT_NE(m.find("and 1 more nodes"), std::string::npos) << m;
  EXPECT_NE(m.find("waited 15 s"), std::string::npos) << m;
  EXPECT_NE(m.find("delete the cluster and create it again"), std::string::npos) << m;
  EXPECT_TRUE(op.Warned("node", "not ready in time"));
  EXPECT_GE(time->Now() - start, 15s);
  EXPECT_LT(time->Now() - start, 16s);
  EXPECT_GE(polls.waits, 15 * 100);  // 10 ms polls for 15 simulated seconds
  EXPECT_EQ(time->sleeps.load(), 0);
}

TEST_F(DockerPollTest, AWaitResumedByAnotherDriverInstanceStartsItsTimeAfresh) {
  auto first = NeverReady(60s);
  FakeOperation op(fake::Cluster(1, 0));
  const OperationSpec spec = OperationSpec::Of(OperationKind::kCreate);
  std::string progress;
  // Up to the first answer of the wait.
  Polls polls;
  while (polls.waits == 0) {
    Polls one = Drive(*first, op, spec, progress, 1);
    ASSERT_TRUE(one.last) << one.last.error().message();
    polls.waits += one.waits;
  }
  json waiting = json::parse(progress);
  ASSERT_TRUE(waiting.contains("wait")) << progress;
  EXPECT_EQ(waiting["wait"]["what"], "ready");

  // The conductor was down for longer than the wait's timeout; a new process resumes.
  time->Advance(300s);
  auto second = NeverReady(60s);
  auto resumed = second->Advance(op, spec, progress);
  ASSERT_TRUE(resumed) << resumed.error().message();
  EXPECT_FALSE(resumed->done);
  EXPECT_NE(json::parse(progress)["wait"]["owner"], waiting["wait"]["owner"]);
  // Its own 60 s then run out as usual.
  Polls rest = Drive(*second, op, spec, progress);
  ASSERT_FALSE(rest.last);
  EXPECT_NE(rest.last.error().message().find("waited 60 s"), std::string::npos);
  EXPECT_GE(rest.waits, 59 * 100);

}

TEST_F(DockerPollTest, UpgradeBatchDrainsAndWaitsForTheNewNodesByPolls) {
  engine->images[kV2] = {"sha256:node2", "20.10.25"};
  auto driver = fake::MakeDriver(engine, time);
  ClusterState c = fake::RunningCluster(*driver, 1, 2);
  {
    std::lock_guard l(engine->mu);
    engine->MemberNamed("demo-node-0")->tasks = 3;  // one moves away per look
    engine->ready_after_polls = 4;                  // the replacements start slowly
  }
  const int sleeps_before = time->sleeps.load();
  OperationSpec spec;
  spec.kind = OperationKind::kUpgrade;
  spec.target.image_id = "swarm-node:v2";
  FakeOperation op(c);
  std::string progress;
  Polls polls = Drive(*driver, op, spec, progress);
  ASSERT_TRUE(polls.last) << polls.last.error().message();
  EXPECT_TRUE(polls.last->done);
  EXPECT_EQ(polls.waited, (std::set<std::string>{"drain", "ready"}));
  EXPECT_GE(polls.waits, 3 * 4);  // three batches of one node, each 4 looks before ready
  EXPECT_EQ(time->sleeps.load(), sleeps_before) << "no call slept on the driver's clock";
  EXPECT_LT(polls.slowest, 2000ms);
  std::lock_guard l(engine->mu);
  for (const char* n : {"demo-master-0", "demo-node-0", "demo-node-1"}) {
    EXPECT_EQ(engine->FindContainer(n)->image, kV2) << n;
    EXPECT_EQ(engine->MemberNamed(n)->availability, "active") << n;
  }
}

// A polled drain keeps the tasks that were pending before it (drain_pending) in its
// progress, so a drain resumed by another driver instance does not wait for them either.
TEST_F(DockerPollTest, APolledDrainKeepsTheTasksPendingBeforeItAcrossInstances) {
  engine->images[kV2] = {"sha256:node2", "20.10.25"};
  auto first = fake::MakeDriver(engine, time);
  ClusterState c = fake::RunningCluster(*first, 1, 2);
  {
    std::lock_guard l(engine->mu);
    auto* n0 = engine->MemberNamed("demo-node-0");
    n0->tasks = 3;          // one moves away per look
    n0->service = "s-web";  // p0 below never finds room
    engine->swarm_services = json::array({{{"ID", "s-web"}, {"Spec", {{"Name", "web"}}}}});
    engine->swarm_tasks =
        json::array({{{"ID", "p0"},
                      {"ServiceID", "s-web"},
                      {"DesiredState", "running"},
                      {"Status",
                       {{"State", "pending"},
                        {"Err", "no suitable node (insufficient resources on 3 nodes)"}}}}});
  }
  OperationSpec spec;
  spec.kind = OperationKind::kUpgrade;
  spec.target.image_id = "swarm-node:v2";
  FakeOperation op(c);
  std::string progress;
  const auto start = time->Now();
  json draining;
  for (int i = 0; i < 1000 && draining.is_null(); ++i) {
    Polls one = Drive(*first, op, spec, progress, 1);
    ASSERT_TRUE(one.last) << one.last.error().message();
    ASSERT_FALSE(one.last->done) << "the drain of demo-node-0 waited";
    json p = json::parse(progress);
    if (p.contains("wait") && p["wait"].value("what", "") == "drain") draining = p;
  }
  ASSERT_FALSE(draining.is_null());
  EXPECT_EQ(draining["drain_services"], json::array({"s-web"}));
  EXPECT_EQ(draining["drain_pending"], json::array({"p0"}));

  auto second = fake::MakeDriver(engine, time);
  Polls rest = Drive(*second, op, spec, progress);
  ASSERT_TRUE(rest.last) << rest.last.error().message();
  EXPECT_TRUE(rest.last->done);
  EXPECT_LT(time->Now() - start, 10s) << "no drain ran to drain_timeout (60 s)";
  EXPECT_FALSE(op.Warned("drain", ""));
  int told = 0;
  for (const auto& e : op.events) {
    if (e.step == "drain" &&
        e.message.find("already pending before the drain") != std::string::npos) {
      ++told;
      EXPECT_EQ(
          e.message,
          "1 task of service web was already pending before the drain and was not waited for");
    }
  }
  EXPECT_EQ(told, 1);
  json done = json::parse(progress);
  EXPECT_EQ(done.count("drain_pending"), 0u) << progress;
  EXPECT_EQ(done.count("drain_services"), 0u) << progress;
}

TEST(DockerProgressRecord, DrainPendingRoundTripsAndOldRecordsDecode) {
  OpProgress p;
  p.phase = "batch";
  p.drain_services = {"s-web", "s-db"};
  p.drain_pending = {"p0", "p1"};
  p.wait = "drain";
  p.wait_owner = "i1";
  auto back = OpProgress::Parse(p.Dump());
  ASSERT_TRUE(back) << back.error().message();
  EXPECT_EQ(back->drain_services, p.drain_services);
  EXPECT_EQ(back->drain_pending, p.drain_pending);
  EXPECT_EQ(back->wait, "drain");

  // A record written before drain_pending existed: the drain ignores no task.
  auto old = OpProgress::Parse(R"({"phase":"batch","drain_services":["s-web"],)"
                               R"("wait":{"what":"drain","owner":"i0","deadline":5,"check":6}})");
  ASSERT_TRUE(old) << old.error().message();
  EXPECT_EQ(old->drain_services, std::vector<std::string>{"s-web"});
  EXPECT_TRUE(old->drain_pending.empty());
  EXPECT_EQ(old->wait, "drain");

  // Nothing pending: no key at all (the records stay as they were).
  p.drain_pending.clear();
  EXPECT_EQ(json::parse(p.Dump()).count("drain_pending"), 0u);
}

}  // namespace
}  // namespace magnum::drivers::docker
