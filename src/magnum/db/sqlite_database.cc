#include "magnum/db/sqlite_database.h"

#include <spdlog/spdlog.h>
#include <sqlite3.h>

#include <string>
#include <unordered_map>
#include <utility>

#include "magnum/db/connection_tx.h"
#include "magnum/db/migrations.h"
#include "magnum/db/sql_builder.h"
#include "magnum/db/sqlite_errors.h"
#include "magnum/db/sqlite_rows.h"

namespace magnum::db {
namespace {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
};
using DbHandle = std::unique_ptr<sqlite3, DbCloser>;
using StmtHandle = std::unique_ptr<sqlite3_stmt, StmtFinalizer>;

// Statement texts vary with filter shapes and IN-list lengths; past this many the cache is
// dropped and refilled by the statements in use.
constexpr size_t kMaxCachedStatements = 256;

// Resets a statement taken from the cache and drops its bindings when the use ends.
class StatementUse {
 public:
  explicit StatementUse(sqlite3_stmt* s) : s_(s) {}
  ~StatementUse() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }
  StatementUse(const StatementUse&) = delete;
  StatementUse& operator=(const StatementUse&) = delete;

 private:
  sqlite3_stmt* s_;
};

}  // namespace

// One sqlite3 handle with its statement cache. Used by one thread at a time, no locking.
class SqliteDatabase::Connection {
 public:
  static Result<std::unique_ptr<Connection>> Open(const std::string& path,
                                                  const DatabaseOptions& options) {
    sqlite3* raw = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    DbHandle db(raw);  // owns the handle even when opening failed
    if (rc != SQLITE_OK) {
      return Fail(Error::Unavailable("Cannot open SQLite database " + path + ": " +
                                     (db ? sqlite3_errmsg(db.get()) : sqlite3_errstr(rc))));
    }
    sqlite3_extended_result_codes(db.get(), 1);
    sqlite3_busy_timeout(db.get(), options.busy_timeout_ms);
    std::unique_ptr<Connection> conn(
        new Connection(std::move(db), path, options.busy_timeout_ms));

    // journal_mode is persistent in the file; setting it again is a no-op once it is WAL.
    std::string mode;
    auto capture = [](void* out, int n, char** values, char**) {
      if (n > 0 && values[0] != nullptr) *static_cast<std::string*>(out) = values[0];
      return 0;
    };
    char* err = nullptr;
    rc = sqlite3_exec(conn->db_.get(), "PRAGMA journal_mode = WAL", capture, &mode, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) {
      return Fail(conn->ToError(rc, nullptr, "Cannot open SQLite database " + path));
    }
    if (mode != "wal") {
      spdlog::warn("SQLite database {} stays in journal mode '{}' (WAL unsupported here?)", path,
                   mode);
    }
    for (const char* pragma : {"PRAGMA foreign_keys = ON", "PRAGMA synchronous = NORMAL"}) {
      MAGNUM_RETURN_IF_ERROR(conn->ExecScript(pragma));
    }
    return conn;
  }

  Result<Row> Insert(std::string_view table, const Row& values) {
    MAGNUM_ASSIGN_OR_RETURN(const TableSchema* t, LookupTable(table));
    MAGNUM_ASSIGN_OR_RETURN(SqlStatement st, builder_.Insert(*t, values));
    MAGNUM_ASSIGN_OR_RETURN(std::vector<Row> rows, Query(st, t));
    if (rows.size() != 1) {
      return Fail(Error::Internal("INSERT into " + t->name + " returned no row"));
    }
    return std::move(rows[0]);
  }

  Result<std::vector<Row>> List(std::string_view table, const ListQuery& query) {
    MAGNUM_ASSIGN_OR_RETURN(const TableSchema* t, LookupTable(table));
    return ListByKeyset(builder_, *t, query,
                        [&](const SqlStatement& st) { return Query(st, t); });
  }

