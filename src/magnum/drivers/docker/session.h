// Internal to the docker driver: the state every operation shares (DriverCore, owned by
// the driver) and one operation on one cluster (Session). The session's steps live in
//   session_engine.cc   engine check, images, network, starting nodes, readiness
//   session_swarm.cc    swarm joins, labels, availability, drains, removals, reports
//   session_ops.cc      the phases of create, resize, nodegroups, delete
//   session_upgrade.cc  the phases of the rolling upgrade in batches
//   session_progress.cc the progress record, Advance() and the blocking run
//   session_wait.cc     waits as polls: one look per Advance(), PollAfter() until ready
// Every operation is a sequence of phases (drivers/driver.h resumable contract): each
// Advance() runs one phase and records in OpProgress what comes next; a phase decides from
// the engine's actual state (container, volume and network names and labels are
// deterministic), so it may be run again after a crash anywhere inside it. A phase that
// waits (node engines up, swarm joined, a drain) looks once, records the wait in OpProgress
// and answers Step::PollAfter([docker] poll interval): no thread sleeps while nodes start.
// A session is used by one operation thread; per-node work inside it fans out through
// ParallelNodes() (at most [docker] max_parallel_nodes at once), so what those steps touch
// (NodeClient, the operation context, DriverCore) is thread-safe.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/drivers/docker/cluster_layout.h"
#include "magnum/drivers/docker/docker_client.h"
#include "magnum/drivers/docker/docker_driver.h"
#include "magnum/drivers/docker/flavor_limits.h"
#include "magnum/drivers/docker/subnet_pool.h"

namespace magnum::drivers::docker {

inline constexpr std::string_view kImageName = "swarm-node";
inline constexpr std::string_view kNodeRepo = "magnum/swarm-node";
inline constexpr std::string_view kWorkloadLatest = "magnum-workload:latest";
inline constexpr std::string_view kApiPortKey = "2376/tcp";
inline constexpr int kApiPort = 2376;
inline constexpr int kSwarmPort = 2377;

// Whether an engine error says the object does not exist (HTTP 404).
inline bool NoSuchObject(const Error& e) {
  return ClassifyEngineError(e) == EngineFailure::kNoSuchObject;
}

// What one node is to become: role, index, nodegroup and image.
struct NodePlan {
  bool master = false;
  int index = 0;
  std::string nodegroup_uuid;
  std::string node_image_id;  // template image id (swarm-node, swarm-node:<tag>)
  std::string node_ref;       // engine image reference
  int host_port = 0;          // masters: published 127.0.0.1 port (0 = any)
};

// A node of an upgrade batch being replaced: what is needed to start it again when the
// old container is already gone.
struct InflightNode {
  std::string name;
  bool master = false;
  int index = 0;
  std::string nodegroup_uuid;
  int host_port = 0;
};

// The driver's progress record of one operation (persisted by the conductor as JSON).
struct OpProgress {
  std::string phase;               // "" = not started
  bool selected = false;           // resize: the nodes to remove are chosen
  std::vector<std::string> nodes;  // resize: those nodes (by name)
  bool added = false;              // resize: nodes were started
  bool grow_planned = false;       // resize: the worker indices a grow starts are chosen
  std::vector<int> grow;           // resize: those indices (recorded before any starts)
  bool planned = false;            // upgrade: batches chosen
  std::vector<std::vector<std::string>> batches;  // upgrade: node names per batch
  size_t batch = 0;                               // upgrade: the batch under way
  std::vector<InflightNode> inflight;             // upgrade: its nodes, recorded first
  int64_t moved = 0;                              // upgrade: nodes replaced so far
  // The wait under way ("" = none): what it waits for ("ready", "swarm", "rejoin",
  // "drain"), and, on the DriverTime clock of the driver instance `wait_owner`, when it
  // gives up and when it next looks at the node containers. Another instance (a restarted
  // or another conductor) starts the wait's time afresh: a steady clock means nothing there.
  std::string wait;
  std::string wait_owner;
  int64_t wait_deadline = 0;  // ns of DriverTime::Clock
  int64_t wait_check = 0;     // ns of DriverTime::Clock
  // A drain under way: the services whose tasks ran on the drained nodes (their tasks must
  // run elsewhere before the drain ends).
  std::vector<std::string> drain_services;
  // And the tasks of those services (IDs) that were to run but did not when the drain began
  // (pending for lack of resources, ...): the drain moved none of them, so it does not wait
  // for them (a moved task's replacement gets a new ID, and is waited for).
  std::vector<std::string> drain_pending;
  // Forgets a drain's record (drain_services, drain_pending) once it has ended.
  void EndDrain() {
    drain_services.clear();
    drain_pending.clear();
  }

  static Result<OpProgress> Parse(const std::string& text);
  std::string Dump() const;
};

// Shared by every operation of one driver. Thread-safe.
struct DriverCore {
  DriverCore(DockerDriverOptions options, DockerDriverDeps deps);

