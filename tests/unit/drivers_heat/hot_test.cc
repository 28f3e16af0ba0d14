#include "magnum/drivers/heat/hot.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <regex>

#include "magnum/common/strings.h"
#include "magnum/drivers/heat/ignition.h"
#include "unit/drivers_heat/hot_check.h"

namespace magnum::drivers::heat {
namespace {

using testing::CheckHot;
using testing::CheckParameters;
using testing::Json;
using testing::ResourcesOfType;

ClusterState Cluster() {
  ClusterState c;
  c.uuid = "5d12f6fd-a196-4bf0-ae4c-1f639a523a52";
  c.name = "Prod Cluster_1";
  c.keypair = "ops-key";
  c.master_flavor_id = "m1.medium";
  c.flavor_id = "m1.small";
  c.create_timeout_minutes = 30;
  c.cluster_template.image_id = "fedora-coreos-38";
  c.cluster_template.network_driver = "flannel";
  NodeGroupState master;
  master.uuid = "ng-m";
  master.name = "default-master";
  master.role = "master";
  master.is_default = true;
  master.node_count = 1;
  master.flavor_id = "m1.medium";
  master.image_id = "fedora-coreos-38";
  NodeGroupState worker = master;
  worker.uuid = "ng-w";
  worker.name = "default-worker";
  worker.role = "worker";
  worker.node_count = 3;
  worker.flavor_id = "m1.small";
  c.nodegroups = {master, worker};
  return c;
}

NodeSecrets Secrets() {
  NodeSecrets s;
  s.ca_cert_pem = "-----BEGIN CERTIFICATE-----\nMII\"x\n-----END CERTIFICATE-----\n";
  s.ca_key_pem = "-----BEGIN PRIVATE KEY-----\nk\n-----END PRIVATE KEY-----\n";
  s.apiserver_cert_pem = s.ca_cert_pem;
  s.apiserver_key_pem = s.ca_key_pem;
  s.bootstrap_token = MakeBootstrapToken(std::string(22, '\x07'));
  s.certificate_key = MakeCertificateKey(std::string(32, '\xab'));
  return s;
}

struct Variant {
  const char* name = "";
  std::string fixed_network, fixed_subnet;
  bool lb = false, fip = true;
  int64_t masters = 1;
  std::map<std::string, std::string> labels;
  std::string network_driver = "flannel";

