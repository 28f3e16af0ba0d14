// Cluster operations shared by the clusters, legacy bays and nodegroups controllers:
// visibility and look-ups, the create / update / delete flows with the reference's
// validation order (§2.2, §3.2), and rendering with the nodegroups (§3.4).
//
// HTTP-free apart from taking the ApiRequest (caller, microversion, base URL). Internal to
// the API module. Stateless over Services, so thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/api/api_types.h"
#include "magnum/api/cluster_fields.h"
#include "magnum/api/controller.h"
#include "magnum/api/pagination.h"
#include "magnum/api/json_writer.h"
#include "magnum/conductor/conductor_api.h"
#include "magnum/conductor/state_table.h"
#include "magnum/db/record.h"
#include "magnum/objects/cluster.h"
#include "magnum/objects/cluster_template.h"
#include "magnum/objects/nodegroup.h"

namespace magnum::drivers {
class Driver;
}

namespace magnum::api {

// The serialisable caller the conductor gets.
conductor::Caller CallerOf(const ApiRequest& req);

// 503 "No conductor is available" when the process has no conductor wired in.
Result<conductor::ConductorApi*> RequireConductor(const Services& s);

// "Version X was requested but the requested API <api> is not supported for this
// version." (406) unless the request's microversion is at least 1.<min_minor>.
Result<void> RequireVersion(const ApiRequest& req, int min_minor, std::string_view api);

// What a cluster PATCH asks for, after the JSON patch was applied and checked.
struct ClusterUpdate {
  std::optional<int64_t> node_count;  // default worker's new count; nullopt = not patched
  bool health_changed = false;
  Json health_status;         // null or the enum string
  Json health_status_reason;  // null or a str→str dict
  bool rollback = false;
  // The cluster's labels after a change of the autoscaling labels only (extension:
  // AutoscalingLabelsAfter); nullopt = labels not changed. Written by the API like the
  // health fields; no conductor operation.
  std::optional<objects::StringMap> labels;
};

// One page of a cluster listing with what rendering it needs (nodegroups by cluster UUID,
// template labels by template UUID).
struct ClusterPage {
  Page page;
  std::vector<objects::Cluster> clusters;
  std::vector<objects::NodeGroup> nodegroups;  // of every cluster of the page
  std::map<std::string, NodeGroupRefs, std::less<>> by_cluster;  // into `nodegroups`
  std::map<std::string, objects::StringMap> template_labels;
  bool detail = false;
};

class ClusterOps {
 public:
  explicit ClusterOps(const Services& services) : s_(services) {}

  // The clusters the caller sees: its own project (its user when it has no project);
  // admins see every project after passing `all_projects_rule` (403 otherwise). An
  // empty rule keeps admins to their own project.
  Result<db::Filter> Visible(const ApiRequest& req, std::string_view all_projects_rule) const;

  // A visible cluster by UUID or name (404 / 409 for an ambiguous name).
  Result<objects::Cluster> Find(const ApiRequest& req, const std::string& ident,
                                std::string_view all_projects_rule) const;
  // The current state of a cluster by UUID (404 when it is gone).
  Result<objects::Cluster> Reload(const std::string& uuid) const;

  // Nodegroups of one cluster / of several clusters (by cluster UUID), in id order. Those
  // of several hold only what a list renders (id, cluster_id, name, role, node_count,
  // node_addresses, status, status_reason).
  Result<std::vector<objects::NodeGroup>> NodeGroups(const std::string& cluster_uuid) const;
  Result<std::vector<objects::NodeGroup>> NodeGroupsOf(
      const std::vector<objects::Cluster>& clusters) const;

  // A cluster template for create/upgrade by integer id (when `allow_int_id`), UUID or
  // name, among the caller's project and public templates (admins: all). 404 when none;
  // 403 "Not authorized." for a hidden template and a non-admin caller.
  Result<objects::ClusterTemplate> FindTemplate(const ApiRequest& req, const std::string& ident,
                                                bool allow_int_id) const;
  // Labels of the templates with these UUIDs (any project); a template that is gone has
  // none (and renders {}).
  Result<std::map<std::string, objects::StringMap>> TemplateLabels(
      const std::vector<std::string>& uuids) const;

  // The API object (detail or brief) of one cluster, as JSON text / as JSON.
  Result<std::string> RenderText(const ApiRequest& req, const objects::Cluster& cluster,
                                 bool detail, bool with_faults) const;
  Result<Json> Render(const ApiRequest& req, const objects::Cluster& cluster, bool detail,
                      bool with_faults) const;
  // The items of a page, written to `w` / as JSON.
  void WritePage(JsonWriter& w, const ApiRequest& req, const ClusterPage& page) const;
  std::vector<Json> RenderPage(const ApiRequest& req, const ClusterPage& page) const;

  // GET list/detail (§1.7, §4): policy, visibility, pagination, and what rendering needs.
  Result<ClusterPage> List(const ApiRequest& req, bool detail) const;

  // The driver that runs `cluster` (its `driver`, else its template's).
  Result<drivers::Driver*> DriverFor(const objects::Cluster& cluster) const;

  // conductor::CheckClusterState for `cluster` (the state table's refusal, or nothing).
  Result<void> CheckState(conductor::ClusterOperation op, const objects::Cluster& cluster,
                          std::optional<std::string_view> nodegroup_status = {}) const;

  // POST: `doc` is the ValidateBody output of ClusterFields (defaults applied). Runs the
  // §2.2 checks in order, inserts the cluster and its default nodegroups in one
  // transaction (re-checking the quota) and hands the cluster to the conductor. `legacy`
  // (bays): the template is always a 400 when missing and the keypair comes from it.
  // Returns the new cluster's UUID.
  Result<std::string> Create(const ApiRequest& req, Json doc, bool legacy) const;

  // PATCH: state check (§3.2), health fields written directly, node_count through the
  // conductor. A change of the autoscaling labels alone is allowed in any settled status
  // (409 while an operation runs) and written directly; with node_count it is a 400.
  Result<void> Update(const ApiRequest& req, const objects::Cluster& cluster,
                      const ClusterUpdate& update) const;

  // DELETE: 409 when a delete is already running; then the conductor.
  Result<void> Delete(const ApiRequest& req, const objects::Cluster& cluster) const;

  // The flavor checks of §5 (exists; root disk when boot_volume_size is 0).
  Result<void> CheckFlavor(const ApiRequest& req, const std::string& flavor,
                           const Json& labels) const;

  const Services& services() const { return s_; }

 private:
  Result<int64_t> ClusterLimit(db::Database& db, const std::string& project_id) const;

  Services s_;
};

}  // namespace magnum::api
