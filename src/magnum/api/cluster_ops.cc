#include "magnum/api/cluster_ops.h"

#include <charconv>
#include <set>

#include "magnum/api/cluster_fields.h"
#include "magnum/api/cluster_template_fields.h"
#include "magnum/api/policy.h"
#include "magnum/clients/cloud_resources.h"
#include "magnum/common/uuid.h"
#include "magnum/conductor/state_table.h"
#include "magnum/config/config.h"
#include "magnum/db/schema.h"
#include "magnum/drivers/registry.h"
#include "magnum/objects/cluster_rows.h"
#include "magnum/objects/mappers.h"
#include "magnum/objects/status.h"

namespace magnum::api {
namespace {

using db::Condition;

bool AllDigits(const std::string& s) {
  if (s.empty() || s.size() > 18) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

std::string StringOr(const Json& v, const std::string& fallback = "") {
  return v.is_string() ? v.get<std::string>() : fallback;
}

using objects::Cluster;
using objects::ClusterStatus;
using objects::ClusterTemplate;
using objects::NodeGroup;

// The default worker nodegroup among a cluster's nodegroups, or nullptr.
const NodeGroup* DefaultWorker(const std::vector<NodeGroup>& ngs) {
  for (const auto& ng : ngs) {
    if (ng.is_default.value_or(false) && !ng.IsMaster()) return &ng;
  }
  return nullptr;
}

std::optional<std::string> TextOf(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  return std::nullopt;
}

}  // namespace

conductor::Caller CallerOf(const ApiRequest& req) {
  conductor::Caller c;
  c.request_id = req.ctx.request_id;
  c.project_id = req.ctx.project_id;
  c.user_id = req.ctx.user_id;
  c.is_admin = req.ctx.is_admin;
  c.roles = req.ctx.roles;
  c.auth_token = req.ctx.auth_token;
  return c;
}

Result<conductor::ConductorApi*> RequireConductor(const Services& s) {
  if (s.conductor == nullptr) return Fail(Error::Unavailable("No conductor is available"));
  return s.conductor;
}

Result<void> RequireVersion(const ApiRequest& req, int min_minor, std::string_view api) {
  if (req.version.AtLeast(min_minor)) return {};
  return Fail(Error::NotAcceptable("Version " + req.version.ToString() +
                                   " was requested but the requested API " + std::string(api) +
                                   " is not supported for this version. It needs at least 1." +
                                   std::to_string(min_minor) + "."));
}

// ---- Look-ups ------------------------------------------------------------------------

Result<db::Filter> ClusterOps::Visible(const ApiRequest& req,
                                       std::string_view all_projects_rule) const {
  db::Filter f;
  if (req.ctx.is_admin && !all_projects_rule.empty()) {
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, all_projects_rule));
    return f;
  }
  if (!req.ctx.project_id.empty()) {
    f.Where(Condition::Eq("project_id", req.ctx.project_id));
  } else {
    f.Where(Condition::Eq("user_id", req.ctx.user_id));
  }
  return f;
}

Result<Cluster> ClusterOps::Find(const ApiRequest& req, const std::string& ident,
                                 std::string_view all_projects_rule) const {
  MAGNUM_ASSIGN_OR_RETURN(db::Filter visible, Visible(req, all_projects_rule));
  return LookupByIdent<Cluster>(*s_.db, ident, visible, "Cluster", "clusters", "cluster");
}

Result<Cluster> ClusterOps::Reload(const std::string& uuid) const {
  MAGNUM_ASSIGN_OR_RETURN(
      auto c, objects::GetOne<Cluster>(*s_.db, db::Filter().Where(Condition::Eq("uuid", uuid))));
  if (!c) return Fail(Error::NotFound("Cluster " + uuid + " could not be found."));
  return std::move(*c);
}