  static Variant Of(const char* name) {
    Variant v;
    v.name = name;
    return v;
  }
  Variant Net(std::string n, std::string s) && {
    fixed_network = std::move(n);
    fixed_subnet = std::move(s);
    return std::move(*this);
  }
  Variant Lb(bool on, bool floating, int64_t count) && {
    lb = on;
    fip = floating;
    masters = count;
    return std::move(*this);
  }
  Variant Calico() && {
    network_driver = "calico";
    return std::move(*this);
  }
  Variant Labels(std::map<std::string, std::string> l) && {
    labels = std::move(l);
    return std::move(*this);
  }
};

ClusterStackSpec Spec(const Variant& v) {
  ClusterState c = Cluster();
  c.nodegroups[0].node_count = v.masters;
  c.cluster_template.master_lb_enabled = v.lb;
  c.cluster_template.floating_ip_enabled = v.fip;
  c.cluster_template.labels = v.labels;
  c.cluster_template.network_driver = v.network_driver;
  auto s = MakeClusterStackSpec(c, v.fixed_network, v.fixed_subnet, "ext-net");
  EXPECT_TRUE(s) << s.error().message();
  return s.value_or(ClusterStackSpec{});
}

std::vector<Variant> Variants() {
  return {Variant::Of("own_network"),
          Variant::Of("fixed_network_and_subnet").Net("net-1", "subnet-1"),
          Variant::Of("fixed_network_only").Net("net-1", ""),
          Variant::Of("lb_three_masters")
              .Lb(true, true, 3)
              .Labels({{"master_lb_floating_ip_enabled", "true"}}),
          Variant::Of("lb_no_floating_ips").Lb(true, false, 1),
          Variant::Of("lb_floating_ip_label_off")
              .Lb(true, true, 1)
              .Labels({{"master_lb_floating_ip_enabled", "false"}}),
          Variant::Of("volumes").Labels({{"boot_volume_size", "20"},
                                         {"boot_volume_type", "ssd"},
                                         {"docker_volume_size", "50"},
                                         {"availability_zone", "az1"}}),
          Variant::Of("calico_fixed_lb")
              .Net("net-1", "subnet-1")
              .Lb(true, true, 2)
              .Calico()
              .Labels({{"kube_tag", "v1.29.0"}})};
}

class HotVariantTest : public ::testing::TestWithParam<Variant> {};

// Every template, nested template and parameter set is what Heat's validation accepts.
TEST_P(HotVariantTest, TemplatesAndParametersAreConsistent) {
  ClusterStackSpec spec = Spec(GetParam());
  ClusterState c = Cluster();
  auto cluster = RenderClusterStack(spec);
  ASSERT_TRUE(cluster) << cluster.error().message();
  auto nodegroup = RenderNodeGroupStack(spec);
  ASSERT_TRUE(nodegroup) << nodegroup.error().message();
  for (const RenderedStack* s : {&*cluster, &*nodegroup}) {
    Json top = Json::parse(s->template_json);
    EXPECT_EQ(CheckHot(top, s->files), std::vector<std::string>{});
    for (const auto& [name, text] : s->files) {
      Json member = Json::parse(text);
      EXPECT_EQ(CheckHot(member, {}), std::vector<std::string>{}) << name;
      // The group's resource_def passes exactly what the member template takes.
      for (const Json& r : top["resources"]) {
        if (r["type"] != "OS::Heat::ResourceGroup") continue;
        std::map<std::string, std::string> passed;
        for (auto it = r["properties"]["resource_def"]["properties"].begin();
             it != r["properties"]["resource_def"]["properties"].end(); ++it) {
          passed[it.key()] = it.value().dump();
        }
        EXPECT_EQ(CheckParameters(member, passed), std::vector<std::string>{}) << name;
      }
      // str_replace covers every placeholder of the Ignition text and only those.
      const Json& sub = member["resources"]["server"]["properties"]["user_data"]["str_replace"];
      std::string ign = sub["template"];
      for (auto it = sub["params"].begin(); it != sub["params"].end(); ++it) {
        EXPECT_NE(ign.find(it.key()), std::string::npos) << it.key();
        ign = std::regex_replace(ign, std::regex(it.key()), "x");
      }
      EXPECT_EQ(ign.find("__MAGNUM_"), std::string::npos) << name;
    }
  }
  auto cp = ClusterStackParameters(spec, c, Secrets(), 2);
  ASSERT_TRUE(cp) << cp.error().message();
  EXPECT_EQ(CheckParameters(Json::parse(cluster->template_json), *cp), std::vector<std::string>{});
  EXPECT_EQ(cp->at("master_count"), std::to_string(GetParam().masters));
  EXPECT_EQ(cp->at("update_max_batch_size"), "2");
  ClusterStackOutputs out{"10.0.0.5", "net-1", spec.HasSubnet() ? "subnet-1" : "", "sg-w"};
  auto np = NodeGroupStackParameters(spec, c, c.nodegroups[1], out, Secrets(), {"0", "srv-2"});
  ASSERT_TRUE(np) << np.error().message();
  EXPECT_EQ(CheckParameters(Json::parse(nodegroup->template_json), *np),
            std::vector<std::string>{});
  EXPECT_EQ(np->at(kNodesToRemoveParam), "0,srv-2");
  EXPECT_EQ(np->at("node_count"), "3");
  EXPECT_EQ(np->at("name_prefix"), "prod-cluster-1-default-worker");
}

// Resources appear exactly when the spec asks for them.
TEST_P(HotVariantTest, ResourcesFollowTheSpec) {
  const Variant& v = GetParam();
  ClusterStackSpec spec = Spec(v);
  auto cluster = RenderClusterStack(spec);
  ASSERT_TRUE(cluster);
  auto nodegroup = RenderNodeGroupStack(spec);
  ASSERT_TRUE(nodegroup);
  bool own_net = v.fixed_network.empty();
  for (const char* type : {"OS::Neutron::Net", "OS::Neutron::Subnet", "OS::Neutron::Router",
                           "OS::Neutron::RouterInterface"}) {
    EXPECT_EQ(ResourcesOfType(*cluster, type).size(), own_net ? 1u : 0u) << type;
    EXPECT_EQ(ResourcesOfType(*nodegroup, type).size(), 0u) << type;
  }
  for (const char* type :
       {"OS::Octavia::LoadBalancer", "OS::Octavia::Listener", "OS::Octavia::Pool",
        "OS::Octavia::HealthMonitor", "OS::Octavia::PoolMember"}) {
    EXPECT_EQ(ResourcesOfType(*cluster, type).size(), v.lb ? 1u : 0u) << type;
  }
  bool lb_fip = v.lb && v.labels.count("master_lb_floating_ip_enabled")
                    ? v.labels.at("master_lb_floating_ip_enabled") == "true"
                    : v.lb && v.fip;
  EXPECT_EQ(ResourcesOfType(*cluster, "OS::Neutron::FloatingIP").size(),
            (v.fip ? 1u : 0u) + (lb_fip ? 1u : 0u));
  EXPECT_EQ(ResourcesOfType(*nodegroup, "OS::Neutron::FloatingIP").size(), v.fip ? 1u : 0u);
  bool docker = v.labels.count("docker_volume_size") > 0;
  bool boot = v.labels.count("boot_volume_size") > 0;
  for (const RenderedStack* s : {&*cluster, &*nodegroup}) {
    EXPECT_EQ(ResourcesOfType(*s, "OS::Cinder::Volume").size(),
              (docker ? 1u : 0u) + (boot ? 1u : 0u));
    EXPECT_EQ(ResourcesOfType(*s, "OS::Cinder::VolumeAttachment").size(), docker ? 1u : 0u);
    auto servers = ResourcesOfType(*s, "OS::Nova::Server");
    ASSERT_EQ(servers.size(), 1u);
    const Json& props = servers[0]["properties"];
    EXPECT_EQ(props.contains("block_device_mapping_v2"), boot);
    EXPECT_EQ(props.contains("image"), !boot);
    if (boot) {
      EXPECT_EQ(props["block_device_mapping_v2"][0]["volume_id"],
                (Json{{"get_resource", "boot_volume"}}));
    }
    EXPECT_EQ(props["key_name"], (Json{{"get_param", "keypair"}}));
    EXPECT_EQ(props["user_data_format"], "RAW");
    std::string ign = props["user_data"]["str_replace"]["template"];
    EXPECT_EQ(ign.find("var-lib-containerd.mount") != std::string::npos, docker);
    EXPECT_EQ(props.contains("availability_zone"), v.labels.count("availability_zone") > 0);
    EXPECT_EQ(ResourcesOfType(*s, "OS::Heat::WaitConditionHandle").size(), 1u);
    EXPECT_EQ(ResourcesOfType(*s, "OS::Heat::WaitCondition").size(), 1u);
  }
  Json top = Json::parse(cluster->template_json);
  EXPECT_EQ(top["resources"]["masters"]["type"], "OS::Heat::ResourceGroup");
  EXPECT_EQ(top["resources"]["masters"]["properties"]["count"],
            (Json{{"get_param", "master_count"}}));
  EXPECT_TRUE(top["outputs"].contains("api_address"));
  EXPECT_TRUE(top["outputs"].contains("master_addresses"));
  if (v.lb) {
    EXPECT_EQ(top["outputs"]["api_address"]["value"]["get_attr"][0],
              lb_fip ? "api_lb_floating_ip" : "api_lb");
  } else {
    EXPECT_EQ(top["outputs"]["api_address"]["value"],
              Json::parse(R"({"get_attr": ["masters", "resource.0.address"]})"));
  }
}

INSTANTIATE_TEST_SUITE_P(Table, HotVariantTest, ::testing::ValuesIn(Variants()),
                         [](const auto& info) { return std::string(info.param.name); });

// The checker itself finds what Heat would refuse.
TEST(HotTest, CheckerFindsBrokenTemplates) {
  Json t = Json::parse(R"({"heat_template_version": "2021-04-16",
      "parameters": {"a": {"type": "string"}},
      "resources": {"r": {"type": "OS::Heat::None", "depends_on": ["gone"],
                          "properties": {"x": {"get_param": "b"}, "y": {"get_attr": ["s", "v"]}}},
                    "g": {"type": "member.json"}},
      "outputs": {"o": {"value": {"get_resource": "t"}}}})");
  auto bad = CheckHot(t, {});
  for (const char* want :
       {"get_param of undeclared b", "reference to undeclared resource s",
        "reference to undeclared resource t", "reference to undeclared resource gone",
        "resource g names a missing file member.json"}) {
    EXPECT_NE(std::find(bad.begin(), bad.end(), want), bad.end()) << want;
  }
  t["heat_template_version"] = 20210416;
  EXPECT_FALSE(CheckHot(t, {{"member.json", "{}"}}).empty());
  EXPECT_EQ(CheckParameters(t, {{"zz", "1"}}),
            (std::vector<std::string>{"undeclared parameter zz", "missing parameter a"}));
}

TEST(HotTest, CalicoOpensBgpAndIpInIpNotVxlan) {
  ClusterStackSpec spec = Spec(Variant::Of("calico").Calico());
  ASSERT_EQ(spec.labels.network_driver, NetworkDriver::kCalico);
  auto cluster = RenderClusterStack(spec);
  ASSERT_TRUE(cluster);
  std::string rules =
      Json::parse(
          cluster->template_json)["resources"]["worker_security_group"]["properties"]["rules"]
          .dump();
  EXPECT_NE(rules.find(R"("port_range_min":179)"), std::string::npos);
  EXPECT_NE(rules.find(R"("protocol":"4")"), std::string::npos);
  EXPECT_EQ(rules.find("8472"), std::string::npos);
  std::string ign =
      Json::parse(cluster->files.at(kMasterTemplateFile))["resources"]["server"]["properties"]
                                                         ["user_data"]["str_replace"]["template"];
  EXPECT_NE(ign.find("NETWORK_DRIVER%3Dcalico"), std::string::npos);
}

TEST(HotTest, NodeGroupRemovesTheNamedMembersFirst) {
  auto ng = RenderNodeGroupStack(Spec(Variant::Of("own_network")));
  ASSERT_TRUE(ng);
  Json t = Json::parse(ng->template_json);
  EXPECT_EQ(t["parameters"][kNodesToRemoveParam]["type"], "comma_delimited_list");
  EXPECT_EQ(t["parameters"][kNodesToRemoveParam]["default"], "");
  const Json& group = t["resources"]["workers"];
  EXPECT_EQ(group["properties"]["removal_policies"],
            Json::parse(R"([{"resource_list": {"get_param": "nodes_to_remove"}}])"));
  EXPECT_EQ(group["properties"]["count"], (Json{{"get_param", "node_count"}}));
  EXPECT_EQ(group["update_policy"]["rolling_update"]["max_batch_size"],
            (Json{{"get_param", "update_max_batch_size"}}));
  for (const char* out : {"node_addresses", "node_refs", "node_refs_map", "node_names"}) {
    EXPECT_TRUE(t["outputs"].contains(out)) << out;
  }
  Json member = Json::parse(ng->files.at(kWorkerTemplateFile));
  EXPECT_EQ(member["outputs"]["OS::stack_id"]["value"], (Json{{"get_resource", "server"}}));
  EXPECT_FALSE(member["parameters"].contains("ca_key_b64"));  // workers never get the CA key
}

TEST(HotTest, SecretsAreHiddenBase64Parameters) {
  ClusterStackSpec spec = Spec(Variant::Of("own_network"));
  auto cluster = RenderClusterStack(spec);
  ASSERT_TRUE(cluster);
  Json t = Json::parse(cluster->template_json);
  for (const char* p : {"ca_cert_b64", "ca_key_b64", "apiserver_cert_b64", "apiserver_key_b64",
                        "bootstrap_token", "certificate_key"}) {
    EXPECT_EQ(t["parameters"][p]["hidden"], true) << p;
  }
  auto params = ClusterStackParameters(spec, Cluster(), Secrets());
  ASSERT_TRUE(params);
  EXPECT_EQ(Base64Decode(params->at("ca_cert_b64")), Secrets().ca_cert_pem);
  EXPECT_EQ(params->at("bootstrap_token").size(), 23u);
  EXPECT_EQ(params->at("wait_timeout"), "1800");
}

TEST(HotTest, RefusesWhatCannotBeBuilt) {
  ClusterStackSpec spec = Spec(Variant::Of("own_network"));
  spec.master_count = 3;
  auto r = RenderClusterStack(spec);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("master_lb_enabled"), std::string::npos);
  spec = Spec(Variant::Of("fixed_network_only").Net("net-1", ""));
  spec.master_lb_enabled = true;
  r = RenderClusterStack(spec);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("fixed_subnet"), std::string::npos);
  spec = Spec(Variant::Of("own_network"));
  NodeSecrets bad = Secrets();
  bad.bootstrap_token = "short.token";
  EXPECT_FALSE(ClusterStackParameters(spec, Cluster(), bad));
  bad = Secrets();
  bad.ca_cert_pem = "not pem";
  EXPECT_FALSE(ClusterStackParameters(spec, Cluster(), bad));
  ClusterState c = Cluster();
  c.cluster_template.labels = {{"kube_tag", "latest"}};
  auto s = MakeClusterStackSpec(c, "", "", "");
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message().find("kube_tag"), std::string::npos);
  ClusterStackOutputs none;
  EXPECT_FALSE(NodeGroupStackParameters(spec, c, c.nodegroups[1], none, Secrets()));
}

TEST(HotTest, KubeadmSecretsHaveTheirFormats) {
  std::string bytes;
  for (int i = 0; i < 64; ++i) bytes += char(i * 37);
  EXPECT_TRUE(
      std::regex_match(MakeBootstrapToken(bytes), std::regex("[a-z0-9]{6}\\.[a-z0-9]{16}")));
  EXPECT_TRUE(std::regex_match(MakeCertificateKey(bytes), std::regex("[0-9a-f]{64}")));
  EXPECT_EQ(MakeBootstrapToken("short"), "");
}

TEST(HotTest, NodesToRemoveValueJoinsNamesAndRefusesCommas) {
  auto v = NodesToRemoveValue({"1", "6f2b0c1e-0d1a-4f7e-9a55-2a5d8c3e4b10"});
  ASSERT_TRUE(v) << v.error().message();
  EXPECT_EQ(*v, "1,6f2b0c1e-0d1a-4f7e-9a55-2a5d8c3e4b10");
  EXPECT_EQ(*NodesToRemoveValue({}), "");
  auto bad = NodesToRemoveValue({"a,b"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace magnum::drivers::heat
