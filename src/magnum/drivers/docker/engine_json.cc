// The pure half of the Docker Engine client: URL and filter encoding, stream framing, request
// bodies and reply parsers (docker_client.h declares them; tested without an engine).
#include "magnum/drivers/docker/engine_json.h"

#include <cctype>
#include <cstdint>
#include <limits>

#include "magnum/drivers/docker/docker_client.h"

namespace magnum::drivers::docker {

using engine_json::FromJson;
using engine_json::json;
using engine_json::LabelsOf;
using engine_json::Str;

namespace {

// An integer field of `j` that must fit in T: absent, null or an integer in T's range is
// taken; anything else throws (a float such as 1e300 would be undefined behaviour to convert).
template <typename T>
T Integer(const json& j, const char* key, T absent) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return absent;
  if (it->is_number_unsigned()) {
    if (it->get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      return static_cast<T>(it->get<uint64_t>());
    }
  } else if (it->is_number_integer()) {
    const int64_t v = it->get<int64_t>();
    if (v >= std::numeric_limits<T>::min() && v <= std::numeric_limits<T>::max()) {
      return static_cast<T>(v);
    }
  }
  throw json::type_error::create(302, std::string(key) + " is not an integer in range", &*it);
}

}  // namespace

std::string UrlEncode(std::string_view s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char ch : s) {
    if (std::isalnum(ch) || ch == '-' || ch == '_' || ch == '.' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += kHex[ch >> 4];
      out += kHex[ch & 15];
    }
  }
  return out;
}

std::string EncodeFilters(const Filters& f) {
  json j = json::object();
  for (const auto& [k, vs] : f) j[k] = vs;
  return UrlEncode(j.dump());
}

std::string DemultiplexStream(std::string_view raw) {
  std::string out;
  size_t i = 0;
  while (i < raw.size()) {
    // Frame: [stream 0|1|2, 0, 0, 0, size (big-endian u32)] then payload.
    if (raw.size() - i < 8 || static_cast<unsigned char>(raw[i]) > 2 || raw[i + 1] != 0 ||
        raw[i + 2] != 0 || raw[i + 3] != 0) {
      out.append(raw.substr(i));  // not framed (TTY) or truncated: keep as text
      break;
    }
    uint32_t n = (static_cast<uint32_t>(static_cast<unsigned char>(raw[i + 4])) << 24) |
                 (static_cast<uint32_t>(static_cast<unsigned char>(raw[i + 5])) << 16) |
                 (static_cast<uint32_t>(static_cast<unsigned char>(raw[i + 6])) << 8) |
                 static_cast<uint32_t>(static_cast<unsigned char>(raw[i + 7]));
    i += 8;
    out.append(raw.substr(i, n));
    i += std::min<size_t>(n, raw.size() - i);
  }
  return out;
}