  Result<void> ListRows(std::string_view table, const ListQuery& query, const RowVisitor& visit) {
    MAGNUM_ASSIGN_OR_RETURN(const TableSchema* t, LookupTable(table));
    return RunKeysetList(
        builder_, *t, query, [&](const SqlStatement& st) { return Query(st, t); },
        [&](const SqlStatement& st) { return QueryVisit(st, t, visit); });
  }

  Result<std::optional<Row>> GetOne(std::string_view table, const Filter& filter) {
    MAGNUM_ASSIGN_OR_RETURN(const TableSchema* t, LookupTable(table));
    MAGNUM_ASSIGN_OR_RETURN(SqlStatement st, builder_.SelectOne(*t, filter));
    MAGNUM_ASSIGN_OR_RETURN(std::vector<Row> rows, Query(st, t));
    return SingleRow(std::move(rows), *t);
  }

  Result<int64_t> Count(std::string_view table, const Filter& filter) {
    MAGNUM_ASSIGN_OR_RETURN(const TableSchema* t, LookupTable(table));
    MAGNUM_ASSIGN_OR_RETURN(SqlStatement st, builder_.Count(*t, filter));
    return QueryInt(st, t);
  }

  Result<int64_t> Sum(std::string_view table, std::string_view column, const Filter& filter) {
    MAGNUM_ASSIGN_OR_RETURN(const TableSchema* t, LookupTable(table));
    MAGNUM_ASSIGN_OR_RETURN(SqlStatement st, builder_.Sum(*t, column, filter));
    return QueryInt(st, t);
  }

  Result<int64_t> Update(std::string_view table, const Filter& filter, const Row& changes) {
    MAGNUM_ASSIGN_OR_RETURN(const TableSchema* t, LookupTable(table));
    if (changes.empty()) return 0;
    MAGNUM_ASSIGN_OR_RETURN(SqlStatement st, builder_.Update(*t, filter, changes));
    return Execute(st, t);
  }

  Result<int64_t> Delete(std::string_view table, const Filter& filter) {
    MAGNUM_ASSIGN_OR_RETURN(const TableSchema* t, LookupTable(table));
    MAGNUM_ASSIGN_OR_RETURN(SqlStatement st, builder_.Delete(*t, filter));
    return Execute(st, t);
  }

  // BEGIN IMMEDIATE, fn, COMMIT; ROLLBACK when fn fails or throws.
  Result<void> RunTransaction(const std::function<Result<void>(Database& tx)>& fn, Database& tx) {
    if (in_transaction_) {
      return Fail(Error::Internal(
          "Transaction() is not re-entrant: this thread already has a transaction open"));
    }
    MAGNUM_RETURN_IF_ERROR(Execute(SqlStatement{"BEGIN IMMEDIATE", {}, {}}, nullptr));
    in_transaction_ = true;
    Result<void> result;
    try {
      result = fn(tx);
    } catch (...) {
      Rollback();
      throw;
    }
    if (!result) {
      Rollback();
      return result;
    }
    auto committed = Execute(SqlStatement{"COMMIT", {}, {}}, nullptr);
    if (!committed) {
      Rollback();
      // Out of space or locked: the message says what to do and is shown to API users as is.
      if (committed.error().Is(ErrorCode::kUnavailable)) return Fail(committed.error());
      return Fail(committed.error().WithContext("Commit failed"));
    }
    in_transaction_ = false;
    return {};
  }

