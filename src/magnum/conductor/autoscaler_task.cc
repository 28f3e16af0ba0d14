#include "magnum/conductor/autoscaler_task.h"

#include <spdlog/spdlog.h>

#include <set>
#include <vector>

#include "magnum/common/uuid.h"
#include "magnum/conductor/cluster_state.h"
#include "magnum/conductor/cluster_status.h"
#include "magnum/conductor/conductor_api.h"
#include "magnum/conductor/conductor_core.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"
#include "magnum/objects/cluster.h"
#include "magnum/objects/mappers.h"

namespace magnum::conductor {
namespace {

constexpr std::string_view kStep = "autoscaler";

// The settled statuses (status::InSetA): those from which an update may start.
const std::vector<std::string>& SettledStatuses() {
  static const std::vector<std::string> v = {
      "CREATE_COMPLETE",   "UPDATE_COMPLETE",   "RESUME_COMPLETE", "RESTORE_COMPLETE",
      "ROLLBACK_COMPLETE", "SNAPSHOT_COMPLETE", "CHECK_COMPLETE",  "ADOPT_COMPLETE"};
  return v;
}

// The system caller of the autoscaler's resizes: admin, in the cluster's project.
Caller SystemCaller(const drivers::ClusterState& cluster) {
  Caller c;
  c.request_id = "req-" + GenerateUuid();
  c.project_id = cluster.project_id;
  c.user_id = "magnum-autoscaler";
  c.is_admin = true;
  c.roles = {"admin"};
  return c;
}

AutoscaleOptions DecisionOptions(const AutoscalerOptions& o) {
  AutoscaleOptions d;
  d.pending_grace = o.pending_grace;
  d.scale_down_cooldown = o.scale_down_cooldown;
  d.scale_down_utilization_threshold = o.scale_down_utilization_threshold;
  return d;
}

}  // namespace

void AutoscalerTask::RunOnce() {
  std::lock_guard<std::mutex> pass(pass_mu_);
  // Off or stopping: the rows stay (another conductor, or this one restarted, carries on).
  if (!core_->opt.autoscaler.enabled || core_->registry.Stopping()) return;
  auto clusters = core_->ClustersWithStatus(SettledStatuses());
  if (!clusters) {
    spdlog::warn("autoscaler: cannot list clusters: {}", clusters.error().message());
    return;
  }
  const FleetShare share(*core_);
  std::set<std::string> handled;
  for (const auto& c : *clusters) {
    if (core_->registry.Stopping()) return;
    if (!share.Mine(c.uuid)) continue;  // another live conductor's
    if (!AutoscalingLabelEnabled(c.labels.value_or(objects::StringMap()))) continue;
    if (Autoscale(c.uuid) != Outcome::kSkipped) handled.insert(c.uuid);
  }
  // What this pass did not look at in its share (gone, busy, disabled) starts over; another
  // conductor's rows are left to that conductor.
  db::ListQuery q;
  q.columns = {"cluster_uuid"};
  auto rows = objects::List<objects::AutoscalerState>(*core_->db, q);
  if (!rows) {
    spdlog::warn("autoscaler: cannot list the autoscaler state: {}", rows.error().message());
    return;
  }
  for (const auto& row : *rows) {
    if (handled.count(row.cluster_uuid) == 0 && share.Mine(row.cluster_uuid)) {
      DeleteMemory(row.cluster_uuid);  // listed: no need to look first
    }
  }
}

Result<std::string> AutoscalerTask::LoadMemory(const std::string& uuid) {
  MAGNUM_ASSIGN_OR_RETURN(
      auto row, objects::GetOne<objects::AutoscalerState>(
                    *core_->db, db::Filter().Where(db::Condition::Eq("cluster_uuid", uuid))));
  if (!row) return std::string();
  return row->state.value_or(std::string());
}

void AutoscalerTask::SaveMemory(const std::string& uuid, const AutoscalerMemory& memory,
                                const std::string& stored) {
  const std::string json = memory.Empty() ? std::string() : EncodeAutoscalerMemory(memory);
  if (json == stored) return;
  if (json.empty()) return ForgetMemory(uuid);
  const db::Filter by_cluster = db::Filter().Where(db::Condition::Eq("cluster_uuid", uuid));
  objects::AutoscalerState row;
  row.state = json;
  row.updated_at = core_->Now();
  auto r = core_->db->Transaction([&](db::Database& tx) -> Result<void> {
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t n, tx.Update(db::kAutoscalerStateTable, by_cluster, objects::SetColumns(row)));
    if (n != 0) return {};
    row.cluster_uuid = uuid;
    MAGNUM_RETURN_IF_ERROR(objects::Insert(tx, row));
    return {};
  });
  if (!r) {
    spdlog::warn("autoscaler: cluster {}: cannot store the autoscaler state: {}", uuid,
                 r.error().message());
  }
}

void AutoscalerTask::ForgetMemory(const std::string& uuid) {
  // Most clusters skipped on every pass have no row: a read, not a write, for them.
  auto n = core_->db->Count(db::kAutoscalerStateTable,
                            db::Filter().Where(db::Condition::Eq("cluster_uuid", uuid)));
  if (n && *n == 0) return;
  DeleteMemory(uuid);
}

void AutoscalerTask::DeleteMemory(const std::string& uuid) {
  auto r = core_->db->Delete(db::kAutoscalerStateTable,
                             db::Filter().Where(db::Condition::Eq("cluster_uuid", uuid)));
  if (!r) {
    spdlog::warn("autoscaler: cluster {}: cannot delete the autoscaler state: {}", uuid,
                 r.error().message());
  }
}