Result<std::vector<NodeGroup>> ClusterOps::NodeGroups(const std::string& cluster_uuid) const {
  db::ListQuery q;
  q.filter.Where(Condition::Eq("cluster_id", cluster_uuid));
  return objects::List<NodeGroup>(*s_.db, q);
}

Result<std::vector<NodeGroup>> ClusterOps::NodeGroupsOf(
    const std::vector<Cluster>& clusters) const {
  if (clusters.empty()) return std::vector<NodeGroup>();
  std::vector<db::Value> uuids;
  for (const auto& c : clusters) uuids.emplace_back(c.uuid);
  db::ListQuery q;
  q.filter.Where(Condition::In("cluster_id", std::move(uuids)));
  // What a list renders of them (WriteCluster: totals, addresses, faults), not every column.
  q.columns = {"id",         "cluster_id", "name",   "role",
               "node_count", "node_addresses", "status", "status_reason"};
  return objects::List<NodeGroup>(*s_.db, q);
}

Result<ClusterTemplate> ClusterOps::FindTemplate(const ApiRequest& req, const std::string& ident,
                                                 bool allow_int_id) const {
  db::Filter visible;
  if (!req.ctx.is_admin) {
    // Own project ∪ public (hidden public templates are found, then refused with 403).
    visible.WhereAny(
        {Condition::Eq("project_id", req.ctx.project_id), Condition::Eq("public", true)});
  }
  if (allow_int_id && AllDigits(ident)) {
    int64_t id = 0;
    std::from_chars(ident.data(), ident.data() + ident.size(), id);
    db::Filter f = visible;
    f.Where(Condition::Eq("id", id));
    MAGNUM_ASSIGN_OR_RETURN(auto t, objects::GetOne<ClusterTemplate>(*s_.db, f));
    if (!t) return Fail(Error::NotFound("ClusterTemplate " + ident + " could not be found."));
    return std::move(*t);
  }
  return LookupByIdent<ClusterTemplate>(*s_.db, ident, visible, "ClusterTemplate",
                                        "ClusterTemplates", "ClusterTemplate");
}

Result<std::map<std::string, objects::StringMap>> ClusterOps::TemplateLabels(
    const std::vector<std::string>& uuids) const {
  std::map<std::string, objects::StringMap> out;
  std::vector<db::Value> wanted;
  for (const auto& u : uuids) {
    if (out.emplace(u, objects::StringMap{}).second) wanted.emplace_back(u);
  }
  if (wanted.empty()) return out;
  db::ListQuery q;
  q.filter.Where(Condition::In("uuid", std::move(wanted)));
  q.columns = {"uuid", "labels"};  // the rest of a template is not rendered here
  MAGNUM_ASSIGN_OR_RETURN(auto templates, objects::List<ClusterTemplate>(*s_.db, q));
  for (auto& t : templates) {
    if (t.labels) out[t.uuid] = std::move(*t.labels);
  }
  return out;
}

// ---- Rendering -----------------------------------------------------------------------

namespace {

ClusterRenderOptions OptionsFor(const ApiRequest& req, bool detail, bool with_faults) {
  ClusterRenderOptions o;
  o.detail = detail;
  o.minor_version = req.version.minor;
  o.base_url = req.base_url;
  o.with_faults = with_faults;
  return o;
}

}  // namespace

Result<std::string> ClusterOps::RenderText(const ApiRequest& req, const Cluster& cluster,
                                           bool detail, bool with_faults) const {
  MAGNUM_ASSIGN_OR_RETURN(auto ngs, NodeGroups(cluster.uuid));
  ClusterRenderOptions o = OptionsFor(req, detail, with_faults);
  std::map<std::string, objects::StringMap> labels;
  if (detail) {
    const std::string t = cluster.cluster_template_id.value_or("");
    MAGNUM_ASSIGN_OR_RETURN(labels, TemplateLabels({t}));
    o.template_label_map = &labels[t];
  }
  std::string text;
  JsonWriter w(&text);
  NodeGroupRefs refs;
  for (const auto& ng : ngs) refs.push_back(&ng);
  WriteCluster(w, cluster, refs, o);
  return text;
}

