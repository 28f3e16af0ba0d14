#include "magnum/conductor/cluster_state.h"

#include <nlohmann/json.hpp>

#include "magnum/db/database.h"
#include "magnum/db/schema.h"

namespace magnum::conductor {
namespace {

using Json = nlohmann::json;
using db::Condition;
using db::Filter;
using db::Row;

}  // namespace

drivers::StringMap ParseStringMap(const std::string& json_text) {
  drivers::StringMap out;
  if (json_text.empty()) return out;
  Json j = Json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    out[it.key()] = it->is_string() ? it->get<std::string>() : it->dump();
  }
  return out;
}

std::vector<std::string> ParseStringList(const std::string& json_text) {
  std::vector<std::string> out;
  if (json_text.empty()) return out;
  Json j = Json::parse(json_text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return out;
  for (const auto& v : j) out.push_back(v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

std::string StringMapToJson(const drivers::StringMap& map) {
  Json j = Json::object();
  for (const auto& [k, v] : map) j[k] = v;
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string StringListToJson(const std::vector<std::string>& list) {
  Json j = Json::array();
  for (const auto& v : list) j.push_back(v);
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

drivers::TemplateState TemplateStateFromRow(const Row& r) {
  drivers::TemplateState t;
  t.uuid = r.GetString("uuid");
  t.name = r.GetString("name");
  t.coe = r.GetString("coe");
  t.image_id = r.GetString("image_id");
  t.server_type = r.GetString("server_type");
  t.cluster_distro = r.GetString("cluster_distro");
  t.network_driver = r.GetString("network_driver");
  t.volume_driver = r.GetString("volume_driver");
  t.docker_storage_driver = r.GetString("docker_storage_driver");
  t.dns_nameserver = r.GetString("dns_nameserver");
  t.http_proxy = r.GetString("http_proxy");
  t.https_proxy = r.GetString("https_proxy");
  t.no_proxy = r.GetString("no_proxy");
  t.insecure_registry = r.GetString("insecure_registry");
  t.driver = r.GetString("driver");
  t.tls_disabled = r.GetBool("tls_disabled");
  t.master_lb_enabled = r.GetBool("master_lb_enabled");
  t.floating_ip_enabled = r.GetBool("floating_ip_enabled", true);
  t.registry_enabled = r.GetBool("registry_enabled");
  t.docker_volume_size = r.GetOptionalInt("docker_volume_size");
  t.apiserver_port = r.GetOptionalInt("apiserver_port");
  t.labels = ParseStringMap(r.GetString("labels"));
  return t;
}

drivers::NodeGroupState NodeGroupStateFromRow(const Row& r) {
  drivers::NodeGroupState ng;
  ng.id = r.GetInt("id");
  ng.uuid = r.GetString("uuid");
  ng.name = r.GetString("name");
  ng.role = r.GetString("role");
  ng.is_default = r.GetBool("is_default");
  ng.node_count = r.GetInt("node_count");
  ng.min_node_count = r.GetInt("min_node_count");
  ng.max_node_count = r.GetOptionalInt("max_node_count");
  ng.image_id = r.GetString("image_id");
  ng.flavor_id = r.GetString("flavor_id");
  ng.docker_volume_size = r.GetOptionalInt("docker_volume_size");
  ng.labels = ParseStringMap(r.GetString("labels"));
  ng.node_labels = ParseStringMap(r.GetString("node_labels"));
  ng.node_taints_json = r.GetString("node_taints");
  ng.node_addresses = ParseStringList(r.GetString("node_addresses"));
  ng.status = r.GetString("status");
  ng.stack_id = r.GetString("stack_id");
  ng.version = r.GetString("version");
  return ng;
}

drivers::ClusterState ClusterStateFromRows(const Row& c, const Row* tmpl,
                                           const std::vector<Row>& nodegroups) {
  drivers::ClusterState s;
  s.uuid = c.GetString("uuid");
  s.name = c.GetString("name");
  s.project_id = c.GetString("project_id");
  s.user_id = c.GetString("user_id");
  s.status = c.GetString("status");
  s.status_reason = c.GetString("status_reason");
  s.stack_id = c.GetString("stack_id");
  s.api_address = c.GetString("api_address");
  s.coe_version = c.GetString("coe_version");
  s.keypair = c.GetString("keypair");
  s.discovery_url = c.GetString("discovery_url");
  s.master_flavor_id = c.GetString("master_flavor_id");
  s.flavor_id = c.GetString("flavor_id");
  s.create_timeout_minutes = c.GetInt("create_timeout", 60);
  s.docker_volume_size = c.GetOptionalInt("docker_volume_size");
  s.labels = ParseStringMap(c.GetString("labels"));
  if (tmpl != nullptr) s.cluster_template = TemplateStateFromRow(*tmpl);
  for (const auto& ng : nodegroups) s.nodegroups.push_back(NodeGroupStateFromRow(ng));
  return s;
}

Result<drivers::ClusterState> LoadClusterState(db::Database& db, const std::string& uuid,
                                               std::string* driver_name) {
  MAGNUM_ASSIGN_OR_RETURN(
      auto cluster, db.GetOne(db::kClusterTable, Filter().Where(Condition::Eq("uuid", uuid))));
  if (!cluster) return Fail(Error::NotFound("Cluster " + uuid + " could not be found."));
  if (driver_name != nullptr) *driver_name = cluster->GetString("driver");
  std::optional<Row> tmpl;
  const std::string template_uuid = cluster->GetString("cluster_template_id");
  if (!template_uuid.empty()) {
    MAGNUM_ASSIGN_OR_RETURN(tmpl, db.GetOne(db::kClusterTemplateTable,
                                            Filter().Where(Condition::Eq("uuid", template_uuid))));
  }
  db::ListQuery q;
  q.filter.Where(Condition::Eq("cluster_id", uuid));
  MAGNUM_ASSIGN_OR_RETURN(auto ngs, db.List(db::kNodeGroupTable, q));
  return ClusterStateFromRows(*cluster, tmpl ? &*tmpl : nullptr, ngs);
}

}  // namespace magnum::conductor
