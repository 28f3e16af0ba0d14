// The HOT templates (hot.h): cluster stack, nodegroup stack and their member templates.
#include <nlohmann/json.hpp>

#include "magnum/drivers/heat/hot.h"
#include "magnum/drivers/heat/ignition.h"

namespace magnum::drivers::heat {
namespace {

using Json = nlohmann::ordered_json;

Json GetParam(const char* name) { return Json{{"get_param", name}}; }
Json GetResource(const char* name) { return Json{{"get_resource", name}}; }
Json GetAttr(Json path) { return Json{{"get_attr", std::move(path)}}; }

// Declares a parameter. `value` null = no default (the driver must pass it).
void Param(Json& params, const char* name, const char* type, const char* description,
           Json value = nullptr, bool hidden = false) {
  Json p{{"type", type}, {"description", description}};
  if (!value.is_null()) p["default"] = std::move(value);
  if (hidden) p["hidden"] = true;
  params[name] = std::move(p);
}

Json Template(const char* description) {
  return Json{{"heat_template_version", kHeatTemplateVersion},
              {"description", description},
              {"parameters", Json::object()},
              {"resources", Json::object()},
              {"outputs", Json::object()}};
}

void Output(Json& t, const char* name, const char* description, Json value) {
  t["outputs"][name] = Json{{"description", description}, {"value", std::move(value)}};
}

// The parameters shared by the cluster, nodegroup and member templates: what a member
// needs, passed down unchanged from the outer stack (same names at both levels).
std::vector<const char*> DeclareNodeParams(Json& p, const ClusterStackSpec& s, NodeRole role) {
  std::vector<const char*> names;
  auto add = [&](const char* name, const char* type, const char* desc, Json def = nullptr,
                 bool hidden = false) {
    Param(p, name, type, desc, std::move(def), hidden);
    names.push_back(name);
  };
  add("cluster_uuid", "string", "The Magnum cluster's uuid (server metadata, node names)");
  add("name_prefix", "string", "Prefix of the servers' names (<prefix>-<role>-<index>)");
  add("kube_tag", "string", "Kubernetes version installed on the nodes (kube_tag label)");
  add("api_port", "number", "Port of the Kubernetes API", s.api_port);
  add("wait_timeout", "number", "Seconds a node may take to report it is up", 3600);
  if (!s.keypair.empty()) add("keypair", "string", "Nova key pair of the servers");
  if (!s.labels.availability_zone.empty()) {
    add("availability_zone", "string", "Nova availability zone of the servers");
  }
  if (s.floating_ip_enabled) {
    add("external_network", "string", "External network of the floating IPs and router");
  }
  if (s.labels.boot_volume_size > 0) {
    add("boot_volume_size", "number", "GiB of each server's Cinder boot volume");
    if (!s.labels.boot_volume_type.empty()) {
      add("boot_volume_type", "string", "Cinder volume type of the boot volumes");
    }
  }
  if (s.labels.docker_volume_size > 0) {
    add("docker_volume_size", "number", "GiB of each node's container storage volume");
    if (!s.labels.docker_volume_type.empty()) {
      add("docker_volume_type", "string", "Cinder volume type of the container volumes");
    }
  }
  add("ca_cert_b64", "string", "Base64 of the cluster CA certificate (PEM)", nullptr, true);
  add("bootstrap_token", "string", "kubeadm bootstrap token the nodes join with", nullptr, true);
  if (role == NodeRole::kMaster) {
    add("ca_key_b64", "string", "Base64 of the cluster CA private key (PEM)", nullptr, true);
    add("apiserver_cert_b64", "string", "Base64 of the API server certificate (PEM)", nullptr,
        true);
    add("apiserver_key_b64", "string", "Base64 of the API server private key (PEM)", nullptr, true);
    add("certificate_key", "string", "kubeadm key of the control-plane certificates", nullptr,
        true);
  }
  return names;
}

Json PortIp() { return GetAttr(Json::array({"port", "fixed_ips", 0, "ip_address"})); }

// One server of the group with its port, volumes, floating IP and wait condition.
Json MemberTemplate(const ClusterStackSpec& s, NodeRole role) {
  bool master = role == NodeRole::kMaster;
  bool lb = master && s.master_lb_enabled;
  Json t = Template(master ? "One Kubernetes master of a Magnum cluster"
                           : "One Kubernetes worker of a Magnum nodegroup");
  Json& p = t["parameters"];
  DeclareNodeParams(p, s, role);
  Param(p, "index", "string", "Index of this member in its group");
  Param(p, "flavor", "string", "Nova flavor of the server");
  Param(p, "image", "string", "Glance image (Fedora CoreOS) of the server");
  Param(p, "network", "string", "Neutron network of the server's port");
  if (s.HasSubnet()) Param(p, "subnet", "string", "Neutron subnet of the server's port");
  Param(p, "security_group", "string", "Security group of the server's port");
  if (!master || lb) Param(p, "api_address", "string", "Host of the Kubernetes API");
  if (lb) Param(p, "api_pool", "string", "Octavia pool of the API load balancer");

  Json& r = t["resources"];
  Json port_props{{"network", GetParam("network")},
                  {"security_groups", Json::array({GetParam("security_group")})}};
  if (s.HasSubnet()) port_props["fixed_ips"] = Json::array({Json{{"subnet", GetParam("subnet")}}});
  r["port"] = Json{{"type", "OS::Neutron::Port"}, {"properties", port_props}};
  if (s.floating_ip_enabled) {
    r["floating_ip"] = Json{{"type", "OS::Neutron::FloatingIP"},
                            {"properties", Json{{"floating_network", GetParam("external_network")},
                                                {"port_id", GetResource("port")}}}};
  }
  r["wait_handle"] = Json{{"type", "OS::Heat::WaitConditionHandle"}};
  r["wait_condition"] = Json{{"type", "OS::Heat::WaitCondition"},
                             {"depends_on", "server"},
                             {"properties", Json{{"handle", GetResource("wait_handle")},
                                                 {"count", 1},
                                                 {"timeout", GetParam("wait_timeout")}}}};

  Json subst{{kPlaceholderWaitEndpoint, GetAttr(Json::array({"wait_handle", "endpoint"}))},
             {kPlaceholderWaitToken, GetAttr(Json::array({"wait_handle", "token"}))},
             {kPlaceholderApiAddress, (!master || lb) ? GetParam("api_address") : PortIp()},
             {kPlaceholderNodeIndex, GetParam("index")},
             {kPlaceholderKubeTag, GetParam("kube_tag")},
             {kPlaceholderBootstrapToken, GetParam("bootstrap_token")},
             {kPlaceholderCaCert, GetParam("ca_cert_b64")}};
  if (master) {
    subst[std::string(kPlaceholderCaKey)] = GetParam("ca_key_b64");
    subst[std::string(kPlaceholderApiserverCert)] = GetParam("apiserver_cert_b64");
    subst[std::string(kPlaceholderApiserverKey)] = GetParam("apiserver_key_b64");
    subst[std::string(kPlaceholderCertificateKey)] = GetParam("certificate_key");
  }
  bool volume = s.labels.docker_volume_size > 0;
  Json server{
      {"name", Json{{"list_join", Json::array({"-", Json::array({GetParam("name_prefix"),
                                                                 master ? "master" : "node",
                                                                 GetParam("index")})})}}},
      {"flavor", GetParam("flavor")},
      {"networks", Json::array({Json{{"port", GetResource("port")}}})},
      {"metadata", Json{{"magnum_cluster_uuid", GetParam("cluster_uuid")}}},
      {"user_data_format", "RAW"},
      {"user_data",
       Json{{"str_replace", Json{{"template", RenderIgnitionTemplate(role, s.labels, "", volume)},
                                 {"params", subst}}}}}};
  if (!s.keypair.empty()) server["key_name"] = GetParam("keypair");
  if (!s.labels.availability_zone.empty()) {
    server["availability_zone"] = GetParam("availability_zone");
  }
  if (s.labels.boot_volume_size > 0) {
    // A volume of its own (Nova's block_device_mapping_v2 in Heat takes no volume type).
    Json vol{{"image", GetParam("image")}, {"size", GetParam("boot_volume_size")}};
    if (!s.labels.boot_volume_type.empty()) vol["volume_type"] = GetParam("boot_volume_type");
    r["boot_volume"] = Json{{"type", "OS::Cinder::Volume"}, {"properties", vol}};
    server["block_device_mapping_v2"] = Json::array({Json{{"boot_index", 0},
                                                          {"volume_id", GetResource("boot_volume")},
                                                          {"delete_on_termination", true}}});
  } else {
    server["image"] = GetParam("image");
  }
  r["server"] = Json{{"type", "OS::Nova::Server"}, {"properties", server}};
  if (volume) {
    Json vol{{"size", GetParam("docker_volume_size")}};
    if (!s.labels.docker_volume_type.empty()) vol["volume_type"] = GetParam("docker_volume_type");
    r["docker_volume"] = Json{{"type", "OS::Cinder::Volume"}, {"properties", vol}};
    r["docker_volume_attach"] =
        Json{{"type", "OS::Cinder::VolumeAttachment"},
             {"properties", Json{{"instance_uuid", GetResource("server")},
                                 {"volume_id", GetResource("docker_volume")},
                                 {"mountpoint", "/dev/vdb"}}}};
  }
  if (lb) {
    Json member{{"pool", GetParam("api_pool")},
                {"address", PortIp()},
                {"protocol_port", GetParam("api_port")}};
    if (s.HasSubnet()) member["subnet"] = GetParam("subnet");
    r["api_pool_member"] = Json{{"type", "OS::Octavia::PoolMember"}, {"properties", member}};
  }

  Output(t, "OS::stack_id", "The server (the group's refs)", GetResource("server"));
  Output(t, "name", "The server's name", GetAttr(Json::array({"server", "name"})));
  Output(t, "private_address", "The server's fixed IP", PortIp());
  Output(t, "address", "The server's reachable address (floating IP if any)",
         s.floating_ip_enabled ? GetAttr(Json::array({"floating_ip", "floating_ip_address"}))
                               : PortIp());
  return t;
}

// A ResourceGroup of the member template, every shared parameter passed down.
Json Group(const ClusterStackSpec& s, NodeRole role, const std::vector<const char*>& shared,
           const char* count_param, const char* flavor_param, const char* image_param) {
  Json props;
  for (const char* name : shared) props[name] = GetParam(name);
  props["index"] = "%index%";
  props["flavor"] = GetParam(flavor_param);
  props["image"] = GetParam(image_param);
  return Json{
      {"type", "OS::Heat::ResourceGroup"},
      {"update_policy",
       Json{{"rolling_update", Json{{"max_batch_size", GetParam("update_max_batch_size")}}}}},
      {"properties",
       Json{{"count", GetParam(count_param)},
            {"resource_def",
             Json{{"type", role == NodeRole::kMaster ? kMasterTemplateFile : kWorkerTemplateFile},
                  {"properties", props}}}}}};
}

Json Rule(const char* protocol, int min, int max, Json remote) {
  Json rule{{"protocol", protocol}, {"remote_ip_prefix", std::move(remote)}};
  if (min > 0) {
    rule["port_range_min"] = min;
    rule["port_range_max"] = max;
  }
  return rule;
}

// Intra-cluster traffic of the CNI: flannel's VXLAN, or calico's BGP and IP-in-IP.
void CniRules(Json& rules, const ClusterStackSpec& s) {
  if (s.labels.network_driver == NetworkDriver::kCalico) {
    rules.push_back(Rule("tcp", 179, 179, GetParam("node_cidr")));
    rules.push_back(Rule("4", 0, 0, GetParam("node_cidr")));
  } else {
    rules.push_back(Rule("udp", 8472, 8472, GetParam("node_cidr")));
  }
}

Json SecurityGroups(const ClusterStackSpec& s, bool master) {
  Json rules = Json::array({Rule("icmp", 0, 0, "0.0.0.0/0"), Rule("tcp", 22, 22, "0.0.0.0/0"),
                            Rule("tcp", 10250, 10250, GetParam("node_cidr"))});
  if (master) {
    Json api = Rule("tcp", 1, 1, "0.0.0.0/0");
    api["port_range_min"] = GetParam("api_port");
    api["port_range_max"] = GetParam("api_port");
    rules.push_back(api);
    rules.push_back(Rule("tcp", 2379, 2380, GetParam("node_cidr")));  // etcd
    rules.push_back(Rule("tcp", 10257, 10259, GetParam("node_cidr")));
  } else {
    rules.push_back(Rule("tcp", 30000, 32767, "0.0.0.0/0"));  // NodePort services
    rules.push_back(Rule("udp", 30000, 32767, "0.0.0.0/0"));
  }
  CniRules(rules, s);
  return Json{
      {"type", "OS::Neutron::SecurityGroup"},
      {"properties", Json{{"description", master ? "Kubernetes masters" : "Kubernetes workers"},
                          {"rules", rules}}}};
}

Result<void> CheckSpec(const ClusterStackSpec& s) {
  if (s.master_count < 1) return Fail(Error::InvalidArgument("master_count must be at least 1"));
  if (s.master_count > 1 && !s.master_lb_enabled) {
    return Fail(Error::InvalidArgument(
        "k8s_fedora_coreos_v1 needs master_lb_enabled for more than one master"));
  }
  if (!s.fixed_subnet.empty() && s.fixed_network.empty()) {
    return Fail(Error::InvalidArgument("fixed_subnet needs fixed_network"));
  }
  if (s.master_lb_enabled && !s.HasSubnet()) {
    return Fail(Error::InvalidArgument(
        "master_lb_enabled with fixed_network needs fixed_subnet (the load balancer's subnet)"));
  }
  if (s.api_port < 1 || s.api_port > 65535) {
    return Fail(Error::InvalidArgument("apiserver_port must be from 1 to 65535"));
  }
  return {};
}

}  // namespace

Result<RenderedStack> RenderClusterStack(const ClusterStackSpec& s) {
  MAGNUM_RETURN_IF_ERROR(CheckSpec(s));
  Json t = Template("Kubernetes cluster on Fedora CoreOS (Magnum k8s_fedora_coreos_v1)");
  Json& p = t["parameters"];
  std::vector<const char*> shared = DeclareNodeParams(p, s, NodeRole::kMaster);
  Param(p, "master_count", "number", "Number of masters", 1);
  Param(p, "master_flavor", "string", "Nova flavor of the masters");
  Param(p, "master_image", "string", "Glance image of the masters");
  Param(p, "update_max_batch_size", "number", "Masters replaced at once by an update", 1);
  Param(p, "node_cidr", "string", "CIDR of the nodes' addresses (cluster-internal rules)",
        s.labels.fixed_subnet_cidr);
  if (!s.floating_ip_enabled && s.NeedsExternalNetwork()) {
    Param(p, "external_network", "string", "External network of the router / LB address");
  }
  Json network, subnet;
  Json& r = t["resources"];
  if (s.fixed_network.empty()) {
    Param(p, "fixed_subnet_cidr", "string", "CIDR of the private subnet",
          s.labels.fixed_subnet_cidr);
    Param(p, "dns_nameserver", "string", "DNS server of the private subnet", s.dns_nameserver);
    r["network"] = Json{{"type", "OS::Neutron::Net"}};
    r["subnet"] =
        Json{{"type", "OS::Neutron::Subnet"},
             {"properties", Json{{"network", GetResource("network")},
                                 {"cidr", GetParam("fixed_subnet_cidr")},
                                 {"dns_nameservers", Json::array({GetParam("dns_nameserver")})}}}};
    r["router"] =
        Json{{"type", "OS::Neutron::Router"},
             {"properties",
              Json{{"external_gateway_info", Json{{"network", GetParam("external_network")}}}}}};
    r["router_interface"] = Json{
        {"type", "OS::Neutron::RouterInterface"},
        {"properties", Json{{"router", GetResource("router")}, {"subnet", GetResource("subnet")}}}};
    network = GetResource("network");
    subnet = GetResource("subnet");
  } else {
    Param(p, "fixed_network", "string", "Existing Neutron network of the nodes");
    network = GetParam("fixed_network");
    if (!s.fixed_subnet.empty()) {
      Param(p, "fixed_subnet", "string", "Existing Neutron subnet of the nodes");
      subnet = GetParam("fixed_subnet");
    }
  }
  r["master_security_group"] = SecurityGroups(s, true);
  r["worker_security_group"] = SecurityGroups(s, false);

  Json masters =
      Group(s, NodeRole::kMaster, shared, "master_count", "master_flavor", "master_image");
  Json& mp = masters["properties"]["resource_def"]["properties"];
  mp["network"] = network;
  if (!subnet.is_null()) mp["subnet"] = subnet;
  mp["security_group"] = GetResource("master_security_group");
  if (s.fixed_network.empty()) masters["depends_on"] = Json::array({"router_interface"});

  Json api_address;
  if (s.master_lb_enabled) {
    Json lb{{"vip_subnet", subnet}};
    r["api_lb"] = Json{{"type", "OS::Octavia::LoadBalancer"}, {"properties", lb}};
    r["api_listener"] = Json{{"type", "OS::Octavia::Listener"},
                             {"properties", Json{{"loadbalancer", GetResource("api_lb")},
                                                 {"protocol", "TCP"},
                                                 {"protocol_port", GetParam("api_port")}}}};
    r["api_pool"] = Json{{"type", "OS::Octavia::Pool"},
                         {"properties", Json{{"listener", GetResource("api_listener")},
                                             {"lb_algorithm", "ROUND_ROBIN"},
                                             {"protocol", "TCP"}}}};
    r["api_monitor"] = Json{{"type", "OS::Octavia::HealthMonitor"},
                            {"properties", Json{{"pool", GetResource("api_pool")},
                                                {"type", "TCP"},
                                                {"delay", 5},
                                                {"max_retries", 5},
                                                {"timeout", 5}}}};
    mp["api_address"] = GetAttr(Json::array({"api_lb", "vip_address"}));
    mp["api_pool"] = GetResource("api_pool");
    api_address = GetAttr(Json::array({"api_lb", "vip_address"}));
    if (s.LbFloatingIp()) {
      r["api_lb_floating_ip"] =
          Json{{"type", "OS::Neutron::FloatingIP"},
               {"properties", Json{{"floating_network", GetParam("external_network")},
                                   {"port_id", GetAttr(Json::array({"api_lb", "vip_port_id"}))}}}};
      api_address = GetAttr(Json::array({"api_lb_floating_ip", "floating_ip_address"}));
    }
  } else {
    api_address = GetAttr(Json::array({"masters", "resource.0.address"}));
  }
  r["masters"] = masters;

  Output(t, "api_address", "Host of the Kubernetes API (LB, its floating IP, or master 0)",
         api_address);
  Output(t, "api_port", "Port of the Kubernetes API", GetParam("api_port"));
  Output(t, "master_addresses", "Reachable addresses of the masters",
         GetAttr(Json::array({"masters", "address"})));
  Output(t, "master_private_addresses", "Fixed IPs of the masters",
         GetAttr(Json::array({"masters", "private_address"})));
  Output(t, "master_names", "Server names of the masters",
         GetAttr(Json::array({"masters", "name"})));
  Output(t, "master_refs", "Server ids of the masters", GetAttr(Json::array({"masters", "refs"})));
  Output(t, "network", "Neutron network of the nodes", network);
  Output(t, "subnet", "Neutron subnet of the nodes", subnet.is_null() ? Json("") : subnet);
  Output(t, "worker_security_group", "Security group of the workers",
         GetResource("worker_security_group"));

  RenderedStack out;
  out.template_json = t.dump();
  out.files[kMasterTemplateFile] = MemberTemplate(s, NodeRole::kMaster).dump();
  return out;
}

Result<RenderedStack> RenderNodeGroupStack(const ClusterStackSpec& s) {
  MAGNUM_RETURN_IF_ERROR(CheckSpec(s));
  Json t = Template("Kubernetes workers of one Magnum nodegroup (k8s_fedora_coreos_v1)");
  Json& p = t["parameters"];
  std::vector<const char*> shared = DeclareNodeParams(p, s, NodeRole::kWorker);
  for (const char* name : {"network", "security_group", "api_address"}) shared.push_back(name);
  Param(p, "network", "string", "Neutron network of the nodes (cluster output network)");
  if (s.HasSubnet()) {
    Param(p, "subnet", "string", "Neutron subnet of the nodes (cluster output subnet)");
    shared.push_back("subnet");
  }
  Param(p, "security_group", "string", "Workers' security group (cluster output)");
  Param(p, "api_address", "string", "Host of the Kubernetes API (cluster output api_address)");
  Param(p, "node_count", "number", "Number of workers", 1);
  Param(p, "flavor", "string", "Nova flavor of the workers");
  Param(p, "image", "string", "Glance image of the workers");
  Param(p, "update_max_batch_size", "number", "Workers replaced at once by an update", 1);
  Param(p, kNodesToRemoveParam, "comma_delimited_list",
        "Member names or server ids a scale-down removes first", "");
  Json workers = Group(s, NodeRole::kWorker, shared, "node_count", "flavor", "image");
  workers["properties"]["removal_policies"] =
      Json::array({Json{{"resource_list", GetParam(kNodesToRemoveParam)}}});
  t["resources"]["workers"] = workers;
  Output(t, "node_addresses", "Reachable addresses of the workers",
         GetAttr(Json::array({"workers", "address"})));
  Output(t, "node_private_addresses", "Fixed IPs of the workers",
         GetAttr(Json::array({"workers", "private_address"})));
  Output(t, "node_names", "Server names of the workers", GetAttr(Json::array({"workers", "name"})));
  Output(t, "node_refs", "Server ids of the workers", GetAttr(Json::array({"workers", "refs"})));
  Output(t, "node_refs_map", "Member name -> server id",
         GetAttr(Json::array({"workers", "refs_map"})));
  RenderedStack out;
  out.template_json = t.dump();
  out.files[kWorkerTemplateFile] = MemberTemplate(s, NodeRole::kWorker).dump();
  return out;
}

}  // namespace magnum::drivers::heat
