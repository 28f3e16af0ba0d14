// What a failed operation of the docker driver leaves (fake engine, simulated time, driven
// by Advance as the conductor does): a failed grow removes the nodes it started and says
// so; a cancelled one is left to be resumed; a failed upgrade batch leaves no node drained
// and an upgrade makes active a node an earlier one left drained; every failure names what
// to do next.
#include <gtest/gtest.h>

#include "fake_docker_driver.h"

namespace magnum::drivers::docker {
namespace {

using fake::FakeEngine;
using fake::FakeOperation;
using fake::FakeTime;

using fake::kV2;

class DockerRollbackTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeEngine> engine = std::make_shared<FakeEngine>();
  std::shared_ptr<FakeTime> time = std::make_shared<FakeTime>();
  std::unique_ptr<Driver> driver = fake::MakeDriver(engine, time);

  void SetUp() override { engine->images[kV2] = {"sha256:node2", "20.10.25"}; }

  // Advances `spec` to its end, as the conductor does (progress kept between calls, the
  // simulated clock moved by each answer's delay).
  Result<void> Run(OperationContext& op, const OperationSpec& spec) {
    std::string progress;
    for (int i = 0; i < 100000; ++i) {
      MAGNUM_ASSIGN_OR_RETURN(Step s, driver->Advance(op, spec, progress));
      if (s.done) return {};
      time->Advance(s.after);
    }
    return Fail(Error::Internal("no end"));
  }
  std::vector<std::string> SwarmHosts() { return engine->SwarmHosts(); }
  std::vector<std::string> VolumeNames() { return engine->VolumeNames(); }
  static OperationSpec Resize(const std::string& ng) {
    OperationSpec s;
    s.kind = OperationKind::kResize;
    s.nodegroup_uuid = ng;
    return s;
  }
};

TEST_F(DockerRollbackTest, AGrowThatFailsRemovesTheNodesItStarted) {
  ClusterState c = fake::RunningCluster(*driver, 1, 1);
  c.nodegroups[1].node_count = 3;
  // The last new worker never joins (its engine refuses the join).
  engine->Fail({"10.213.0.22", "POST", "^/swarm/join$", 500, "network unreachable"});
  FakeOperation op(c);
  auto r = Run(op, Resize("ng-worker"));
  ASSERT_FALSE(r);
  const std::string& m = r.error().message();
  EXPECT_NE(m.find("network unreachable"), std::string::npos) << m;
  EXPECT_NE(m.find("rolled back: the 2 nodes it started (demo-node-1, demo-node-2) were removed"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.substr(m.size() - std::string("; resize the cluster again").size()),
            "; resize the cluster again");
  EXPECT_EQ(engine->ContainerNames(), (std::vector<std::string>{"demo-master-0", "demo-node-0"}));
  EXPECT_EQ(VolumeNames(),
            (std::vector<std::string>{"demo-master-0-docker", "demo-node-0-docker"}));
  EXPECT_EQ(SwarmHosts(), (std::vector<std::string>{"demo-master-0", "demo-node-0"}));
  std::vector<std::string> addrs;
  for (const auto& rep : op.ng_reports) {
    if (rep.uuid == "ng-worker" && rep.node_addresses) addrs = *rep.node_addresses;
  }
  EXPECT_EQ(addrs, (std::vector<std::string>{"10.213.0.20"})) << "the count the API restores";
}

TEST_F(DockerRollbackTest, AGrowThatCannotStartItsNodesRemovesThoseThatStarted) {
  ClusterState c = fake::RunningCluster(*driver, 1, 0);
  c.nodegroups[1].node_count = 2;
  engine->Fail({"host", "POST", "^/containers/create\\?name=demo-node-1$", 500, "no space"});
  FakeOperation op(c);
  auto r = Run(op, Resize("ng-worker"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("(demo-node-0) were removed"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(engine->ContainerNames(), (std::vector<std::string>{"demo-master-0"}));
  EXPECT_EQ(VolumeNames(), (std::vector<std::string>{"demo-master-0-docker"}));
}

TEST_F(DockerRollbackTest, AShrinkThatStopsPartWayReportsTheNodesThatRemain) {
  ClusterState c = fake::RunningCluster(*driver, 1, 3);
  c.nodegroups[1].node_count = 1;
  // The second node removal (demo-node-1, after demo-node-2) fails at the manager.
  engine->Fail({"", "DELETE", "^/nodes/", 500, "raft unavailable", 1});
  FakeOperation op(c);
  auto r = Run(op, Resize("ng-worker"));
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("raft unavailable"), std::string::npos)
      << r.error().message();
  std::vector<std::string> addrs;
  bool reported = false;
  for (const auto& rep : op.ng_reports) {
    if (rep.uuid == "ng-worker" && rep.node_addresses) {
      addrs = *rep.node_addresses;
      reported = true;
    }
  }
  ASSERT_TRUE(reported) << "the failed resize reports what is left";
  int workers = 0;
  for (const auto& n : engine->ContainerNames()) workers += n.rfind("demo-node-", 0) == 0;
  EXPECT_EQ(workers, 2) << "demo-node-2 went, demo-node-1 stayed";
  // The conductor keeps this many as the nodegroup's count (NodeCountAfterFailedResize).
  EXPECT_EQ(static_cast<int>(addrs.size()), workers);
}

TEST_F(DockerRollbackTest, ACancelledGrowIsLeftToBeResumed) {
  ClusterState c = fake::RunningCluster(*driver, 1, 1);
  c.nodegroups[1].node_count = 2;
  FakeOperation op(c);
  op.cancel_on_step = "node";  // a stop right after the new node started
  std::string progress;
  Result<Step> s = Step::PollAfter(std::chrono::milliseconds(0));
  while (s && !s->done) s = driver->Advance(op, Resize("ng-worker"), progress);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message().find("rolled back"), std::string::npos) << s.error().message();
  EXPECT_EQ(s.error().message().find("resize the cluster again"), std::string::npos);
  EXPECT_TRUE(engine->Calls("DELETE", "^/containers").empty());
  // Resumed by a new conductor (a new driver, the same progress): completes.
  auto again = fake::MakeDriver(engine, time);
  FakeOperation resumed(c);
  Result<Step> t = Step::PollAfter(std::chrono::milliseconds(0));
  while (t && !t->done) t = again->Advance(resumed, Resize("ng-worker"), progress);
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(engine->ContainerNames(),
            (std::vector<std::string>{"demo-master-0", "demo-node-0", "demo-node-1"}));
  EXPECT_EQ(SwarmHosts().size(), 3u);
}

TEST_F(DockerRollbackTest, AFailedUpgradeBatchLeavesNoNodeDrained) {
  DockerDriverOptions o;
  o.node_ready_timeout = std::chrono::seconds(15);  // 1,500 polls: cheap under ASan too
  driver = fake::MakeDriver(engine, time, o);
  ClusterState c = fake::RunningCluster(*driver, 1, 2);
  // demo-node-0's replacement never comes back: its new engine never answers.
  engine->Fail({"10.213.0.20", "GET", "^/info$", 500, "not yet", 0, 1 << 30});
  OperationSpec spec;
  spec.kind = OperationKind::kUpgrade;
  spec.target.image_id = "swarm-node:v2";
  FakeOperation op(c);
  auto r = Run(op, spec);
  ASSERT_FALSE(r);
  const std::string& m = r.error().message();
  EXPECT_NE(m.find("did not rejoin the swarm"), std::string::npos) << m;
  EXPECT_NE(m.find("the failed batch's nodes were made active again (demo-node-0)"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("resize the cluster to its current node count"), std::string::npos) << m;
  std::lock_guard l(engine->mu);
  for (const auto& mb : engine->swarm) EXPECT_EQ(mb.availability, "active") << mb.hostname;
}

TEST_F(DockerRollbackTest, AnUpgradeMakesActiveANodeLeftDrainedOnTheTargetImage) {
  ClusterState c = fake::RunningCluster(*driver, 1, 1);
  {
    std::lock_guard l(engine->mu);
    engine->MemberNamed("demo-node-0")->availability = "drain";
  }
  OperationSpec spec;
  spec.kind = OperationKind::kUpgrade;
  spec.target.image_id = "swarm-node";  // every node is on it already: no batch
  FakeOperation op(c);
  auto r = Run(op, spec);
  ASSERT_TRUE(r) << r.error().message();
  std::lock_guard l(engine->mu);
  EXPECT_EQ(engine->MemberNamed("demo-node-0")->availability, "active");
  EXPECT_TRUE(op.Warned("upgrade", "") || !op.Nodes("upgrade").empty());
}

TEST_F(DockerRollbackTest, EveryFailureNamesWhatToDoNext) {
  ClusterState c = fake::RunningCluster(*driver, 1, 1);
  engine->Fail({"host", "GET", "^/version$", 500, "engine down"});
  const std::vector<std::pair<OperationKind, std::string>> cases = {
      {OperationKind::kCreate, "delete the cluster and create it again"},
      {OperationKind::kResize, "resize the cluster again"},
      {OperationKind::kUpgrade,
       "resize the cluster to its current node count (which makes it "
       "UPDATE_COMPLETE), then upgrade it again"},
      {OperationKind::kNodeGroupCreate, "delete the nodegroup and create it again"},
      {OperationKind::kNodeGroupUpdate, "update the nodegroup again"},
      {OperationKind::kNodeGroupDelete, "delete the nodegroup again"},
  };
  for (const auto& [kind, advice] : cases) {
    OperationSpec spec;
    spec.kind = kind;
    spec.nodegroup_uuid = "ng-worker";
    FakeOperation op(c);
    auto r = Run(op, spec);
    ASSERT_FALSE(r) << advice;
    EXPECT_NE(r.error().message().find("engine down"), std::string::npos) << r.error().message();
    EXPECT_EQ(r.error().message().substr(r.error().message().size() - advice.size()), advice)
        << r.error().message();
  }
}

}  // namespace
}  // namespace magnum::drivers::docker
