// Database on an SQLite file (the embedded default back end).
//
// Thread-safe: every calling thread gets its own connection to the file, opened on first
// use and closed when the SqliteDatabase is destroyed (which must not race with calls from
// other threads); a thread that exits leaves its connection to the next thread given the
// same std::thread::id (connection_registry.h). Connections run in WAL mode with
// synchronous=NORMAL, foreign keys on, and wait up to DatabaseOptions::busy_timeout_ms for a
// lock before failing with kUnavailable. Prepared statements are cached per connection by SQL
// text; result rows are read by column position into rows bound to their table's RowLayout, or
// handed to ListRows's visitor as views of SQLite's own buffers (sqlite_rows.h); errors map as
// sqlite_errors.h says.
//
// A full file system (SQLITE_FULL) and other I/O errors are kUnavailable (HTTP 503) with a
// message naming the database's directory: nothing of the failed call is applied, reads keep
// working, and writes succeed again once space returns, without reopening.
//
// Transaction() uses BEGIN IMMEDIATE, so write transactions are serialised at BEGIN and
// never fail on lock upgrade. Calls on this object made from inside a transaction's `fn` on
// the same thread run on the same connection and therefore inside that transaction.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "magnum/common/clock.h"
#include "magnum/db/connection_registry.h"
#include "magnum/db/database.h"

namespace magnum::db {

class SqliteDatabase final : public Database {
 public:
  // Opens (creating if missing) the SQLite file at `path`; the parent directory must exist.
  // Opens the calling thread's connection at once, so a bad path fails here (kUnavailable).
  // `clock` stamps schema_migrations.applied_at and must outlive the database.
  static Result<std::unique_ptr<SqliteDatabase>> Open(const std::string& path,
                                                      const DatabaseOptions& options,
                                                      const Clock& clock = SystemClock());
  ~SqliteDatabase() override;

  SqliteDatabase(const SqliteDatabase&) = delete;
  SqliteDatabase& operator=(const SqliteDatabase&) = delete;

  Result<Row> Insert(std::string_view table, const Row& values) override;
  Result<std::vector<Row>> List(std::string_view table, const ListQuery& query) override;
  // Reads each result row's columns in place (views into SQLite's buffers), no Row built.
  Result<void> ListRows(std::string_view table, const ListQuery& query,
                        const RowVisitor& visit) override;
  Result<std::optional<Row>> GetOne(std::string_view table, const Filter& filter) override;
  Result<int64_t> Count(std::string_view table, const Filter& filter) override;
  Result<int64_t> Update(std::string_view table, const Filter& filter, const Row& changes) override;
  Result<int64_t> Delete(std::string_view table, const Filter& filter) override;
  Result<int64_t> Sum(std::string_view table, std::string_view column,
                      const Filter& filter) override;
  Result<void> Transaction(const std::function<Result<void>(Database& tx)>& fn) override;
  Result<int> SchemaVersion() override;
  Result<int> Upgrade() override;

  const std::string& path() const { return path_; }

  // Connections currently open (one per thread that has used this database).
  size_t ConnectionCountForTesting() const;

 private:
  class Connection;  // one sqlite3 handle and its statement cache

  SqliteDatabase(std::string path, const DatabaseOptions& options, const Clock& clock);

  const std::string path_;
  const DatabaseOptions options_;
  const Clock& clock_;
  // Each Connection is used only by its thread. Declared last: the connections close first.
  ConnectionRegistry<Connection> connections_;
};

}  // namespace magnum::db
