#include "magnum/drivers/docker/docker_client.h"

#include <curl/curl.h>

#include <cstring>
#include <mutex>
#include <nlohmann/json.hpp>

namespace magnum::drivers::docker {
namespace {

using json = nlohmann::json;

constexpr std::string_view kApiPrefix = "/v1.41";

struct CurlDeleter {
  void operator()(CURL* c) const { curl_easy_cleanup(c); }
};
using CurlPtr = std::unique_ptr<CURL, CurlDeleter>;
struct SlistDeleter {
  void operator()(curl_slist* s) const { curl_slist_free_all(s); }
};
using SlistPtr = std::unique_ptr<curl_slist, SlistDeleter>;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendBody(char* data, size_t size, size_t n, void* user) {
  static_cast<std::string*>(user)->append(data, size * n);
  return size * n;
}

int AbortCheck(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* abort = static_cast<const std::function<bool()>*>(user);
  return (*abort)() ? 1 : 0;
}

class CurlTransport final : public DockerTransport {
 public:
  CurlTransport(DockerEndpoint ep, std::function<bool()> abort)
      : ep_(std::move(ep)), abort_(std::move(abort)) {
    GlobalInitOnce();
    const std::string& u = ep_.url;
    if (u.rfind("unix://", 0) == 0) {
      socket_path_ = u.substr(7);
      base_ = "http://localhost";
    } else if (u.rfind("tcp://", 0) == 0) {
      base_ = std::string(ep_.Tls() ? "https://" : "http://") + u.substr(6);
    } else {
      base_ = u;  // http:// or https://
    }
    while (!base_.empty() && base_.back() == '/') base_.pop_back();
  }

  const std::string& url() const override { return ep_.url; }

  Result<HttpReply> Send(std::string_view method, const std::string& path, const std::string& body,
                         std::string_view content_type,
                         std::chrono::milliseconds timeout) override {
    CurlPtr h(curl_easy_init());
    if (!h) return Fail(Error::Internal("curl_easy_init failed"));
    CURL* c = h.get();
    std::string url = base_ + std::string(kApiPrefix) + path;
    HttpReply reply;
    char errbuf[CURL_ERROR_SIZE] = {0};
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(std::min<int64_t>(timeout.count(), 5000)));
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &AppendBody);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &reply.body);
    if (!socket_path_.empty()) curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, socket_path_.c_str());
    std::string m(method);
    if (m == "GET") {
      curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
      curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, m.c_str());
      if (m != "DELETE" || !body.empty()) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
      }
    }
    SlistPtr headers;
    auto add_header = [&headers](const std::string& hdr) {
      curl_slist* n = curl_slist_append(headers.get(), hdr.c_str());
      if (n != nullptr) {
        headers.release();
        headers.reset(n);
      }
    };
    add_header("Expect:");
    if (!content_type.empty() && m != "GET")
      add_header("Content-Type: " + std::string(content_type));
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    if (ep_.Tls()) {
      curl_blob ca{const_cast<char*>(ep_.ca_pem.data()), ep_.ca_pem.size(), CURL_BLOB_COPY};
      curl_blob cert{const_cast<char*>(ep_.cert_pem.data()), ep_.cert_pem.size(), CURL_BLOB_COPY};
      curl_blob key{const_cast<char*>(ep_.key_pem.data()), ep_.key_pem.size(), CURL_BLOB_COPY};
      curl_easy_setopt(c, CURLOPT_CAINFO_BLOB, &ca);
      curl_easy_setopt(c, CURLOPT_SSLCERT_BLOB, &cert);
      curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
      curl_easy_setopt(c, CURLOPT_SSLKEY_BLOB, &key);
      curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
      curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
    }
    if (abort_) {
      curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, &AbortCheck);
      curl_easy_setopt(c, CURLOPT_XFERINFODATA, &abort_);
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_ABORTED_BY_CALLBACK) {
      return Fail(Error::Unavailable("request to Docker Engine at " + ep_.url +
                                     " aborted: operation cancelled"));
    }
    if (rc != CURLE_OK) {
      std::string why = errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc);
      switch (rc) {
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_CIPHER:
          // Our own TLS material or the engine's certificate is wrong: retrying won't help.
          return Fail(Error::Internal("TLS with Docker Engine at " + ep_.url + " failed: " + why));
        default:
          return Fail(
              Error::Unavailable("Docker Engine at " + ep_.url + " is not reachable: " + why));
      }
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &reply.status);
    char* ct = nullptr;
    curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &ct);
    if (ct != nullptr) reply.content_type = ct;
    return reply;
  }

 private:
  const DockerEndpoint ep_;
  const std::function<bool()> abort_;
  std::string socket_path_;
  std::string base_;
};

