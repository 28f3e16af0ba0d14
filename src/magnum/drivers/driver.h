// The cluster driver interface (upstream magnum.drivers.common.driver.Driver, §3.6).
//
// A driver turns the desired state the conductor wrote to the database into real
// infrastructure. Drivers register under a name in a DriverRegistry and declare what they
// provide. Implementations must be thread-safe across clusters.
//
// Two ways to run an operation (docs/conductor.md, "Driver contract"):
//   * Blocking (the lifecycle methods, e.g. CreateCluster): one call on a conductor worker
//     thread for the whole operation. An operation cut off by a conductor restart is marked
//     failed (a delete is run again).
//   * Resumable (Resumable(kind) true): the conductor calls Advance() repeatedly. Each call
//     does one bounded, idempotent piece of work and says whether the operation is done or
//     when to poll again; `progress` is the driver's own record (JSON text), persisted by
//     the conductor after every call and handed back on the next one, also by another
//     conductor process after a restart or takeover. No thread is held between polls.
// Either way the driver reports progress through the OperationContext as it goes (status
// is event-driven; SyncStatus is only the safety net). A resumable driver's blocking methods
// (for callers that want one call) run its steps with RunUntilDone() below.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/clock.h"
#include "magnum/common/error.h"
#include "magnum/objects/status.h"

namespace magnum::drivers {

// One (server_type, os, coe) combination a driver can build.
struct Provides {
  std::string server_type;
  std::string os;
  std::string coe;
};

// An image a driver can boot without an image service (local drivers).
struct KnownImage {
  std::string name;
  std::string os_distro;
  std::string description;
};

using StringMap = std::map<std::string, std::string>;

// The template fields a driver needs (snapshot).
struct TemplateState {
  std::string uuid;
  std::string name;
  std::string coe;
  std::string image_id;
  std::string server_type;
  std::string cluster_distro;
  std::string network_driver;
  std::string volume_driver;
  std::string docker_storage_driver;
  std::string dns_nameserver;
  std::string external_network_id;
  std::string fixed_network;
  std::string fixed_subnet;
  std::string http_proxy, https_proxy, no_proxy, insecure_registry;
  std::string driver;
  bool tls_disabled = false;
  bool master_lb_enabled = false;
  bool floating_ip_enabled = true;
  bool registry_enabled = false;
  std::optional<int64_t> docker_volume_size;
  std::optional<int64_t> apiserver_port;
  StringMap labels;
};

struct NodeGroupState {
  int64_t id = 0;
  std::string uuid;
  std::string name;
  std::string role;  // "master" or a worker role
  bool is_default = false;
  int64_t node_count = 0;
  int64_t min_node_count = 0;
  std::optional<int64_t> max_node_count;
  std::string image_id;
  std::string flavor_id;
  std::optional<int64_t> docker_volume_size;
  StringMap labels;
  StringMap node_labels;
  std::string node_taints_json;  // JSON array text, "" when unset
  std::vector<std::string> node_addresses;
  std::string status;
  std::string stack_id;
  std::string version;

  bool IsMaster() const { return role == "master"; }
};

// The cluster as the conductor hands it to a driver (snapshot; the driver never writes
// the database itself).
struct ClusterState {
  std::string uuid;
  std::string name;
  std::string project_id;
  std::string user_id;
  std::string status;
  std::string status_reason;
  std::string stack_id;
  std::string api_address;
  std::string coe_version;
  std::string keypair;
  std::string discovery_url;
  std::string master_flavor_id;
  std::string flavor_id;
  int64_t create_timeout_minutes = 60;
  std::optional<int64_t> docker_volume_size;
  // The cluster's own network choices (nullopt / "" = the template's).
  std::string fixed_network;
  std::string fixed_subnet;
  std::optional<bool> floating_ip_enabled;
  std::optional<bool> master_lb_enabled;
  StringMap labels;
  // The cluster's Keystone trust (clients/keystone_trusts.h), set at create when the driver
  // UsesTrust(); "" otherwise. Secret: never logged, never reported in events.
  std::string trustee_user_id, trustee_username, trustee_password, trust_id;
  TemplateState cluster_template;
  std::vector<NodeGroupState> nodegroups;

