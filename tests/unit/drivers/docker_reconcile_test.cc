// DockerDriver::Reconcile through its seams (fake engine, simulated time): a cluster that
// matches is left alone; stray containers, dead or missing workers, ghost swarm entries,
// stopped managers, nodes outside the swarm and drained nodes are repaired, each repair an
// event; a cancelled pass stops before repairing.
#include <gtest/gtest.h>

#include "fake_docker_driver.h"

namespace magnum::drivers::docker {
namespace {

using fake::FakeEngine;
using fake::FakeOperation;
using fake::FakeTime;
using fake::json;

class DockerReconcileTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeEngine> engine = std::make_shared<FakeEngine>();
  std::shared_ptr<FakeTime> time = std::make_shared<FakeTime>();
  std::unique_ptr<Driver> driver = fake::MakeDriver(engine, time);

  ClusterState Settled(int64_t masters, int64_t workers) {
    ClusterState c = fake::RunningCluster(*driver, masters, workers);
    c.status = "UPDATE_COMPLETE";
    std::lock_guard l(engine->mu);
    engine->calls.clear();
    return c;
  }
  std::vector<std::string> SwarmHosts() { return engine->SwarmHosts(); }
  // Calls that change something (anything but GET), on any engine.
  std::vector<std::string> Changes() {
    std::lock_guard l(engine->mu);
    std::vector<std::string> out;
    for (const auto& c : engine->calls) {
      if (c.method != "GET") out.push_back(c.engine + " " + c.method + " " + c.path);
    }
    return out;
  }
  static std::vector<std::string> Reconciled(FakeOperation& op) {
    std::lock_guard l(op.mu);
    std::vector<std::string> out;
    for (const auto& e : op.events) {
      if (e.step == "reconcile") out.push_back(e.message);
    }
    return out;
  }
  static bool Has(const std::vector<std::string>& msgs, const std::string& text) {
    return std::any_of(msgs.begin(), msgs.end(),
                       [&](const std::string& m) { return m.find(text) != std::string::npos; });
  }
};

TEST_F(DockerReconcileTest, AMatchingClusterIsLeftAlone) {
  ClusterState c = Settled(1, 2);
  FakeOperation op(c);
  ASSERT_TRUE(driver->Reconciles());
  auto r = driver->Reconcile(op);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(Reconciled(op).empty());
  EXPECT_TRUE(Changes().empty()) << Changes().front();
}

TEST_F(DockerReconcileTest, StrayContainersAndNodesBeyondTheCountAreRemoved) {
  ClusterState c = Settled(1, 3);
  c.nodegroups[1].node_count = 2;  // demo-node-2 is one too many
  {
    std::lock_guard l(engine->mu);
    FakeEngine::Container stray;
    stray.id = "stray0000001";
    stray.name = "intruder";
    stray.state = "running";
    stray.labels = {{"magnum.cluster.uuid", c.uuid}};
    engine->containers.push_back(stray);
  }
  FakeOperation op(c);
  auto r = driver->Reconcile(op);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(engine->ContainerNames(),
            (std::vector<std::string>{"demo-master-0", "demo-node-0", "demo-node-1"}));
  EXPECT_EQ(SwarmHosts(),
            (std::vector<std::string>{"demo-master-0", "demo-node-0", "demo-node-1"}));
  EXPECT_FALSE(engine->volumes.count("demo-node-2-docker"));
  auto msgs = Reconciled(op);
  EXPECT_TRUE(Has(msgs, "stray container intruder removed")) << ::testing::PrintToString(msgs);
  EXPECT_TRUE(Has(msgs, "stray container demo-node-2 removed"));
  EXPECT_EQ(op.Last(&NodeGroupReport::stack_id, "ng-worker").has_value(), true);
  std::vector<std::string> addrs;
  for (const auto& rep : op.ng_reports) {
    if (rep.uuid == "ng-worker" && rep.node_addresses) addrs = *rep.node_addresses;
  }
  EXPECT_EQ(addrs, (std::vector<std::string>{"10.213.0.20", "10.213.0.21"}));
}

TEST_F(DockerReconcileTest, AWorkerWhoseContainerWentIsReplacedAndItsGhostEntryRemoved) {
  ClusterState c = Settled(1, 2);
  {
    std::lock_guard l(engine->mu);
    auto& cs = engine->containers;
    cs.erase(
        std::remove_if(cs.begin(), cs.end(), [](const auto& x) { return x.name == "demo-node-1"; }),
        cs.end());
  }
  FakeOperation op(c);
  auto r = driver->Reconcile(op);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(engine->ContainerNames(),
            (std::vector<std::string>{"demo-master-0", "demo-node-0", "demo-node-1"}));
  EXPECT_EQ(engine->FindContainer("demo-node-1")->state, "running");
  EXPECT_EQ(SwarmHosts(),
            (std::vector<std::string>{"demo-master-0", "demo-node-0", "demo-node-1"}));
  auto msgs = Reconciled(op);
  EXPECT_TRUE(Has(msgs, "swarm node demo-node-1 (down) has no container: removed from the swarm"))
      << ::testing::PrintToString(msgs);
  EXPECT_TRUE(Has(msgs, "nodegroup default-worker had 1 of 2 nodes: started demo-node-1"));
  EXPECT_TRUE(Has(msgs, "the cluster matches its nodegroups again (3 nodes Ready)"));
  EXPECT_EQ(op.Nodes("join"), (std::vector<std::string>{"demo-node-1"}));
}

TEST_F(DockerReconcileTest, ADeadWorkerIsRemovedAndReplaced) {
  ClusterState c = Settled(1, 2);
  std::string old_id;
  {
    std::lock_guard l(engine->mu);
    auto* n = engine->FindContainer("demo-node-0");
    n->state = "exited";
    old_id = n->id;
  }
  FakeOperation op(c);
  auto r = driver->Reconcile(op);
  ASSERT_TRUE(r) << r.error().message();
  auto* n = engine->FindContainer("demo-node-0");
  ASSERT_NE(n, nullptr);
  EXPECT_NE(n->id, old_id);
  EXPECT_EQ(n->state, "running");
  EXPECT_EQ(SwarmHosts(),
            (std::vector<std::string>{"demo-master-0", "demo-node-0", "demo-node-1"}));
  EXPECT_TRUE(Has(Reconciled(op), "worker demo-node-0 was exited"));
}

TEST_F(DockerReconcileTest, AStoppedManagerIsStartedAgain) {
  ClusterState c = Settled(1, 1);
  {
    std::lock_guard l(engine->mu);
    engine->FindContainer("demo-master-0")->state = "exited";
  }
  FakeOperation op(c);
  auto r = driver->Reconcile(op);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(engine->FindContainer("demo-master-0")->state, "running");
  EXPECT_TRUE(Has(Reconciled(op), "manager demo-master-0 was exited: started again"));
}

TEST_F(DockerReconcileTest, DrainedNodesAreMadeActiveAndDetachedOnesJoin) {
  ClusterState c = Settled(1, 2);
  {
    std::lock_guard l(engine->mu);
    engine->MemberNamed("demo-node-0")->availability = "drain";
    engine->MemberNamed("demo-node-1")->left = true;
  }
  FakeOperation op(c);
  auto r = driver->Reconcile(op);
  ASSERT_TRUE(r) << r.error().message();
  {
    std::lock_guard l(engine->mu);
    EXPECT_EQ(engine->MemberNamed("demo-node-0")->availability, "active");
    EXPECT_FALSE(engine->MemberNamed("demo-node-1")->left);
  }
  auto msgs = Reconciled(op);
  EXPECT_TRUE(Has(msgs, "node demo-node-0 was not active: made active"))
      << ::testing::PrintToString(msgs);
  EXPECT_TRUE(Has(msgs, "node demo-node-1 was not in the swarm: joined"));
}

TEST_F(DockerReconcileTest, ACancelledPassRepairsNothing) {
  ClusterState c = Settled(1, 2);
  {
    std::lock_guard l(engine->mu);
    engine->FindContainer("demo-node-1")->state = "exited";
  }
  FakeOperation op(c);
  op.cancelled = true;
  auto r = driver->Reconcile(op);
  ASSERT_FALSE(r);
  EXPECT_TRUE(Changes().empty()) << Changes().front();
  EXPECT_EQ(engine->FindContainer("demo-node-1")->state, "exited");
}

}  // namespace
}  // namespace magnum::drivers::docker
