#include "magnum/db/migrations.h"

#include <string>

#include "magnum/db/mysql_ddl.h"

namespace magnum::db {
namespace {

// Version 1: the initial schema. Keep in step with schema.cc only by adding migrations.
Migration InitialSchema() {
  return Migration{
      1,
      "Initial schema",
      {
          R"sql(CREATE TABLE "cluster_template" (
  "id" {ID},
  "uuid" TEXT NOT NULL,
  "project_id" TEXT,
  "user_id" TEXT,
  "name" TEXT,
  "image_id" TEXT,
  "flavor_id" TEXT,
  "master_flavor_id" TEXT,
  "keypair_id" TEXT,
  "external_network_id" TEXT,
  "fixed_network" TEXT,
  "fixed_subnet" TEXT,
  "network_driver" TEXT,
  "volume_driver" TEXT,
  "dns_nameserver" TEXT,
  "apiserver_port" BIGINT,
  "docker_volume_size" BIGINT,
  "docker_storage_driver" TEXT,
  "cluster_distro" TEXT,
  "coe" TEXT,
  "http_proxy" TEXT,
  "https_proxy" TEXT,
  "no_proxy" TEXT,
  "registry_enabled" BOOLEAN,
  "labels" TEXT,
  "tls_disabled" BOOLEAN,
  "public" BOOLEAN,
  "server_type" TEXT,
  "insecure_registry" TEXT,
  "master_lb_enabled" BOOLEAN,
  "floating_ip_enabled" BOOLEAN,
  "hidden" BOOLEAN,
  "tags" TEXT,
  "driver" TEXT,
  "created_at" TEXT,
  "updated_at" TEXT,
  CONSTRAINT "uniq_cluster_template0uuid" UNIQUE ("uuid")
))sql",
          R"sql(CREATE INDEX "ix_cluster_template_project_id" ON "cluster_template" ("project_id"))sql",
          R"sql(CREATE INDEX "ix_cluster_template_name" ON "cluster_template" ("name"))sql",

          R"sql(CREATE TABLE "cluster" (
  "id" {ID},
  "uuid" TEXT NOT NULL,
  "project_id" TEXT,
  "user_id" TEXT,
  "name" TEXT,
  "cluster_template_id" TEXT,
  "keypair" TEXT,
  "docker_volume_size" BIGINT,
  "labels" TEXT,
  "master_flavor_id" TEXT,
  "flavor_id" TEXT,
  "stack_id" TEXT,
  "api_address" TEXT,
  "status" TEXT,
  "status_reason" TEXT,
  "health_status" TEXT,
  "health_status_reason" TEXT,
  "create_timeout" BIGINT,
  "discovery_url" TEXT,
  "ca_cert_ref" TEXT,
  "magnum_cert_ref" TEXT,
  "etcd_ca_cert_ref" TEXT,
  "front_proxy_ca_cert_ref" TEXT,
  "trustee_username" TEXT,
  "trustee_password" TEXT,
  "trustee_user_id" TEXT,
  "trust_id" TEXT,
  "coe_version" TEXT,
  "container_version" TEXT,
  "fixed_network" TEXT,
  "fixed_subnet" TEXT,
  "floating_ip_enabled" BOOLEAN,
  "master_lb_enabled" BOOLEAN,
  "driver" TEXT,
  "created_at" TEXT,
  "updated_at" TEXT,
  CONSTRAINT "uniq_cluster0uuid" UNIQUE ("uuid")
))sql",
          R"sql(CREATE INDEX "ix_cluster_project_id" ON "cluster" ("project_id"))sql",
          R"sql(CREATE INDEX "ix_cluster_name" ON "cluster" ("name"))sql",
          R"sql(CREATE INDEX "ix_cluster_status" ON "cluster" ("status"))sql",
          R"sql(CREATE INDEX "ix_cluster_cluster_template_id" ON "cluster" ("cluster_template_id"))sql",