  Result<int> SchemaVersion() {
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t exists,
        QueryInt(
            SqlStatement{"SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = ?",
                         {Value(std::string(kSchemaMigrationsTable))},
                         {}},
            nullptr));
    if (exists == 0) return 0;
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t version,
        QueryInt(
            SqlStatement{"SELECT COALESCE(MAX(\"version\"), 0) FROM \"schema_migrations\"", {}, {}},
            nullptr));
    return static_cast<int>(version);
  }

  // Runs SQL text without parameters or results (DDL, PRAGMA), uncached.
  Result<void> ExecScript(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err);
    sqlite3_free(err);
    if (rc != SQLITE_OK) return Fail(ToError(rc, nullptr, "SQL script failed"));
    return {};
  }

  // Runs `st` and returns the number of rows it changed.
  Result<int64_t> Execute(const SqlStatement& st, const TableSchema* table) {
    MAGNUM_ASSIGN_OR_RETURN(sqlite3_stmt * s, PrepareAndBind(st));
    StatementUse use(s);
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) return Fail(ToError(rc, table, ""));
    return static_cast<int64_t>(sqlite3_changes64(db_.get()));
  }

  bool in_transaction() const { return in_transaction_; }

 private:
  Connection(DbHandle db, std::string path, int busy_timeout_ms)
      : db_(std::move(db)), path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms) {}

  void Rollback() {
    in_transaction_ = false;
    // SQLite rolls back by itself after some errors (SQLITE_FULL, SQLITE_IOERR, ...).
    if (sqlite3_get_autocommit(db_.get())) return;
    auto r = Execute(SqlStatement{"ROLLBACK", {}, {}}, nullptr);
    if (!r) spdlog::error("SQLite ROLLBACK failed: {}", r.error().message());
  }

  // Runs `st` and hands each result row to `visit` as column views; returns the row count.
  // While `visit` runs, this connection refuses other statements (PrepareAndBind): the one
  // being stepped may be the cached statement they would get.
  Result<int64_t> QueryVisit(const SqlStatement& st, const TableSchema* table,
                             const RowVisitor& visit) {
    MAGNUM_ASSIGN_OR_RETURN(sqlite3_stmt * s, PrepareAndBind(st));
    StatementUse use(s);
    struct Visiting {
      bool& flag;
      explicit Visiting(bool& f) : flag(f) { flag = true; }
      ~Visiting() { flag = false; }
    } visiting(visiting_);
    int64_t n = 0;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      if (!ReadColumnViews(s, st.result_columns, views_)) {
        return Fail(Error::Unavailable("SQLite ran out of memory reading a row"));
      }
      ++n;
      MAGNUM_RETURN_IF_ERROR(visit(views_));
    }
    if (rc != SQLITE_DONE) return Fail(ToError(rc, table, ""));
    return n;
  }

  Result<std::vector<Row>> Query(const SqlStatement& st, const TableSchema* table) {
    MAGNUM_ASSIGN_OR_RETURN(sqlite3_stmt * s, PrepareAndBind(st));
    StatementUse use(s);
    const SqliteRowReader reader(table, st.result_columns);
    std::vector<Row> rows;
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
      std::optional<Row> row = reader.Read(s);
      if (!row) return Fail(Error::Unavailable("SQLite ran out of memory reading a row"));
      rows.push_back(std::move(*row));
    }
    if (rc != SQLITE_DONE) return Fail(ToError(rc, table, ""));
    return rows;
  }

  // The first column of the single result row of `st`, as an integer.
  Result<int64_t> QueryInt(const SqlStatement& st, const TableSchema* table) {
    MAGNUM_ASSIGN_OR_RETURN(sqlite3_stmt * s, PrepareAndBind(st));
    StatementUse use(s);
    int rc = sqlite3_step(s);
    if (rc == SQLITE_DONE) return Fail(Error::Internal("Query returned no row: " + st.sql));
    if (rc != SQLITE_ROW) return Fail(ToError(rc, table, ""));
    return static_cast<int64_t>(sqlite3_column_int64(s, 0));
  }

  // The cached statement for `st.sql` with `st.params` bound. Statements are used one at a
  // time (each call steps its statement to the end before returning), so a cached statement
  // is never handed out while still in use, and dropping the cache here is safe.
  Result<sqlite3_stmt*> PrepareAndBind(const SqlStatement& st) {
    if (visiting_) {
      return Fail(Error::Internal("The database was called from inside a ListRows visitor: " +
                                  st.sql));
    }
    sqlite3_stmt* s = nullptr;
    auto it = cache_.find(st.sql);
    if (it != cache_.end()) {
      s = it->second.get();
    } else {
      sqlite3_stmt* raw = nullptr;
      int rc = sqlite3_prepare_v3(db_.get(), st.sql.data(), static_cast<int>(st.sql.size()),
                                  SQLITE_PREPARE_PERSISTENT, &raw, nullptr);
      StmtHandle handle(raw);
      if (rc != SQLITE_OK) return Fail(ToError(rc, nullptr, "Preparing SQL failed"));
      if (cache_.size() >= kMaxCachedStatements) cache_.clear();
      s = handle.get();
      cache_.emplace(st.sql, std::move(handle));
    }
    if (sqlite3_bind_parameter_count(s) != static_cast<int>(st.params.size())) {
      return Fail(Error::Internal("Parameter count mismatch in SQL: " + st.sql));
    }
    for (int i = 0; i < static_cast<int>(st.params.size()); ++i) {
      const Value& v = st.params[i];
      int rc = SQLITE_OK;
      if (const auto* n = std::get_if<int64_t>(&v)) {
        rc = sqlite3_bind_int64(s, i + 1, *n);
      } else if (const auto* b = std::get_if<bool>(&v)) {
        rc = sqlite3_bind_int(s, i + 1, *b ? 1 : 0);
      } else if (const auto* str = std::get_if<std::string>(&v)) {
        // The statement is stepped and reset while `st` is alive.
        rc = sqlite3_bind_text(s, i + 1, str->data(), static_cast<int>(str->size()), SQLITE_STATIC);
      } else {
        rc = sqlite3_bind_null(s, i + 1);
      }
      if (rc != SQLITE_OK) {
        sqlite3_clear_bindings(s);
        return Fail(ToError(rc, nullptr, "Binding a parameter failed"));
      }
    }
    return s;
  }

  Error ToError(int rc, const TableSchema* table, std::string_view context) const {
    return SqliteError(db_.get(), rc, table, context, path_, busy_timeout_ms_);
  }

  DbHandle db_;  // declared first: closed after every cached statement is finalized
  std::unordered_map<std::string, StmtHandle> cache_;
  const std::string path_;
  const int busy_timeout_ms_;
  SqlBuilder builder_{SqlDialect::kSqlite};
  bool in_transaction_ = false;
  bool visiting_ = false;           // a ListRows visitor is running
  std::vector<ColumnView> views_;   // QueryVisit's row, reused
};