Labels LabelsOf(const json& j) {
  Labels out;
  if (!j.is_object()) return out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Result<json> ParseJson(const std::string& body, std::string_view what) {
  try {
    return json::parse(body);
  } catch (const json::exception& e) {
    return Fail(Error::Internal("unparsable Docker Engine reply to " + std::string(what) + ": " +
                                e.what()));
  }
}

// Runs `fn` on parsed JSON, turning library exceptions (type errors) into errors.
template <typename T, typename Fn>
Result<T> FromJson(const std::string& body, std::string_view what, Fn fn) {
  MAGNUM_ASSIGN_OR_RETURN(json j, ParseJson(body, what));
  try {
    return fn(j);
  } catch (const json::exception& e) {
    return Fail(Error::Internal("unexpected Docker Engine reply to " + std::string(what) + ": " +
                                e.what()));
  }
}

}  // namespace

std::unique_ptr<DockerTransport> NewCurlTransport(DockerEndpoint endpoint,
                                                  std::function<bool()> abort) {
  return std::make_unique<CurlTransport>(std::move(endpoint), std::move(abort));
}

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
    info.exit_code = st.value("ExitCode", 0);
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

Result<std::vector<SwarmNode>> ParseNodeList(const std::string& body) {
  return FromJson<std::vector<SwarmNode>>(body, "node list", [](const json& j) {
    std::vector<SwarmNode> out;
    for (const auto& n : j) {
      SwarmNode s;
      s.id = Str(n, "ID");
      s.version = n.value("Version", json::object()).value("Index", uint64_t{0});
      const json& spec = n.value("Spec", json::object());
      s.role = Str(spec, "Role");
      s.availability = Str(spec, "Availability");
      s.name = Str(spec, "Name");
      s.labels = LabelsOf(spec.value("Labels", json::object()));
      const json& desc = n.value("Description", json::object());
      s.hostname = Str(desc, "Hostname");
      s.engine_version = Str(desc.value("Engine", json::object()), "EngineVersion");
      const json& st = n.value("Status", json::object());
      s.state = Str(st, "State");
      s.message = Str(st, "Message");
      s.addr = Str(st, "Addr");
      out.push_back(std::move(s));
    }
    return out;
  });
}

DockerClient::DockerClient(std::unique_ptr<DockerTransport> transport,
                           std::chrono::milliseconds default_timeout)
    : transport_(std::move(transport)), default_timeout_(default_timeout) {}

Result<HttpReply> DockerClient::Call(std::string_view method, const std::string& path,
                                     const std::string& body, std::string_view what,
                                     std::optional<std::chrono::milliseconds> timeout,
                                     std::string_view content_type) {
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r, transport_->Send(method, path, body, content_type,
                                                        timeout.value_or(default_timeout_)));
  if ((r.status >= 200 && r.status < 300) || r.status == 304) return r;
  std::string msg = std::string(what) + ": " + EngineMessage(r.body) + " (HTTP " +
                    std::to_string(r.status) + " from " + transport_->url() + ")";
  switch (r.status) {
    case 400:
      return Fail(Error::InvalidArgument(msg));
    case 404:
      return Fail(Error::NotFound(msg));
    case 409:
      return Fail(Error::Conflict(msg));
    case 503:
      return Fail(Error::Unavailable(msg));
    default:
      return Fail(Error::Internal(msg));
  }
}