  const NodeGroupState* FindNodeGroup(std::string_view uuid_or_name) const;
  const NodeGroupState* DefaultMaster() const;
  const NodeGroupState* DefaultWorker() const;
  int64_t MasterCount() const;
  int64_t NodeCount() const;
};

// Facts a driver reports; only the fields that are set are written.
struct ClusterReport {
  std::optional<std::string> stack_id;
  std::optional<std::string> api_address;
  std::optional<std::string> coe_version;
  std::optional<std::string> container_version;
};

struct NodeGroupReport {
  std::string uuid;
  std::optional<std::vector<std::string>> node_addresses;
  std::optional<std::string> stack_id;
  std::optional<std::string> version;
  std::optional<std::string> image_id;
  // This nodegroup's part of the operation ended well (its own stack is complete): its
  // status becomes the *_COMPLETE of its *_IN_PROGRESS now, so that a failure elsewhere
  // later fails only the nodegroups still in progress (upstream derives a nodegroup's
  // status from its own stack).
  bool finished = false;
};

// A cluster's health: the objects' enum (stored as is in cluster.health_status).
using HealthStatus = objects::HealthStatus;

struct HealthReport {
  HealthStatus status = HealthStatus::kUnknown;
  StringMap reason;  // e.g. {"api": "ok", "node-0.Ready": "True"}
};

// What the backend says about a cluster during the periodic safety-net sync.
struct SyncReport {
  enum class State { kUnchanged, kComplete, kFailed, kGone };
  State state = State::kUnchanged;
  std::string reason;
};

// What runs on a cluster's container scheduler, for the built-in autoscaler
// (conductor/autoscaler_task.h, docs/autoscaling.md): the scheduler's own view of each node and
// of the tasks it could not place. Resources in the scheduler's units: CPUs (fractional)
// and bytes.
struct WorkloadNode {
  std::string name;            // the node's host name: the name nodes_to_remove takes
  std::string address;         // its address on the cluster network ("" = unknown)
  std::string nodegroup_uuid;  // the nodegroup it belongs to ("" = none known)
  bool master = false;         // a manager/master node
  bool ready = false;          // joined and ready
  bool schedulable = false;    // the scheduler may place new tasks on it (not drained)
  double cpus = 0;             // capacity as the scheduler counts it
  int64_t memory_bytes = 0;
  double reserved_cpus = 0;  // reserved by the tasks running on it
  int64_t reserved_memory_bytes = 0;
  int running_tasks = 0;  // tasks running (or starting) on it
};

struct PendingTask {
  std::string id;
  std::string service;  // the service's name
  double cpus = 0;      // its reservation
  int64_t memory_bytes = 0;
  // No node had the resources (the scheduler's own reason, kept in `reason`); a task
  // pending for another reason (a constraint, an image pull) is reported but never makes
  // a node.
  bool lacks_resources = false;
  std::string reason;
  TimePoint since{};  // when it was created (the scheduler's clock)
};

struct Workload {
  std::vector<WorkloadNode> nodes;
  std::vector<PendingTask> pending;
};

// Server-side TLS material issued by the cluster's CA (PEM).
struct IssuedCertificate {
  std::string certificate_pem;
  std::string private_key_pem;
  std::string ca_certificate_pem;
};

// The conductor's side of one running operation, handed to the driver.
class OperationContext {
 public:
  virtual ~OperationContext() = default;

  // The cluster as it was when the operation started (desired counts already written).
  virtual const ClusterState& cluster() const = 0;

  // Appends an event to the cluster's event log (step, message, optional node name).
  virtual void Event(std::string_view step, std::string_view message,
                     std::string_view node = {}) = 0;
  // Same, at warning level (a step failed but the operation goes on, or is about to fail).
  virtual void Warning(std::string_view step, std::string_view message,
                       std::string_view node = {}) = 0;

  // Persists facts as soon as they are known (addresses, handles, versions).
  virtual Result<void> Report(const ClusterReport& report) = 0;
  virtual Result<void> ReportNodeGroup(const NodeGroupReport& report) = 0;

  // True once the operation should stop (create_timeout reached, conductor stopping, or a
  // delete superseded it). Long steps poll this and return kUnavailable/kInternal errors.
  virtual bool Cancelled() const = 0;
  virtual TimePoint Deadline() const = 0;
  // The time on the clock Deadline() is measured on (the conductor's, simulated in its unit
  // tests). Default: the system clock.
  virtual TimePoint Now() const { return SystemClock().Now(); }