          R"sql(CREATE TABLE "nodegroup" (
  "id" {ID},
  "uuid" TEXT NOT NULL,
  "name" TEXT NOT NULL,
  "cluster_id" TEXT NOT NULL,
  "project_id" TEXT,
  "docker_volume_size" BIGINT,
  "labels" TEXT,
  "flavor_id" TEXT,
  "image_id" TEXT,
  "node_addresses" TEXT,
  "node_count" BIGINT,
  "max_node_count" BIGINT,
  "min_node_count" BIGINT,
  "role" TEXT,
  "is_default" BOOLEAN,
  "stack_id" TEXT,
  "status" TEXT,
  "status_reason" TEXT,
  "version" TEXT,
  "node_labels" TEXT,
  "node_taints" TEXT,
  "created_at" TEXT,
  "updated_at" TEXT,
  CONSTRAINT "uniq_nodegroup0uuid" UNIQUE ("uuid"),
  CONSTRAINT "uniq_nodegroup0cluster_id0name" UNIQUE ("cluster_id", "name")
))sql",
          R"sql(CREATE INDEX "ix_nodegroup_cluster_id" ON "nodegroup" ("cluster_id"))sql",
          R"sql(CREATE INDEX "ix_nodegroup_project_id" ON "nodegroup" ("project_id"))sql",

          R"sql(CREATE TABLE "x509keypair" (
  "id" {ID},
  "uuid" TEXT NOT NULL,
  "name" TEXT,
  "project_id" TEXT,
  "user_id" TEXT,
  "certificate" TEXT,
  "private_key" TEXT,
  "private_key_passphrase" TEXT,
  "intermediates" TEXT,
  "created_at" TEXT,
  "updated_at" TEXT,
  CONSTRAINT "uniq_x509keypair0uuid" UNIQUE ("uuid")
))sql",

          R"sql(CREATE TABLE "magnum_service" (
  "id" {ID},
  "report_count" BIGINT NOT NULL,
  "host" TEXT,
  "binary" TEXT,
  "disabled" BOOLEAN,
  "disabled_reason" TEXT,
  "last_seen_up" TEXT,
  "forced_down" BOOLEAN,
  "created_at" TEXT,
  "updated_at" TEXT,
  CONSTRAINT "uniq_magnum_service0host0binary" UNIQUE ("host", "binary")
))sql",

          R"sql(CREATE TABLE "quotas" (
  "id" {ID},
  "project_id" TEXT,
  "resource" TEXT,
  "hard_limit" BIGINT,
  "created_at" TEXT,
  "updated_at" TEXT,
  CONSTRAINT "uniq_quotas0project_id0resource" UNIQUE ("project_id", "resource")
))sql",

          R"sql(CREATE TABLE "federation" (
  "id" {ID},
  "uuid" TEXT NOT NULL,
  "project_id" TEXT,
  "name" TEXT,
  "hostcluster_id" TEXT,
  "member_ids" TEXT,
  "status" TEXT,
  "status_reason" TEXT,
  "properties" TEXT,
  "created_at" TEXT,
  "updated_at" TEXT,
  CONSTRAINT "uniq_federation0uuid" UNIQUE ("uuid")
))sql",
          R"sql(CREATE INDEX "ix_federation_project_id" ON "federation" ("project_id"))sql",

          R"sql(CREATE TABLE "cluster_event" (
  "id" {ID},
  "cluster_uuid" TEXT NOT NULL,
  "project_id" TEXT,
  "step" TEXT,
  "node" TEXT,
  "level" TEXT,
  "message" TEXT,
  "created_at" TEXT
))sql",
          R"sql(CREATE INDEX "ix_cluster_event_cluster_uuid" ON "cluster_event" ("cluster_uuid"))sql",

          R"sql(CREATE TABLE "cluster_lock" (
  "id" {ID},
  "cluster_uuid" TEXT NOT NULL,
  "conductor_id" TEXT NOT NULL,
  "operation" TEXT,
  "created_at" TEXT,
  "updated_at" TEXT,
  CONSTRAINT "uniq_cluster_lock0cluster_uuid" UNIQUE ("cluster_uuid")
))sql",
      }};
}

// Version 2: cluster leases. A lock row is held until `lease_expires_at` (renewed by its
// owner while the operation runs); after that any conductor may take the cluster over. The
// row's id is the fencing token (ids are never reused).
Migration ClusterLease() {
  return Migration{2,
                   "Cluster lease expiry",
                   {R"sql(ALTER TABLE "cluster_lock" ADD COLUMN "lease_expires_at" TEXT)sql"}};
}

// Version 3: resumable operations. The lock row of an operation a driver advances by polls
// also holds the operation (`spec`, JSON), the driver's `progress` record and the create
// deadline, so that another conductor (or this one after a restart) resumes it.
Migration PersistedOperation() {
  return Migration{3,
                   "Persisted resumable operations",
                   {R"sql(ALTER TABLE "cluster_lock" ADD COLUMN "spec" TEXT)sql",
                    R"sql(ALTER TABLE "cluster_lock" ADD COLUMN "progress" TEXT)sql",
                    R"sql(ALTER TABLE "cluster_lock" ADD COLUMN "deadline_at" TEXT)sql"}};
}

// The tables whose every change bumps a generation (version 4). Not the ones the services
// write on their own all the time (magnum_service heartbeats, cluster_event): a GET that
// reads them is never cached.
constexpr const char* kGenerationTables[] = {"cluster_template", "cluster",    "nodegroup",
                                            "x509keypair",      "quotas",     "federation",
                                            "cluster_lock"};

