// A Docker Engine API client (API v1.41, what Debian 12's docker.io speaks), in two layers:
//
//  * DockerTransport: one HTTP exchange with an engine. The boundary that tests replace.
//    NewCurlTransport() speaks to a unix socket (unix:///path), plain TCP (tcp://host:port)
//    or TCP with TLS (tcp:// or https:// plus client certificate and CA as PEM).
//  * DockerClient: typed engine operations (networks, volumes, containers, images, exec,
//    swarm, nodes) built on a transport. Requests are built and replies parsed here, so
//    the JSON library stays in docker_client.cc.
//
// Errors are classified by the HTTP status of the engine's reply, never by its text
// (EngineFailure, ClassifyEngineError): the client gives every class its own error code,
//   no reply (refused, reset, timed out, cancelled)  kUnavailable   EngineFailure::kUnreachable
//   TLS handshake refused (our certificates or CA)    kFailedPrecondition  kTls
//   400                                               kInvalidArgument     kBadRequest
//   403 (e.g. a subnet that overlaps another network)  kPermissionDenied   kForbidden
//   404 no such container/network/volume/image/node  kNotFound            kNoSuchObject
//   409 already exists, in use, name conflict         kConflict            kConflict
//   5xx, any other status, an unparsable reply        kInternal            kEngineError
// each message carrying the engine's own message and "(HTTP <status> from <url>)".
// Thread-safety: a transport and a client are safe to use from several threads (each
// request uses its own curl handle); the abort predicate, when set, is read concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"