SqliteDatabase::SqliteDatabase(std::string path, const DatabaseOptions& options, const Clock& clock)
    : path_(std::move(path)),
      options_(options),
      clock_(clock),
      connections_([this]() { return Connection::Open(path_, options_); }) {}

SqliteDatabase::~SqliteDatabase() = default;

Result<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path,
                                                             const DatabaseOptions& options,
                                                             const Clock& clock) {
  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase(path, options, clock));
  MAGNUM_RETURN_IF_ERROR(db->connections_.ThisThread());
  return db;
}

size_t SqliteDatabase::ConnectionCountForTesting() const { return connections_.ConnectionCount(); }

Result<Row> SqliteDatabase::Insert(std::string_view table, const Row& values) {
  MAGNUM_ASSIGN_OR_RETURN(Connection * c, connections_.ThisThread());
  return c->Insert(table, values);
}

Result<std::vector<Row>> SqliteDatabase::List(std::string_view table, const ListQuery& query) {
  MAGNUM_ASSIGN_OR_RETURN(Connection * c, connections_.ThisThread());
  return c->List(table, query);
}

Result<void> SqliteDatabase::ListRows(std::string_view table, const ListQuery& query,
                                      const RowVisitor& visit) {
  MAGNUM_ASSIGN_OR_RETURN(Connection * c, connections_.ThisThread());
  return c->ListRows(table, query, visit);
}

Result<std::optional<Row>> SqliteDatabase::GetOne(std::string_view table, const Filter& filter) {
  MAGNUM_ASSIGN_OR_RETURN(Connection * c, connections_.ThisThread());
  return c->GetOne(table, filter);
}

