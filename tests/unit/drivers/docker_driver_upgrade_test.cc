// DockerDriver::UpgradeCluster through its seams: order, draining, batches of
// max_batch_size with the managers' quorum kept, the nodegroup version, and failures.
#include <gtest/gtest.h>

#include "fake_docker_driver.h"

namespace magnum::drivers::docker {
namespace {

using fake::Call;
using fake::FakeEngine;
using fake::FakeOperation;
using fake::FakeTime;
using fake::json;

using fake::kV2;

class DockerUpgradeTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeEngine> engine = std::make_shared<FakeEngine>();
  std::shared_ptr<FakeTime> time = std::make_shared<FakeTime>();
  std::unique_ptr<Driver> driver = fake::MakeDriver(engine, time);
  TemplateState target;

  void SetUp() override {
    engine->images[kV2] = {"sha256:node2", "20.10.25"};
    target.image_id = "swarm-node:v2";
  }
  ClusterState Running(int64_t masters, int64_t workers) {
    return fake::RunningCluster(*driver, masters, workers);
  }
  // The replacement batches as the engine saw them: the containers created with no call
  // to a node's engine in between (a batch's stops, removals and starts talk to the host
  // only; the waits and reactivations between batches talk to the nodes).
  std::vector<std::vector<std::string>> Batches() {
    std::lock_guard l(engine->mu);
    std::vector<std::vector<std::string>> out;
    bool boundary = true;
    for (const auto& c : engine->calls) {
      if (c.engine != "host") {
        boundary = true;
      } else if (c.method == "POST" && c.path.rfind("/containers/create", 0) == 0) {
        if (boundary) out.emplace_back();
        boundary = false;
        out.back().push_back(c.path.substr(c.path.find("name=") + 5));
      }
    }
    for (auto& b : out) std::sort(b.begin(), b.end());
    return out;
  }
  void ClearCalls() {
    std::lock_guard l(engine->mu);
    engine->calls.clear();
  }
};

TEST_F(DockerUpgradeTest, OneAtATimeWorkersFirstKeepingIdentityAndAddress) {
  ClusterState c = Running(1, 2);
  int port = engine->FindContainer("demo-master-0")->host_port;
  {
    std::lock_guard l(engine->mu);
    engine->MemberNamed("demo-node-0")->tasks = 3;
  }
  ClearCalls();
  FakeOperation op(c);
  auto r = driver->UpgradeCluster(op, target, 1, "");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(op.Nodes("upgrade"),
            (std::vector<std::string>{"demo-node-0", "demo-node-1", "demo-master-0"}));
  EXPECT_EQ(Batches(), (std::vector<std::vector<std::string>>{
                           {"demo-node-0"}, {"demo-node-1"}, {"demo-master-0"}}));
  // Same volume, same address, same published port; the new image; back to active.
  auto* m = engine->FindContainer("demo-master-0");
  EXPECT_EQ(m->image, kV2);
  EXPECT_EQ(m->host_port, port);
  EXPECT_EQ(m->volume, "demo-master-0-docker");
  EXPECT_EQ(engine->FindContainer("demo-node-1")->ip, "10.213.0.21");
  {
    std::lock_guard l(engine->mu);
    for (const auto& mb : engine->swarm) EXPECT_EQ(mb.availability, "active") << mb.hostname;
    EXPECT_EQ(engine->MemberNamed("demo-node-0")->tasks, 0);
  }
  // Drained before stopping: the stop of node-0 comes after its drain.
  EXPECT_EQ(op.Nodes("drain").front(), "demo-node-0");
  // Reported: each nodegroup's image and version (what its nodes' engines now run), and
  // the unchanged API address.
  EXPECT_EQ(op.Last(&NodeGroupReport::image_id, "ng-worker").value_or(""), "swarm-node:v2");
  EXPECT_EQ(op.Last(&NodeGroupReport::version, "ng-worker").value_or(""), "20.10.25");
  EXPECT_EQ(op.Last(&NodeGroupReport::version, "ng-master").value_or(""), "20.10.25");
  EXPECT_EQ(op.reports.back().api_address.value_or(""), "tcp://127.0.0.1:" + std::to_string(port));
}

TEST_F(DockerUpgradeTest, MaxBatchSizeGroupsWorkersAndKeepsManagerQuorum) {
  ClusterState c = Running(3, 5);
  ClearCalls();
  FakeOperation op(c);
  auto r = driver->UpgradeCluster(op, target, 2, "");
  ASSERT_TRUE(r) << r.error().message();
  // Workers two at a time; of 3 managers only one may be down at once.
  EXPECT_EQ(Batches(), (std::vector<std::vector<std::string>>{{"demo-node-0", "demo-node-1"},
                                                              {"demo-node-2", "demo-node-3"},
                                                              {"demo-node-4"},
                                                              {"demo-master-0"},
                                                              {"demo-master-1"},
                                                              {"demo-master-2"}}));
  // A manager's replacement is steered through another manager.
  {
    std::lock_guard l(engine->mu);
    bool via_other = false;
    for (const auto& call : engine->calls) {
      if (call.method == "POST" && call.path.find("/nodes/node-demo-master-0/update") == 0) {
        via_other = via_other || call.engine != "10.213.0.10";
      }
    }
    EXPECT_TRUE(via_other);
  }
  for (const auto& n : engine->ContainerNames()) {
    EXPECT_EQ(engine->FindContainer(n)->image, kV2) << n;
  }
}

TEST_F(DockerUpgradeTest, BatchSizeBelowOneMeansOne) {
  ClusterState c = Running(1, 2);
  ClearCalls();
  FakeOperation op(c);
  auto r = driver->UpgradeCluster(op, target, 0, "");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(Batches().size(), 3u);
}

TEST_F(DockerUpgradeTest, OnlyTheNamedNodegroupMoves) {
  ClusterState c = Running(1, 2);
  FakeOperation op(c);
  ASSERT_TRUE(driver->UpgradeCluster(op, target, 5, "ng-worker"));
  EXPECT_EQ(engine->FindContainer("demo-master-0")->image, fake::kNodeImage);
  EXPECT_EQ(engine->FindContainer("demo-node-1")->image, kV2);
  EXPECT_FALSE(op.Last(&NodeGroupReport::image_id, "ng-master"));
  EXPECT_EQ(op.Last(&NodeGroupReport::version, "ng-worker").value_or(""), "20.10.25");
}

TEST_F(DockerUpgradeTest, NodesAlreadyOnTheImageStay) {
  ClusterState c = Running(1, 1);
  FakeOperation first(c);
  ASSERT_TRUE(driver->UpgradeCluster(first, target, 1, ""));
  ClearCalls();
  FakeOperation again(c);
  ASSERT_TRUE(driver->UpgradeCluster(again, target, 1, ""));
  EXPECT_TRUE(engine->Calls("POST", "^/containers/create").empty());
}

TEST_F(DockerUpgradeTest, UnknownTargetImageChangesNothing) {
  ClusterState c = Running(1, 1);
  target.image_id = "swarm-node:missing";
  FakeOperation op(c);
  auto r = driver->UpgradeCluster(op, target, 1, "");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("--variant missing"), std::string::npos);
  EXPECT_TRUE(engine->Calls("POST", "/stop").empty());
}