namespace magnum::drivers::docker {

using Labels = std::map<std::string, std::string>;

// Where an engine is and how to authenticate to it.
struct DockerEndpoint {
  std::string url;       // unix:///var/run/docker.sock | tcp://host:port | https://host:port
  std::string ca_pem;    // CA that signed the engine's certificate ("" = no TLS)
  std::string cert_pem;  // client certificate and key (TLS client auth)
  std::string key_pem;
  bool Tls() const { return !ca_pem.empty(); }
};

// How an engine request failed (see the table above).
enum class EngineFailure {
  kNone,          // a 2xx or 304 reply
  kUnreachable,   // no reply
  kTls,           // TLS with the engine failed
  kBadRequest,    // 400
  kForbidden,     // 403
  kNoSuchObject,  // 404
  kConflict,      // 409
  kEngineError,   // 5xx or another unexpected status
};
// The class of an HTTP status (pure).
EngineFailure FailureForStatus(long status);
// The class of an error a DockerClient (or a transport) returned; kEngineError for codes
// the client does not produce.
EngineFailure ClassifyEngineError(const Error& e);
std::string_view EngineFailureName(EngineFailure f);

struct HttpReply {
  long status = 0;
  std::string body;
  std::string content_type;
  // SendBounded only: the body was cut at its bound (more was coming), or the reply had
  // begun but its body was still arriving when the time ran out (`body` is what came).
  bool truncated = false;
  bool timed_out = false;
};

// One request/response exchange with an engine. `path` starts with "/" and includes the
// query; the transport adds the API version prefix. Returns the reply whatever its status;
// fails only when no reply arrived (kUnavailable, or kUnavailable "aborted" when the abort
// predicate returned true).
class DockerTransport {
 public:
  virtual ~DockerTransport() = default;
  virtual Result<HttpReply> Send(std::string_view method, const std::string& path,
                                 const std::string& body, std::string_view content_type,
                                 std::chrono::milliseconds timeout) = 0;
  // The engine's URL, for messages.
  virtual const std::string& url() const = 0;
  // Like Send, for replies of unbounded size or duration (logs, exec output): keeps at most
  // `max_body` bytes of the body and stops reading there (truncated), and when the time
  // runs out after the reply began returns what arrived (timed_out) instead of failing.
  // The default sends normally and then cuts the body (for transports without streaming).
  virtual Result<HttpReply> SendBounded(std::string_view method, const std::string& path,
                                        const std::string& body, std::string_view content_type,
                                        std::chrono::milliseconds timeout, size_t max_body) {
    auto r = Send(method, path, body, content_type, timeout);
    if (r && r->body.size() > max_body) {
      r->body.resize(max_body);
      r->truncated = true;
    }
    return r;
  }
};

// `abort` (may be empty) is polled during transfers; returning true ends the request.
std::unique_ptr<DockerTransport> NewCurlTransport(DockerEndpoint endpoint,
                                                  std::function<bool()> abort = {});

// --- Typed views of engine objects (only the fields the driver uses). ---

struct NetworkInfo {
  std::string id;
  std::string name;
  Labels labels;
  std::vector<std::string> subnets;  // IPAM config, CIDR strings
};

struct NetworkSpec {
  std::string name;
  std::string subnet;   // CIDR
  std::string gateway;  // address
  std::string bridge_name;
  Labels labels;
};

struct ContainerSummary {
  std::string id;
  std::string name;  // without the leading "/"
  std::string image;
  std::string image_id;
  std::string state;   // created, running, exited, ...
  std::string status;  // "Up 3 seconds", "Exited (137) 2 seconds ago"
  Labels labels;
};

struct ContainerInfo {
  std::string id;
  std::string name;
  std::string image_id;
  std::string image;  // as configured (Config.Image)
  bool running = false;
  std::string state;  // State.Status
  int exit_code = 0;
  bool oom_killed = false;
  std::string error;
  Labels labels;
  std::map<std::string, std::string> ip_by_network;  // network name → IPv4 address
  std::map<std::string, int> host_ports;             // "2376/tcp" → published host port
};

struct ContainerSpec {
  std::string name;
  std::string image;
  std::string hostname;
  Labels labels;
  std::vector<std::string> env;
  std::vector<std::string> cmd;  // empty = image default
  // Security profile of a node that runs its own dockerd (see local-docker-notes.md):
  // caps ALL minus SYS_RESOURCE, seccomp/systempaths unconfined, device rule, private cgroupns.
  bool nested_engine = false;
  std::vector<std::string> dns;
  std::string volume_name;  // named volume for `volume_target`
  std::string volume_target;
  std::string network;
  std::string ipv4_address;
  // Container port ("2376/tcp") → host port published on 127.0.0.1 (0 = any free port).
  std::map<std::string, int> loopback_ports;
  // Resource limits (HostConfig.NanoCpus, HostConfig.Memory); 0 = none.
  int64_t nano_cpus = 0;
  int64_t memory_bytes = 0;
};

struct ImageInfo {
  std::string id;
  std::vector<std::string> repo_tags;
  Labels labels;
};

struct VolumeInfo {
  std::string name;
  Labels labels;
};

struct SwarmNode {
  std::string id;
  uint64_t version = 0;  // Version.Index, needed to update
  std::string hostname;
  std::string role;          // Spec.Role: manager | worker
  std::string availability;  // Spec.Availability: active | pause | drain
  std::string state;         // Status.State: ready | down | unknown | disconnected
  std::string message;       // Status.Message
  std::string addr;          // Status.Addr
  std::string engine_version;
  Labels labels;     // Spec.Labels
  std::string name;  // Spec.Name
  // Description.Resources: what the node's engine reports (its host's CPUs and memory, not
  // a cgroup limit of the node container; docs/docker-driver.md "Flavors").
  int64_t nano_cpus = 0;
  int64_t memory_bytes = 0;
};

// A swarm task (GET /tasks): only the fields the driver uses.
struct SwarmTask {
  std::string id;
  std::string service_id;
  std::string node_id;        // "" while not placed
  std::string desired_state;  // DesiredState: running, shutdown, ...
  std::string state;          // Status.State: new, pending, assigned, ..., running, failed
  std::string message;        // Status.Message ("pending task scheduling")
  std::string err;            // Status.Err ("no suitable node (insufficient resources on 2 nodes)")
  std::string created_at;     // CreatedAt, RFC 3339
  int64_t reserved_nano_cpus = 0;     // Spec.Resources.Reservations.NanoCPUs
  int64_t reserved_memory_bytes = 0;  // Spec.Resources.Reservations.MemoryBytes
};

// A swarm service (GET /services): its id and name.
struct SwarmService {
  std::string id;
  std::string name;  // Spec.Name
};

struct SwarmTokens {
  std::string worker;
  std::string manager;
};

struct ExecResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr, demultiplexed, in order
};