Result<Json> ClusterOps::Render(const ApiRequest& req, const Cluster& cluster, bool detail,
                                bool with_faults) const {
  MAGNUM_ASSIGN_OR_RETURN(std::string text, RenderText(req, cluster, detail, with_faults));
  return Json::parse(text);
}

void ClusterOps::WritePage(JsonWriter& w, const ApiRequest& req, const ClusterPage& page) const {
  static const NodeGroupRefs kNone;
  static const objects::StringMap kNoLabels;
  ClusterRenderOptions o = OptionsFor(req, page.detail, false);
  for (const auto& c : page.clusters) {
    if (page.detail) {
      auto t = page.template_labels.find(c.cluster_template_id.value_or(""));
      o.template_label_map = t == page.template_labels.end() ? &kNoLabels : &t->second;
    }
    auto it = page.by_cluster.find(c.uuid);
    WriteCluster(w, c, it == page.by_cluster.end() ? kNone : it->second, o);
  }
}

std::vector<Json> ClusterOps::RenderPage(const ApiRequest& req, const ClusterPage& page) const {
  std::string text;
  JsonWriter w(&text);
  w.BeginArray();
  WritePage(w, req, page);
  w.EndArray();
  return Json::parse(text).get<std::vector<Json>>();
}

Result<ClusterPage> ClusterOps::List(const ApiRequest& req, bool detail) const {
  MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {"limit", "marker", "sort_key", "sort_dir"}));
  MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, detail ? "cluster:detail" : "cluster:get_all"));
  MAGNUM_ASSIGN_OR_RETURN(
      db::Filter visible,
      Visible(req, detail ? "cluster:detail_all_projects" : "cluster:get_all_all_projects"));
  ClusterPage out;
  out.detail = detail;
  MAGNUM_ASSIGN_OR_RETURN(out.page,
                          ParsePage(req, *s_.db, db::kClusterTable, s_.config->api_max_limit,
                                    std::move(visible)));
  MAGNUM_ASSIGN_OR_RETURN(out.clusters, objects::List<Cluster>(*s_.db, out.page.query));
  MAGNUM_ASSIGN_OR_RETURN(out.nodegroups, NodeGroupsOf(out.clusters));
  for (const auto& ng : out.nodegroups) out.by_cluster[ng.cluster_id].push_back(&ng);
  if (detail) {
    std::vector<std::string> templates;
    for (const auto& c : out.clusters) templates.push_back(c.cluster_template_id.value_or(""));
    MAGNUM_ASSIGN_OR_RETURN(out.template_labels, TemplateLabels(templates));
  }
  return out;
}

Result<drivers::Driver*> ClusterOps::DriverFor(const Cluster& cluster) const {
  if (cluster.driver && !cluster.driver->empty()) return s_.drivers->Get(*cluster.driver);
  const std::string template_uuid = cluster.cluster_template_id.value_or("");
  MAGNUM_ASSIGN_OR_RETURN(
      auto t, objects::GetOne<ClusterTemplate>(
                  *s_.db, db::Filter().Where(Condition::Eq("uuid", template_uuid))));
  if (!t) {
    return Fail(
        Error::InvalidArgument("ClusterTemplate " + template_uuid + " could not be found."));
  }
  return s_.drivers->ForTemplate(t->driver.value_or(""), t->server_type.value_or("vm"),
                                 t->cluster_distro.value_or(""), t->coe.value_or(""));
}

Result<void> ClusterOps::CheckState(conductor::ClusterOperation op, const Cluster& cluster,
                                    std::optional<std::string_view> nodegroup_status) const {
  return conductor::CheckClusterState(*s_.db, op, cluster, nodegroup_status);
}

// ---- Checks --------------------------------------------------------------------------

