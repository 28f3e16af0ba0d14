#include "magnum/api/cluster_ops.h"

#include "magnum/conductor/state_table.h"

#include <charconv>
#include <set>

#include "magnum/api/cluster_fields.h"
#include "magnum/api/cluster_template_fields.h"
#include "magnum/api/policy.h"
#include "magnum/clients/cloud_resources.h"
#include "magnum/common/uuid.h"
#include "magnum/config/config.h"
#include "magnum/db/schema.h"
#include "magnum/drivers/registry.h"

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

// The default worker nodegroup among a cluster's nodegroups, or nullptr.
const db::Row* DefaultWorker(const std::vector<db::Row>& ngs) {
  for (const auto& ng : ngs) {
    if (ng.GetBool("is_default") && ng.GetString("role") != "master") return &ng;
  }
  return nullptr;
}

db::Row NodeGroupRow(const std::string& cluster_uuid, const std::string& project_id,
                     const Json& cluster, const std::string& name, const std::string& role,
                     int64_t node_count, int64_t min_node_count, const Json& flavor,
                     const Json& image, const std::string& now) {
  db::Row r;
  r.Set("uuid", GenerateUuid());
  r.Set("name", name);
  r.Set("cluster_id", cluster_uuid);
  r.Set("project_id", project_id);
  if (cluster["docker_volume_size"].is_number_integer()) {
    r.Set("docker_volume_size", cluster["docker_volume_size"].get<int64_t>());
  } else {
    r.SetNull("docker_volume_size");
  }
  r.Set("labels", cluster["labels"].is_object() ? cluster["labels"].dump() : std::string("{}"));
  if (flavor.is_string())
    r.Set("flavor_id", flavor.get<std::string>());
  else
    r.SetNull("flavor_id");
  if (image.is_string())
    r.Set("image_id", image.get<std::string>());
  else
    r.SetNull("image_id");
  r.Set("node_addresses", std::string("[]"));
  r.Set("node_count", node_count);
  r.SetNull("max_node_count");
  r.Set("min_node_count", min_node_count);
  r.Set("role", role);
  r.Set("is_default", true);
  r.SetNull("stack_id");
  r.Set("status", std::string("CREATE_IN_PROGRESS"));
  r.SetNull("status_reason");
  r.SetNull("version");
  r.SetNull("node_labels");
  r.SetNull("node_taints");
  r.Set("created_at", now);
  r.SetNull("updated_at");
  return r;
}

}  // namespace

conductor::Caller CallerOf(const ApiRequest& req) {
  conductor::Caller c;
  c.request_id = req.ctx.request_id;
  c.project_id = req.ctx.project_id;
  c.user_id = req.ctx.user_id;
  c.is_admin = req.ctx.is_admin;
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
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req.ctx, all_projects_rule));
    return f;
  }
  if (!req.ctx.project_id.empty()) {
    f.Where(Condition::Eq("project_id", req.ctx.project_id));
  } else {
    f.Where(Condition::Eq("user_id", req.ctx.user_id));
  }
  return f;
}

Result<db::Row> ClusterOps::Find(const ApiRequest& req, const std::string& ident,
                                 std::string_view all_projects_rule) const {
  MAGNUM_ASSIGN_OR_RETURN(db::Filter visible, Visible(req, all_projects_rule));
  return LookupByIdent(*s_.db, db::kClusterTable, ident, visible, "Cluster", "clusters", "cluster");
}

Result<db::Row> ClusterOps::Reload(const std::string& uuid) const {
  MAGNUM_ASSIGN_OR_RETURN(
      auto row, s_.db->GetOne(db::kClusterTable, db::Filter().Where(Condition::Eq("uuid", uuid))));
  if (!row) return Fail(Error::NotFound("Cluster " + uuid + " could not be found."));
  return *row;
}

Result<std::vector<db::Row>> ClusterOps::NodeGroups(const std::string& cluster_uuid) const {
  db::ListQuery q;
  q.filter.Where(Condition::Eq("cluster_id", cluster_uuid));
  return s_.db->List(db::kNodeGroupTable, q);
}