// Version 4: a change counter per resource table, kept by triggers, so that any process
// sharing the database can tell with one read whether a table changed since it last looked
// (the API's response cache, api/response_cache.h). One row per table, bumped in the writer's
// own transaction by AFTER INSERT/UPDATE/DELETE triggers (one UPDATE statement in a
// BEGIN ... END body: the same text works in SQLite and in MariaDB with ANSI_QUOTES).
Migration ResourceGenerations() {
  Migration m{4, "Per-table change generations kept by triggers", {}};
  m.statements.push_back(R"sql(CREATE TABLE "resource_generation" (
  "id" {ID},
  "name" TEXT NOT NULL,
  "generation" BIGINT NOT NULL,
  CONSTRAINT "uniq_resource_generation0name" UNIQUE ("name")
))sql");
  for (const char* table : kGenerationTables) {
    const std::string t(table);
    m.statements.push_back(R"sql(INSERT INTO "resource_generation" ("name", "generation") VALUES (')sql" +
                           t + "', 0)");
    for (const char* event : {"INSERT", "UPDATE", "DELETE"}) {
      std::string ev(event);
      for (char& c : ev) c = static_cast<char>(c - 'A' + 'a');
      m.statements.push_back("CREATE TRIGGER \"generation_" + t + "_" + ev + "\" AFTER " + event +
                             " ON \"" + t + "\" FOR EACH ROW BEGIN UPDATE \"resource_generation\" "
                             "SET \"generation\" = \"generation\" + 1 WHERE \"name\" = '" + t +
                             "'; END");
    }
  }
  return m;
}

// Version 5: containers (issue 15), in upstream's table name. A database the Python Magnum
// created never has that table at the revision we take over (upstream dropped it in 2016);
// one left behind anyway is renamed aside by the takeover (upstream_schema.h), so this
// creates the table in every case.
Migration Containers() {
  return Migration{5,
                   "Containers on clusters",
                   {R"sql(CREATE TABLE "container" (
  "id" {ID},
  "uuid" TEXT NOT NULL,
  "name" TEXT,
  "image" TEXT,
  "command" TEXT,
  "bay_uuid" TEXT,
  "status" TEXT,
  "status_reason" TEXT,
  "memory" TEXT,
  "environment" TEXT,
  "project_id" TEXT,
  "user_id" TEXT,
  "docker_id" TEXT,
  "created_at" TEXT,
  "updated_at" TEXT,
  CONSTRAINT "uniq_container0uuid" UNIQUE ("uuid")
))sql",
                    R"sql(CREATE INDEX "ix_container_project_id" ON "container" ("project_id"))sql",
                    R"sql(CREATE INDEX "ix_container_bay_uuid" ON "container" ("bay_uuid"))sql"}};
}

// Version 6: the built-in autoscaler's memory of each cluster (conductor/autoscaler_task.h),
// so that a conductor restart or another conductor taking the cluster over does not start a
// scale-down cool-down over. New and ours: created in every case, a taken-over database too.
Migration AutoscalerState() {
  return Migration{6, "Autoscaler state of clusters", {R"sql(CREATE TABLE "autoscaler_state" (
  "id" {ID},
  "cluster_uuid" TEXT NOT NULL,
  "state" TEXT,
  "updated_at" TEXT,
  CONSTRAINT "uniq_autoscaler_state0cluster_uuid" UNIQUE ("cluster_uuid")
))sql"}};
}

std::vector<Migration> BuildMigrations() {
  std::vector<Migration> all;
  all.push_back(InitialSchema());
  all.push_back(ClusterLease());
  all.push_back(PersistedOperation());
  all.push_back(ResourceGenerations());
  all.push_back(Containers());
  all.push_back(AutoscalerState());
  return all;
}

void ReplaceAll(std::string& s, std::string_view from, std::string_view to) {
  for (size_t pos = s.find(from); pos != std::string::npos; pos = s.find(from, pos + to.size())) {
    s.replace(pos, from.size(), to);
  }
}

}  // namespace

const std::vector<Migration>& AllMigrations() {
  static const std::vector<Migration> migrations = BuildMigrations();
  return migrations;
}

int LatestMigrationVersion() {
  const auto& all = AllMigrations();
  return all.empty() ? 0 : all.back().version;
}

std::string RenderMigrationSql(std::string_view statement, SqlDialect dialect) {
  if (dialect == SqlDialect::kMysql) return MysqlMigrationSql(statement);
  std::string sql(statement);
  ReplaceAll(sql, "{ID}",
             dialect == SqlDialect::kSqlite ? "INTEGER PRIMARY KEY AUTOINCREMENT"
                                            : "BIGSERIAL PRIMARY KEY");
  return sql;
}

}  // namespace magnum::db