TEST_F(DockerUpgradeTest, FailureInALaterBatchLeavesEarlierBatchesUpgraded) {
  ClusterState c = Running(1, 3);
  // The third replacement container cannot be created.
  engine->Fail({"host", "POST", "^/containers/create\\?name=demo-node-2$", 500, "no space"});
  FakeOperation op(c);
  auto r = driver->UpgradeCluster(op, target, 2, "");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("no space"), std::string::npos);
  EXPECT_EQ(engine->FindContainer("demo-node-0")->image, kV2);
  EXPECT_EQ(engine->FindContainer("demo-node-1")->image, kV2);
  EXPECT_EQ(engine->FindContainer("demo-node-2"), nullptr);  // stopped and removed: volume kept
  EXPECT_TRUE(engine->volumes.count("demo-node-2-docker"));
  EXPECT_EQ(engine->FindContainer("demo-master-0")->image, fake::kNodeImage);  // never reached
  EXPECT_FALSE(op.Last(&NodeGroupReport::image_id, "ng-worker"));  // not reported as done
}

TEST_F(DockerUpgradeTest, NodeThatDoesNotRejoinFailsAfterTheTimeoutOnSimulatedTime) {
  DockerDriverOptions o;
  o.node_ready_timeout = std::chrono::seconds(15);  // 1,500 polls: cheap under ASan too
  driver = fake::MakeDriver(engine, time, o);
  ClusterState c = Running(1, 1);
  // The new worker's engine never reports an active swarm state.
  engine->Fail({"10.213.0.20", "GET", "^/info$", 500, "not yet"});
  FakeOperation op(c);
  auto r = driver->UpgradeCluster(op, target, 1, "");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("demo-node-0 did not rejoin the swarm"), std::string::npos)
      << r.error().message();
  EXPECT_GE(time->sleeps.load(), 15 * 100);
}

}  // namespace
}  // namespace magnum::drivers::docker