  // Serialises operations on one cluster (a delete waits for a cancelled create to stop).
  std::unique_lock<std::mutex> LockCluster(const std::string& uuid);
  // `docker save` of the workload image, once per process and reference.
  Result<std::shared_ptr<const std::string>> WorkloadTar(const std::string& ref);

  DockerDriverOptions options;
  DockerDriverDeps deps;
  std::unique_ptr<DockerClient> host;
  std::unique_ptr<DockerClient> probe;  // same engine, short timeout
  std::optional<Error> host_error;      // bad TLS files for the host engine
  std::optional<Error> config_error;    // bad subnet pool or flavor limits
  Cidr pool;
  FlavorLimits flavors;
  const std::string instance;  // random: tells this driver's waits from another process's

  std::mutex subnet_mu;  // serialises choosing and creating cluster networks

 private:
  std::mutex locks_mu_;
  std::map<std::string, std::shared_ptr<std::mutex>> cluster_locks_;  // guarded by locks_mu_
  std::mutex tar_mu_;
  std::map<std::string, std::shared_ptr<const std::string>> workload_tars_;  // by tar_mu_
};

// session_workload.cc: the Swarm's nodes and pending tasks for the built-in autoscaler
// (Driver::ObserveWorkload, workload.h), asked of the first running manager that answers,
// through the host engine. Read-only; takes no cluster lock.
Result<Workload> ObserveClusterWorkload(DriverCore& core, const ClusterState& cluster);

// A wait of a phase (session_wait.cc).
struct WaitSpec {
  std::string_view what;  // recorded as OpProgress::wait
  std::chrono::milliseconds timeout;
  std::string_view step;         // event step of the warning when it times out
  bool fail_on_timeout = true;   // false: the phase goes on after the warning (a drain)
};

// One look of a wait: "" when what it waits for is there, else the text of its failure
// should the wait time out now ("node demo-node-0 not ready in time: ...").
using WaitLook = std::function<Result<std::string>()>;

// The state of one operation on one cluster: the engine clients, the cluster's network and
// the TLS material, gathered as the operation needs them.
class Session {
 public:
  Session(DriverCore* core, OperationContext* op);

  // One phase of `spec` from `progress` (updated in place).
  Result<Step> Advance(const OperationSpec& spec, OpProgress& progress);
  // Every phase in one call (the blocking driver methods).
  Result<void> Run(const OperationSpec& spec);
  // session_reconcile.cc: compares the engine with the cluster and repairs drift.
  Result<void> Reconcile();

 private:
  // session_ops.cc
  Result<Step> CreatePhase(OpProgress& p);
  Result<Step> ResizePhase(const std::string& ng_uuid,
                           const std::vector<std::string>& nodes_to_remove, OpProgress& p);
  Result<Step> ResizeStep(const NodeGroupState& target,
                          const std::vector<std::string>& nodes_to_remove, OpProgress& p);
  // After a grow failed (not cancelled): removes the workers it started (p.grow) with their
  // volumes and swarm entries, reports the addresses left; returns what the failure reason
  // adds ("the 2 nodes it started were removed" or what is left).
  std::string RollbackGrow(const NodeGroupState& ng, const OpProgress& p);
  Result<Step> NodeGroupCreatePhase(const std::string& ng_uuid, OpProgress& p);
  Result<void> DeleteNodeGroup(const std::string& ng_uuid);
  Result<void> Delete();
  // session_upgrade.cc
  Result<Step> UpgradePhase(const TemplateState& target, int64_t max_batch_size,
                            const std::string& ng_uuid, OpProgress& p);
  // After a batch failed (not cancelled): starts its stopped containers again and makes
  // its nodes active, so a failed upgrade leaves no node drained; returns what the failure
  // reason adds.
  std::string RestoreBatch(const NodeRecord& control, const std::vector<InflightNode>& batch);

  const ClusterState& cluster() const { return op_->cluster(); }
  DockerClient& host() { return *core_->host; }
  const DockerDriverOptions& options() const { return core_->options; }
  DriverTime::Clock::time_point Now() const { return core_->deps.time->Now(); }
  void Sleep() const { core_->deps.time->Sleep(core_->options.poll_interval); }
  Result<void> CheckCancelled(std::string_view step) const;
  Result<void> ParallelNodes(size_t n, const std::function<Result<void>(size_t)>& fn) const;

