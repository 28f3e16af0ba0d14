// The relational schema of every resource, shared by all storage back ends.
//
// One TableSchema per table, with its columns and types; migrations.h builds the DDL from
// it per SQL dialect. Table and column names follow upstream Magnum's models where they
// exist, so operators recognise them. Immutable after start-up; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace magnum::db {

enum class ColumnType {
  kId,         // integer primary key, assigned by the database
  kInteger,    // 64-bit signed
  kBoolean,    // stored as 0/1
  kText,       // UTF-8 text
  kJson,       // JSON text (dicts, lists)
  kTimestamp,  // sortable text, storage form of common/clock.h
};

struct ColumnSchema {
  std::string name;
  ColumnType type;
  bool nullable = true;
};

struct TableSchema {
  std::string name;
  std::vector<ColumnSchema> columns;
  std::vector<std::vector<std::string>> unique;   // unique constraints (column lists)
  std::vector<std::vector<std::string>> indexes;  // plain indexes (column lists)

  const ColumnSchema* Find(std::string_view column) const;
  bool HasColumn(std::string_view column) const { return Find(column) != nullptr; }
};

// Table names.
inline constexpr char kClusterTemplateTable[] = "cluster_template";
inline constexpr char kClusterTable[] = "cluster";
inline constexpr char kNodeGroupTable[] = "nodegroup";
inline constexpr char kX509KeyPairTable[] = "x509keypair";
inline constexpr char kMagnumServiceTable[] = "magnum_service";
inline constexpr char kQuotaTable[] = "quotas";
inline constexpr char kFederationTable[] = "federation";
inline constexpr char kClusterEventTable[] = "cluster_event";
inline constexpr char kClusterLockTable[] = "cluster_lock";
// Containers on clusters (issue 15; upstream's table name, dropped upstream in 2016).
inline constexpr char kContainerTable[] = "container";
// Ours: the built-in autoscaler's memory of a cluster between passes (migration 6).
inline constexpr char kAutoscalerStateTable[] = "autoscaler_state";
// Bookkeeping: one change counter per resource table, kept by triggers (migration 4).
inline constexpr char kResourceGenerationTable[] = "resource_generation";

// Every table of the current schema version.
const std::vector<TableSchema>& AllTables();
// The schema of `table`, or nullptr when there is no such table.
const TableSchema* FindTable(std::string_view table);

}  // namespace magnum::db