Result<std::map<std::string, std::vector<db::Row>>> ClusterOps::NodeGroupsOf(
    const std::vector<db::Row>& clusters) const {
  std::map<std::string, std::vector<db::Row>> out;
  if (clusters.empty()) return out;
  std::vector<db::Value> uuids;
  for (const auto& c : clusters) uuids.emplace_back(c.GetString("uuid"));
  db::ListQuery q;
  q.filter.Where(Condition::In("cluster_id", std::move(uuids)));
  MAGNUM_ASSIGN_OR_RETURN(auto rows, s_.db->List(db::kNodeGroupTable, q));
  for (auto& r : rows) out[r.GetString("cluster_id")].push_back(std::move(r));
  return out;
}

Result<db::Row> ClusterOps::FindTemplate(const ApiRequest& req, const std::string& ident,
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
    MAGNUM_ASSIGN_OR_RETURN(auto row, s_.db->GetOne(db::kClusterTemplateTable, f));
    if (!row) return Fail(Error::NotFound("ClusterTemplate " + ident + " could not be found."));
    return *row;
  }
  return LookupByIdent(*s_.db, db::kClusterTemplateTable, ident, visible, "ClusterTemplate",
                       "ClusterTemplates", "ClusterTemplate");
}

Json ClusterOps::TemplateLabels(const std::string& uuid) const {
  auto row =
      s_.db->GetOne(db::kClusterTemplateTable, db::Filter().Where(Condition::Eq("uuid", uuid)));
  if (!row || !*row) return Json::object();
  Json labels = Json::parse((*row)->GetString("labels", "{}"), nullptr, false);
  return labels.is_object() ? labels : Json::object();
}

// ---- Rendering -----------------------------------------------------------------------

Result<Json> ClusterOps::Render(const ApiRequest& req, const db::Row& cluster, bool detail,
                                bool with_faults) const {
  MAGNUM_ASSIGN_OR_RETURN(auto ngs, NodeGroups(cluster.GetString("uuid")));
  ClusterRenderOptions o;
  o.detail = detail;
  o.minor_version = req.version.minor;
  o.base_url = req.base_url;
  o.with_faults = with_faults;
  Json labels;
  if (detail) {
    labels = TemplateLabels(cluster.GetString("cluster_template_id"));
    o.template_labels = &labels;
  }
  return RenderCluster(cluster, ngs, o);
}

Result<std::vector<Json>> ClusterOps::RenderMany(const ApiRequest& req,
                                                 const std::vector<db::Row>& rows,
                                                 bool detail) const {
  MAGNUM_ASSIGN_OR_RETURN(auto ngs, NodeGroupsOf(rows));
  std::map<std::string, Json> template_labels;
  std::vector<Json> out;
  static const std::vector<db::Row> kNone;
  for (const auto& r : rows) {
    ClusterRenderOptions o;
    o.detail = detail;
    o.minor_version = req.version.minor;
    o.base_url = req.base_url;
    if (detail) {
      const std::string t = r.GetString("cluster_template_id");
      auto it = template_labels.find(t);
      if (it == template_labels.end()) it = template_labels.emplace(t, TemplateLabels(t)).first;
      o.template_labels = &it->second;
    }
    auto it = ngs.find(r.GetString("uuid"));
    out.push_back(RenderCluster(r, it == ngs.end() ? kNone : it->second, o));
  }
  return out;
}

Result<ClusterPage> ClusterOps::List(const ApiRequest& req, bool detail) const {
  MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {"limit", "marker", "sort_key", "sort_dir"}));
  MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req.ctx, detail ? "cluster:detail" : "cluster:get_all"));
  MAGNUM_ASSIGN_OR_RETURN(
      db::Filter visible,
      Visible(req, detail ? "cluster:detail_all_projects" : "cluster:get_all_all_projects"));
  ClusterPage out;
  MAGNUM_ASSIGN_OR_RETURN(out.page,
                          ParsePage(req, *s_.db, db::kClusterTable, s_.config->api_max_limit,
                                    std::move(visible)));
  MAGNUM_ASSIGN_OR_RETURN(out.rows, s_.db->List(db::kClusterTable, out.page.query));
  MAGNUM_ASSIGN_OR_RETURN(out.items, RenderMany(req, out.rows, detail));
  return out;
}