AutoscalerTask::Outcome AutoscalerTask::AutoscaleCluster(const std::string& uuid) {
  std::lock_guard<std::mutex> pass(pass_mu_);
  if (!core_->opt.autoscaler.enabled || core_->registry.Stopping()) return Outcome::kSkipped;
  return Autoscale(uuid);
}

AutoscalerTask::Outcome AutoscalerTask::Autoscale(const std::string& uuid) {
  auto forget = [&] {
    ForgetMemory(uuid);
    return Outcome::kSkipped;
  };
  std::string driver_name;
  auto state = LoadClusterState(*core_->db, uuid, &driver_name);
  if (!state || !status::InSetA(state->status) || !AutoscalingLabelEnabled(state->labels)) {
    return forget();
  }
  auto driver = core_->DriverFor(driver_name, state->cluster_template);
  if (!driver) return forget();
  auto observed = (*driver)->ObserveWorkload(*state);
  if (!observed) return forget();  // not autoscaled by Magnum (e.g. the cluster-autoscaler)

  const std::string display = state->name.empty() ? uuid : state->name;
  // The memory the last pass left, whichever conductor ran it.
  auto stored = LoadMemory(uuid);
  if (!stored) {
    spdlog::warn("autoscaler: cluster {}: cannot read the autoscaler state: {}", display,
                 stored.error().message());
    return Outcome::kUnchanged;
  }
  AutoscalerMemory mem = DecodeAutoscalerMemory(*stored);
  auto done = [&](Outcome outcome) {
    SaveMemory(uuid, mem, *stored);
    return outcome;
  };
  if (!*observed) {
    const std::string why = observed->error().message();
    if (mem.observe_error_recorded != why) {
      mem.observe_error_recorded = why;
      core_->events.Append(uuid, state->project_id, kStep, "", EventLevel::kWarning,
                           "cannot observe the cluster's workload: " + why);
    }
    spdlog::warn("autoscaler: cluster {}: cannot observe the workload: {}", display, why);
    return done(Outcome::kUnchanged);
  }
  mem.observe_error_recorded.clear();

  std::vector<const drivers::NodeGroupState*> workers;
  for (const auto& ng : state->nodegroups) {
    if (!ng.IsMaster()) workers.push_back(&ng);
  }
  drivers::Workload workload = std::move(**observed);
  // Nodes the driver could not attribute belong to the only worker nodegroup, if there is one.
  if (workers.size() == 1) {
    for (auto& n : workload.nodes) {
      if (!n.master && n.nodegroup_uuid.empty()) n.nodegroup_uuid = workers.front()->uuid;
    }
  }

  const TimePoint now = core_->clock->Now();
  const AutoscaleOptions options = DecisionOptions(core_->opt.autoscaler);
  std::map<std::string, AutoscalerGroupMemory> groups;
  const drivers::NodeGroupState* change_group = nullptr;
  AutoscaleDecision change;
  for (const drivers::NodeGroupState* ng : workers) {
    AutoscalerGroupMemory g = std::move(mem.groups[ng->uuid]);
    const NodeGroupPolicy policy = PolicyOf(*state, *ng, true);
    AutoscaleDecision d = DecideAutoscale(policy, workload, g.state, now, options);
    g.state = std::move(d.next);
    if (d.hold != g.hold_recorded) {
      g.hold_recorded = d.hold;
      if (!d.hold.empty()) {
        core_->events.Append(uuid, state->project_id, kStep, "", EventLevel::kWarning, d.hold);
      }
    }
    if (!d.reason.empty()) {
      spdlog::debug("autoscaler: cluster {} nodegroup {}: {}", display, ng->name, d.reason);
    }
    if (change_group == nullptr && d.action != AutoscaleDecision::Action::kNone) {
      change_group = ng;
      change = std::move(d);
    }
    groups[ng->uuid] = std::move(g);
  }
  mem.groups = std::move(groups);  // nodegroups that are gone are forgotten
  if (change_group == nullptr) {
    mem.refusal_recorded = false;
    return done(Outcome::kUnchanged);
  }

  const bool grow = change.action == AutoscaleDecision::Action::kGrow;
  auto r = conductor_->ClusterResize(SystemCaller(*state), uuid, change_group->uuid,
                                     change.node_count, change.nodes_to_remove);
  if (r) {
    mem.refusal_recorded = false;
    core_->events.Append(uuid, state->project_id, kStep, "", EventLevel::kInfo,
                         std::string(grow ? "growing" : "shrinking") + " nodegroup " +
                             change_group->name + ": " + change.reason);
    spdlog::info("autoscaler: cluster {}: resizing nodegroup {} to {}: {}", display,
                 change_group->name, change.node_count, change.reason);
    return done(Outcome::kResized);
  }
  if (core_->registry.Stopping()) return done(Outcome::kSkipped);  // refused because we stop
  const Error& e = r.error();
  const bool busy = e.Is(ErrorCode::kConflict) || e.Is(ErrorCode::kFailedPrecondition);
  if (!mem.refusal_recorded) {
    mem.refusal_recorded = true;
    core_->events.Append(
        uuid, state->project_id, kStep, "", busy ? EventLevel::kInfo : EventLevel::kWarning,
        "resizing nodegroup " + change_group->name + " to " + std::to_string(change.node_count) +
            " was refused: " + e.message() + "; the autoscaler tries again on its next passes");
  }
  spdlog::info("autoscaler: cluster {}: resize of nodegroup {} to {} refused: {}", display,
               change_group->name, change.node_count, e.message());
  return done(Outcome::kRefused);
}

}  // namespace magnum::conductor