Result<void> ClusterOps::CheckFlavor(const ApiRequest& req, const std::string& flavor,
                                     const Json& labels) const {
  MAGNUM_ASSIGN_OR_RETURN(clients::FlavorInfo info, s_.cloud->FindFlavor(req.ctx, flavor));
  int64_t boot_volume_size = 0;
  if (labels.is_object() && labels.contains("boot_volume_size")) {
    std::string s = StringOr(labels["boot_volume_size"], labels["boot_volume_size"].dump());
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), boot_volume_size);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
      return Fail(
          Error::InvalidArgument("Label boot_volume_size must be an integer, got '" + s + "'."));
    }
  }
  if (boot_volume_size == 0 && info.disk_gb && *info.disk_gb == 0) {
    return Fail(Error::InvalidArgument(
        "Flavor with zero root volume size is not supported when boot_volume_size is zero."));
  }
  return {};
}

Result<int64_t> ClusterOps::ClusterLimit(db::Database& db, const std::string& project_id) const {
  MAGNUM_ASSIGN_OR_RETURN(
      auto quota, objects::GetOne<objects::Quota>(
                      db, db::Filter()
                              .Where(Condition::Eq("project_id", project_id))
                              .Where(Condition::Eq("resource", std::string("Cluster")))));
  if (quota) return quota->hard_limit.value_or(0);
  return static_cast<int64_t>(s_.config->max_clusters_per_project);
}

// ---- Create ----------------------------------------------------------------------------

