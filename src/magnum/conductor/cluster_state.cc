#include "magnum/conductor/cluster_state.h"

#include "magnum/db/database.h"
#include "magnum/objects/mappers.h"

namespace magnum::conductor {
namespace {

using db::Condition;
using db::Filter;

std::string Text(const std::optional<std::string>& v) { return v.value_or(std::string()); }

template <typename E>
std::string StatusText(const std::optional<E>& s) {
  return s ? std::string(objects::Name(*s)) : std::string();
}

}  // namespace

drivers::TemplateState TemplateStateOf(const objects::ClusterTemplate& r) {
  drivers::TemplateState t;
  t.uuid = r.uuid;
  t.name = Text(r.name);
  t.coe = Text(r.coe);
  t.image_id = Text(r.image_id);
  t.server_type = Text(r.server_type);
  t.cluster_distro = Text(r.cluster_distro);
  t.network_driver = Text(r.network_driver);
  t.volume_driver = Text(r.volume_driver);
  t.docker_storage_driver = Text(r.docker_storage_driver);
  t.dns_nameserver = Text(r.dns_nameserver);
  t.external_network_id = Text(r.external_network_id);
  t.fixed_network = Text(r.fixed_network);
  t.fixed_subnet = Text(r.fixed_subnet);
  t.http_proxy = Text(r.http_proxy);
  t.https_proxy = Text(r.https_proxy);
  t.no_proxy = Text(r.no_proxy);
  t.insecure_registry = Text(r.insecure_registry);
  t.driver = Text(r.driver);
  t.tls_disabled = r.tls_disabled.value_or(false);
  t.master_lb_enabled = r.master_lb_enabled.value_or(false);
  t.floating_ip_enabled = r.floating_ip_enabled.value_or(true);
  t.registry_enabled = r.registry_enabled.value_or(false);
  t.docker_volume_size = r.docker_volume_size;
  t.apiserver_port = r.apiserver_port;
  t.labels = r.labels.value_or(objects::StringMap());
  return t;
}

drivers::NodeGroupState NodeGroupStateOf(const objects::NodeGroup& r) {
  drivers::NodeGroupState ng;
  ng.id = r.id;
  ng.uuid = r.uuid;
  ng.name = r.name;
  ng.role = Text(r.role);
  ng.is_default = r.is_default.value_or(false);
  ng.node_count = r.node_count.value_or(0);
  ng.min_node_count = r.min_node_count.value_or(0);
  ng.max_node_count = r.max_node_count;
  ng.image_id = Text(r.image_id);
  ng.flavor_id = Text(r.flavor_id);
  ng.docker_volume_size = r.docker_volume_size;
  ng.labels = r.labels.value_or(objects::StringMap());
  ng.node_labels = r.node_labels.value_or(objects::StringMap());
  ng.node_taints_json = r.node_taints ? objects::EncodeJsonColumn(*r.node_taints) : "";
  ng.node_addresses = r.node_addresses.value_or(objects::StringList());
  ng.status = StatusText(r.status);
  ng.stack_id = Text(r.stack_id);
  ng.version = Text(r.version);
  return ng;
}

drivers::ClusterState ClusterStateOf(const objects::Cluster& c,
                                     const objects::ClusterTemplate* tmpl,
                                     const std::vector<objects::NodeGroup>& nodegroups) {
  drivers::ClusterState s;
  s.uuid = c.uuid;
  s.name = Text(c.name);
  s.project_id = Text(c.project_id);
  s.user_id = Text(c.user_id);
  s.status = StatusText(c.status);
  s.status_reason = Text(c.status_reason);
  s.stack_id = Text(c.stack_id);
  s.api_address = Text(c.api_address);
  s.coe_version = Text(c.coe_version);
  s.keypair = Text(c.keypair);
  s.fixed_network = Text(c.fixed_network);
  s.fixed_subnet = Text(c.fixed_subnet);
  s.floating_ip_enabled = c.floating_ip_enabled;
  s.master_lb_enabled = c.master_lb_enabled;
  s.discovery_url = Text(c.discovery_url);
  s.trustee_user_id = Text(c.trustee_user_id);
  s.trustee_username = Text(c.trustee_username);
  s.trustee_password = Text(c.trustee_password);
  s.trust_id = Text(c.trust_id);
  s.master_flavor_id = Text(c.master_flavor_id);
  s.flavor_id = Text(c.flavor_id);
  s.create_timeout_minutes = c.create_timeout.value_or(60);
  s.docker_volume_size = c.docker_volume_size;
  s.labels = c.labels.value_or(objects::StringMap());
  if (tmpl != nullptr) s.cluster_template = TemplateStateOf(*tmpl);
  for (const auto& ng : nodegroups) s.nodegroups.push_back(NodeGroupStateOf(ng));
  return s;
}

Result<drivers::TemplateState> LoadTemplateState(db::Database& db,
                                                 const objects::Cluster& cluster) {
  drivers::TemplateState t;
  const std::string uuid = Text(cluster.cluster_template_id);
  if (uuid.empty()) return t;
  MAGNUM_ASSIGN_OR_RETURN(
      auto tmpl,
      objects::GetOne<objects::ClusterTemplate>(db, Filter().Where(Condition::Eq("uuid", uuid))));
  if (tmpl) t = TemplateStateOf(*tmpl);
  return t;
}

Result<drivers::ClusterState> LoadClusterState(db::Database& db, const std::string& uuid,
                                               std::string* driver_name) {
  MAGNUM_ASSIGN_OR_RETURN(
      auto cluster,
      objects::GetOne<objects::Cluster>(db, Filter().Where(Condition::Eq("uuid", uuid))));
  if (!cluster) return Fail(Error::NotFound("Cluster " + uuid + " could not be found."));
  if (driver_name != nullptr) *driver_name = Text(cluster->driver);
  std::optional<objects::ClusterTemplate> tmpl;
  const std::string template_uuid = Text(cluster->cluster_template_id);
  if (!template_uuid.empty()) {
    MAGNUM_ASSIGN_OR_RETURN(tmpl, objects::GetOne<objects::ClusterTemplate>(
                                      db, Filter().Where(Condition::Eq("uuid", template_uuid))));
  }
  db::ListQuery q;
  q.filter.Where(Condition::Eq("cluster_id", uuid));
  MAGNUM_ASSIGN_OR_RETURN(auto ngs, objects::List<objects::NodeGroup>(db, q));
  return ClusterStateOf(*cluster, tmpl ? &*tmpl : nullptr, ngs);
}

}  // namespace magnum::conductor