Result<void> DockerClient::Ping(std::chrono::milliseconds timeout) {
  MAGNUM_RETURN_IF_ERROR(Call("GET", "/_ping", "", "ping", timeout));
  return {};
}

Result<EngineVersion> DockerClient::Version() {
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r, Call("GET", "/version", "", "version"));
  return FromJson<EngineVersion>(r.body, "version", [](const json& j) {
    return EngineVersion{Str(j, "Version"), Str(j, "ApiVersion")};
  });
}

Result<std::vector<NetworkInfo>> DockerClient::ListNetworks(const Filters& filters) {
  std::string path = "/networks";
  if (!filters.empty()) path += "?filters=" + EncodeFilters(filters);
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r, Call("GET", path, "", "list networks"));
  return ParseNetworkList(r.body);
}

Result<std::string> DockerClient::CreateNetwork(const NetworkSpec& spec) {
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r,
                          Call("POST", "/networks/create", BuildNetworkCreateBody(spec),
                               "create network " + spec.name));
  return FromJson<std::string>(r.body, "network create",
                               [](const json& j) { return Str(j, "Id"); });
}

Result<void> DockerClient::RemoveNetwork(const std::string& id) {
  MAGNUM_RETURN_IF_ERROR(Call("DELETE", "/networks/" + UrlEncode(id), "", "remove network " + id));
  return {};
}

Result<std::vector<VolumeInfo>> DockerClient::ListVolumes(const Filters& filters) {
  std::string path = "/volumes";
  if (!filters.empty()) path += "?filters=" + EncodeFilters(filters);
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r, Call("GET", path, "", "list volumes"));
  return FromJson<std::vector<VolumeInfo>>(r.body, "volume list", [](const json& j) {
    std::vector<VolumeInfo> out;
    if (j.contains("Volumes") && j["Volumes"].is_array()) {
      for (const auto& v : j["Volumes"]) {
        out.push_back({Str(v, "Name"), LabelsOf(v.value("Labels", json::object()))});
      }
    }
    return out;
  });
}

Result<void> DockerClient::CreateVolume(const std::string& name, const Labels& labels) {
  json j{{"Name", name}, {"Driver", "local"}, {"Labels", labels}};
  MAGNUM_RETURN_IF_ERROR(Call("POST", "/volumes/create", j.dump(), "create volume " + name));
  return {};
}

Result<void> DockerClient::RemoveVolume(const std::string& name, bool force) {
  MAGNUM_RETURN_IF_ERROR(Call("DELETE",
                              "/volumes/" + UrlEncode(name) + (force ? "?force=true" : ""), "",
                              "remove volume " + name));
  return {};
}

Result<std::vector<ContainerSummary>> DockerClient::ListContainers(const Filters& filters,
                                                                   bool all) {
  std::string path = std::string("/containers/json?all=") + (all ? "true" : "false");
  if (!filters.empty()) path += "&filters=" + EncodeFilters(filters);
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r, Call("GET", path, "", "list containers"));
  return ParseContainerList(r.body);
}

Result<std::string> DockerClient::CreateContainer(const ContainerSpec& spec) {
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r,
                          Call("POST", "/containers/create?name=" + UrlEncode(spec.name),
                               BuildContainerCreateBody(spec), "create container " + spec.name));
  return FromJson<std::string>(r.body, "container create",
                               [](const json& j) { return Str(j, "Id"); });
}

Result<void> DockerClient::PutArchive(const std::string& id, const std::string& path,
                                      const std::string& tar) {
  MAGNUM_RETURN_IF_ERROR(Call("PUT", "/containers/" + id + "/archive?path=" + UrlEncode(path), tar,
                              "copy files into container " + id, std::nullopt,
                              "application/x-tar"));
  return {};
}

Result<void> DockerClient::StartContainer(const std::string& id) {
  MAGNUM_RETURN_IF_ERROR(Call("POST", "/containers/" + id + "/start", "", "start container " + id));
  return {};
}