// Output of a stream read with a bound (logs, exec), demultiplexed.
struct BoundedOutput {
  std::string output;      // stdout and stderr in order, at most the bound
  bool truncated = false;  // more was produced than the bound
  bool timed_out = false;  // the stream was still open when the time ran out
};

// What the engine says about an exec instance (GET /exec/{id}/json).
struct ExecState {
  bool running = false;
  int exit_code = -1;  // -1 while running (ExitCode null)
  int pid = 0;         // 0 when the process never started (command not found)
};

struct EngineVersion {
  std::string version;
  std::string api_version;
};

// What the engine says about its host (GET /info).
struct EngineInfo {
  int ncpu = 0;
  int64_t mem_total = 0;       // bytes
  bool memory_limit = false;   // the engine can limit a container's memory
  bool cpu_cfs_quota = false;  // ... and its CPU (NanoCpus)
  std::string swarm_state;     // Swarm.LocalNodeState
  std::string swarm_node_id;   // Swarm.NodeID
};

// Filters for the engine's list endpoints: {"label": ["k=v", ...], "name": [...]}.
using Filters = std::map<std::string, std::vector<std::string>>;
// The URL-encoded `filters=` query value for `f` (pure; tested).
std::string EncodeFilters(const Filters& f);
std::string UrlEncode(std::string_view s);
// Splits a raw docker stream (8-byte frame headers) into its payload; passes through text
// that is not framed (TTY streams).
std::string DemultiplexStream(std::string_view raw);

// Request bodies (pure; tested).
std::string BuildNetworkCreateBody(const NetworkSpec& spec);
std::string BuildContainerCreateBody(const ContainerSpec& spec);
std::string BuildNodeUpdateBody(const SwarmNode& node);  // Spec from role/availability/labels/name
// Reply parsers (pure; tested).
Result<std::vector<NetworkInfo>> ParseNetworkList(const std::string& body);
Result<ContainerInfo> ParseContainerInspect(const std::string& body);
Result<std::vector<ContainerSummary>> ParseContainerList(const std::string& body);
Result<std::vector<SwarmNode>> ParseNodeList(const std::string& body);
Result<std::vector<SwarmTask>> ParseTaskList(const std::string& body);
Result<std::vector<SwarmService>> ParseServiceList(const std::string& body);
Result<EngineInfo> ParseEngineInfo(const std::string& body);
// The "message" of an engine error reply, or the body itself.
std::string EngineMessage(const std::string& body);

class DockerClient {
 public:
  explicit DockerClient(std::unique_ptr<DockerTransport> transport,
                        std::chrono::milliseconds default_timeout = std::chrono::seconds(60));

  const std::string& url() const { return transport_->url(); }