Result<drivers::Driver*> ClusterOps::DriverFor(const db::Row& cluster) const {
  if (auto name = cluster.GetOptionalString("driver"); name && !name->empty()) {
    return s_.drivers->Get(*name);
  }
  MAGNUM_ASSIGN_OR_RETURN(
      auto t, s_.db->GetOne(db::kClusterTemplateTable,
                            db::Filter().Where(
                                Condition::Eq("uuid", cluster.GetString("cluster_template_id")))));
  if (!t) {
    return Fail(Error::InvalidArgument(
        "ClusterTemplate " + cluster.GetString("cluster_template_id") + " could not be found."));
  }
  return s_.drivers->ForTemplate(t->GetString("driver"), t->GetString("server_type", "vm"),
                                 t->GetString("cluster_distro"), t->GetString("coe"));
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
      auto quota,
      db.GetOne(db::kQuotaTable, db::Filter()
                                     .Where(Condition::Eq("project_id", project_id))
                                     .Where(Condition::Eq("resource", std::string("Cluster")))));
  if (quota) return quota->GetInt("hard_limit");
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
  const db::Row& template_row = *found;
  Json tmpl = FromRow(ClusterTemplateFields(), template_row);

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
  MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req.ctx, "cluster:create"));
  const std::string project = req.ctx.project_id;
  MAGNUM_ASSIGN_OR_RETURN(int64_t limit, ClusterLimit(*s_.db, project));
  MAGNUM_ASSIGN_OR_RETURN(
      int64_t used,
      s_.db->Count(db::kClusterTable, db::Filter().Where(Condition::Eq("project_id", project))));
  if (used >= limit) return Fail(QuotaExceeded(limit));
  // 5. Hidden templates are for admins only.
  if (template_row.GetBool("hidden") && !req.ctx.is_admin) {
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
  doc["cluster_template_id"] = template_row.GetString("uuid");
  db::Row row = ToRow(ClusterFields(), doc);
  row.Set("project_id", project);
  row.Set("user_id", req.ctx.user_id);
  row.Set("status", std::string("CREATE_IN_PROGRESS"));
  row.SetNull("status_reason");
  row.Set("driver", std::string(driver->name()));
  row.Set("created_at", now);
  row.SetNull("updated_at");
  db::Row master = NodeGroupRow(uuid, project, doc, "default-master", "master", master_count, 0,
                                doc["master_flavor_id"], tmpl["image_id"], now);
  db::Row worker = NodeGroupRow(uuid, project, doc, "default-worker", "worker", node_count,
                                min_node_count, doc["flavor_id"], tmpl["image_id"], now);
  MAGNUM_RETURN_IF_ERROR(s_.db->Transaction([&](db::Database& tx) -> Result<void> {
    MAGNUM_ASSIGN_OR_RETURN(int64_t tx_limit, ClusterLimit(tx, project));
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t tx_used,
        tx.Count(db::kClusterTable, db::Filter().Where(Condition::Eq("project_id", project))));
    if (tx_used >= tx_limit) return Fail(QuotaExceeded(tx_limit));
    MAGNUM_RETURN_IF_ERROR(tx.Insert(db::kClusterTable, row));
    MAGNUM_RETURN_IF_ERROR(tx.Insert(db::kNodeGroupTable, master));
    MAGNUM_RETURN_IF_ERROR(tx.Insert(db::kNodeGroupTable, worker));
    return {};
  }));

  auto started = conductor->ClusterCreate(CallerOf(req), uuid);
  if (!started) {
    // The rows exist: leave a visible, deletable record of why nothing happens.
    const std::string reason = "Cluster create could not be started: " + started.error().message();
    db::Row failed;
    failed.Set("status", std::string("CREATE_FAILED"));
    failed.Set("status_reason", reason);
    failed.Set("updated_at", NowDb(s_));
    (void)s_.db->Update(db::kClusterTable,
                        db::Filter()
                            .Where(Condition::Eq("uuid", uuid))
                            .Where(Condition::Eq("status", std::string("CREATE_IN_PROGRESS"))),
                        failed);
    (void)s_.db->Update(db::kNodeGroupTable,
                        db::Filter()
                            .Where(Condition::Eq("cluster_id", uuid))
                            .Where(Condition::Eq("status", std::string("CREATE_IN_PROGRESS"))),
                        failed);
    return Fail(started.error());
  }
  return uuid;
}