  // session_engine.cc
  Result<void> CheckEngine();
  // Resolves a template image id to an engine image reference (building the images when
  // needed) and makes sure the workload image is known.
  Result<std::string> ResolveImage(const std::string& image_id);
  Result<void> CreateNetwork();
  Result<void> LoadNetwork();
  Result<std::vector<NodeRecord>> ListNodes();
  Result<DockerClient*> NodeClient(const std::string& ip);
  NodeLimits LimitsFor(const NodePlan& plan) const;
  Result<NodeRecord> StartNode(const NodePlan& plan);
  // The waits (session_wait.cc). With `p`, one look: std::nullopt once ready, else the
  // Step to poll again (the wait recorded in *p); without, blocking until ready (sleeps
  // between looks: reconciliation and a failed batch's restore). A timeout fails.
  Result<std::optional<Step>> Wait(OpProgress* p, const WaitSpec& w,
                                   const std::vector<NodeRecord>& watch, const WaitLook& look);
  // Each node's own engine answers and has the workload image loaded.
  Result<std::optional<Step>> WaitReady(const std::vector<NodeRecord>& nodes,
                                        OpProgress* p = nullptr);
  Result<std::string> ContainerFailure(const NodeRecord& n);

  // session_swarm.cc
  Result<NodeRecord> Manager(const std::vector<NodeRecord>& nodes);
  Result<void> Join(const NodeRecord& manager, const NodeRecord& node, const std::string& token,
                    std::string_view step);
  // The manager lists every node of `nodes` Ready.
  Result<std::optional<Step>> WaitSwarmReady(const NodeRecord& manager,
                                             const std::vector<NodeRecord>& nodes,
                                             OpProgress* p = nullptr);
  Result<void> ApplyLabels(const NodeRecord& manager, const std::vector<NodeRecord>& nodes);
  Result<void> SetAvailability(const NodeRecord& manager, const std::string& hostname,
                               const std::string& availability);
  // Drains every node of `nodes` at once, then waits until none runs tasks and every task
  // of the services that ran on them runs again elsewhere (at most [docker] drain_timeout;
  // then it goes on with a warning that names the task still not running).
  Result<std::optional<Step>> Drain(const NodeRecord& manager,
                                    const std::vector<NodeRecord>& nodes,
                                    OpProgress* p = nullptr);
  Result<void> RemoveWorker(const NodeRecord& manager, const NodeRecord& node);
  // The nodes of `nodes` the swarm lists with role manager.
  Result<std::vector<NodeRecord>> SwarmManagers(const NodeRecord& manager,
                                                const std::vector<NodeRecord>& nodes);
  Result<void> ReportAddresses(const std::vector<NodeRecord>& nodes);
  Result<void> ReportApi(const NodeRecord& manager);
  // Each nodegroup's `version` (of `only`, or all when empty): the Docker Engine version
  // its nodes report in the swarm.
  Result<void> ReportVersions(const NodeRecord& manager, const std::vector<NodeRecord>& nodes,
                              const std::string& only);

  // What a phase of a session that did not run the earlier phases needs: the network,
  // the engine's capacity, the workload image (silently; no events).
  Result<void> Resume();
  // The nodes the create wants, in order (masters first).
  Result<std::vector<NodePlan>> CreatePlans();
  // Starts the nodes of `plans` that have no running container (a container left created
  // or stopped by an interrupted start is replaced); returns every planned node.
  Result<std::vector<NodeRecord>> EnsureNodes(const std::vector<NodePlan>& plans,
                                              const std::vector<NodeRecord>& existing);
  // Starts workers of `ng` at `indices` (those without a running container).
  Result<void> Grow(const NodeGroupState& ng, const std::vector<int>& indices,
                    const std::vector<NodeRecord>& existing);
  // Makes every swarm node among `nodes` whose availability is not active active again
  // (drained by an interrupted upgrade or by hand); returns their names.
  Result<std::vector<std::string>> ActivateAll(const NodeRecord& manager,
                                               const std::vector<NodeRecord>& nodes);
  // Joins the nodes of `nodes` that are not swarm members yet (after their engines are up),
  // then waits until they are Ready (`p` as for Wait).
  Result<std::optional<Step>> JoinMissing(const NodeRecord& manager,
                                          const std::vector<NodeRecord>& nodes,
                                          OpProgress* p = nullptr);

  // session_upgrade.cc
  // One poll of the batch `p.inflight`: std::nullopt once every node of it runs `ref`,
  // is back in the swarm and active, else the Step to poll again.
  Result<std::optional<Step>> ReplaceInflight(const NodeRecord& control, OpProgress& p,
                                              const std::string& ref,
                                              const std::string& image_id,
                                              const std::string& target_image);
  // Each node's own engine says its swarm state is active again.
  Result<std::optional<Step>> WaitRejoined(const std::vector<NodeRecord>& nodes,
                                           OpProgress* p = nullptr);

  DriverCore* const core_;
  OperationContext* const op_;
  std::string prefix_;
  std::string network_;
  Cidr subnet_;
  std::string workload_ref_;
  HostCapacity capacity_;
  bool capacity_known_ = false;
  std::mutex clients_mu_;  // guards client_cert_ and node_clients_
  std::optional<IssuedCertificate> client_cert_;
  std::map<std::string, std::unique_ptr<DockerClient>> node_clients_;  // by IP
};

}  // namespace magnum::drivers::docker