Result<void> DockerClient::StopContainer(const std::string& id, int timeout_s) {
  MAGNUM_RETURN_IF_ERROR(Call("POST", "/containers/" + id + "/stop?t=" + std::to_string(timeout_s),
                              "", "stop container " + id,
                              default_timeout_ + std::chrono::seconds(timeout_s)));
  return {};
}

Result<void> DockerClient::KillContainer(const std::string& id) {
  MAGNUM_RETURN_IF_ERROR(Call("POST", "/containers/" + id + "/kill", "", "kill container " + id));
  return {};
}

Result<void> DockerClient::RemoveContainer(const std::string& id, bool force, bool volumes) {
  std::string path = "/containers/" + id + "?force=" + (force ? "true" : "false") +
                     "&v=" + (volumes ? "true" : "false");
  MAGNUM_RETURN_IF_ERROR(Call("DELETE", path, "", "remove container " + id));
  return {};
}

Result<ContainerInfo> DockerClient::InspectContainer(const std::string& id) {
  MAGNUM_ASSIGN_OR_RETURN(
      HttpReply r, Call("GET", "/containers/" + id + "/json", "", "inspect container " + id));
  return ParseContainerInspect(r.body);
}

Result<std::string> DockerClient::ContainerLogs(const std::string& id, int tail) {
  MAGNUM_ASSIGN_OR_RETURN(
      HttpReply r,
      Call("GET",
           "/containers/" + id + "/logs?stdout=true&stderr=true&tail=" + std::to_string(tail), "",
           "logs of container " + id));
  return DemultiplexStream(r.body);
}

Result<ExecResult> DockerClient::Exec(const std::string& id, const std::vector<std::string>& cmd,
                                      std::chrono::milliseconds timeout) {
  json create{{"AttachStdout", true}, {"AttachStderr", true}, {"Tty", false}, {"Cmd", cmd}};
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r, Call("POST", "/containers/" + id + "/exec", create.dump(),
                                            "exec in container " + id));
  MAGNUM_ASSIGN_OR_RETURN(
      std::string exec_id,
      FromJson<std::string>(r.body, "exec create", [](const json& j) { return Str(j, "Id"); }));
  json start{{"Detach", false}, {"Tty", false}};
  MAGNUM_ASSIGN_OR_RETURN(HttpReply out, Call("POST", "/exec/" + exec_id + "/start", start.dump(),
                                              "exec start", timeout));
  MAGNUM_ASSIGN_OR_RETURN(HttpReply st,
                          Call("GET", "/exec/" + exec_id + "/json", "", "exec inspect"));
  ExecResult res;
  res.output = DemultiplexStream(out.body);
  MAGNUM_ASSIGN_OR_RETURN(res.exit_code, FromJson<int>(st.body, "exec inspect", [](const json& j) {
                            return j.value("ExitCode", -1);
                          }));
  return res;
}

Result<ImageInfo> DockerClient::InspectImage(const std::string& name,
                                             std::optional<std::chrono::milliseconds> timeout) {
  MAGNUM_ASSIGN_OR_RETURN(
      HttpReply r, Call("GET", "/images/" + name + "/json", "", "inspect image " + name, timeout));
  return FromJson<ImageInfo>(r.body, "image inspect", [](const json& j) {
    ImageInfo info;
    info.id = Str(j, "Id");
    if (j.contains("RepoTags") && j["RepoTags"].is_array()) {
      for (const auto& t : j["RepoTags"]) info.repo_tags.push_back(t.get<std::string>());
    }
    info.labels = LabelsOf(j.value("Config", json::object()).value("Labels", json::object()));
    return info;
  });
}

Result<std::vector<ImageInfo>> DockerClient::ListImages(const Filters& filters) {
  std::string path = "/images/json";
  if (!filters.empty()) path += "?filters=" + EncodeFilters(filters);
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r, Call("GET", path, "", "list images"));
  return FromJson<std::vector<ImageInfo>>(r.body, "image list", [](const json& j) {
    std::vector<ImageInfo> out;
    for (const auto& i : j) {
      ImageInfo info;
      info.id = Str(i, "Id");
      if (i.contains("RepoTags") && i["RepoTags"].is_array()) {
        for (const auto& t : i["RepoTags"]) info.repo_tags.push_back(t.get<std::string>());
      }
      info.labels = LabelsOf(i.value("Labels", json::object()));
      out.push_back(std::move(info));
    }
    return out;
  });
}

