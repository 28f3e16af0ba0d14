// DockerDriver::CreateCluster through its seams (fake engine, simulated time): what reaches
// the engine, in which order, and what each failing step leaves behind.
#include <gtest/gtest.h>

#include <set>

#include "fake_docker_driver.h"

namespace magnum::drivers::docker {
namespace {

using fake::Call;
using fake::FakeEngine;
using fake::FakeOperation;
using fake::FakeTime;
using fake::json;

class DockerCreateTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeEngine> engine = std::make_shared<FakeEngine>();
  std::shared_ptr<FakeTime> time = std::make_shared<FakeTime>();

  Result<void> Create(FakeOperation& op, DockerDriverOptions o = {}) {
    return fake::MakeDriver(engine, time, o)->CreateCluster(op);
  }
  json CreateBody(const std::string& name) {
    for (const auto& c : engine->Calls("POST", "^/containers/create\\?name=" + name + "$")) {
      return json::parse(c.body);
    }
    return nullptr;
  }
};

TEST_F(DockerCreateTest, BuildsNetworkNodesAndSwarm) {
  FakeOperation op(fake::Cluster(1, 2));
  auto r = Create(op);
  ASSERT_TRUE(r) << r.error().message();

  // Network: a /24 of the pool, labelled, with the cluster's own bridge.
  auto nets = engine->Calls("POST", "^/networks/create$");
  ASSERT_EQ(nets.size(), 1u);
  json net = json::parse(nets[0].body);
  EXPECT_EQ(net["Name"], "demo-net");
  EXPECT_EQ(net["IPAM"]["Config"][0]["Subnet"], "10.213.0.0/24");
  EXPECT_EQ(net["Options"]["com.docker.network.bridge.name"], "mgn-c0ffee00");
  EXPECT_EQ(net["Labels"]["magnum.cluster.uuid"], "c0ffee00-1111-2222-3333-444455556666");

  // Nodes: one container and one volume each, fixed addresses, the manager's API on loopback.
  EXPECT_EQ(engine->ContainerNames(),
            (std::vector<std::string>{"demo-master-0", "demo-node-0", "demo-node-1"}));
  json mgr = CreateBody("demo-master-0");
  ASSERT_FALSE(mgr.is_null());
  EXPECT_EQ(mgr["NetworkingConfig"]["EndpointsConfig"]["demo-net"]["IPAMConfig"]["IPv4Address"],
            "10.213.0.10");
  EXPECT_EQ(mgr["HostConfig"]["PortBindings"]["2376/tcp"][0]["HostIp"], "127.0.0.1");
  EXPECT_EQ(mgr["HostConfig"]["Mounts"][0]["Source"], "demo-master-0-docker");
  EXPECT_FALSE(mgr["HostConfig"].contains("Privileged"));
  EXPECT_EQ(mgr["Labels"]["magnum.node.role"], "master");
  json w1 = CreateBody("demo-node-1");
  EXPECT_EQ(w1["NetworkingConfig"]["EndpointsConfig"]["demo-net"]["IPAMConfig"]["IPv4Address"],
            "10.213.0.21");
  EXPECT_FALSE(w1["HostConfig"].contains("PortBindings"));
  EXPECT_EQ(engine->Calls("POST", "^/volumes/create$").size(), 3u);

  // TLS: a server certificate per node, copied in before the container starts.
  std::set<std::string> certs(op.server_certs.begin(), op.server_certs.end());
  EXPECT_EQ(certs, (std::set<std::string>{"demo-master-0", "demo-node-0", "demo-node-1"}));
  {
    std::lock_guard l(engine->mu);
    std::map<std::string, size_t> archive_at, start_at;
    std::regex re("^/containers/([^/]+)/(archive|start)");
    for (size_t i = 0; i < engine->calls.size(); ++i) {
      std::smatch m;
      if (!std::regex_search(engine->calls[i].path, m, re)) continue;
      (m[2] == "archive" ? archive_at : start_at)[m[1]] = i;
    }
    ASSERT_EQ(archive_at.size(), 3u);
    for (const auto& [id, i] : archive_at) EXPECT_LT(i, start_at.at(id)) << id;
  }

  // Swarm: init on the manager at its address, workers join with the worker token.
  auto init = engine->Calls("POST", "^/swarm/init$");
  ASSERT_EQ(init.size(), 1u);
  EXPECT_EQ(init[0].engine, "10.213.0.10");
  EXPECT_EQ(json::parse(init[0].body)["ListenAddr"], "10.213.0.10:2377");
  auto joins = engine->Calls("POST", "^/swarm/join$");
  ASSERT_EQ(joins.size(), 2u);
  for (const auto& j : joins) {
    json b = json::parse(j.body);
    EXPECT_EQ(b["JoinToken"], "TOKEN-WORKER");
    EXPECT_EQ(b["RemoteAddrs"][0], "10.213.0.10:2377");
  }
  // Nodegroup labels on the swarm nodes.
  {
    std::lock_guard l(engine->mu);
    for (const auto& m : engine->swarm) {
      std::string want = m.role == "manager" ? "default-master" : "default-worker";
      EXPECT_EQ(m.labels["magnum.nodegroup"], want) << m.hostname;
    }
  }

  // Reports: network as stack id, addresses, the API address and versions.
  ASSERT_FALSE(op.reports.empty());
  const ClusterReport& last = op.reports.back();
  EXPECT_EQ(last.api_address.value_or(""),
            "tcp://127.0.0.1:" + std::to_string(engine->FindContainer("demo-master-0")->host_port));
  EXPECT_EQ(last.coe_version.value_or(""), "20.10.24");
  EXPECT_EQ(op.Last(&NodeGroupReport::stack_id, "ng-worker").value_or(""), "demo-net");
  EXPECT_EQ(op.Last(&NodeGroupReport::version, "ng-worker").value_or(""), "20.10.24");
  EXPECT_EQ(op.Last(&NodeGroupReport::version, "ng-master").value_or(""), "20.10.24");
  std::vector<std::string> steps;
  for (const auto& e : op.events) steps.push_back(e.step);
  EXPECT_EQ(steps.front(), "engine");
  EXPECT_EQ(steps.back(), "ready");
  EXPECT_EQ(op.Nodes("join"), (std::vector<std::string>{"demo-node-0", "demo-node-1"}));
  EXPECT_EQ(time->sleeps.load(), 0);  // every node answered at once: no poll needed
}

TEST_F(DockerCreateTest, ExtraManagersJoinWithTheManagerToken) {
  FakeOperation op(fake::Cluster(3, 1));
  ASSERT_TRUE(Create(op));
  std::map<std::string, std::string> token_by_node;
  for (const auto& j : engine->Calls("POST", "^/swarm/join$")) {
    token_by_node[j.engine] = json::parse(j.body)["JoinToken"];
  }
  EXPECT_EQ(token_by_node, (std::map<std::string, std::string>{{"10.213.0.11", "TOKEN-MANAGER"},
                                                               {"10.213.0.12", "TOKEN-MANAGER"},
                                                               {"10.213.0.20", "TOKEN-WORKER"}}));
  // Only the first manager publishes nothing special: every manager publishes its API.
  EXPECT_TRUE(CreateBody("demo-master-2")["HostConfig"].contains("PortBindings"));
}

TEST_F(DockerCreateTest, WaitsForSlowNodesOnSimulatedTime) {
  engine->ready_after_polls = 5;  // each node's workload image appears after 5 probes
  FakeOperation op(fake::Cluster(1, 1));
  ASSERT_TRUE(Create(op));
  EXPECT_GE(time->sleeps.load(), 5);
  EXPECT_EQ(op.Nodes("join"), std::vector<std::string>{"demo-node-0"});
}

TEST_F(DockerCreateTest, NodeNeverReadyTimesOutWithoutRealWaiting) {
  engine->ready_after_polls = 1 << 30;
  DockerDriverOptions o;
  o.node_ready_timeout = std::chrono::seconds(20);
  FakeOperation op(fake::Cluster(1, 0));
  auto start = std::chrono::steady_clock::now();
  auto r = Create(op, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("demo-master-0 not ready in time"), std::string::npos)
      << r.error().message();
  EXPECT_TRUE(op.Warned("node", "not ready in time"));
  // Real waiting would take the whole 20 s; 2,000 simulated polls take well under a second,
  // and a few seconds under ASan on a loaded machine: half the real time is the guard.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  EXPECT_GE(time->sleeps.load(), 20 * 100);  // 20 simulated seconds of 10 ms polls
}

TEST_F(DockerCreateTest, NodeContainerDyingDuringStartFailsWithWhy) {
  engine->ready_after_polls = 1 << 30;
  FakeOperation op(fake::Cluster(1, 1));
  engine->on_call = [this](const Call& c) {
    // The worker's container exits as soon as it was started.
    if (c.method == "GET" && c.engine == "10.213.0.20") {
      std::lock_guard l(engine->mu);
      if (auto* n = engine->FindContainer("demo-node-0")) n->state = "exited";
    }
  };
  auto r = Create(op);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("node container demo-node-0 is exited"), std::string::npos)
      << r.error().message();
  EXPECT_TRUE(op.Warned("node", "demo-node-0 is exited"));
}

