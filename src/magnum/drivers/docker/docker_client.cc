// DockerClient: typed engine operations over a DockerTransport (docker_client.h).
#include "magnum/drivers/docker/docker_client.h"

#include <algorithm>

#include "magnum/drivers/docker/engine_json.h"

namespace magnum::drivers::docker {

using engine_json::FromJson;
using engine_json::json;
using engine_json::LabelsOf;
using engine_json::Str;

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
  return Fail(ErrorFor(r, what));
}

Error DockerClient::ErrorFor(const HttpReply& r, std::string_view what) const {
  std::string msg = std::string(what) + ": " + EngineMessage(r.body) + " (HTTP " +
                    std::to_string(r.status) + " from " + transport_->url() + ")";
  switch (FailureForStatus(r.status)) {
    case EngineFailure::kBadRequest:
      return Error::InvalidArgument(msg);
    case EngineFailure::kForbidden:
      return Error::PermissionDenied(msg);
    case EngineFailure::kNoSuchObject:
      return Error::NotFound(msg);
    case EngineFailure::kConflict:
      return Error::Conflict(msg);
    default:
      return Error::Internal(msg);
  }
}

Result<BoundedOutput> DockerClient::CallStream(std::string_view method, const std::string& path,
                                               const std::string& body, std::string_view what,
                                               std::chrono::milliseconds timeout,
                                               size_t max_bytes) {
  // The raw stream carries an 8-byte header per frame: read somewhat more than the bound
  // so that `max_bytes` of payload fit, then cut the payload itself.
  const size_t raw_bound = max_bytes + std::min<size_t>(max_bytes, 1 << 20) + 4096;
  MAGNUM_ASSIGN_OR_RETURN(
      HttpReply r,
      transport_->SendBounded(method, path, body, "application/json", timeout, raw_bound));
  if (!((r.status >= 200 && r.status < 300) || r.status == 304)) return Fail(ErrorFor(r, what));
  BoundedOutput out;
  out.output = DemultiplexStream(r.body);
  out.truncated = r.truncated;
  out.timed_out = r.timed_out;
  if (out.output.size() > max_bytes) {
    out.output.resize(max_bytes);
    out.truncated = true;
  }
  return out;
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

Result<EngineInfo> DockerClient::Info() {
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r, Call("GET", "/info", "", "info"));
  return ParseEngineInfo(r.body);
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

Result<void> DockerClient::RestartContainer(const std::string& id, int timeout_s) {
  MAGNUM_RETURN_IF_ERROR(
      Call("POST", "/containers/" + id + "/restart?t=" + std::to_string(timeout_s), "",
           "restart container " + id, default_timeout_ + std::chrono::seconds(timeout_s)));
  return {};
}

Result<void> DockerClient::PauseContainer(const std::string& id) {
  MAGNUM_RETURN_IF_ERROR(Call("POST", "/containers/" + id + "/pause", "", "pause container " + id));
  return {};
}

Result<void> DockerClient::UnpauseContainer(const std::string& id) {
  MAGNUM_RETURN_IF_ERROR(
      Call("POST", "/containers/" + id + "/unpause", "", "unpause container " + id));
  return {};
}

Result<BoundedOutput> DockerClient::ContainerLogsBounded(const std::string& id, size_t max_bytes) {
  return CallStream("GET", "/containers/" + id + "/logs?stdout=true&stderr=true", "",
                    "logs of container " + id, default_timeout_, max_bytes);
}

Result<std::string> DockerClient::ExecCreate(const std::string& id,
                                             const std::vector<std::string>& cmd) {
  json create{{"AttachStdout", true}, {"AttachStderr", true}, {"Tty", false}, {"Cmd", cmd}};
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r, Call("POST", "/containers/" + id + "/exec", create.dump(),
                                            "exec in container " + id));
  return FromJson<std::string>(r.body, "exec create", [](const json& j) { return Str(j, "Id"); });
}

Result<BoundedOutput> DockerClient::ExecStart(const std::string& exec_id,
                                              std::chrono::milliseconds timeout, size_t max_bytes) {
  json start{{"Detach", false}, {"Tty", false}};
  return CallStream("POST", "/exec/" + exec_id + "/start", start.dump(), "exec start", timeout,
                    max_bytes);
}

Result<ExecState> DockerClient::ExecInspect(const std::string& exec_id) {
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r,
                          Call("GET", "/exec/" + exec_id + "/json", "", "exec inspect"));
  return FromJson<ExecState>(r.body, "exec inspect", [](const json& j) {
    ExecState st;
    st.running = j.value("Running", false);
    const auto code = j.find("ExitCode");
    st.exit_code = code != j.end() && code->is_number_integer() ? code->get<int>() : -1;
    const auto pid = j.find("Pid");
    st.pid = pid != j.end() && pid->is_number_integer() ? pid->get<int>() : 0;
    return st;
  });
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
                            // An integer only: a float (1e300) would not convert safely.
                            const auto code = j.find("ExitCode");
                            return code != j.end() && code->is_number_integer() ? code->get<int>()
                                                                                : -1;
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
  MAGNUM_ASSIGN_OR_RETURN(EngineInfo info, Info());
  return SwarmLocalState{info.swarm_state, info.swarm_node_id};
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

Result<std::vector<SwarmTask>> DockerClient::ListTasks(const Filters& filters) {
  std::string path = "/tasks";
  if (!filters.empty()) path += "?filters=" + EncodeFilters(filters);
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r, Call("GET", path, "", "list tasks"));
  return ParseTaskList(r.body);
}

Result<std::vector<SwarmService>> DockerClient::ListServices() {
  MAGNUM_ASSIGN_OR_RETURN(HttpReply r, Call("GET", "/services", "", "list services"));
  return ParseServiceList(r.body);
}

EngineFailure FailureForStatus(long status) {
  if ((status >= 200 && status < 300) || status == 304) return EngineFailure::kNone;
  switch (status) {
    case 400:
      return EngineFailure::kBadRequest;
    case 403:
      return EngineFailure::kForbidden;
    case 404:
      return EngineFailure::kNoSuchObject;
    case 409:
      return EngineFailure::kConflict;
    default:
      return EngineFailure::kEngineError;
  }
}

EngineFailure ClassifyEngineError(const Error& e) {
  switch (e.code()) {
    case ErrorCode::kUnavailable:
      return EngineFailure::kUnreachable;
    case ErrorCode::kFailedPrecondition:
      return EngineFailure::kTls;
    case ErrorCode::kInvalidArgument:
      return EngineFailure::kBadRequest;
    case ErrorCode::kPermissionDenied:
      return EngineFailure::kForbidden;
    case ErrorCode::kNotFound:
      return EngineFailure::kNoSuchObject;
    case ErrorCode::kConflict:
      return EngineFailure::kConflict;
    default:
      return EngineFailure::kEngineError;
  }
}

std::string_view EngineFailureName(EngineFailure f) {
  switch (f) {
    case EngineFailure::kNone:
      return "none";
    case EngineFailure::kUnreachable:
      return "unreachable";
    case EngineFailure::kTls:
      return "tls";
    case EngineFailure::kBadRequest:
      return "bad request";
    case EngineFailure::kForbidden:
      return "forbidden";
    case EngineFailure::kNoSuchObject:
      return "no such object";
    case EngineFailure::kConflict:
      return "conflict";
    case EngineFailure::kEngineError:
      return "engine error";
  }
  return "engine error";
}

}  // namespace magnum::drivers::docker
