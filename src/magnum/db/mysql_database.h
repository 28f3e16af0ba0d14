// Database on a MariaDB (or MySQL) server, through Debian's libmariadb.
//
// Thread-safe: every calling thread gets its own connection, opened on first use and kept
// as SqliteDatabase keeps its own (connection_registry.h). Sessions run with sql_mode
// ANSI_QUOTES plus the strict modes (the SQL of sql_builder.h and migrations.h unchanged),
// utf8mb4, time_zone UTC, SERIALIZABLE isolation and innodb_lock_wait_timeout from
// DatabaseOptions::busy_timeout_ms (rounded to seconds). Parameters are sent as literals
// escaped by the client library for the connection's character set (mysql_rows.h), never as
// text pasted in.
//
// Writers take turns, as in SQLite: Transaction() and every write outside one (Insert,
// Update, Delete) first take the server-side named lock "magnum:<database>" (GET_LOCK),
// waiting up to busy_timeout_ms, and hold it to COMMIT; a wait past that is kUnavailable.
// Only appends to the event log skip it (writer_lock_policy.h).
// Transactions are therefore serializable without deadlocks among our processes, and
// readers outside transactions are never blocked (InnoDB consistent reads). Writers that do
// not take the lock (other programs) are still kept serializable by InnoDB's SERIALIZABLE
// isolation; a deadlock or lock wait timeout with them is kUnavailable with the
// transaction rolled back. Note: on a Galera cluster the named lock covers one node only
// (point every magnum process at the same node, as for any writer behind a proxy).
//
// Connection loss (server restarted, connection killed, network) is kUnavailable (HTTP
// 503) and the thread's connection is reconnected on its next call; a read outside a
// transaction is retried once on a fresh connection at once (a stale idle connection costs
// no error). Inside a transaction every call after the loss fails until it ends.
//
// Upgrade() runs the migrations under another named lock ("magnum-upgrade:<database>");
// MariaDB commits DDL implicitly, so a migration interrupted half-way (server gone) leaves
// its first statements applied and must be finished by hand. On a database the Python
// Magnum created (alembic_version, none of our migrations), Upgrade() first takes it over
// (takeover.h): resumable, every step idempotent.
#pragma once

#include <memory>
#include <string>
#include <utility>

#include "magnum/common/clock.h"
#include "magnum/db/connection_registry.h"
#include "magnum/db/database.h"
#include "magnum/db/mysql_url.h"
#include "magnum/db/upstream_schema.h"

namespace magnum::db {

class MysqlDatabase final : public Database {
 public:
  // Connects the calling thread at once, so a bad URL, credentials or a server that is not
  // there fail here (kUnavailable). `clock` stamps schema_migrations.applied_at.
  static Result<std::unique_ptr<MysqlDatabase>> Open(const MysqlUrl& url,
                                                     const DatabaseOptions& options,
                                                     const Clock& clock = SystemClock());
  ~MysqlDatabase() override;

  MysqlDatabase(const MysqlDatabase&) = delete;
  MysqlDatabase& operator=(const MysqlDatabase&) = delete;

  Result<Row> Insert(std::string_view table, const Row& values) override;
  Result<std::vector<Row>> List(std::string_view table, const ListQuery& query) override;
  Result<std::optional<Row>> GetOne(std::string_view table, const Filter& filter) override;
  Result<int64_t> Count(std::string_view table, const Filter& filter) override;
  Result<int64_t> Update(std::string_view table, const Filter& filter, const Row& changes) override;
  Result<int64_t> Delete(std::string_view table, const Filter& filter) override;
  Result<int64_t> Sum(std::string_view table, std::string_view column,
                      const Filter& filter) override;
  Result<void> Transaction(const std::function<Result<void>(Database& tx)>& fn) override;
  Result<int> SchemaVersion() override;
  Result<int> Upgrade() override;

  const MysqlUrl& url() const { return url_; }

  // What the database's alembic_version says: whether the Python Magnum created it
  // (takeover.h), for `magnum-db-manage version`.
  Result<AlembicState> UpstreamState();

  // Runs `sql` (no result) on a new connection to `url`'s server without selecting its
  // database: CREATE DATABASE / DROP DATABASE for tests and tools.
  static Result<void> ExecuteOnServer(const MysqlUrl& url, const std::string& sql);

 private:
  class Connection;  // one MYSQL handle

  MysqlDatabase(MysqlUrl url, const DatabaseOptions& options, const Clock& clock);
  // call(connection) on the calling thread's connection.
  template <typename F>
  auto OnThisThread(F&& call) -> decltype(call(std::declval<Connection&>()));

  const MysqlUrl url_;
  const DatabaseOptions options_;
  const Clock& clock_;
  // Each Connection is used only by its thread. Declared last: the connections close first.
  ConnectionRegistry<Connection> connections_;
};

}  // namespace magnum::db