TEST_F(DockerCreateTest, UnreachableEngineFailsFirst) {
  engine->Fail({"host", "GET", "^/version$", 0});
  FakeOperation op(fake::Cluster(1, 1));
  auto r = Create(op);
  ASSERT_FALSE(r);
  EXPECT_EQ(ClassifyEngineError(r.error()), EngineFailure::kUnreachable);
  EXPECT_NE(r.error().message().find("is not reachable"), std::string::npos);
  EXPECT_TRUE(op.Warned("engine", "not reachable"));
  EXPECT_TRUE(engine->Calls("POST", "^/networks/create$").empty());
}

TEST_F(DockerCreateTest, OverlappingSubnetIs403AndTheNextSubnetIsTaken) {
  // Another process created a network on 10.213.0.0/24 between our list and our create.
  engine->Fail({"host", "POST", "^/networks/create$", 403, "Pool overlaps with other one", 0, 1});
  FakeOperation op(fake::Cluster(1, 0));
  ASSERT_TRUE(Create(op));
  auto nets = engine->Calls("POST", "^/networks/create$");
  ASSERT_EQ(nets.size(), 2u);
  EXPECT_EQ(json::parse(nets[1].body)["IPAM"]["Config"][0]["Subnet"], "10.213.1.0/24");
  EXPECT_EQ(json::parse(nets[1].body)["Name"], "demo-net");
}

