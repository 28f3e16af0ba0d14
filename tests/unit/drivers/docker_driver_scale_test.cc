// DockerDriver resize, nodegroups and delete through its seams (fake engine, simulated time).
#include <gtest/gtest.h>

#include "fake_docker_driver.h"

namespace magnum::drivers::docker {
namespace {

using fake::Call;
using fake::FakeEngine;
using fake::FakeOperation;
using fake::FakeTime;
using fake::json;

class DockerScaleTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeEngine> engine = std::make_shared<FakeEngine>();
  std::shared_ptr<FakeTime> time = std::make_shared<FakeTime>();
  std::unique_ptr<Driver> driver = fake::MakeDriver(engine, time);

  ClusterState Running(int64_t masters, int64_t workers) {
    return fake::RunningCluster(*driver, masters, workers);
  }
  std::vector<std::string> SwarmHosts() { return engine->SwarmHosts(); }
  std::vector<std::string> VolumeNames() { return engine->VolumeNames(); }
};

TEST_F(DockerScaleTest, GrowStartsWorkersAtTheLowestFreeIndices) {
  ClusterState c = Running(1, 1);
  c.nodegroups[1].node_count = 3;
  FakeOperation op(c);
  ASSERT_TRUE(driver->ResizeNodeGroup(op, "ng-worker", {}));
  EXPECT_EQ(engine->ContainerNames(), (std::vector<std::string>{"demo-master-0", "demo-node-0",
                                                                "demo-node-1", "demo-node-2"}));
  EXPECT_EQ(op.Nodes("join"), (std::vector<std::string>{"demo-node-1", "demo-node-2"}));
  EXPECT_EQ(SwarmHosts().size(), 4u);
  auto addrs = op.ng_reports;
  std::vector<std::string> last;
  for (const auto& r : addrs) {
    if (r.uuid == "ng-worker" && r.node_addresses) last = *r.node_addresses;
  }
  EXPECT_EQ(last, (std::vector<std::string>{"10.213.0.20", "10.213.0.21", "10.213.0.22"}));
}

TEST_F(DockerScaleTest, ShrinkTakesNamedNodesFirstThenTheHighest) {
  ClusterState c = Running(1, 3);
  {
    std::lock_guard l(engine->mu);
    engine->MemberNamed("demo-node-0")->tasks = 2;  // drained before it leaves
  }
  c.nodegroups[1].node_count = 1;
  FakeOperation op(c);
  auto r = driver->ResizeNodeGroup(op, "ng-worker", {"demo-node-0"});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(op.Nodes("remove"), (std::vector<std::string>{"demo-node-0", "demo-node-2"}));
  EXPECT_EQ(op.Nodes("drain"), (std::vector<std::string>{"demo-node-0", "demo-node-2"}));
  EXPECT_EQ(engine->ContainerNames(), (std::vector<std::string>{"demo-master-0", "demo-node-1"}));
  EXPECT_EQ(VolumeNames(),
            (std::vector<std::string>{"demo-master-0-docker", "demo-node-1-docker"}));
  EXPECT_EQ(SwarmHosts(), (std::vector<std::string>{"demo-master-0", "demo-node-1"}));
  // Each removed node: drained, left the swarm, removed from it with --force.
  EXPECT_EQ(engine->Calls("POST", "^/swarm/leave").size(), 2u);
  EXPECT_EQ(engine->Calls("DELETE", "^/nodes/node-demo-node-0\\?force=true$").size(), 1u);
  EXPECT_GE(engine->Calls("GET", "^/tasks").size(), 3u);  // polled until the tasks moved
}

TEST_F(DockerScaleTest, ShrinkByAddressOrContainerId) {
  ClusterState c = Running(1, 3);
  std::string id = engine->FindContainer("demo-node-1")->id.substr(0, 12);
  c.nodegroups[1].node_count = 1;
  FakeOperation op(c);
  ASSERT_TRUE(driver->ResizeNodeGroup(op, "ng-worker", {"10.213.0.22", id}));
  EXPECT_EQ(engine->ContainerNames(), (std::vector<std::string>{"demo-master-0", "demo-node-0"}));
}

TEST_F(DockerScaleTest, UnknownNodeToRemoveIsRefusedBeforeAnyChange) {
  ClusterState c = Running(1, 2);
  c.nodegroups[1].node_count = 1;
  FakeOperation op(c);
  auto r = driver->ResizeNodeGroup(op, "ng-worker", {"demo-node-9"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(engine->ContainerNames().size(), 3u);
}

TEST_F(DockerScaleTest, ShrinkByFullContainerId) {
  ClusterState c = Running(1, 3);
  std::string id = engine->FindContainer("demo-node-0")->id;
  ASSERT_EQ(id.size(), 64u);
  c.nodegroups[1].node_count = 2;
  FakeOperation op(c);
  auto r = driver->ResizeNodeGroup(op, "ng-worker", {id});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(engine->ContainerNames(),
            (std::vector<std::string>{"demo-master-0", "demo-node-1", "demo-node-2"}));
}

// Every call after the first `from` that changes something (not a GET).
std::vector<std::string> Writes(FakeEngine& engine, size_t from) {
  std::lock_guard l(engine.mu);
  std::vector<std::string> out;
  for (size_t i = from; i < engine.calls.size(); ++i) {
    const auto& c = engine.calls[i];
    if (c.method != "GET") out.push_back(c.engine + " " + c.method + " " + c.path);
  }
  return out;
}

TEST_F(DockerScaleTest, RefusedNodesToRemoveChangeNothing) {
  ClusterState c = Running(1, 2);
  c.nodegroups[1].node_count = 1;
  std::string master_id = engine->FindContainer("demo-master-0")->id;
  std::string worker_id = engine->FindContainer("demo-node-0")->id;
  struct Case {
    std::string ref, says;
  };
  for (const Case& k : std::vector<Case>{
           {"demo-node-9", "node demo-node-9 in nodes_to_remove is not a node of this nodegroup"},
           {"10.213.0.99", "is not a node of this nodegroup"},
           {worker_id.substr(0, 11), "is not a node of this nodegroup"},  // too short
           {"demo-master-0", "node demo-master-0 in nodes_to_remove is a swarm manager"},
           {"10.213.0.10", "is a swarm manager"},
           {master_id.substr(0, 12), "is a swarm manager"},
           {master_id, "is a swarm manager"},
       }) {
    size_t before;
    {
      std::lock_guard l(engine->mu);
      before = engine->calls.size();
    }
    FakeOperation op(c);
    auto r = driver->ResizeNodeGroup(op, "ng-worker", {k.ref});
    ASSERT_FALSE(r) << k.ref;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << k.ref;
    EXPECT_NE(r.error().message().find(k.says), std::string::npos) << r.error().message();
    EXPECT_EQ(Writes(*engine, before), std::vector<std::string>{}) << k.ref;
  }
  EXPECT_EQ(engine->ContainerNames(),
            (std::vector<std::string>{"demo-master-0", "demo-node-0", "demo-node-1"}));
  EXPECT_EQ(SwarmHosts(),
            (std::vector<std::string>{"demo-master-0", "demo-node-0", "demo-node-1"}));
}

TEST_F(DockerScaleTest, AWorkerPromotedToManagerIsNeverRemoved) {
  ClusterState c = Running(1, 3);
  {
    std::lock_guard l(engine->mu);
    engine->MemberNamed("demo-node-2")->role = "manager";  // docker node promote, by hand
  }
  c.nodegroups[1].node_count = 2;
  FakeOperation named(c);
  auto r = driver->ResizeNodeGroup(named, "ng-worker", {"demo-node-2"});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find("is a swarm manager"), std::string::npos);
  // Chosen by the resize: the highest index that is not a manager goes.
  FakeOperation op(c);
  r = driver->ResizeNodeGroup(op, "ng-worker", {});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(engine->ContainerNames(),
            (std::vector<std::string>{"demo-master-0", "demo-node-0", "demo-node-2"}));

  // Promoted after the resize chose it (between two polls): not removed.
  ClusterState d = c;
  d.nodegroups[1].node_count = 1;
  FakeOperation polled(d);
  std::string progress;
  OperationSpec spec = OperationSpec::Resize("ng-worker", {"demo-node-0"});
  auto step = driver->Advance(polled, spec, progress);
  ASSERT_TRUE(step) << step.error().message();
  ASSERT_FALSE(step->done);
  {
    std::lock_guard l(engine->mu);
    engine->MemberNamed("demo-node-0")->role = "manager";
  }
  step = driver->Advance(polled, spec, progress);
  ASSERT_FALSE(step);
  EXPECT_EQ(step.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(step.error().message().find("demo-node-0 became a swarm manager"), std::string::npos)
      << step.error().message();
  EXPECT_EQ(engine->ContainerNames(),
            (std::vector<std::string>{"demo-master-0", "demo-node-0", "demo-node-2"}));
  EXPECT_EQ(engine->Calls("POST", "^/swarm/leave").size(), 1u);  // only the first shrink's
}

// A drain ends when the tasks the node ran run again elsewhere: a removed node takes no
// replica of a service with it.
TEST_F(DockerScaleTest, DrainWaitsUntilTheMovedTasksRunElsewhere) {
  ClusterState c = Running(1, 2);
  std::string n0;
  {
    std::lock_guard l(engine->mu);
    engine->MemberNamed("demo-node-1")->tasks = 1;
    engine->MemberNamed("demo-node-1")->service = "s-web";
    n0 = engine->MemberNamed("demo-node-0")->id;
    engine->swarm_services = json::array({{{"ID", "s-web"}, {"Spec", {{"Name", "web"}}}}});
    // Its replacement, not placed yet when the node is drained.
    engine->MemberNamed("demo-node-1")->on_drain =
        json::array({{{"ID", "r1"},
                      {"ServiceID", "s-web"},
                      {"DesiredState", "running"},
                      {"Status",
                       {{"State", "pending"},
                        {"Err", "no suitable node (insufficient resources on 1 node)"}}}}});
  }
  std::atomic<int> looks{0};
  engine->on_call = [&](const Call& call) {
    if (call.path.rfind("/tasks", 0) != 0 || call.path.find("service") == std::string::npos) return;
    // The first look is before the drain (what already waits); placed on node-0 and
    // started at the third.
    if (++looks != 3) return;
    std::lock_guard l(engine->mu);
    engine->swarm_tasks[0]["NodeID"] = n0;
    engine->swarm_tasks[0]["Status"] = {{"State", "running"}};
  };
  c.nodegroups[1].node_count = 1;
  FakeOperation op(c);
  auto r = driver->ResizeNodeGroup(op, "ng-worker", {});
  engine->on_call = nullptr;
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(looks.load(), 3);
  EXPECT_FALSE(op.Warned("drain", ""));
  EXPECT_EQ(op.Nodes("drain"), std::vector<std::string>{"demo-node-1"});
  EXPECT_EQ(engine->ContainerNames(), (std::vector<std::string>{"demo-master-0", "demo-node-0"}));
}

TEST_F(DockerScaleTest, DrainGoesOnWithAWarningWhenTheTasksFindNoRoom) {
  DockerDriverOptions o;
  o.drain_timeout = std::chrono::seconds(5);  // 500 polls: cheap under ASan too
  driver = fake::MakeDriver(engine, time, o);
  ClusterState c = Running(1, 2);
  {
    std::lock_guard l(engine->mu);
    engine->MemberNamed("demo-node-1")->tasks = 1;
    engine->MemberNamed("demo-node-1")->service = "s-web";
    engine->swarm_services = json::array({{{"ID", "s-web"}, {"Spec", {{"Name", "web"}}}}});
    engine->MemberNamed("demo-node-1")->on_drain =
        json::array({{{"ID", "r1"},
                      {"ServiceID", "s-web"},
                      {"DesiredState", "running"},
                      {"Status",
                       {{"State", "pending"},
                        {"Err", "no suitable node (insufficient resources on 1 node)"}}}}});
  }
  c.nodegroups[1].node_count = 1;
  FakeOperation op(c);
  auto start = time->Now();
  auto r = driver->ResizeNodeGroup(op, "ng-worker", {});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_GE(time->Now() - start, std::chrono::seconds(5));  // [docker] drain_timeout
  EXPECT_TRUE(op.Warned("drain",
                        "the tasks of service web moved off demo-node-1 do not all run elsewhere "
                        "yet: task r1 is pending (no suitable node (insufficient resources on 1 "
                        "node)) (waited 5 s); going on anyway"));
  EXPECT_EQ(engine->ContainerNames(), (std::vector<std::string>{"demo-master-0", "demo-node-0"}));
}

// A task of the service that was pending (no room) before the drain began is not the
// drain's doing: the drain waits only for the task it moved (a new task ID), then tells
// about the one it did not wait for.
TEST_F(DockerScaleTest, DrainDoesNotWaitForTasksPendingBeforeIt) {
  ClusterState c = Running(1, 2);
  const json no_room = {{"State", "pending"},
                        {"Err", "no suitable node (insufficient resources on 2 nodes)"}};
  std::string n0;
  {
    std::lock_guard l(engine->mu);
    engine->MemberNamed("demo-node-1")->tasks = 1;
    engine->MemberNamed("demo-node-1")->service = "s-web";
    n0 = engine->MemberNamed("demo-node-0")->id;
    engine->swarm_services = json::array({{{"ID", "s-web"}, {"Spec", {{"Name", "web"}}}}});
    engine->swarm_tasks = json::array(
        {{{"ID", "p0"}, {"ServiceID", "s-web"}, {"DesiredState", "running"}, {"Status", no_room}}});
    engine->MemberNamed("demo-node-1")->on_drain = json::array(
        {{{"ID", "r1"}, {"ServiceID", "s-web"}, {"DesiredState", "running"}, {"Status", no_room}}});
  }
  std::atomic<int> looks{0};
  engine->on_call = [&](const Call& call) {
    if (call.path.rfind("/tasks", 0) != 0 || call.path.find("service") == std::string::npos) return;
    if (++looks != 4) return;
    std::lock_guard l(engine->mu);  // the moved task runs on node-0 from the fourth look on
    for (auto& t : engine->swarm_tasks) {
      if (t["ID"] != "r1") continue;
      t["NodeID"] = n0;
      t["Status"] = {{"State", "running"}};
    }
  };
  c.nodegroups[1].node_count = 1;
  FakeOperation op(c);
  const auto start = time->Now();
  auto r = driver->ResizeNodeGroup(op, "ng-worker", {});
  engine->on_call = nullptr;
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_GE(looks.load(), 4) << "the moved task was waited for";
  EXPECT_LT(time->Now() - start, std::chrono::seconds(1)) << "not drain_timeout (60 s)";
  EXPECT_FALSE(op.Warned("drain", ""));
  std::vector<std::string> told;
  for (const auto& e : op.events) {
    if (e.step == "drain" && e.node.empty()) told.push_back(e.message);
  }
  EXPECT_EQ(told, std::vector<std::string>{"1 task of service web was already pending before the "
                                           "drain and was not waited for"});
  EXPECT_EQ(op.Nodes("drain"), std::vector<std::string>{"demo-node-1"});
  EXPECT_EQ(engine->ContainerNames(), (std::vector<std::string>{"demo-master-0", "demo-node-0"}));
}

// The tasks pending before the drain hide nothing: a moved task that finds no room is
// waited for up to drain_timeout, as without them.
TEST_F(DockerScaleTest, DrainStillWaitsForAMovedTaskBesideTasksPendingBeforeIt) {
  DockerDriverOptions o;
  o.drain_timeout = std::chrono::seconds(5);  // 500 polls: cheap under ASan too
  driver = fake::MakeDriver(engine, time, o);
  ClusterState c = Running(1, 2);
  const json no_room = {{"State", "pending"},
                        {"Err", "no suitable node (insufficient resources on 2 nodes)"}};
  {
    std::lock_guard l(engine->mu);
    engine->MemberNamed("demo-node-1")->tasks = 1;
    engine->MemberNamed("demo-node-1")->service = "s-web";
    engine->swarm_services = json::array({{{"ID", "s-web"}, {"Spec", {{"Name", "web"}}}}});
    engine->swarm_tasks = json::array(
        {{{"ID", "p0"}, {"ServiceID", "s-web"}, {"DesiredState", "running"}, {"Status", no_room}},
         {{"ID", "p1"}, {"ServiceID", "s-web"}, {"DesiredState", "running"}, {"Status", no_room}}});
    engine->MemberNamed("demo-node-1")->on_drain = json::array(
        {{{"ID", "r1"}, {"ServiceID", "s-web"}, {"DesiredState", "running"}, {"Status", no_room}}});
  }
  c.nodegroups[1].node_count = 1;
  FakeOperation op(c);
  const auto start = time->Now();
  auto r = driver->ResizeNodeGroup(op, "ng-worker", {});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_GE(time->Now() - start, std::chrono::seconds(5));  // [docker] drain_timeout
  EXPECT_TRUE(op.Warned("drain",
                        "the tasks of service web moved off demo-node-1 do not all run elsewhere "
                        "yet: task r1 is pending (no suitable node (insufficient resources on 2 "
                        "nodes)) (waited 5 s); going on anyway"));
  EXPECT_FALSE(op.Warned("drain", "task p0"));
  bool told = false;
  for (const auto& e : op.events) {
    told = told || (e.step == "drain" && !e.warning &&
                    e.message ==
                        "2 tasks of service web were already pending before the drain "
                        "and were not waited for");
  }
  EXPECT_TRUE(told);
  EXPECT_EQ(engine->ContainerNames(), (std::vector<std::string>{"demo-master-0", "demo-node-0"}));
}

TEST_F(DockerScaleTest, DrainDoesNotWaitForReplicasNoOtherNodeCanTake) {
  ClusterState c = Running(1, 1);
  {
    std::lock_guard l(engine->mu);
    engine->MemberNamed("demo-master-0")->availability = "drain";  // takes no tasks
    engine->MemberNamed("demo-node-0")->tasks = 1;
    engine->MemberNamed("demo-node-0")->service = "s-web";
    engine->swarm_tasks = json::array({{{"ID", "r1"},
                                        {"ServiceID", "s-web"},
                                        {"DesiredState", "running"},
                                        {"Status", {{"State", "pending"}}}}});
  }
  c.nodegroups[1].node_count = 0;
  FakeOperation op(c);
  auto start = time->Now();
  auto r = driver->ResizeNodeGroup(op, "ng-worker", {});
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_LT(time->Now() - start, std::chrono::seconds(1));
  EXPECT_FALSE(op.Warned("drain", ""));
  EXPECT_EQ(engine->ContainerNames(), std::vector<std::string>{"demo-master-0"});
}

TEST_F(DockerScaleTest, RemovalFailureStopsTheShrinkWithTheNodeDrainedAndGone) {
  ClusterState c = Running(1, 3);
  engine->Fail({"host", "DELETE", "^/volumes/demo-node-2-docker", 500, "disk busy"});
  c.nodegroups[1].node_count = 1;
  FakeOperation op(c);
  auto r = driver->ResizeNodeGroup(op, "ng-worker", {});
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("disk busy (HTTP 500"), std::string::npos);
  // Documented state: the first node is out of the swarm and its container is gone; the
  // second one was not touched. A repeated resize finishes the job.
  EXPECT_EQ(SwarmHosts(),
            (std::vector<std::string>{"demo-master-0", "demo-node-0", "demo-node-1"}));
  EXPECT_EQ(engine->ContainerNames(),
            (std::vector<std::string>{"demo-master-0", "demo-node-0", "demo-node-1"}));
  FakeOperation again(c);
  ASSERT_TRUE(driver->ResizeNodeGroup(again, "ng-worker", {}));
  EXPECT_EQ(engine->ContainerNames(), (std::vector<std::string>{"demo-master-0", "demo-node-0"}));
  // The failed node's volume stays until the cluster is deleted.
  EXPECT_EQ(VolumeNames(), (std::vector<std::string>{"demo-master-0-docker", "demo-node-0-docker",
                                                     "demo-node-2-docker"}));
}

TEST_F(DockerScaleTest, MasterNodegroupIsNotResized) {
  ClusterState c = Running(1, 1);
  c.nodegroups[0].node_count = 3;
  FakeOperation op(c);
  auto r = driver->ResizeNodeGroup(op, "ng-master", {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(engine->ContainerNames().size(), 2u);
}

TEST_F(DockerScaleTest, NodegroupCreateMakesLabelledWorkersAndDeleteRemovesThem) {
  ClusterState c = Running(1, 1);
  NodeGroupState zb = fake::Group("ng-zone-b", "zone-b", "worker", 2);
  zb.node_labels = {{"zone", "b"}};
  zb.flavor_id = "m1.medium";
  c.nodegroups.push_back(zb);
  FakeOperation op(c);
  auto r = driver->CreateNodeGroup(op, "ng-zone-b");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(engine->ContainerNames(), (std::vector<std::string>{"demo-master-0", "demo-node-0",
                                                                "demo-node-1", "demo-node-2"}));
  {
    std::lock_guard l(engine->mu);
    for (const char* n : {"demo-node-1", "demo-node-2"}) {
      auto* m = engine->MemberNamed(n);
      ASSERT_NE(m, nullptr);
      EXPECT_EQ(m->labels, (json{{"magnum.nodegroup", "zone-b"}, {"zone", "b"}})) << n;
      auto* ctr = engine->FindContainer(n);
      EXPECT_EQ(ctr->labels["magnum.nodegroup.uuid"], "ng-zone-b");
      EXPECT_EQ(ctr->host_config["NanoCpus"], 1000000000);
      EXPECT_EQ(ctr->host_config["Memory"], int64_t{2048} << 20);
    }
    EXPECT_EQ(engine->MemberNamed("demo-node-0")->labels["magnum.nodegroup"], "default-worker");
  }
  EXPECT_EQ(op.Last(&NodeGroupReport::version, "ng-zone-b").value_or(""), "20.10.24");

  FakeOperation del(c);
  ASSERT_TRUE(driver->DeleteNodeGroup(del, "ng-zone-b"));
  EXPECT_EQ(engine->ContainerNames(), (std::vector<std::string>{"demo-master-0", "demo-node-0"}));
  EXPECT_EQ(SwarmHosts(), (std::vector<std::string>{"demo-master-0", "demo-node-0"}));
  EXPECT_EQ(del.Nodes("remove"), (std::vector<std::string>{"demo-node-1", "demo-node-2"}));
}

TEST_F(DockerScaleTest, LabelUpdateRetriesWhenTheManagerSaysOutOfSequence) {
  ClusterState c = Running(1, 1);
  c.nodegroups[1].node_labels = {{"tier", "web"}};
  engine->Fail({"10.213.0.10", "POST", "^/nodes/.*/update", 500, "update out of sequence", 0, 1});
  FakeOperation op(c);
  ASSERT_TRUE(driver->UpdateNodeGroup(op, "ng-worker"));
  std::lock_guard l(engine->mu);
  EXPECT_EQ(engine->MemberNamed("demo-node-0")->labels["tier"], "web");
}

TEST_F(DockerScaleTest, DeleteRemovesEverythingByLabelAndIsIdempotent) {
  ClusterState c = Running(1, 2);
  // An object of another cluster stays.
  {
    std::lock_guard l(engine->mu);
    engine->volumes["other-docker"] = {{"magnum.cluster.uuid", "someone-else"}};
  }
  c.status = "DELETE_IN_PROGRESS";
  FakeOperation op(c);
  ASSERT_TRUE(driver->DeleteCluster(op));
  EXPECT_TRUE(engine->containers.empty());
  EXPECT_EQ(VolumeNames(), std::vector<std::string>{"other-docker"});
  EXPECT_TRUE(engine->networks.empty());
  auto sync = driver->SyncStatus(c);
  ASSERT_TRUE(sync);
  EXPECT_EQ(sync->state, SyncReport::State::kGone);
  FakeOperation again(c);
  EXPECT_TRUE(driver->DeleteCluster(again));
}

TEST_F(DockerScaleTest, DeleteToleratesObjectsVanishingButNotEngineErrors) {
  ClusterState c = Running(1, 1);
  c.status = "DELETE_IN_PROGRESS";
  // Someone removes a container just before we do: our DELETE gets a 404, which is fine.
  std::atomic<bool> first{true};
  engine->on_call = [&](const Call& call) {
    if (call.method != "DELETE" || call.path.rfind("/containers/", 0) != 0) return;
    if (!first.exchange(false)) return;
    std::lock_guard l(engine->mu);
    engine->containers.erase(engine->containers.begin());
  };
  FakeOperation op(c);
  ASSERT_TRUE(driver->DeleteCluster(op));
  EXPECT_TRUE(engine->containers.empty());
  EXPECT_FALSE(first);
  engine->on_call = nullptr;

  ClusterState d = Running(1, 1);
  d.status = "DELETE_IN_PROGRESS";
  engine->Fail({"host", "DELETE", "^/networks/", 500, "network has active endpoints", 0, 1});
  FakeOperation op2(d);
  auto r = driver->DeleteCluster(op2);
  ASSERT_FALSE(r);
  EXPECT_EQ(ClassifyEngineError(r.error()), EngineFailure::kEngineError);
  EXPECT_TRUE(engine->containers.empty());  // containers and volumes went first
  EXPECT_FALSE(engine->networks.empty());   // the network stays for the next attempt
  FakeOperation op3(d);
  ASSERT_TRUE(driver->DeleteCluster(op3));
  EXPECT_TRUE(engine->networks.empty());
}

}  // namespace
}  // namespace magnum::drivers::docker
