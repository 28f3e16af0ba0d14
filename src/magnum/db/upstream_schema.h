// What a database built by the Python Magnum looks like, and the plan that turns it into ours.
//
// Upstream's `magnum-db-manage upgrade` (alembic) records its revision in the one-row table
// `alembic_version`. We take over exactly one revision, the head of Magnum 15 (2023.1
// "Antelope", as Debian 12's python3-magnum 15.0.1 builds it on MariaDB): its seven tables
// (cluster, cluster_template, nodegroup, x509keypair, magnum_service, quotas, federation)
// already carry our table and column names. The differences the plan removes:
//   * timestamps are DATETIME ("2026-12-05 01:28:25"); ours are VARCHAR(32) holding the
//     sortable text form "2026-12-05T01:28:25.000000" (common/clock.h);
//   * integers are INT(11); ours BIGINT (ids included);
//   * tables are utf8mb3_general_ci (case-insensitive); ours kMysqlCollation (byte-wise,
//     as in SQLite); upstream's TEXT columns are MEDIUMTEXT in ours (mysql_ddl.h);
//   * a few columns upstream lacks (cluster.driver, cluster_template.driver,
//     nodegroup.node_labels, nodegroup.node_taints, x509keypair.name), our indexes, and the
//     unique keys upstream still names after bays (uniq_bay0uuid, uniq_baymodel0uuid);
//   * our own tables (cluster_event, cluster_lock, resource_generation) and triggers.
//   * an old `container` table (upstream dropped it in 2016; a leftover only) is renamed to
//     kUpstreamContainerTable, so that our migration 5 creates ours.
// JSON text (labels, node_addresses, ...), booleans (TINYINT(1)) and status strings are
// stored alike and need no conversion. Upstream has no soft-deleted rows (no `deleted`
// columns). `alembic_version` and anything else we do not know is left untouched.
//
// Every statement of the plan is idempotent (IF [NOT] EXISTS, MODIFY to the target type,
// conversions that select only unconverted values, INSERT IGNORE), because MariaDB commits
// DDL one statement at a time: after a crash the same plan, rebuilt from the live schema, is
// simply run again. The last statement records our migrations 1..kTakeoverVersion as
// applied; until it has run the database still reads as "upstream, not yet taken over".
// Pure; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magnum::db {

// The alembic head of Magnum 15 (migration "separated CA cert for etcd and front-proxy").
inline constexpr char kMagnum15AlembicHead[] = "7da8489d6a68";
inline constexpr char kAlembicVersionTable[] = "alembic_version";
// Our migrations the takeover stands for (1..this); later ones apply as usual after it.
inline constexpr int kTakeoverVersion = 4;
// Where the takeover moves an old upstream `container` table, when one is left (our own
// table of that name comes with migration 5).
inline constexpr char kUpstreamContainerTable[] = "container_upstream";

// The tables upstream's head has (all of them ours too).
const std::vector<std::string>& UpstreamTables();

// What alembic_version says about a database whose schema_migrations is empty.
struct AlembicState {
  enum class Kind {
    kNone,        // no alembic_version table: not a Python Magnum database
    kKnownHead,   // at kMagnum15AlembicHead: can be taken over
    kUnsupported, // another revision, or none, or several: refused
  };
  Kind kind = Kind::kNone;
  std::string revision;  // the revision(s) found, comma-separated
};

// `table_exists`: whether alembic_version exists; `revisions`: its version_num values.
AlembicState ClassifyAlembic(bool table_exists, const std::vector<std::string>& revisions);

// The error text for kUnsupported: what was found and what to do.
std::string UnsupportedRevisionMessage(const AlembicState& state);

// One column as information_schema.COLUMNS describes it.
struct LiveColumn {
  std::string column_type;  // COLUMN_TYPE, lower case, e.g. "varchar(255)", "datetime"
  bool nullable = true;
};

// The live state of one table: columns, index names and collation.
struct LiveTable {
  std::map<std::string, LiveColumn> columns;
  std::vector<std::string> indexes;  // index names (information_schema.STATISTICS)
  std::string collation;             // TABLE_COLLATION
};

// Every table of the database by name.
using LiveSchema = std::map<std::string, LiveTable>;

// Checks before anything is changed: rows our schema cannot hold (a NULL uuid or name where
// ours is NOT NULL). Returns the SELECT COUNT(*) queries with what each one means; every
// count must be 0.
struct PreflightCheck {
  std::string sql;
  std::string problem;
};
std::vector<PreflightCheck> TakeoverPreflight(const LiveSchema& live);

// The statements that bring `live` (an upstream Magnum 15 database, possibly half taken
// over already) to our schema at kTakeoverVersion, in order; the last one records the
// migrations with `applied_at` and a description naming the revision taken over.
std::vector<std::string> TakeoverPlan(const LiveSchema& live, const std::string& applied_at);

// The MariaDB expression that turns upstream's DATETIME text form of `column` ("YYYY-MM-DD
// HH:MM:SS[.ffffff]") into ours ("YYYY-MM-DDTHH:MM:SS.ffffff"), and the condition that
// selects the values still in upstream's form (so that the UPDATE is idempotent).
std::string TimestampConversionSql(std::string_view table, std::string_view column);

// The same conversion on one value, as the database applies it (for tests and tools):
// nullopt when `value` is not in upstream's form (already ours, or something else).
std::optional<std::string> ConvertUpstreamTimestamp(std::string_view value);

}  // namespace magnum::db