Result<std::string> DockerClient::SaveImages(const std::vector<std::string>& names) {
  std::string path = "/images/get";
  char sep = '?';
  for (const auto& n : names) {
    path += sep + std::string("names=") + UrlEncode(n);
    sep = '&';
  }
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r, Call("GET", path, "", "save images"));
  return std::move(r.body);
}

Result<std::string> DockerClient::SwarmInit(const std::string& listen_addr,
                                            const std::string& advertise_addr) {
  json j{
      {"ListenAddr", listen_addr}, {"AdvertiseAddr", advertise_addr}, {"ForceNewCluster", false}};
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r, Call("POST", "/swarm/init", j.dump(), "swarm init"));
  return FromJson<std::string>(r.body, "swarm init", [](const json& j) {
    return j.is_string() ? j.get<std::string>() : std::string();
  });
}

Result<SwarmTokens> DockerClient::SwarmJoinTokens() {
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r, Call("GET", "/swarm", "", "swarm inspect"));
  return FromJson<SwarmTokens>(r.body, "swarm inspect", [](const json& j) {
    const json& t = j.value("JoinTokens", json::object());
    return SwarmTokens{Str(t, "Worker"), Str(t, "Manager")};
  });
}

Result<void> DockerClient::SwarmJoin(const std::string& listen_addr,
                                     const std::string& advertise_addr,
                                     const std::string& remote_addr, const std::string& token) {
  json j{{"ListenAddr", listen_addr},
         {"AdvertiseAddr", advertise_addr},
         {"RemoteAddrs", {remote_addr}},
         {"JoinToken", token}};
  MAGNUM_RETURN_IF_ERROR(Call("POST", "/swarm/join", j.dump(), "swarm join"));
  return {};
}

Result<void> DockerClient::SwarmLeave(bool force) {
  MAGNUM_RETURN_IF_ERROR(Call(
      "POST", std::string("/swarm/leave?force=") + (force ? "true" : "false"), "", "swarm leave"));
  return {};
}

Result<DockerClient::SwarmLocalState> DockerClient::SwarmState() {
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r, Call("GET", "/info", "", "info"));
  return FromJson<SwarmLocalState>(r.body, "info", [](const json& j) {
    const json& s = j.value("Swarm", json::object());
    return SwarmLocalState{Str(s, "LocalNodeState"), Str(s, "NodeID")};
  });
}

Result<std::vector<SwarmNode>> DockerClient::ListNodes() {
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r, Call("GET", "/nodes", "", "list swarm nodes"));
  return ParseNodeList(r.body);
}

Result<void> DockerClient::UpdateNode(const SwarmNode& node) {
  MAGNUM_RETURN_IF_ERROR(
      Call("POST", "/nodes/" + node.id + "/update?version=" + std::to_string(node.version),
           BuildNodeUpdateBody(node), "update swarm node " + node.hostname));
  return {};
}

Result<void> DockerClient::RemoveNode(const std::string& id, bool force) {
  MAGNUM_RETURN_IF_ERROR(
      Call("DELETE", "/nodes/" + id + (force ? "?force=true" : ""), "", "remove swarm node " + id));
  return {};
}

Result<int> DockerClient::RunningTaskCount(const std::string& node_id) {
  MAGNUM_ASSIGN_OR_RETURN(
      HttpReply r,
      Call("GET", "/tasks?filters=" + EncodeFilters({{"node", {node_id}}}), "", "list tasks"));
  return FromJson<int>(r.body, "task list", [](const json& j) {
    int n = 0;
    for (const auto& t : j) {
      std::string st = Str(t.value("Status", json::object()), "State");
      if (st == "running" || st == "starting" || st == "preparing" || st == "assigned" ||
          st == "accepted" || st == "ready") {
        ++n;
      }
    }
    return n;
  });
}

}  // namespace magnum::drivers::docker
