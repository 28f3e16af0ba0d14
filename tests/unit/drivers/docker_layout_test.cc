#include <gtest/gtest.h>

#include "magnum/drivers/docker/cluster_layout.h"

namespace magnum::drivers::docker {
namespace {

const char* kUuid = "0b4b766f-1c2d-4e5f-8a9b-0c1d2e3f4a5b";

TEST(DockerLayout, NamePrefixIsDnsSafe) {
  struct Case {
    const char* name;
    bool disambiguate;
    const char* want;
  };
  for (const Case& c : std::vector<Case>{
           {"swarm", false, "swarm"},
           {"My_Cluster.v2", false, "my-cluster-v2"},
           {"--a--b--", false, "a-b"},
           {"", false, "cluster-0b4b766f"},
           {"___", false, "cluster-0b4b766f"},
           {"swarm", true, "swarm-0b4b766f"},
           {"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false,
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
       }) {
    EXPECT_EQ(NamePrefix(c.name, kUuid, c.disambiguate), c.want) << c.name;
  }
  // Longest node name still a valid hostname (<= 63).
  std::string longest = NodeName(NamePrefix(std::string(80, 'x'), kUuid, true), false, 234);
  EXPECT_LE(longest.size(), 63u);
}

TEST(DockerLayout, ObjectNames) {
  EXPECT_EQ(NodeName("c1", true, 0), "c1-master-0");
  EXPECT_EQ(NodeName("c1", false, 12), "c1-node-12");
  EXPECT_EQ(NetworkName("c1"), "c1-net");
  EXPECT_EQ(VolumeName("c1-node-0"), "c1-node-0-docker");
  EXPECT_EQ(BridgeName(kUuid), "mgn-0b4b766f");
  EXPECT_LE(BridgeName(kUuid).size(), 15u);  // IFNAMSIZ - 1
  Filters f = ClusterFilter(kUuid);
  EXPECT_EQ(f["label"], std::vector<std::string>{std::string("magnum.cluster.uuid=") + kUuid});
  ClusterState c;
  c.uuid = kUuid;
  c.name = "c1";
  Labels l = ClusterLabels(c);
  EXPECT_EQ(l["magnum.cluster.uuid"], kUuid);
  EXPECT_EQ(l["magnum.driver"], "docker");
}

ContainerSummary Container(std::string id, std::string role, int index, std::string ng,
                           std::string state = "running") {
  ContainerSummary s;
  s.id = id;
  s.name = "c1-" + std::string(role == "master" ? "master-" : "node-") + std::to_string(index);
  s.state = state;
  s.image = "magnum/swarm-node:abc";
  s.labels = {
      {"magnum.cluster.uuid", kUuid},
      {"magnum.node.role", role},
      {"magnum.node.index", std::to_string(index)},
      {"magnum.node.name", s.name},
      {"magnum.nodegroup.uuid", ng},
      {"magnum.node.ip", "10.213.0." + std::to_string((role == "master" ? 10 : 20) + index)},
      {"magnum.node.image", "swarm-node"}};
  return s;
}

TEST(DockerLayout, NodesFromContainersSortsMastersFirst) {
  ContainerSummary stray;
  stray.id = "zz";
  stray.labels = {{"magnum.cluster.uuid", kUuid}};  // no role: not a node
  auto nodes = NodesFromContainers({Container("w2", "worker", 2, "ng-w"), stray,
                                    Container("w0", "worker", 0, "ng-w", "exited"),
                                    Container("m0", "master", 0, "ng-m")});
  ASSERT_EQ(nodes.size(), 3u);
  EXPECT_EQ(nodes[0].name, "c1-master-0");
  EXPECT_TRUE(nodes[0].master);
  EXPECT_EQ(nodes[0].ip, "10.213.0.10");
  EXPECT_EQ(nodes[1].name, "c1-node-0");
  EXPECT_FALSE(nodes[1].running());
  EXPECT_EQ(nodes[2].name, "c1-node-2");
  EXPECT_EQ(nodes[2].nodegroup_uuid, "ng-w");
  EXPECT_EQ(nodes[2].node_image, "swarm-node");
}

TEST(DockerLayout, FreeIndices) {
  EXPECT_EQ(FreeIndices({}, 2), (std::vector<int>{0, 1}));
  EXPECT_EQ(FreeIndices({0, 2, 3}, 3), (std::vector<int>{1, 4, 5}));
  EXPECT_EQ(FreeIndices({1}, 0), std::vector<int>{});
}

TEST(DockerLayout, SelectNodesToRemove) {
  auto workers = NodesFromContainers({Container("aaaaaaaaaaaa0000", "worker", 0, "ng"),
                                      Container("bbbbbbbbbbbb1111", "worker", 1, "ng"),
                                      Container("cccccccccccc2222", "worker", 2, "ng")});
  struct Case {
    std::vector<std::string> named;
    int64_t target;
    std::vector<std::string> want;  // names; empty + ok=false = error
    bool ok = true;
  };
  for (const Case& c : std::vector<Case>{
           {{}, 3, {}},
           {{}, 5, {}},
           {{}, 2, {"c1-node-2"}},
           {{}, 0, {"c1-node-2", "c1-node-1", "c1-node-0"}},
           {{"c1-node-0"}, 2, {"c1-node-0"}},
           {{"10.213.0.21"}, 1, {"c1-node-1", "c1-node-2"}},
           {{"bbbbbbbbbbbb"}, 2, {"c1-node-1"}},
           {{"c1-node-0", "c1-node-0"}, 2, {"c1-node-0"}},
           {{"c1-node-9"}, 2, {}, false},
           {{"c1-node-0", "c1-node-1"}, 2, {}, false},
           {{"c1-node-0"}, 3, {}, false},
       }) {
    auto r = SelectNodesToRemove(workers, c.named, c.target);
    ASSERT_EQ(r.has_value(), c.ok) << c.target;
    if (!r) {
      EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
      continue;
    }
    std::vector<std::string> got;
    for (const auto& n : *r) got.push_back(n.name);
    EXPECT_EQ(got, c.want) << c.target;
  }
}

TEST(DockerLayout, NodesToRemoveByNameAddressOrContainerId) {
  auto nodes = NodesFromContainers({Container("aaaaaaaaaaaa0000", "worker", 0, "ng")});
  const NodeRecord& n = nodes[0];
  EXPECT_TRUE(NodeMatches(n, "c1-node-0"));
  EXPECT_TRUE(NodeMatches(n, "10.213.0.20"));
  EXPECT_TRUE(NodeMatches(n, "aaaaaaaaaaaa0000"));  // the full id
  EXPECT_TRUE(NodeMatches(n, "aaaaaaaaaaaa"));      // docker ps's 12 characters
  EXPECT_FALSE(NodeMatches(n, "aaaaaaaaaaa"));      // shorter: ambiguous, refused
  EXPECT_FALSE(NodeMatches(n, "aaaaaaaaaaaa00001"));
  EXPECT_FALSE(NodeMatches(n, ""));
  EXPECT_FALSE(NodeMatches(n, "c1-node-00"));
  EXPECT_FALSE(NodeMatches(n, "10.213.0.2"));
}

TEST(DockerLayout, SelectNodesToRemoveNeverTakesAManager) {
  auto all = NodesFromContainers({Container("mmmmmmmmmmmm0000", "master", 0, "ng-m"),
                                  Container("aaaaaaaaaaaa0000", "worker", 0, "ng"),
                                  Container("bbbbbbbbbbbb1111", "worker", 1, "ng"),
                                  Container("cccccccccccc2222", "worker", 2, "ng")});
  std::vector<NodeRecord> workers(all.begin() + 1, all.end());
  std::vector<NodeRecord> managers = {all[0]};
  // A master named in a worker nodegroup's resize, by name, address or id.
  for (const char* m : {"c1-master-0", "10.213.0.10", "mmmmmmmmmmmm"}) {
    auto r = SelectNodesToRemove(workers, {m}, 2, managers);
    ASSERT_FALSE(r) << m;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find("is a swarm manager"), std::string::npos) << m;
  }
  // c1-node-2 promoted by hand: refused when named, passed over when choosing.
  managers.push_back(workers[2]);
  auto named = SelectNodesToRemove(workers, {"c1-node-2"}, 2, managers);
  ASSERT_FALSE(named);
  EXPECT_NE(named.error().message().find("node c1-node-2 in nodes_to_remove is a swarm manager"),
            std::string::npos);
  auto chosen = SelectNodesToRemove(workers, {}, 1, managers);
  ASSERT_TRUE(chosen) << chosen.error().message();
  ASSERT_EQ(chosen->size(), 2u);
  EXPECT_EQ((*chosen)[0].name, "c1-node-1");
  EXPECT_EQ((*chosen)[1].name, "c1-node-0");
  auto too_many = SelectNodesToRemove(workers, {}, 0, managers);
  ASSERT_FALSE(too_many);
  EXPECT_EQ(too_many.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(
      too_many.error().message().find("only 2 of the nodegroup's nodes are not swarm managers"),
      std::string::npos)
      << too_many.error().message();
  // A master container among the candidates (labels gone wrong) is never chosen either.
  auto mixed = SelectNodesToRemove(all, {}, 1, {});
  ASSERT_TRUE(mixed) << mixed.error().message();
  ASSERT_EQ(mixed->size(), 3u);
  for (const auto& n : *mixed) EXPECT_FALSE(n.master) << n.name;
  EXPECT_FALSE(SelectNodesToRemove(all, {}, 0, {}));
}

TEST(DockerLayout, ParsesNodeLs) {
  auto e = ParseNodeLs(
      "c1-master-0\tReady\tActive\nc1-node-0\tDown\tActive\r\n\nbad\n"
      "c1-node-1\tReady\tDrain");
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].hostname, "c1-master-0");
  EXPECT_EQ(e[1].status, "Down");
  EXPECT_EQ(e[1].availability, "Active");
  EXPECT_EQ(e[2].availability, "Drain");
}

TEST(DockerLayout, HealthFromNodeLs) {
  auto nodes =
      NodesFromContainers({Container("m0", "master", 0, "m"), Container("w0", "worker", 0, "w"),
                           Container("w1", "worker", 1, "w")});
  std::vector<NodeLsEntry> all_ready = {{"c1-master-0", "Ready", "Active"},
                                        {"c1-node-0", "Ready", "Active"},
                                        {"c1-node-1", "Ready", "Active"}};
  HealthReport h = ComputeHealth(nodes, all_ready, "");
  EXPECT_EQ(h.status, HealthStatus::kHealthy);
  EXPECT_EQ(h.reason["api"], "ok");
  EXPECT_EQ(h.reason["c1-node-1.Ready"], "True");
  EXPECT_EQ(h.reason.count("c1-node-1.reason"), 0u);

  auto down = all_ready;
  down[2].status = "Down";
  h = ComputeHealth(nodes, down, "");
  EXPECT_EQ(h.status, HealthStatus::kUnhealthy);
  EXPECT_EQ(h.reason["c1-node-1.Ready"], "False");
  EXPECT_EQ(h.reason["c1-node-1.reason"], "swarm node status Down");

  // A stopped container is noticed even while the swarm still says Ready.
  auto stopped = NodesFromContainers({Container("m0", "master", 0, "m"),
                                      Container("w0", "worker", 0, "w", "exited"),
                                      Container("w1", "worker", 1, "w")});
  h = ComputeHealth(stopped, all_ready, "");
  EXPECT_EQ(h.status, HealthStatus::kUnhealthy);
  EXPECT_EQ(h.reason["c1-node-0.Ready"], "False");
  EXPECT_NE(h.reason["c1-node-0.reason"].find("exited"), std::string::npos);

  // Not a member.
  h = ComputeHealth(nodes, std::vector<NodeLsEntry>(all_ready.begin(), all_ready.begin() + 2), "");
  EXPECT_EQ(h.status, HealthStatus::kUnhealthy);
  EXPECT_EQ(h.reason["c1-node-1.reason"], "not a member of the swarm");

  // Manager unreachable.
  h = ComputeHealth(nodes, std::nullopt, "no manager node container is running");
  EXPECT_EQ(h.status, HealthStatus::kUnhealthy);
  EXPECT_EQ(h.reason["api"], "no manager node container is running");

  // No nodes at all.
  h = ComputeHealth({}, std::nullopt, "The cluster c1 has no node containers.");
  EXPECT_EQ(h.status, HealthStatus::kUnknown);
}

TEST(DockerLayout, SwarmLabels) {
  NodeGroupState ng;
  ng.name = "gpu";
  ng.node_labels = {{"zone", "a"}, {"magnum.nodegroup", "spoofed"}};
  Labels l = SwarmLabelsFor(ng);
  EXPECT_EQ(l["zone"], "a");
  EXPECT_EQ(l["magnum.nodegroup"], "gpu");
}

}  // namespace
}  // namespace magnum::drivers::docker