Result<std::string> ClusterOps::Create(const ApiRequest& req, Json doc, bool legacy) const {
  const std::string template_ident = doc["cluster_template_id"].get<std::string>();
  auto found = FindTemplate(req, template_ident, true);
  if (!found) {
    // ClusterTemplateNotFound is a 400 on create up to 1.9 (and always for bays).
    if (found.error().Is(ErrorCode::kNotFound) && (legacy || !req.version.AtLeast(10))) {
      return Fail(Error::InvalidArgument(found.error().message()));
    }
    return Fail(found.error());
  }
  const ClusterTemplate& cluster_template = *found;
  Json tmpl = RenderBoundFields(ClusterTemplateFields(), cluster_template);

  // 1. A driver builds clusters of this template.
  MAGNUM_ASSIGN_OR_RETURN(
      drivers::Driver * driver,
      s_.drivers->ForTemplate(StringOr(tmpl["driver"]), StringOr(tmpl["server_type"], "vm"),
                              StringOr(tmpl["cluster_distro"]), StringOr(tmpl["coe"])));
  // 2. devicemapper needs a docker volume of at least 3 GB.
  if (tmpl["docker_storage_driver"] == "devicemapper") {
    Json size = doc["docker_volume_size"].is_null() ? tmpl["docker_volume_size"]
                                                    : doc["docker_volume_size"];
    if (!size.is_number_integer() || size.get<int64_t>() < 3) {
      return Fail(Error::InvalidArgument(
          "docker volume size " + (size.is_null() ? std::string("None") : size.dump()) +
          " GB is not valid, expecting minimum value 3GB for devicemapper storage driver."));
    }
  }
  // 3. Master count the driver accepts (base: odd).
  const int64_t master_count = doc["master_count"].get<int64_t>();
  const int64_t node_count = doc["node_count"].get<int64_t>();
  MAGNUM_RETURN_IF_ERROR(driver->ValidateMasterSize(master_count));
  if (node_count == 0 && !req.version.AtLeast(10)) {
    return Fail(Error::InvalidArgument(
        "Resizing a nodegroup to zero is not supported in the provided microversion."));
  }
  // 4. Policy and quota.
  MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "cluster:create"));
  const std::string project = req.ctx.project_id;
  MAGNUM_ASSIGN_OR_RETURN(int64_t limit, ClusterLimit(*s_.db, project));
  MAGNUM_ASSIGN_OR_RETURN(
      int64_t used,
      s_.db->Count(db::kClusterTable, db::Filter().Where(Condition::Eq("project_id", project))));
  if (used >= limit) return Fail(QuotaExceeded(limit));
  // 5. Hidden templates are for admins only.
  if (cluster_template.hidden.value_or(false) && !req.ctx.is_admin) {
    return Fail(Error::PermissionDenied("Not authorized."));
  }
  // 6. Defaults from the template.
  doc = ApplyTemplateDefaults(doc, tmpl);
  // 7. Cloud resources: flavors (+ root disk), image, networks, keypair; master LB.
  for (const char* k : {"master_flavor_id", "flavor_id"}) {
    if (doc[k].is_string()) {
      MAGNUM_RETURN_IF_ERROR(CheckFlavor(req, doc[k].get<std::string>(), doc["labels"]));
    }
  }
  MAGNUM_RETURN_IF_ERROR(s_.cloud->FindImage(req.ctx, StringOr(tmpl["image_id"])));
  if (tmpl["external_network_id"].is_string()) {
    MAGNUM_RETURN_IF_ERROR(
        s_.cloud->CheckExternalNetwork(req.ctx, tmpl["external_network_id"].get<std::string>()));
  }
  if (doc["fixed_network"].is_string()) {
    MAGNUM_RETURN_IF_ERROR(
        s_.cloud->CheckFixedNetwork(req.ctx, doc["fixed_network"].get<std::string>()));
  }
  if (doc["fixed_subnet"].is_string()) {
    MAGNUM_RETURN_IF_ERROR(
        s_.cloud->CheckFixedSubnet(req.ctx, doc["fixed_subnet"].get<std::string>()));
  }
  if (doc["keypair"].is_string()) {
    MAGNUM_RETURN_IF_ERROR(s_.cloud->CheckKeypair(req.ctx, doc["keypair"].get<std::string>()));
  }
  if (master_count > 1 && doc["master_lb_enabled"] != true) {
    return Fail(Error::InvalidArgument("master_count must be 1 when master_lb_enabled is False"));
  }
  MAGNUM_ASSIGN_OR_RETURN(int64_t min_node_count,
                          MinNodeCountFromLabels(doc["labels"], node_count));
  MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, RequireConductor(s_));

  // The rows: the cluster and its default nodegroups, in one transaction.
  const std::string uuid = GenerateUuid();
  const std::string now = NowDb(s_);
  if (!doc["name"].is_string()) doc["name"] = GenerateName("cluster");
  doc["uuid"] = uuid;
  doc["cluster_template_id"] = cluster_template.uuid;
  Cluster cluster;
  ApplyFields(ClusterFields(), doc, &cluster);
  cluster.project_id = project;
  cluster.user_id = req.ctx.user_id;
  cluster.status = ClusterStatus::kCreateInProgress;
  cluster.status_reason.reset();
  cluster.driver = std::string(driver->name());
  cluster.created_at = now;
  cluster.updated_at.reset();
  const NodeGroup master =
      objects::DefaultNodeGroup(cluster, "default-master", "master", master_count, 0,
                                TextOf(doc["master_flavor_id"]), cluster_template.image_id);
  const NodeGroup worker =
      objects::DefaultNodeGroup(cluster, "default-worker", "worker", node_count, min_node_count,
                                TextOf(doc["flavor_id"]), cluster_template.image_id);
  MAGNUM_RETURN_IF_ERROR(s_.db->Transaction([&](db::Database& tx) -> Result<void> {
    MAGNUM_ASSIGN_OR_RETURN(int64_t tx_limit, ClusterLimit(tx, project));
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t tx_used,
        tx.Count(db::kClusterTable, db::Filter().Where(Condition::Eq("project_id", project))));
    if (tx_used >= tx_limit) return Fail(QuotaExceeded(tx_limit));
    return objects::InsertClusterRows(tx, cluster, master, worker);
  }));

  auto started = conductor->ClusterCreate(CallerOf(req), uuid);
  if (!started) {
    // The rows exist: leave a visible, deletable record of why nothing happens.
    objects::MarkCreateNotStarted(*s_.db, cluster, started.error().message(), NowDb(s_));
    return Fail(started.error());
  }
  return uuid;
}