// ---- Update ----------------------------------------------------------------------------

Result<void> ClusterOps::Update(const ApiRequest& req, const db::Row& cluster,
                                const ClusterUpdate& update) const {
  const std::string uuid = cluster.GetString("uuid");
  const std::string status = cluster.GetString("status");
  if (update.node_count && *update.node_count == 0 && !req.version.AtLeast(10)) {
    return Fail(Error::InvalidArgument(
        "Resizing a nodegroup to zero is not supported in the provided microversion."));
  }
  MAGNUM_RETURN_IF_ERROR(conductor::CheckClusterState(*s_.db, conductor::ClusterOperation::kUpdate, cluster));
  MAGNUM_ASSIGN_OR_RETURN(auto ngs, NodeGroups(uuid));
  const db::Row* worker = DefaultWorker(ngs);
  const bool resize = update.node_count &&
                      (worker == nullptr || worker->GetInt("node_count") != *update.node_count);
  conductor::ConductorApi* conductor = nullptr;
  if (resize) {
    MAGNUM_ASSIGN_OR_RETURN(conductor, RequireConductor(s_));
  }
  // Root-disk checks on the current flavors.
  Json labels = Json::parse(cluster.GetString("labels", "{}"), nullptr, false);
  for (const char* k : {"master_flavor_id", "flavor_id"}) {
    if (auto f = cluster.GetOptionalString(k)) MAGNUM_RETURN_IF_ERROR(CheckFlavor(req, *f, labels));
  }
  if (update.health_changed) {
    db::Row changes;
    if (update.health_status.is_string()) {
      changes.Set("health_status", update.health_status.get<std::string>());
    } else {
      changes.SetNull("health_status");
    }
    if (update.health_status_reason.is_object()) {
      changes.Set("health_status_reason", update.health_status_reason.dump());
    } else {
      changes.SetNull("health_status_reason");
    }
    changes.Set("updated_at", NowDb(s_));
    // Compare-and-set on the status we checked, so a concurrent operation wins cleanly.
    MAGNUM_ASSIGN_OR_RETURN(int64_t n,
                            s_.db->Update(db::kClusterTable,
                                          db::Filter()
                                              .Where(Condition::Eq("id", cluster.GetInt("id")))
                                              .Where(Condition::Eq("status", status)),
                                          changes));
    if (n == 0) {
      MAGNUM_ASSIGN_OR_RETURN(db::Row now, Reload(uuid));
      MAGNUM_RETURN_IF_ERROR(conductor::CheckClusterState(*s_.db, conductor::ClusterOperation::kUpdate, now));
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

Result<void> ClusterOps::Delete(const ApiRequest& req, const db::Row& cluster) const {
  MAGNUM_ASSIGN_OR_RETURN(conductor::ConductorApi * conductor, RequireConductor(s_));
  const std::string uuid = cluster.GetString("uuid");
  if (cluster.GetString("status") == "DELETE_IN_PROGRESS") {
    return Fail(Error::Conflict("Cluster " + uuid + " is already being deleted."));
  }
  return conductor->ClusterDelete(CallerOf(req), uuid);
}

}  // namespace magnum::api