  // Certificates from the cluster's CA (§6): a server certificate for the COE endpoint.
  virtual Result<IssuedCertificate> IssueServerCertificate(
      const std::string& common_name, const std::vector<std::string>& dns_sans,
      const std::vector<std::string>& ip_sans) = 0;
  // A client certificate (e.g. the CN=admin, O=system:masters certificate Magnum uses).
  virtual Result<IssuedCertificate> IssueClientCertificate(const std::string& common_name,
                                                           const std::string& organization) = 0;
  // The cluster CA's own certificate and private key, for nodes that sign their control
  // plane's certificates themselves (kubeadm). The default refuses (kUnimplemented).
  virtual Result<IssuedCertificate> ClusterCa() {
    return Fail(Error::FailedPrecondition("this operation context gives no CA key"));
  }
};

// The cluster operations: what a driver runs, and the rows of the conductor's state table
// (conductor/state_table.h, where it is also called ClusterOperation). The conductor hands
// a driver kUpdate (ClusterUpdate of the API) as a kResize of the default worker nodegroup
// without nodes to remove; kRotateCredential is a direct call (RotateCredential), never
// an accepted operation.
enum class OperationKind {
  kCreate,
  kUpdate,
  kResize,
  kUpgrade,
  kDelete,
  kNodeGroupCreate,
  kNodeGroupUpdate,
  kNodeGroupDelete,
  kRotateCa,
  kRotateCredential,
};

// What an operation is to achieve; fixed when it is accepted and persisted with it.
struct OperationSpec {
  OperationKind kind = OperationKind::kCreate;
  std::string nodegroup_uuid;  // resize, nodegroup_*; upgrade: "" = every nodegroup
  int64_t node_count = 0;      // resize: the wanted count (also in the nodegroup row)
  std::vector<std::string> nodes_to_remove;  // resize: servers to take out first
  TemplateState target;                      // upgrade: the target template
  int64_t max_batch_size = 1;                // upgrade: nodes replaced at once

  // `kind` on `nodegroup_uuid` (nodegroup operations; "" for the cluster's).
  static OperationSpec Of(OperationKind kind, std::string nodegroup_uuid = "");
  static OperationSpec Resize(std::string nodegroup_uuid, std::vector<std::string> nodes_to_remove);
  static OperationSpec Upgrade(TemplateState target, int64_t max_batch_size,
                               std::string nodegroup_uuid);
};

// The answer of one Advance(): done, or poll again after `after`.
struct Step {
  bool done = true;
  std::chrono::milliseconds after{0};

  static Step Done() { return Step{}; }
  static Step PollAfter(std::chrono::milliseconds d) { return Step{false, d}; }
};

// How RunUntilDone() waits between two polls: a time source for measuring the waits, and a
// blocking sleep. The seam lets tests run on simulated time (a Sleep that moves Now). The
// deadline is not judged on it but on op.Now(), the clock op.Deadline() is on (the
// conductor's clock may be simulated while the waits are real). RunUntilDone() calls it
// from its caller's thread only; a waiter shared by several operations (RealWaiter()) must
// be thread-safe.
class Waiter {
 public:
  virtual ~Waiter() = default;
  virtual TimePoint Now() = 0;
  // Blocks for about `d` (> 0).
  virtual void Sleep(std::chrono::milliseconds d) = 0;
};

// The system clock and std::this_thread::sleep_for; a process-wide, thread-safe instance.
Waiter& RealWaiter();

// The longest single sleep of RunUntilDone(): at most this late it notices a cancellation.
inline constexpr std::chrono::milliseconds kWaitSlice{20};

// One poll of an operation: what Driver::Advance() does for one spec. `progress` is ""
// on the first call and kept between calls.
using AdvanceFn = std::function<Result<Step>(std::string& progress)>;

// Runs an operation poll by poll in one blocking call: the blocking form of a resumable
// driver. Calls `advance` until it answers Done; between two calls waits the Step's `after`
// through `waiter`, in sleeps of at most kWaitSlice (an `after` of 0 does not sleep).
// Before every sleep and every further call it checks, in this order:
//   * op.Deadline() (TimePoint::max() = none) reached by op.Now():
//     Unavailable("operation timed out: its deadline passed"); a wait is cut at the deadline;
//   * op.Cancelled(): Unavailable("operation cancelled").
// An error of `advance` is returned as is. Runs on the caller's thread.
Result<void> RunUntilDone(OperationContext& op, const AdvanceFn& advance,
                          Waiter& waiter = RealWaiter());

class Driver {
 public:
  virtual ~Driver() = default;

  // Identity and capabilities.
  virtual std::string_view name() const = 0;
  virtual std::vector<Provides> provides() const = 0;
  virtual std::vector<KnownImage> images() const { return {}; }
  virtual bool beta() const { return false; }
  virtual bool test_only() const { return false; }
  // The driver calls OpenStack on the cluster's behalf through a trust: the conductor
  // creates a trustee user and a trust of the creating user at cluster create (refusing the
  // create when it cannot) and hands them over in ClusterState; they go with the cluster.
  virtual bool UsesTrust() const { return false; }