// ---- Update ----------------------------------------------------------------------------

Result<void> ClusterOps::Update(const ApiRequest& req, const Cluster& cluster,
                                const ClusterUpdate& update) const {
  const std::string& uuid = cluster.uuid;
  if (update.node_count && *update.node_count == 0 && !req.version.AtLeast(10)) {
    return Fail(Error::InvalidArgument(
        "Resizing a nodegroup to zero is not supported in the provided microversion."));
  }
  if (update.labels && update.node_count) {
    return Fail(Error::InvalidArgument(
        "The autoscaling labels cannot be changed in the same request as node_count."));
  }
  const bool labels_only = update.labels && !update.health_changed;
  const bool settled = cluster.status && !objects::IsInProgress(*cluster.status);
  if (!labels_only || !settled) {
    // An autoscaling label change alone is metadata: any settled status will do. Anything
    // else (and any change while an operation runs) goes by the state table.
    MAGNUM_RETURN_IF_ERROR(CheckState(conductor::ClusterOperation::kUpdate, cluster));
  }
  MAGNUM_ASSIGN_OR_RETURN(auto ngs, NodeGroups(uuid));
  const NodeGroup* worker = DefaultWorker(ngs);
  const bool resize = update.node_count && (worker == nullptr ||
                                            worker->node_count.value_or(0) != *update.node_count);
  conductor::ConductorApi* conductor = nullptr;
  if (resize) {
    MAGNUM_ASSIGN_OR_RETURN(conductor, RequireConductor(s_));
  }
  // Root-disk checks on the current flavors.
  const Json labels = cluster.labels ? Json(*cluster.labels) : Json::object();
  for (const auto* f : {&cluster.master_flavor_id, &cluster.flavor_id}) {
    if (*f) MAGNUM_RETURN_IF_ERROR(CheckFlavor(req, **f, labels));
  }
  if (update.health_changed || update.labels) {
    Cluster after = cluster;
    if (update.health_changed) {
      binding::Assign(after.health_status, update.health_status);
      binding::Assign(after.health_status_reason, update.health_status_reason);
    }
    if (update.labels) after.labels = *update.labels;
    after.updated_at = NowDb(s_);
    // Compare-and-set on the status we checked, so a concurrent operation wins cleanly.
    db::Filter cas = db::Filter().Where(Condition::Eq("id", cluster.id));
    cas.Where(cluster.status ? Condition::Eq("status", std::string(objects::Name(*cluster.status)))
                             : Condition::Null("status"));
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t n,
        s_.db->Update(db::kClusterTable, cas, objects::ChangedColumns(cluster, after)));
    if (n == 0) {
      MAGNUM_ASSIGN_OR_RETURN(Cluster now, Reload(uuid));
      if (!labels_only || (now.status && objects::IsInProgress(*now.status))) {
        MAGNUM_RETURN_IF_ERROR(CheckState(conductor::ClusterOperation::kUpdate, now));
      }
      return Fail(Error::Conflict("Cluster " + uuid +
                                  " changed while the request was processed; try again."));
    }
  }
  if (resize) {
    MAGNUM_RETURN_IF_ERROR(
        conductor->ClusterUpdate(CallerOf(req), uuid, *update.node_count, update.rollback));
  }
  return {};
}

// ---- Delete ----------------------------------------------------------------------------

Result<void> ClusterOps::Delete(const ApiRequest& req, const Cluster& cluster) const {
  MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, RequireConductor(s_));
  if (cluster.status == ClusterStatus::kDeleteInProgress) {
    return Fail(Error::Conflict("Cluster " + cluster.uuid + " is already being deleted."));
  }
  return conductor->ClusterDelete(CallerOf(req), cluster.uuid);
}

}  // namespace magnum::api