  Result<void> Ping(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  Result<EngineVersion> Version();
  Result<EngineInfo> Info();

  // Networks.
  Result<std::vector<NetworkInfo>> ListNetworks(const Filters& filters = {});
  Result<std::string> CreateNetwork(const NetworkSpec& spec);  // → id
  Result<void> RemoveNetwork(const std::string& id_or_name);   // kNotFound when absent

  // Volumes.
  Result<std::vector<VolumeInfo>> ListVolumes(const Filters& filters = {});
  Result<void> CreateVolume(const std::string& name, const Labels& labels);
  Result<void> RemoveVolume(const std::string& name, bool force);

  // Containers.
  Result<std::vector<ContainerSummary>> ListContainers(const Filters& filters, bool all = true);
  Result<std::string> CreateContainer(const ContainerSpec& spec);  // → id
  Result<void> PutArchive(const std::string& id, const std::string& path, const std::string& tar);
  Result<void> StartContainer(const std::string& id);
  Result<void> StopContainer(const std::string& id, int timeout_s);
  Result<void> KillContainer(const std::string& id);
  Result<void> RemoveContainer(const std::string& id, bool force, bool volumes);
  Result<ContainerInfo> InspectContainer(const std::string& id);
  // The last `tail` lines of the container's stdout/stderr.
  Result<std::string> ContainerLogs(const std::string& id, int tail);
  Result<void> RestartContainer(const std::string& id, int timeout_s);
  Result<void> PauseContainer(const std::string& id);
  Result<void> UnpauseContainer(const std::string& id);
  // All of the container's stdout/stderr, demultiplexed, at most `max_bytes` (the start).
  Result<BoundedOutput> ContainerLogsBounded(const std::string& id, size_t max_bytes);
  // Exec in steps, for callers that bound time and output: create (→ exec id), start
  // (attached; output at most `max_bytes`, reading for at most `timeout`), inspect.
  Result<std::string> ExecCreate(const std::string& id, const std::vector<std::string>& cmd);
  Result<BoundedOutput> ExecStart(const std::string& exec_id, std::chrono::milliseconds timeout,
                                  size_t max_bytes);
  Result<ExecState> ExecInspect(const std::string& exec_id);
  // Runs `cmd` in a running container and waits for it.
  Result<ExecResult> Exec(const std::string& id, const std::vector<std::string>& cmd,
                          std::chrono::milliseconds timeout = std::chrono::seconds(30));

  // Images.
  // kNotFound when absent. `timeout` overrides the default (readiness probes use a short one).
  Result<ImageInfo> InspectImage(const std::string& name,
                                 std::optional<std::chrono::milliseconds> timeout = std::nullopt);
  Result<std::vector<ImageInfo>> ListImages(const Filters& filters = {});
  // `docker save` of `names` as a tar stream.
  Result<std::string> SaveImages(const std::vector<std::string>& names);

  // Swarm (on a node's engine).
  Result<std::string> SwarmInit(const std::string& listen_addr, const std::string& advertise_addr);
  Result<SwarmTokens> SwarmJoinTokens();
  Result<void> SwarmJoin(const std::string& listen_addr, const std::string& advertise_addr,
                         const std::string& remote_addr, const std::string& token);
  Result<void> SwarmLeave(bool force);
  // The engine's local swarm state ("inactive", "pending", "active", ...) and node id.
  struct SwarmLocalState {
    std::string state;
    std::string node_id;
  };
  Result<SwarmLocalState> SwarmState();
  Result<std::vector<SwarmNode>> ListNodes();
  Result<void> UpdateNode(const SwarmNode& node);  // spec from node's fields, at node.version
  Result<void> RemoveNode(const std::string& id, bool force);
  // Number of tasks on `node_id` the orchestrator still wants running.
  Result<int> RunningTaskCount(const std::string& node_id);
  // The swarm's tasks (filters as the engine takes them: desired-state, node, service, ...)
  // and services.
  Result<std::vector<SwarmTask>> ListTasks(const Filters& filters = {});
  Result<std::vector<SwarmService>> ListServices();

 private:
  // Sends and maps non-2xx replies to errors (`what` names the operation in messages).
  Result<HttpReply> Call(std::string_view method, const std::string& path, const std::string& body,
                         std::string_view what,
                         std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                         std::string_view content_type = "application/json");
  // Call for a streamed reply read with SendBounded; demultiplexes it into at most
  // `max_bytes` of output.
  Result<BoundedOutput> CallStream(std::string_view method, const std::string& path,
                                   const std::string& body, std::string_view what,
                                   std::chrono::milliseconds timeout, size_t max_bytes);
  Error ErrorFor(const HttpReply& r, std::string_view what) const;

  std::unique_ptr<DockerTransport> transport_;
  std::chrono::milliseconds default_timeout_;
};

}  // namespace magnum::drivers::docker