  // API-side validation; no side effects.
  virtual Result<void> ValidateMasterSize(int64_t master_count) const;
  virtual Result<void> ValidateMasterResize(int64_t node_count) const;
  // Whether upgrade is supported at all (else 400 NotSupported before anything changes).
  virtual bool SupportsUpgrade() const { return true; }

  // Lifecycle. The conductor has already written the desired state (counts, template)
  // before calling; the driver makes the backend match it.
  virtual Result<void> CreateCluster(OperationContext& op) = 0;
  // Reconciles every nodegroup to its node_count (PATCH node_count; resize). For a
  // shrink, `nodes_to_remove` names the servers to take out first.
  virtual Result<void> ResizeNodeGroup(OperationContext& op, const std::string& nodegroup_uuid,
                                       const std::vector<std::string>& nodes_to_remove) = 0;
  // Moves `nodegroup_uuid` (or every nodegroup when empty) to `target`, at most
  // `max_batch_size` nodes at a time.
  virtual Result<void> UpgradeCluster(OperationContext& op, const TemplateState& target,
                                      int64_t max_batch_size,
                                      const std::string& nodegroup_uuid) = 0;
  // Removes everything the cluster owns; succeeds when nothing is left (also after a
  // half-failed create).
  virtual Result<void> DeleteCluster(OperationContext& op) = 0;
  virtual Result<void> CreateNodeGroup(OperationContext& op, const std::string& nodegroup_uuid) = 0;
  virtual Result<void> UpdateNodeGroup(OperationContext& op, const std::string& nodegroup_uuid) = 0;
  virtual Result<void> DeleteNodeGroup(OperationContext& op, const std::string& nodegroup_uuid) = 0;
  // Defaults refuse with the reference's messages (400). RotateCaCertificate makes the nodes
  // trust the cluster's current CA (already rotated by the conductor); it must be safe to
  // run again: the conductor resumes an interrupted rotation by calling it again.
  virtual Result<void> RotateCaCertificate(OperationContext& op);
  virtual Result<void> RotateCredential(OperationContext& op);

  // The resumable contract. Resumable(kind): the driver implements Advance() for `kind`
  // so that an interrupted operation can be resumed from its persisted progress.
  virtual bool Resumable(OperationKind kind) const { return false; }
  // Advances `spec` by one bounded piece of work. `progress` is what the previous call left
  // ("" on the first call of the operation); the driver updates it in place, and the
  // conductor persists it after every call (also after an error). A failure is an error:
  // the operation ends failed. Every call must be safe to repeat after a crash at any
  // point inside it: decide from the backend's actual state (deterministic names and
  // labels), using `progress` only for what the backend cannot tell. Cancelled() turning
  // true asks the call to return early (any answer; the conductor decides what follows).
  // The default runs the blocking method of `spec.kind` in one call and answers Done.
  virtual Result<Step> Advance(OperationContext& op, const OperationSpec& spec,
                               std::string& progress);

  // Periodic reconciliation (conductor ReconcileTask, docs/conductor.md): whether the driver
  // compares the backend with the cluster's rows and repairs drift (stray, missing, drained
  // or detached nodes), and the repair itself. Called only for a settled cluster (no
  // operation runs), while the conductor holds the cluster's lease; the driver reports what
  // it did as events (step "reconcile") and facts through `op`; an error is recorded as an
  // event and changes no status. The default does nothing.
  virtual bool Reconciles() const { return false; }
  virtual Result<void> Reconcile(OperationContext& op) { return {}; }

  // Safety net for the periodic sync and restart recovery: what the backend says.
  virtual Result<SyncReport> SyncStatus(const ClusterState& cluster) { return SyncReport{}; }
  // Health monitor; std::nullopt = this driver does no health polling.
  virtual std::optional<Result<HealthReport>> PollHealth(const ClusterState& cluster) {
    return std::nullopt;
  }
  // The built-in autoscaler's view of a settled cluster's scheduler (Workload above);
  // std::nullopt = this driver's clusters are not autoscaled by Magnum (Kubernetes on
  // Heat: the cluster-autoscaler inside the cluster calls the API instead). Read-only.
  virtual std::optional<Result<Workload>> ObserveWorkload(const ClusterState& cluster) {
    return std::nullopt;
  }
};

}  // namespace magnum::drivers
