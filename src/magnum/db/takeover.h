// Taking over a database the Python Magnum created (upstream_schema.h says what changes).
//
// MysqlDatabase::Upgrade() calls TakeOverUpstreamMagnum first on a database where none of
// our migrations is recorded. With no alembic_version table nothing happens (a new database:
// our migrations create it). At the Magnum 15 head the database is converted in place and
// our migrations 1..kTakeoverVersion are recorded; at any other revision nothing is changed
// and the error (kFailedPrecondition) says to run the Python upgrade to the head first.
// The plan is rebuilt from the live schema each time and every step is idempotent, so a run
// that stopped half-way (crash, lost connection) is completed by running upgrade again.
// MariaDB/MySQL only: upstream Magnum is not deployed on SQLite.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/db/upstream_schema.h"

namespace magnum::db {

// Plain SQL on one connection, for the takeover (implemented by the MariaDB back end).
class SqlSession {
 public:
  using TextRow = std::vector<std::optional<std::string>>;  // nullopt = NULL

  virtual ~SqlSession() = default;
  virtual Result<void> Execute(const std::string& sql) = 0;
  // Every row of `sql`, each column as text.
  virtual Result<std::vector<TextRow>> Query(const std::string& sql) = 0;
};

// Takes over an upstream Magnum 15 database, or does nothing. Returns whether it took one
// over (our migrations 1..kTakeoverVersion are then recorded). `applied_at` stamps them.
// Call only under the upgrade lock, when schema_migrations holds no version.
Result<bool> TakeOverUpstreamMagnum(SqlSession& session, const std::string& applied_at);

// What alembic_version says (for `magnum-db-manage version`): kNone without that table.
Result<AlembicState> ReadAlembicState(SqlSession& session);

}  // namespace magnum::db
