// /v1/clustertemplates (§2.1).
#include <algorithm>
#include <atomic>
#include <charconv>
#include <cstdlib>
#include <sstream>
#include <string_view>

#include <arpa/inet.h>

#include "magnum/api/cluster_template_fields.h"
#include "magnum/api/controller.h"
#include "magnum/api/fields.h"
#include "magnum/api/pagination.h"
#include "magnum/api/patch.h"
#include "magnum/api/policy.h"
#include "magnum/clients/cloud_resources.h"
#include "magnum/common/uuid.h"
#include "magnum/config/config.h"
#include "magnum/db/schema.h"
#include "magnum/drivers/registry.h"

namespace magnum::api {

namespace {

using objects::ClusterTemplate;

// The template's view when rendering: the object, the base URL and the collection path.
struct TemplateView {
  const ClusterTemplate* t;
  const std::string* base_url;
  const std::string* path;
};

const void* TemplateOf(const TemplateView& v) { return v.t; }

RenderPlan<TemplateView> TemplatePlan(const FieldList& fields) {
  RenderPlan<TemplateView> plan;
  AddBoundFields(plan, fields, &TemplateOf);
  plan.Add("links", [](const TemplateView& v, JsonWriter& w) {
    WriteLinks(w, *v.base_url, {*v.path, "/", v.t->uuid});
  });
  return std::move(plan.Done());
}

}  // namespace

const FieldList& ClusterTemplateFields() {
  static const FieldList fields = [] {
    auto str = [](std::string name, auto member, int64_t min = 1, int64_t max = 255) {
      return Bound(FieldSpec{std::move(name), FieldType::kString, kNone, min, max}, member);
    };
    auto boolean = [](std::string name, auto member, bool def) {
      FieldSpec f{std::move(name), FieldType::kBool};
      f.default_value = def;
      return Bound(std::move(f), member);
    };
    using T = ClusterTemplate;
    FieldList f;
    f.push_back(Bound(FieldSpec{"uuid", FieldType::kUuid}, &T::uuid));
    f.push_back(str("name", &T::name));
    FieldSpec coe{"coe", FieldType::kString, kMandatory, 1, 255,
                  {"kubernetes", "swarm", "swarm-mode", "mesos"}};
    f.push_back(Bound(coe, &T::coe));
    FieldSpec image = str("image_id", &T::image_id);
    image.flags = kMandatory;
    f.push_back(image);
    f.push_back(str("flavor_id", &T::flavor_id));
    f.push_back(str("master_flavor_id", &T::master_flavor_id));
    f.push_back(str("keypair_id", &T::keypair_id));
    f.push_back(str("dns_nameserver", &T::dns_nameserver));
    f.push_back(str("external_network_id", &T::external_network_id));
    f.push_back(str("fixed_network", &T::fixed_network));
    f.push_back(str("fixed_subnet", &T::fixed_subnet));
    f.push_back(str("network_driver", &T::network_driver));
    f.push_back(str("volume_driver", &T::volume_driver));
    f.push_back(Bound(FieldSpec{"apiserver_port", FieldType::kInt, kNone, 1024, 65535},
                      &T::apiserver_port));
    f.push_back(Bound(FieldSpec{"docker_volume_size", FieldType::kInt, kNone, 1, 2147483647},
                      &T::docker_volume_size));
    f.push_back(str("docker_storage_driver", &T::docker_storage_driver));
    f.push_back(str("cluster_distro", &T::cluster_distro));
    f.push_back(str("http_proxy", &T::http_proxy));
    f.push_back(str("https_proxy", &T::https_proxy));
    f.push_back(str("no_proxy", &T::no_proxy));
    f.push_back(str("insecure_registry", &T::insecure_registry));
    f.push_back(boolean("registry_enabled", &T::registry_enabled, false));
    f.push_back(boolean("tls_disabled", &T::tls_disabled, false));
    f.push_back(boolean("public", &T::is_public, false));
    f.push_back(boolean("master_lb_enabled", &T::master_lb_enabled, false));
    f.push_back(boolean("floating_ip_enabled", &T::floating_ip_enabled, true));
    f.push_back(boolean("hidden", &T::hidden, false));
    FieldSpec server_type{"server_type", FieldType::kString, kNone, 1, 255,
                          {"vm", "bm", "container"}};
    server_type.default_value = "vm";
    f.push_back(Bound(server_type, &T::server_type));
    FieldSpec labels{"labels", FieldType::kLabels};
    labels.default_value = Json::object();
    f.push_back(Bound(labels, &T::labels));
    f.push_back(str("tags", &T::tags, 0, 255));
    f.push_back(str("driver", &T::driver));
    f.push_back(Bound(FieldSpec{"project_id", FieldType::kString, kReadOnly}, &T::project_id));
    f.push_back(Bound(FieldSpec{"user_id", FieldType::kString, kReadOnly}, &T::user_id));
    f.push_back({"links", FieldType::kJson, kReadOnly | kNotStored});
    f.push_back(Bound(FieldSpec{"created_at", FieldType::kTimestamp, kReadOnly}, &T::created_at));
    f.push_back(Bound(FieldSpec{"updated_at", FieldType::kTimestamp, kReadOnly}, &T::updated_at));
    return f;
  }();
  return fields;
}

Json RenderClusterTemplate(const ClusterTemplate& t, const std::string& base_url) {
  static const RenderPlan<TemplateView> plan = TemplatePlan(ClusterTemplateFields());
  static const std::string path = "clustertemplates";
  std::string text;
  JsonWriter w(&text);
  plan.Write(TemplateView{&t, &base_url, &path}, w);
  return Json::parse(text);
}

db::Filter VisibleTemplates(const auth::RequestContext& ctx) {
  db::Filter f;
  if (ctx.is_admin) return f;  // admins: every project's templates (all-tenants)
  // project_id = P OR (public AND NOT hidden), in CNF.
  f.WhereAny({db::Condition::Eq("project_id", ctx.project_id), db::Condition::Eq("public", true)});
  f.WhereAny({db::Condition::Eq("project_id", ctx.project_id),
              db::Condition::Eq("hidden", false)});
  return f;
}

namespace {

using Strings = std::vector<std::string>;

std::string PyList(const Strings& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", '" : "'") + items[i] + "'";
  return out + "]";
}

struct CoeRules {
  Strings supported_network;
  Strings supported_volume;
};

CoeRules RulesFor(const std::string& coe) {
  if (coe == "kubernetes") return {{"flannel", "calico", "cilium"}, {"cinder"}};
  if (coe == "mesos") return {{"docker"}, {"rexray"}};
  return {{"docker", "flannel"}, {"cinder", "rexray"}};  // swarm, swarm-mode
}

const Strings& AllowedNetwork(const config::Config& c, const std::string& coe) {
  if (coe == "kubernetes") return c.kubernetes_allowed_network_drivers;
  if (coe == "mesos") return c.mesos_allowed_network_drivers;
  return c.swarm_allowed_network_drivers;
}

const std::string& DefaultNetwork(const config::Config& c, const std::string& coe) {
  if (coe == "kubernetes") return c.kubernetes_default_network_driver;
  if (coe == "mesos") return c.mesos_default_network_driver;
  return c.swarm_default_network_driver;
}

bool Contains(const Strings& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

Result<void> ValidateDns(const std::string& dns) {
  std::stringstream ss(dns);
  std::string item;
  bool any = false;
  while (std::getline(ss, item, ',')) {
    auto b = item.find_first_not_of(' ');
    auto e = item.find_last_not_of(' ');
    std::string ip = b == std::string::npos ? "" : item.substr(b, e - b + 1);
    in_addr addr{};
    if (ip.empty() || inet_pton(AF_INET, ip.c_str(), &addr) != 1) {
      return Fail(Error::InvalidArgument("Provided DNS nameserver " + ip +
                                         " is not a valid IPv4 address."));
    }
    any = true;
  }
  if (!any) return Fail(Error::InvalidArgument("Provided DNS nameserver is empty."));
  return {};
}

class ClusterTemplatesController final : public CollectionController {
 public:
  ClusterTemplatesController(const Services& s, TemplateCollection api)
      : s_(s), api_(std::move(api)), plan_(TemplatePlan(*api_.fields)) {
    // List() writes the next link after the items, where nlohmann's key order puts it.
    if (!(api_.path < std::string_view("next"))) std::abort();
  }

 private:
  void Write(const ClusterTemplate& t, const std::string& base_url, JsonWriter& w) const {
    plan_.Write(TemplateView{&t, &base_url, &api_.path}, w);
  }

  // The API object of a stored template in this collection's shape, with links.
  ApiResponse Render(const ClusterTemplate& t, const std::string& base_url,
                     int status = 200) const {
    std::string body;
    JsonWriter w(&body);
    Write(t, base_url, w);
    return ApiResponse::Raw(std::move(body), status);
  }

  ApiResult List(const ApiRequest& req, bool detail) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {"limit", "marker", "sort_key", "sort_dir"}));
    MAGNUM_RETURN_IF_ERROR(
        EnforcePolicy(req, detail ? "clustertemplate:detail" : "clustertemplate:get_all"));
    MAGNUM_ASSIGN_OR_RETURN(Page page, ParsePage(req, *s_.db, db::kClusterTemplateTable,
                                                 s_.config->api_max_limit,
                                                 VisibleTemplates(req.ctx)));
    // Each template is written as it is read (one object refilled row after row, so its
    // strings and labels keep their storage), into a body reserved at the last list's size.
    // The collection key sorts before "next" (the constructor checks), so the body is
    // WriteCollection's {"<path>":[...],"next":...}, with the next link, known only once the
    // rows are read, last.
    std::string body;
    body.reserve(std::min<size_t>(last_list_size_.load(std::memory_order_relaxed), kMaxReserve));
    JsonWriter w(&body);
    w.BeginObject().Key(api_.path).BeginArray();
    size_t count = 0;
    std::string last_uuid;
    MAGNUM_RETURN_IF_ERROR(objects::ForEach<ClusterTemplate>(
        *s_.db, page.query, [&](const ClusterTemplate& t) -> Result<void> {
          Write(t, req.base_url, w);
          ++count;
          last_uuid.assign(t.uuid);
          return {};
        }));
    w.EndArray();
    auto next = NextLink(req, detail ? api_.path + "/detail" : api_.path, page, count, last_uuid);
    if (next) w.Key("next").String(*next);
    w.EndObject();
    last_list_size_.store(body.size() + 64, std::memory_order_relaxed);
    return ApiResponse::Raw(std::move(body));
  }

  Result<ClusterTemplate> Lookup(const ApiRequest& req, const std::string& ident) {
    return LookupByIdent<ClusterTemplate>(*s_.db, ident, VisibleTemplates(req.ctx),
                                          "ClusterTemplate", "ClusterTemplates",
                                          "ClusterTemplate");
  }

  ApiResult Get(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(ClusterTemplate t, Lookup(req, ident));
    if (!t.is_public.value_or(false)) {
      MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "clustertemplate:get", TargetOf(t)));
    }
    return Render(t, req.base_url);
  }

  // Rules shared by create and update: drivers, devicemapper, DNS, image → driver.
  Result<void> ValidateDocument(const ApiRequest& req, Json* doc, bool image_changed) {
    const std::string coe = (*doc)["coe"].get<std::string>();
    CoeRules rules = RulesFor(coe);
    // Network driver: the configured default when unset, then supported and allowed.
    if ((*doc)["network_driver"].is_null()) (*doc)["network_driver"] = DefaultNetwork(*s_.config, coe);
    const std::string nd = (*doc)["network_driver"].get<std::string>();
    if (!Contains(rules.supported_network, nd)) {
      return Fail(Error::InvalidArgument("Network driver type " + nd +
                                         " is not supported, expecting a " +
                                         PyList(rules.supported_network) + " network driver."));
    }
    const Strings& allowed = AllowedNetwork(*s_.config, coe);
    if (!Contains(allowed, "all") && !Contains(allowed, nd)) {
      return Fail(Error::InvalidArgument("Network driver type " + nd +
                                         " is not allowed, expecting a " + PyList(allowed) +
                                         " network driver."));
    }
    if (!(*doc)["volume_driver"].is_null()) {
      const std::string vd = (*doc)["volume_driver"].get<std::string>();
      if (!Contains(rules.supported_volume, vd)) {
        return Fail(Error::InvalidArgument("Volume driver type " + vd +
                                           " is not supported, expecting a " +
                                           PyList(rules.supported_volume) + " volume driver."));
      }
    }
    if ((*doc)["docker_storage_driver"] == "devicemapper") {
      const Json& size = (*doc)["docker_volume_size"];
      if (size.is_null() || size.get<int64_t>() < 3) {
        // Upstream formats the Python value: an unset size reads "None".
        return Fail(Error::InvalidArgument(
            "docker volume size " + (size.is_null() ? std::string("None") : size.dump()) +
            " GB is not valid, expecting minimum value 3GB for devicemapper storage driver."));
      }
    }
    if (!(*doc)["dns_nameserver"].is_null()) {
      MAGNUM_RETURN_IF_ERROR(ValidateDns((*doc)["dns_nameserver"].get<std::string>()));
    }
    // Image → os_distro (cluster_distro) and the driver that builds this template.
    MAGNUM_ASSIGN_OR_RETURN(clients::ImageInfo image,
                            s_.cloud->FindImage(req.ctx, (*doc)["image_id"].get<std::string>()));
    if (image.os_distro.empty()) {
      return Fail(Error::InvalidArgument("Image " + (*doc)["image_id"].get<std::string>() +
                                         " doesn't contain os_distro field."));
    }
    if (image_changed || (*doc)["cluster_distro"].is_null()) (*doc)["cluster_distro"] = image.os_distro;
    const std::string server_type = (*doc)["server_type"].get<std::string>();
    std::string driver_name = (*doc)["driver"].is_null() ? "" : (*doc)["driver"].get<std::string>();
    if (driver_name.empty()) driver_name = image.magnum_driver;
    if (driver_name.empty()) driver_name = s_.config->default_driver;
    drivers::Driver* driver = nullptr;
    if (!driver_name.empty()) {
      MAGNUM_ASSIGN_OR_RETURN(driver, s_.drivers->Get(driver_name));
    } else {
      MAGNUM_ASSIGN_OR_RETURN(driver,
                              s_.drivers->FindByProvides(server_type, image.os_distro, coe));
    }
    bool provides = false;
    for (const auto& p : driver->provides()) {
      provides = provides || (p.server_type == server_type && p.os == image.os_distro &&
                              p.coe == coe);
    }
    if (!provides) {
      return Fail(Error::InvalidArgument("Cluster type (" + server_type + ", " + image.os_distro +
                                         ", " + coe + ") not supported by driver " +
                                         std::string(driver->name()) + "."));
    }
    (*doc)["driver"] = std::string(driver->name());
    return {};
  }

  Result<void> ValidateResources(const ApiRequest& req, const Json& doc,
                                 const std::set<std::string>& which) {
    auto given = [&](const char* k) { return which.count(k) && !doc[k].is_null(); };
    auto val = [&](const char* k) { return doc[k].get<std::string>(); };
    for (const char* k : {"flavor_id", "master_flavor_id"}) {
      if (!given(k)) continue;
      MAGNUM_ASSIGN_OR_RETURN(clients::FlavorInfo flavor, s_.cloud->FindFlavor(req.ctx, val(k)));
      // Root disk (known in keystone mode only): a flavor without one needs a boot volume.
      if (flavor.disk_gb && *flavor.disk_gb == 0) {
        const Json& labels = doc["labels"];
        const Json boot = labels.is_object() ? labels.value("boot_volume_size", Json("0"))
                                             : Json("0");
        std::string size = boot.is_string() ? boot.get<std::string>() : boot.dump();
        int64_t n = 0;
        auto parsed = std::from_chars(size.data(), size.data() + size.size(), n);
        if (size.empty() || parsed.ec != std::errc() || parsed.ptr != size.data() + size.size()) {
          return Fail(Error::InvalidArgument("Label boot_volume_size must be an integer, got '" +
                                             size + "'."));
        }
        if (n == 0) {
          return Fail(Error::InvalidArgument("Flavor with zero root volume size is not "
                                             "supported when boot_volume_size is zero."));
        }
      }
    }
    if (given("keypair_id")) MAGNUM_RETURN_IF_ERROR(s_.cloud->CheckKeypair(req.ctx, val("keypair_id")));
    if (given("external_network_id")) {
      MAGNUM_RETURN_IF_ERROR(s_.cloud->CheckExternalNetwork(req.ctx, val("external_network_id")));
    }
    if (given("fixed_network")) {
      MAGNUM_RETURN_IF_ERROR(s_.cloud->CheckFixedNetwork(req.ctx, val("fixed_network")));
    }
    if (given("fixed_subnet")) {
      MAGNUM_RETURN_IF_ERROR(s_.cloud->CheckFixedSubnet(req.ctx, val("fixed_subnet")));
    }
    return {};
  }

  ApiResult Create(const ApiRequest& req) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json body, RequestBody(req));
    MAGNUM_ASSIGN_OR_RETURN(Json doc, ValidateBody(*api_.fields, body, api_.body_arg, true));
    for (const auto& f : ClusterTemplateFields()) {
      if (!doc.contains(f.name) && !f.Has(kNotStored)) doc[f.name] = nullptr;
    }
    MAGNUM_RETURN_IF_ERROR(ValidateDocument(req, &doc, true));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "clustertemplate:create"));
    std::set<std::string> all;
    for (const auto& f : ClusterTemplateFields()) all.insert(f.name);
    MAGNUM_RETURN_IF_ERROR(ValidateResources(req, doc, all));
    if ((doc["public"] == true || doc["hidden"] == true) &&
        !PolicyAllows(req, "clustertemplate:publish")) {
      return Fail(Error::PermissionDenied(
          "Not authorized to set public or hidden flag for cluster template."));
    }
    if (doc["uuid"].is_null()) doc["uuid"] = GenerateUuid();
    if (doc["name"].is_null()) doc["name"] = GenerateName(api_.name_suffix);
    doc["project_id"] = req.ctx.project_id;
    doc["user_id"] = req.ctx.user_id;
    ClusterTemplate t;
    ApplyFields(ClusterTemplateFields(), doc, &t);
    t.project_id = req.ctx.project_id;
    t.user_id = req.ctx.user_id;
    t.created_at = NowDb(s_);
    t.updated_at.reset();
    auto inserted = objects::Insert(*s_.db, t);
    if (!inserted && inserted.error().Is(ErrorCode::kAlreadyExists)) {
      return Fail(
          Error::AlreadyExists("A ClusterTemplate with UUID " + t.uuid + " already exists."));
    }
    if (!inserted) return Fail(inserted.error());
    ApiResponse r = Render(*inserted, req.base_url, 201);
    r.headers["Location"] = req.base_url + "/v1/" + api_.path + "/" + inserted->uuid;
    return r;
  }

  Result<int64_t> CountReferences(db::Database& db, const std::string& uuid) {
    return db.Count(db::kClusterTable,
                    db::Filter().Where(db::Condition::Eq("cluster_template_id", uuid)));
  }

  ApiResult Patch(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(Json patch, RequestBody(req));
    // The write is a compare-and-set on the updated_at read: a PATCH that another request
    // (or API process) got in first starts over from the new row, so neither is lost.
    for (int attempt = 0; attempt < 5; ++attempt) {
      std::optional<ApiResponse> done;
      MAGNUM_RETURN_IF_ERROR(PatchOnce(req, ident, patch, &done));
      if (done) return std::move(*done);
    }
    return Fail(Error::Conflict("ClusterTemplate " + ident +
                                " is being updated concurrently; try again."));
  }

  // One read-modify-write of Patch; leaves `done` empty when the row changed meanwhile.
  Result<void> PatchOnce(const ApiRequest& req, const std::string& ident, const Json& patch,
                         std::optional<ApiResponse>* done) {
    MAGNUM_ASSIGN_OR_RETURN(ClusterTemplate row, Lookup(req, ident));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "clustertemplate:update", TargetOf(row)));
    Json before = RenderBoundFields(ClusterTemplateFields(), row);
    // The patch sees this collection's fields only; the rules below see the whole template.
    Json api_before = RenderBoundFields(*api_.fields, row);
    PatchRules rules;
    rules.internal_paths = CommonInternalPaths();
    rules.mandatory_paths = {"/coe", "/image_id", "/network_driver", "/external_network_id",
                             "/tls_disabled", "/public", "/server_type", "/registry_enabled",
                             "/cluster_distro", "/hidden"};
    rules.literal_paths = {"/labels"};
    rules.remove_defaults = {{"labels", Json::object()},
                             {"floating_ip_enabled", true},
                             {"master_lb_enabled", false}};
    MAGNUM_ASSIGN_OR_RETURN(Json api_after, ApplyJsonPatch(api_before, patch, *api_.fields, rules));
    Json after = before;
    for (const auto& [k, v] : api_after.items()) after[k] = v;
    std::set<std::string> changed = ChangedFields(before, after);
    if (changed.count("public") || changed.count("hidden")) {
      if (!PolicyAllows(req, "clustertemplate:publish")) {
        return Fail(Error::PermissionDenied(
            "Not authorized to set public or hidden flag for cluster template."));
      }
    }
    if (changed.empty()) {
      *done = Render(row, req.base_url);
      return {};
    }
    const std::string uuid = row.uuid;
    MAGNUM_ASSIGN_OR_RETURN(int64_t refs, CountReferences(*s_.db, uuid));
    if (refs > 0) {
      bool ok = changed == std::set<std::string>{"name"} ||
                (changed == std::set<std::string>{"public"} && after["public"] == true) ||
                changed == std::set<std::string>{"hidden"} ||
                (changed == std::set<std::string>{"tags"} && !after["tags"].is_null());
      if (!ok) {
        return Fail(Error::InvalidArgument("ClusterTemplate " + uuid +
                                           " is referenced by one or multiple clusters."));
      }
    }
    bool image_changed = changed.count("image_id") > 0;
    if (image_changed && !changed.count("driver")) after["driver"] = nullptr;
    MAGNUM_RETURN_IF_ERROR(ValidateDocument(req, &after, image_changed));
    MAGNUM_RETURN_IF_ERROR(ValidateResources(req, after, changed));
    changed = ChangedFields(before, after);
    Json delta = Json::object();
    for (const auto& k : changed) delta[k] = after[k];
    ClusterTemplate changed_template = row;
    ApplyFields(ClusterTemplateFields(), delta, &changed_template);
    changed_template.updated_at = NowDb(s_);
    const db::Filter by_id = db::Filter().Where(db::Condition::Eq("id", row.id));
    db::Filter unchanged = by_id;
    unchanged.Where(row.updated_at ? db::Condition::Eq("updated_at", *row.updated_at)
                                   : db::Condition::Null("updated_at"));
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t n, s_.db->Update(db::kClusterTemplateTable, unchanged,
                                 objects::ChangedColumns(row, changed_template)));
    if (n == 0) return {};  // changed or deleted meanwhile: the caller looks it up again
    MAGNUM_ASSIGN_OR_RETURN(auto updated, objects::GetOne<ClusterTemplate>(*s_.db, by_id));
    if (!updated) return Fail(Error::NotFound("ClusterTemplate " + ident + " could not be found."));
    *done = Render(*updated, req.base_url);
    return {};
  }

  ApiResult Delete(const ApiRequest& req, const std::string& ident) override {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_ASSIGN_OR_RETURN(ClusterTemplate row, Lookup(req, ident));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "clustertemplate:delete", TargetOf(row)));
    const std::string uuid = row.uuid;
    // Check-and-delete in one transaction, so a cluster created concurrently from this
    // template cannot be left without one.
    MAGNUM_RETURN_IF_ERROR(s_.db->Transaction([&](db::Database& tx) -> Result<void> {
      MAGNUM_ASSIGN_OR_RETURN(int64_t refs, CountReferences(tx, uuid));
      if (refs > 0) {
        return Fail(Error::InvalidArgument("ClusterTemplate " + uuid +
                                           " is referenced by one or multiple clusters."));
      }
      MAGNUM_RETURN_IF_ERROR(tx.Delete(db::kClusterTemplateTable,
                                       db::Filter().Where(db::Condition::Eq("id", row.id))));
      return {};
    }));
    return ApiResponse::NoContent();
  }

  // A list body's reservation: the previous list's size, up to this.
  static constexpr size_t kMaxReserve = size_t{4} << 20;

  Services s_;
  TemplateCollection api_;
  RenderPlan<TemplateView> plan_;
  std::atomic<size_t> last_list_size_{4096};
};

}  // namespace

std::unique_ptr<Controller> NewTemplateCollectionController(const Services& services,
                                                            TemplateCollection collection) {
  return std::make_unique<ClusterTemplatesController>(services, std::move(collection));
}

std::unique_ptr<Controller> NewClusterTemplatesController(const Services& services) {
  return NewTemplateCollectionController(
      services, {"clustertemplates", "cluster_template", "template", &ClusterTemplateFields()});
}

}  // namespace magnum::api