Result<int64_t> SqliteDatabase::Count(std::string_view table, const Filter& filter) {
  MAGNUM_ASSIGN_OR_RETURN(Connection * c, connections_.ThisThread());
  return c->Count(table, filter);
}

Result<int64_t> SqliteDatabase::Update(std::string_view table, const Filter& filter,
                                       const Row& changes) {
  MAGNUM_ASSIGN_OR_RETURN(Connection * c, connections_.ThisThread());
  return c->Update(table, filter, changes);
}

Result<int64_t> SqliteDatabase::Delete(std::string_view table, const Filter& filter) {
  MAGNUM_ASSIGN_OR_RETURN(Connection * c, connections_.ThisThread());
  return c->Delete(table, filter);
}

Result<int64_t> SqliteDatabase::Sum(std::string_view table, std::string_view column,
                                    const Filter& filter) {
  MAGNUM_ASSIGN_OR_RETURN(Connection * c, connections_.ThisThread());
  return c->Sum(table, column, filter);
}

Result<void> SqliteDatabase::Transaction(const std::function<Result<void>(Database& tx)>& fn) {
  // Reads inside a transaction keep SQLite's in-place ListRows, not the default over List().
  static_assert(requires(Connection& conn, const ListQuery& q, const RowVisitor& v) {
    conn.ListRows(std::string_view(), q, v);
  });
  MAGNUM_ASSIGN_OR_RETURN(Connection * c, connections_.ThisThread());
  ConnectionTxDatabase<Connection> tx(*c);
  return c->RunTransaction(fn, tx);
}

Result<int> SqliteDatabase::SchemaVersion() {
  MAGNUM_ASSIGN_OR_RETURN(Connection * c, connections_.ThisThread());
  return c->SchemaVersion();
}

Result<int> SqliteDatabase::Upgrade() {
  MAGNUM_ASSIGN_OR_RETURN(Connection * c, connections_.ThisThread());
  if (c->in_transaction()) {
    return Fail(Error::Internal("Upgrade() cannot run inside a transaction"));
  }
  MAGNUM_RETURN_IF_ERROR(c->ExecScript(kSchemaMigrationsDdl));
  MAGNUM_ASSIGN_OR_RETURN(int current, c->SchemaVersion());
  const int latest = LatestMigrationVersion();
  if (current > latest) {
    return Fail(Error::FailedPrecondition("Database schema version " + std::to_string(current) +
                                          " is newer than this build supports (" +
                                          std::to_string(latest) + ")"));
  }
  ConnectionTxDatabase<Connection> tx(*c);
  for (const Migration& m : AllMigrations()) {
    if (m.version <= current) continue;
    bool applied = false;
    auto r = c->RunTransaction(
        [&](Database&) -> Result<void> {
          // Another process may have applied it since we looked: BEGIN IMMEDIATE serialises.
          MAGNUM_ASSIGN_OR_RETURN(int now, c->SchemaVersion());
          if (now >= m.version) return {};
          for (const auto& statement : m.statements) {
            MAGNUM_RETURN_IF_ERROR(
                c->ExecScript(RenderMigrationSql(statement, SqlDialect::kSqlite)));
          }
          MAGNUM_RETURN_IF_ERROR(c->Execute(
              SqlStatement{"INSERT INTO \"schema_migrations\" (\"version\", \"description\", "
                           "\"applied_at\") VALUES (?, ?, ?)",
                           {Value(int64_t{m.version}), Value(m.description),
                            Value(FormatDbTimestamp(clock_.Now()))},
                           {}},
              nullptr));
          applied = true;
          return {};
        },
        tx);
    if (!r) {
      return Fail(r.error().WithContext("Migration " + std::to_string(m.version) + " (" +
                                        m.description + ") failed"));
    }
    if (applied) spdlog::info("Applied database migration {}: {}", m.version, m.description);
  }
  return c->SchemaVersion();
}

}  // namespace magnum::db