TEST_F(DockerCreateTest, NetworkNameConflictIs409AndTheNameGetsTheUuid) {
  engine->Fail({"host", "POST", "^/networks/create$", 409, "network exists", 0, 1});
  FakeOperation op(fake::Cluster(1, 0));
  ASSERT_TRUE(Create(op));
  EXPECT_EQ(engine->ContainerNames(), std::vector<std::string>{"demo-c0ffee00-master-0"});
}

TEST_F(DockerCreateTest, OtherNetworkRefusalsAreFinalWhateverTheirText) {
  // The text says "overlaps", the status says engine error: no retry.
  engine->Fail({"host", "POST", "^/networks/create$", 500, "Pool overlaps (but really 500)"});
  FakeOperation op(fake::Cluster(1, 0));
  auto r = Create(op);
  ASSERT_FALSE(r);
  EXPECT_EQ(ClassifyEngineError(r.error()), EngineFailure::kEngineError);
  EXPECT_EQ(engine->Calls("POST", "^/networks/create$").size(), 1u);
  EXPECT_TRUE(op.Warned("network", "Pool overlaps"));
}

TEST_F(DockerCreateTest, ContainerCreateFailureLeavesLabelledObjectsForDelete) {
  engine->Fail({"host", "POST", "^/containers/create\\?name=demo-node-1$", 500, "no space"});
  FakeOperation op(fake::Cluster(1, 2));
  auto r = Create(op);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("no space (HTTP 500"), std::string::npos);
  EXPECT_TRUE(engine->Calls("POST", "^/swarm/init$").empty());
  // What was made stays, labelled; a delete removes all of it.
  EXPECT_FALSE(engine->networks.empty());
  FakeOperation del(fake::Cluster(1, 2));
  ASSERT_TRUE(fake::MakeDriver(engine, time)->DeleteCluster(del));
  EXPECT_TRUE(engine->containers.empty());
  EXPECT_TRUE(engine->volumes.empty());
  EXPECT_TRUE(engine->networks.empty());
}

TEST_F(DockerCreateTest, SwarmInitFailureIsReportedOnTheManager) {
  engine->Fail({"10.213.0.10", "POST", "^/swarm/init$", 503, "swarm init refused"});
  FakeOperation op(fake::Cluster(1, 1));
  auto r = Create(op);
  ASSERT_FALSE(r);
  EXPECT_TRUE(op.Warned("swarm", "swarm init on demo-master-0 failed"));
  EXPECT_TRUE(engine->Calls("POST", "^/swarm/join$").empty());
  EXPECT_EQ(engine->ContainerNames().size(), 2u);  // nodes stay for delete
}