std::string EngineMessage(const std::string& body) {
  try {
    json j = json::parse(body);
    if (j.is_object() && j.contains("message") && j["message"].is_string()) {
      return j["message"].get<std::string>();
    }
  } catch (const json::exception&) {
  }
  std::string s = body;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

std::string BuildNetworkCreateBody(const NetworkSpec& spec) {
  json j;
  j["Name"] = spec.name;
  j["CheckDuplicate"] = true;
  j["Driver"] = "bridge";
  j["Internal"] = false;  // --internal gives no isolation with --iptables=false and drops -p
  j["Attachable"] = false;
  j["IPAM"] = {{"Driver", "default"},
               {"Config", json::array({{{"Subnet", spec.subnet}, {"Gateway", spec.gateway}}})}};
  json opts = json::object();
  if (!spec.bridge_name.empty()) opts["com.docker.network.bridge.name"] = spec.bridge_name;
  opts["com.docker.network.bridge.enable_ip_masquerade"] = "false";
  opts["com.docker.network.bridge.enable_icc"] = "true";
  j["Options"] = opts;
  j["Labels"] = spec.labels;
  return j.dump();
}

std::string BuildContainerCreateBody(const ContainerSpec& spec) {
  json j;
  j["Image"] = spec.image;
  if (!spec.hostname.empty()) j["Hostname"] = spec.hostname;
  j["Labels"] = spec.labels;
  if (!spec.env.empty()) j["Env"] = spec.env;
  if (!spec.cmd.empty()) j["Cmd"] = spec.cmd;
  json host = json::object();
  if (spec.nested_engine) {
    host["CapAdd"] = {"ALL"};
    host["CapDrop"] = {"SYS_RESOURCE"};
    // `--security-opt systempaths=unconfined` is a CLI spelling: the API takes empty
    // masked and read-only path lists.
    host["SecurityOpt"] = {"seccomp=unconfined"};
    host["MaskedPaths"] = json::array();
    host["ReadonlyPaths"] = json::array();
    host["DeviceCgroupRules"] = {"a *:* rwm"};
    host["CgroupnsMode"] = "private";
  }
  if (!spec.dns.empty()) host["Dns"] = spec.dns;
  if (!spec.volume_name.empty()) {
    host["Mounts"] = json::array(
        {{{"Type", "volume"}, {"Source", spec.volume_name}, {"Target", spec.volume_target}}});
  }
  host["RestartPolicy"] = {{"Name", "no"}};
  if (!spec.loopback_ports.empty()) {
    json exposed = json::object();
    json bindings = json::object();
    for (const auto& [port, host_port] : spec.loopback_ports) {
      exposed[port] = json::object();
      bindings[port] =
          json::array({{{"HostIp", "127.0.0.1"},
                        {"HostPort", host_port > 0 ? std::to_string(host_port) : ""}}});
    }
    j["ExposedPorts"] = exposed;
    host["PortBindings"] = bindings;
  }
  if (!spec.network.empty()) {
    host["NetworkMode"] = spec.network;
    json endpoint = json::object();
    if (!spec.ipv4_address.empty()) endpoint["IPAMConfig"] = {{"IPv4Address", spec.ipv4_address}};
    j["NetworkingConfig"] = {{"EndpointsConfig", {{spec.network, endpoint}}}};
  }
  if (spec.nano_cpus > 0) host["NanoCpus"] = spec.nano_cpus;
  if (spec.memory_bytes > 0) host["Memory"] = spec.memory_bytes;
  j["HostConfig"] = host;
  return j.dump();
}

std::string BuildNodeUpdateBody(const SwarmNode& node) {
  json j;
  if (!node.name.empty()) j["Name"] = node.name;
  j["Role"] = node.role;
  j["Availability"] = node.availability;
  j["Labels"] = node.labels;
  return j.dump();
}

Result<std::vector<NetworkInfo>> ParseNetworkList(const std::string& body) {
  return FromJson<std::vector<NetworkInfo>>(body, "network list", [](const json& j) {
    std::vector<NetworkInfo> out;
    for (const auto& n : j) {
      NetworkInfo info;
      info.id = Str(n, "Id");
      info.name = Str(n, "Name");
      info.labels = LabelsOf(n.value("Labels", json::object()));
      const json& ipam = n.value("IPAM", json::object());
      if (ipam.contains("Config") && ipam["Config"].is_array()) {
        for (const auto& cfg : ipam["Config"]) {
          std::string subnet = Str(cfg, "Subnet");
          if (!subnet.empty()) info.subnets.push_back(subnet);
        }
      }
      out.push_back(std::move(info));
    }
    return out;
  });
}

Result<ContainerInfo> ParseContainerInspect(const std::string& body) {
  return FromJson<ContainerInfo>(body, "container inspect", [](const json& j) {
    ContainerInfo info;
    info.id = Str(j, "Id");
    info.name = Str(j, "Name");
    if (!info.name.empty() && info.name[0] == '/') info.name.erase(0, 1);
    info.image_id = Str(j, "Image");
    const json& cfg = j.value("Config", json::object());
    info.image = Str(cfg, "Image");
    info.labels = LabelsOf(cfg.value("Labels", json::object()));
    const json& st = j.value("State", json::object());
    info.running = st.value("Running", false);
    info.state = Str(st, "Status");
    info.exit_code = Integer<int>(st, "ExitCode", 0);
    info.oom_killed = st.value("OOMKilled", false);
    info.error = Str(st, "Error");
    const json& ns = j.value("NetworkSettings", json::object());
    if (ns.contains("Networks") && ns["Networks"].is_object()) {
      for (auto it = ns["Networks"].begin(); it != ns["Networks"].end(); ++it) {
        std::string ip = Str(it.value(), "IPAddress");
        if (ip.empty() && it.value().contains("IPAMConfig") &&
            it.value()["IPAMConfig"].is_object()) {
          ip = Str(it.value()["IPAMConfig"], "IPv4Address");
        }
        info.ip_by_network[it.key()] = ip;
      }
    }
    if (ns.contains("Ports") && ns["Ports"].is_object()) {
      for (auto it = ns["Ports"].begin(); it != ns["Ports"].end(); ++it) {
        if (!it.value().is_array()) continue;
        for (const auto& b : it.value()) {
          std::string hp = Str(b, "HostPort");
          if (!hp.empty()) {
            info.host_ports[it.key()] = std::atoi(hp.c_str());
            break;
          }
        }
      }
    }
    return info;
  });
}

Result<std::vector<ContainerSummary>> ParseContainerList(const std::string& body) {
  return FromJson<std::vector<ContainerSummary>>(body, "container list", [](const json& j) {
    std::vector<ContainerSummary> out;
    for (const auto& c : j) {
      ContainerSummary s;
      s.id = Str(c, "Id");
      if (c.contains("Names") && c["Names"].is_array() && !c["Names"].empty()) {
        s.name = c["Names"][0].get<std::string>();
        if (!s.name.empty() && s.name[0] == '/') s.name.erase(0, 1);
      }
      s.image = Str(c, "Image");
      s.image_id = Str(c, "ImageID");
      s.state = Str(c, "State");
      s.status = Str(c, "Status");
      s.labels = LabelsOf(c.value("Labels", json::object()));
      out.push_back(std::move(s));
    }
    return out;
  });
}

namespace {

// A list reply must be an array (an object here is an error reply or another endpoint's).
void RequireArray(const json& j) {
  if (!j.is_array()) {
    throw json::type_error::create(302, "expected an array, got " + std::string(j.type_name()), &j);
  }
}

// The object field `key` of `j` (absent or null: an empty object); anything else throws.
const json& Object(const json& j, const char* key) {
  static const json kEmpty = json::object();
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return kEmpty;
  if (!it->is_object()) {
    throw json::type_error::create(302, std::string(key) + " is not an object", &*it);
  }
  return *it;
}

// The string field `key` of `j` (absent or null: ""); anything else throws.
std::string Text(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return std::string();
  if (!it->is_string()) {
    throw json::type_error::create(302, std::string(key) + " is not a string", &*it);
  }
  return it->get<std::string>();
}

// A non-negative integer field of `j` (absent = 0); anything else throws.
int64_t Quantity(const json& j, const char* key) {
  auto it = j.find(key);
  if (it == j.end() || it->is_null()) return 0;
  if (!it->is_number_integer() && !it->is_number_unsigned()) {
    throw json::type_error::create(302, std::string(key) + " is not an integer", &*it);
  }
  if (it->is_number_unsigned() &&
      it->get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    throw json::type_error::create(302, std::string(key) + " is out of range", &*it);
  }
  const int64_t v = it->get<int64_t>();
  if (v < 0) throw json::type_error::create(302, std::string(key) + " is negative", &*it);
  return v;
}


}  // namespace

Result<std::vector<SwarmNode>> ParseNodeList(const std::string& body) {
  return FromJson<std::vector<SwarmNode>>(body, "node list", [](const json& j) {
    RequireArray(j);
    std::vector<SwarmNode> out;
    for (const auto& n : j) {
      if (!n.is_object()) throw json::type_error::create(302, "a node is not an object", &n);
      SwarmNode s;
      s.id = Text(n, "ID");
      // Quantity: a float or negative Index is refused, not converted (a float out of range
      // is undefined behaviour in nlohmann's get<uint64_t>; found by fuzz_engine_workload).
      s.version = static_cast<uint64_t>(Quantity(Object(n, "Version"), "Index"));
      const json& spec = Object(n, "Spec");
      s.role = Text(spec, "Role");
      s.availability = Text(spec, "Availability");
      s.name = Text(spec, "Name");
      s.labels = LabelsOf(spec.value("Labels", json::object()));
      const json& desc = Object(n, "Description");
      s.hostname = Text(desc, "Hostname");
      s.engine_version = Text(Object(desc, "Engine"), "EngineVersion");
      const json& res = Object(desc, "Resources");
      s.nano_cpus = Quantity(res, "NanoCPUs");
      s.memory_bytes = Quantity(res, "MemoryBytes");
      const json& st = Object(n, "Status");
      s.state = Text(st, "State");
      s.message = Text(st, "Message");
      s.addr = Text(st, "Addr");
      out.push_back(std::move(s));
    }
    return out;
  });
}

Result<std::vector<SwarmTask>> ParseTaskList(const std::string& body) {
  return FromJson<std::vector<SwarmTask>>(body, "task list", [](const json& j) {
    RequireArray(j);
    std::vector<SwarmTask> out;
    for (const auto& t : j) {
      if (!t.is_object()) {
        throw json::type_error::create(302, "a task is not an object", &t);
      }
      SwarmTask s;
      s.id = Text(t, "ID");
      s.service_id = Text(t, "ServiceID");
      s.node_id = Text(t, "NodeID");
      s.desired_state = Text(t, "DesiredState");
      s.created_at = Text(t, "CreatedAt");
      const json& st = Object(t, "Status");
      s.state = Text(st, "State");
      s.message = Text(st, "Message");
      s.err = Text(st, "Err");
      const json& reserved = Object(Object(Object(t, "Spec"), "Resources"), "Reservations");
      s.reserved_nano_cpus = Quantity(reserved, "NanoCPUs");
      s.reserved_memory_bytes = Quantity(reserved, "MemoryBytes");
      out.push_back(std::move(s));
    }
    return out;
  });
}

Result<std::vector<SwarmService>> ParseServiceList(const std::string& body) {
  return FromJson<std::vector<SwarmService>>(body, "service list", [](const json& j) {
    RequireArray(j);
    std::vector<SwarmService> out;
    for (const auto& v : j) {
      if (!v.is_object()) {
        throw json::type_error::create(302, "a service is not an object", &v);
      }
      out.push_back({Text(v, "ID"), Text(Object(v, "Spec"), "Name")});
    }
    return out;
  });
}

Result<EngineInfo> ParseEngineInfo(const std::string& body) {
  return FromJson<EngineInfo>(body, "info", [](const json& j) {
    EngineInfo info;
    info.ncpu = Integer<int>(j, "NCPU", 0);
    info.mem_total = Integer<int64_t>(j, "MemTotal", 0);
    info.memory_limit = j.value("MemoryLimit", false);
    info.cpu_cfs_quota = j.value("CpuCfsQuota", false);
    const json& s = j.value("Swarm", json::object());
    info.swarm_state = Str(s, "LocalNodeState");
    info.swarm_node_id = Str(s, "NodeID");
    return info;
  });
}

}  // namespace magnum::drivers::docker
