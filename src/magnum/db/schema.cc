#include "magnum/db/schema.h"

namespace magnum::db {
namespace {

using T = ColumnType;

ColumnSchema Col(std::string name, ColumnType type, bool nullable = true) {
  return ColumnSchema{std::move(name), type, nullable};
}

std::vector<TableSchema> BuildTables() {
  std::vector<TableSchema> tables;

  tables.push_back(TableSchema{
      kClusterTemplateTable,
      {Col("id", T::kId, false), Col("uuid", T::kText, false), Col("project_id", T::kText),
       Col("user_id", T::kText), Col("name", T::kText), Col("image_id", T::kText),
       Col("flavor_id", T::kText), Col("master_flavor_id", T::kText),
       Col("keypair_id", T::kText), Col("external_network_id", T::kText),
       Col("fixed_network", T::kText), Col("fixed_subnet", T::kText),
       Col("network_driver", T::kText), Col("volume_driver", T::kText),
       Col("dns_nameserver", T::kText), Col("apiserver_port", T::kInteger),
       Col("docker_volume_size", T::kInteger), Col("docker_storage_driver", T::kText),
       Col("cluster_distro", T::kText), Col("coe", T::kText), Col("http_proxy", T::kText),
       Col("https_proxy", T::kText), Col("no_proxy", T::kText),
       Col("registry_enabled", T::kBoolean), Col("labels", T::kJson),
       Col("tls_disabled", T::kBoolean), Col("public", T::kBoolean),
       Col("server_type", T::kText), Col("insecure_registry", T::kText),
       Col("master_lb_enabled", T::kBoolean), Col("floating_ip_enabled", T::kBoolean),
       Col("hidden", T::kBoolean), Col("tags", T::kText), Col("driver", T::kText),
       Col("created_at", T::kTimestamp), Col("updated_at", T::kTimestamp)},
      {{"uuid"}},
      {{"project_id"}, {"name"}}});

  tables.push_back(TableSchema{
      kClusterTable,
      {Col("id", T::kId, false), Col("uuid", T::kText, false), Col("project_id", T::kText),
       Col("user_id", T::kText), Col("name", T::kText), Col("cluster_template_id", T::kText),
       Col("keypair", T::kText), Col("docker_volume_size", T::kInteger),
       Col("labels", T::kJson), Col("master_flavor_id", T::kText), Col("flavor_id", T::kText),
       Col("stack_id", T::kText), Col("api_address", T::kText), Col("status", T::kText),
       Col("status_reason", T::kText), Col("health_status", T::kText),
       Col("health_status_reason", T::kJson), Col("create_timeout", T::kInteger),
       Col("discovery_url", T::kText), Col("ca_cert_ref", T::kText),
       Col("magnum_cert_ref", T::kText), Col("etcd_ca_cert_ref", T::kText),
       Col("front_proxy_ca_cert_ref", T::kText), Col("trustee_username", T::kText),
       Col("trustee_password", T::kText), Col("trustee_user_id", T::kText),
       Col("trust_id", T::kText), Col("coe_version", T::kText),
       Col("container_version", T::kText), Col("fixed_network", T::kText),
       Col("fixed_subnet", T::kText), Col("floating_ip_enabled", T::kBoolean),
       Col("master_lb_enabled", T::kBoolean), Col("driver", T::kText),
       Col("created_at", T::kTimestamp), Col("updated_at", T::kTimestamp)},
      {{"uuid"}},
      {{"project_id"}, {"name"}, {"status"}, {"cluster_template_id"}}});

  tables.push_back(TableSchema{
      kNodeGroupTable,
      {Col("id", T::kId, false), Col("uuid", T::kText, false), Col("name", T::kText, false),
       Col("cluster_id", T::kText, false), Col("project_id", T::kText),
       Col("docker_volume_size", T::kInteger), Col("labels", T::kJson),
       Col("flavor_id", T::kText), Col("image_id", T::kText), Col("node_addresses", T::kJson),
       Col("node_count", T::kInteger), Col("max_node_count", T::kInteger),
       Col("min_node_count", T::kInteger), Col("role", T::kText),
       Col("is_default", T::kBoolean), Col("stack_id", T::kText), Col("status", T::kText),
       Col("status_reason", T::kText), Col("version", T::kText),
       Col("node_labels", T::kJson), Col("node_taints", T::kJson),
       Col("created_at", T::kTimestamp), Col("updated_at", T::kTimestamp)},
      {{"uuid"}, {"cluster_id", "name"}},
      {{"cluster_id"}, {"project_id"}}});

  tables.push_back(TableSchema{
      kX509KeyPairTable,
      {Col("id", T::kId, false), Col("uuid", T::kText, false), Col("name", T::kText),
       Col("project_id", T::kText), Col("user_id", T::kText), Col("certificate", T::kText),
       Col("private_key", T::kText), Col("private_key_passphrase", T::kText),
       Col("intermediates", T::kText), Col("created_at", T::kTimestamp),
       Col("updated_at", T::kTimestamp)},
      {{"uuid"}},
      {}});

  tables.push_back(TableSchema{
      kMagnumServiceTable,
      {Col("id", T::kId, false), Col("report_count", T::kInteger, false),
       Col("host", T::kText), Col("binary", T::kText), Col("disabled", T::kBoolean),
       Col("disabled_reason", T::kText), Col("last_seen_up", T::kTimestamp),
       Col("forced_down", T::kBoolean), Col("created_at", T::kTimestamp),
       Col("updated_at", T::kTimestamp)},
      {{"host", "binary"}},
      {}});

  tables.push_back(TableSchema{
      kQuotaTable,
      {Col("id", T::kId, false), Col("project_id", T::kText), Col("resource", T::kText),
       Col("hard_limit", T::kInteger), Col("created_at", T::kTimestamp),
       Col("updated_at", T::kTimestamp)},
      {{"project_id", "resource"}},
      {}});

  tables.push_back(TableSchema{
      kFederationTable,
      {Col("id", T::kId, false), Col("uuid", T::kText, false), Col("project_id", T::kText),
       Col("name", T::kText), Col("hostcluster_id", T::kText), Col("member_ids", T::kJson),
       Col("status", T::kText), Col("status_reason", T::kText), Col("properties", T::kJson),
       Col("created_at", T::kTimestamp), Col("updated_at", T::kTimestamp)},
      {{"uuid"}},
      {{"project_id"}}});

  // Ours: the ordered log of what happened to a cluster (GET /v1/clusters/{id}/events).
  tables.push_back(TableSchema{
      kClusterEventTable,
      {Col("id", T::kId, false), Col("cluster_uuid", T::kText, false),
       Col("project_id", T::kText), Col("step", T::kText), Col("node", T::kText),
       Col("level", T::kText), Col("message", T::kText), Col("created_at", T::kTimestamp)},
      {},
      {{"cluster_uuid"}}});

  // Ours: which conductor owns the operation running on a cluster (one row per cluster), and
  // for a resumable operation the operation itself (conductor/operation_record.h).
  tables.push_back(TableSchema{
      kClusterLockTable,
      {Col("id", T::kId, false), Col("cluster_uuid", T::kText, false),
       Col("conductor_id", T::kText, false), Col("operation", T::kText),
       Col("created_at", T::kTimestamp), Col("updated_at", T::kTimestamp),
       Col("lease_expires_at", T::kTimestamp), Col("spec", T::kJson), Col("progress", T::kText),
       Col("deadline_at", T::kTimestamp)},
      {{"cluster_uuid"}},
      {}});

  // Containers on a cluster's Docker Engine (migration 5): upstream's columns as they last
  // were (bay_uuid names the cluster), plus status_reason and docker_id (ours).
  tables.push_back(
      TableSchema{kContainerTable,
                  {Col("id", T::kId, false), Col("uuid", T::kText, false), Col("name", T::kText),
                   Col("image", T::kText), Col("command", T::kText), Col("bay_uuid", T::kText),
                   Col("status", T::kText), Col("status_reason", T::kText), Col("memory", T::kText),
                   Col("environment", T::kJson), Col("project_id", T::kText),
                   Col("user_id", T::kText), Col("docker_id", T::kText),
                   Col("created_at", T::kTimestamp), Col("updated_at", T::kTimestamp)},
                  {{"uuid"}},
                  {{"project_id"}, {"bay_uuid"}}});

  // Ours: the built-in autoscaler's memory of a cluster between passes (migration 6; one row
  // per cluster, conductor/autoscaler_memory.h): which nodes have been underused since when,
  // which events were recorded. A conductor taking the cluster over carries on from it.
  tables.push_back(TableSchema{kAutoscalerStateTable,
                               {Col("id", T::kId, false), Col("cluster_uuid", T::kText, false),
                                Col("state", T::kJson), Col("updated_at", T::kTimestamp)},
                               {{"cluster_uuid"}},
                               {}});

  // Ours: per-table change counters, bumped by triggers on every INSERT, UPDATE and DELETE
  // of the resource tables (migration 4); the API's response cache reads them.
  tables.push_back(TableSchema{kResourceGenerationTable,
                               {Col("id", T::kId, false), Col("name", T::kText, false),
                                Col("generation", T::kInteger, false)},
                               {{"name"}},
                               {}});

  return tables;
}

}  // namespace

const ColumnSchema* TableSchema::Find(std::string_view column) const {
  for (const auto& c : columns) {
    if (c.name == column) return &c;
  }
  return nullptr;
}

const std::vector<TableSchema>& AllTables() {
  static const std::vector<TableSchema> tables = BuildTables();
  return tables;
}

const TableSchema* FindTable(std::string_view table) {
  for (const auto& t : AllTables()) {
    if (t.name == table) return &t;
  }
  return nullptr;
}

}  // namespace magnum::db