TEST_F(DockerCreateTest, JoinFailureNamesTheNode) {
  engine->Fail({"10.213.0.21", "POST", "^/swarm/join$", 500, "join timeout"});
  FakeOperation op(fake::Cluster(1, 2));
  auto r = Create(op);
  ASSERT_FALSE(r);
  EXPECT_TRUE(op.Warned("join", "demo-node-1 could not join"));
  EXPECT_EQ(op.Nodes("join"), std::vector<std::string>{"demo-node-0"});
}

TEST_F(DockerCreateTest, CancelledCreateStopsAtTheNextStep) {
  FakeOperation op(fake::Cluster(1, 2));
  op.cancel_on_step = "network";
  auto r = Create(op);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("cancelled during step 'node'"), std::string::npos)
      << r.error().message();
  EXPECT_TRUE(engine->containers.empty());
}

TEST_F(DockerCreateTest, NodeContainersCarryFlavorLimits) {
  ClusterState c = fake::Cluster(1, 1);
  c.nodegroups[1].flavor_id = "m1.small";  // worker: 0.5 CPU, 1024 MiB
  c.master_flavor_id = "m1.tiny";          // master via the cluster's master flavor
  FakeOperation op(c);
  ASSERT_TRUE(Create(op));
  json w = CreateBody("demo-node-0")["HostConfig"];
  EXPECT_EQ(w["NanoCpus"], 500000000);
  EXPECT_EQ(w["Memory"], int64_t{1024} << 20);
  json m = CreateBody("demo-master-0")["HostConfig"];
  EXPECT_EQ(m["NanoCpus"], 500000000);
  EXPECT_EQ(m["Memory"], int64_t{256} << 20);
}

TEST_F(DockerCreateTest, LimitsNeverExceedTheHost) {
  engine->ncpu = 1;
  engine->mem_total = int64_t{512} << 20;
  ClusterState c = fake::Cluster(1, 0);
  c.nodegroups[0].flavor_id = "m1.xlarge";  // 4 CPUs, 8 GiB
  FakeOperation op(c);
  ASSERT_TRUE(Create(op));
  json m = CreateBody("demo-master-0")["HostConfig"];
  EXPECT_EQ(m["NanoCpus"], 1000000000);
  EXPECT_EQ(m["Memory"], int64_t{512} << 20);
}

TEST_F(DockerCreateTest, ConfiguredFlavorLimitsAndFallback) {
  DockerDriverOptions o;
  o.flavor_limits = {"custom.big=1.5/3072", "default=0.25/300"};
  ClusterState c = fake::Cluster(1, 1);
  c.nodegroups[1].flavor_id = "custom.big";
  c.master_flavor_id = "no-such-flavor";
  FakeOperation op(c);
  ASSERT_TRUE(Create(op, o));
  EXPECT_EQ(CreateBody("demo-node-0")["HostConfig"]["NanoCpus"], 1500000000);
  EXPECT_EQ(CreateBody("demo-master-0")["HostConfig"]["Memory"], int64_t{300} << 20);
}

TEST_F(DockerCreateTest, BadFlavorLimitsFailTheOperationBeforeAnythingIsMade) {
  DockerDriverOptions o;
  o.flavor_limits = {"m1.small=lots/1024"};
  FakeOperation op(fake::Cluster(1, 0));
  auto r = Create(op, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("[docker] flavor_limits: entry 'm1.small=lots/1024'"),
            std::string::npos)
      << r.error().message();
  EXPECT_TRUE(engine->Calls("POST", "^/networks/create$").empty());
}

TEST_F(DockerCreateTest, AtMostMaxParallelNodesStartAtOnce) {
  DockerDriverOptions o;
  o.max_parallel_nodes = 2;
  std::mutex mu;
  std::condition_variable cv;
  int inside = 0, arrived = 0, most = 0;
  const int total = 6;  // 1 manager + 5 workers
  engine->on_call = [&](const Call& c) {
    if (c.method != "POST" || c.path.rfind("/containers/create", 0) != 0) return;
    std::unique_lock l(mu);
    ++inside;
    ++arrived;
    most = std::max(most, inside);
    cv.notify_all();
    // Hold until the pool is full (or nothing else can come): a pool that starts more
    // than two at once shows it here.
    cv.wait_for(l, std::chrono::seconds(5), [&] { return inside >= 2 || arrived == total; });
    --inside;
  };
  FakeOperation op(fake::Cluster(1, 5));
  ASSERT_TRUE(Create(op, o));
  EXPECT_EQ(most, 2);
  EXPECT_EQ(engine->ContainerNames().size(), 6u);
}

}  // namespace
}  // namespace magnum::drivers::docker
