// The conductor's side of /v1/containers (issue 15): container rows, the state rules, the
// per-project quota and the calls into the cluster's ContainerEngine. ConductorService
// delegates its Container* methods here; tests may use it on its own with a fake engine.
//
// Rules (each refusal an Error whose message says what to do next):
//   * no engine set: kUnavailable NoContainerEngine() for every call;
//   * create: the cluster must exist (kInvalidArgument, the API's 400), run a swarm COE
//     (`swarm` or `swarm-mode`; else kFailedPrecondition, 400) and be settled:
//     *_COMPLETE other than DELETE_COMPLETE, or UPDATE_IN_PROGRESS / UPDATE_FAILED (else
//     kConflict); the project's containers stay under its quota (quotas row "Container",
//     else the configured default; kPermissionDenied, 403). The row is written first (in the
//     transaction that checks the quota and the cluster) and removed again when the Engine
//     refuses or cannot be reached: nothing is left half-written;
//   * every call but show and logs on a container whose cluster is DELETE_IN_PROGRESS:
//     kConflict "Cluster <name> is being deleted.";
//   * pause needs Running, unpause Paused, execute Running (kConflict); delete of a Running
//     or Paused container needs `force` (kConflict "... stop it first or pass force=true.");
//   * an action or delete reads the Engine's state first, so an unreachable Engine is
//     kUnavailable with nothing changed;
//   * show never fails because of the Engine: unreachable gives status Unknown with the
//     reason (not stored); a container the Engine no longer has is stored as Error with the
//     reason "removed outside Magnum".
// The statuses the Engine reports are written back to the row. Calls on one container are
// serialised (a striped mutex; show, logs and execute run alongside). Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "magnum/conductor/conductor_api.h"
#include "magnum/conductor/container_engine.h"
#include "magnum/objects/container.h"

namespace magnum {
class Clock;
namespace db {
class Database;
}
}  // namespace magnum

namespace magnum::conductor {

struct ContainerServiceOptions {
  ContainerLimits limits;                    // [containers] execute_timeout, max_output_bytes
  int64_t max_containers_per_project = 100;  // [quotas] max_containers_per_project
};

// The quotas table's resource name for containers.
inline constexpr char kContainerQuotaResource[] = "Container";

class ContainerService {
 public:
  // `db` and `clock` are not owned and outlive the service.
  ContainerService(db::Database* db, const Clock* clock, ContainerServiceOptions options);

  // The engine the calls use from now on (nullptr: none). Calls already running keep the
  // one they started with.
  void SetEngine(std::shared_ptr<ContainerEngine> engine);
  std::shared_ptr<ContainerEngine> engine() const;

  Result<objects::Container> Create(const Caller& caller, const objects::Container& request);
  Result<objects::Container> Show(const Caller& caller, const std::string& uuid);
  Result<objects::Container> Act(const Caller& caller, const std::string& uuid,
                                 ContainerAction action);
  Result<void> Delete(const Caller& caller, const std::string& uuid, bool force);
  Result<CommandOutput> Logs(const Caller& caller, const std::string& uuid);
  Result<CommandOutput> Execute(const Caller& caller, const std::string& uuid,
                                const std::string& command);

  // The container rows of a cluster, inside the transaction that removes the cluster's rows
  // (the Engine's containers go with the cluster's nodes).
  static Result<void> DeleteForCluster(db::Database& tx, const std::string& cluster_uuid);

  const ContainerServiceOptions& options() const { return options_; }

 private:
  struct Target;  // a container row with its cluster
  Result<std::shared_ptr<ContainerEngine>> RequireEngine() const;
  Result<Target> Load(const std::string& uuid) const;
  static Result<void> RequireCluster(const Target& t, bool settled);
  std::mutex& Stripe(const std::string& uuid);
  // The Engine's view written to the row (when it differs); returns the row as stored.
  Result<objects::Container> Record(const objects::Container& row, const ContainerObserved& seen);
  Result<objects::Container> MarkGone(const objects::Container& row);
  // The Engine's `answer`, except that kNotFound (the container is gone from the Engine)
  // marks the row Error and becomes the 409 saying it was removed outside Magnum.
  template <typename T>
  Result<T> GoneIfMissing(Result<T> answer, const objects::Container& row);

  db::Database* const db_;
  const Clock* const clock_;
  const ContainerServiceOptions options_;
  mutable std::mutex engine_mu_;
  std::shared_ptr<ContainerEngine> engine_;  // guarded by engine_mu_
  std::array<std::mutex, 32> stripes_;
};

// The JSON text of a container (every member, for the RPC wire) and back.
std::string EncodeContainer(const objects::Container& c);
Result<objects::Container> DecodeContainer(std::string_view text);
std::string EncodeCommandOutput(const CommandOutput& out);
Result<CommandOutput> DecodeCommandOutput(std::string_view text);

}  // namespace magnum::conductor
