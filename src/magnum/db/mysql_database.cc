#include "magnum/db/mysql_database.h"

#include <mysql.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <cstdio>
#include <string>
#include <utility>

#include "magnum/db/connection_tx.h"
#include "magnum/db/migrations.h"
#include "magnum/db/mysql_rows.h"
#include "magnum/db/sql_builder.h"
#include "magnum/db/takeover.h"
#include "magnum/db/writer_lock_policy.h"

namespace magnum::db {
namespace {

constexpr double kUpgradeLockTimeoutS = 300;

// A named lock per database (GET_LOCK names are at most 64 characters).
std::string LockName(std::string_view prefix, const std::string& database) {
  std::string name = std::string(prefix) + database;
  if (name.size() > 64) name.resize(64);
  return name;
}

}  // namespace

// One MYSQL handle, used by one thread at a time, reconnected after a loss.
class MysqlDatabase::Connection {
 public:
  Connection(const MysqlUrl& url, const DatabaseOptions& options, const Clock& clock)
      : url_(url),
        options_(options),
        clock_(clock),
        writer_lock_(LockName("magnum:", url.database)),
        upgrade_lock_(LockName("magnum-upgrade:", url.database)) {}
  ~Connection() { Close(); }

  Result<void> EnsureOpen() {
    if (in_tx_ && lost_in_tx_) {
      return Fail(Error::Unavailable(
          "The connection to the database was lost during this transaction; retry it"));
    }
    if (m_ != nullptr) return {};
    MysqlOpenResult opened = MysqlConnect(url_, options_.busy_timeout_ms, true);
    if (opened.handle == nullptr) {
      return Fail(Error::Unavailable("Cannot connect to the database " + url_.Redacted() + ": " +
                                     opened.error));
    }
    m_ = opened.handle;
    return {};
  }

  Result<Row> Insert(std::string_view table, const Row& values) {
    MAGNUM_ASSIGN_OR_RETURN(const TableSchema* t, LookupTable(table));
    MAGNUM_ASSIGN_OR_RETURN(SqlStatement st, builder_.Insert(*t, values));
    std::vector<Row> rows;
    auto insert = [&]() -> Result<void> {
      MAGNUM_ASSIGN_OR_RETURN(rows, Query(st, t));
      return {};
    };
    // An append to a log table takes no writer lock (writer_lock_policy.h); like a read, it
    // runs once more on a fresh connection when it found this one lost.
    MAGNUM_RETURN_IF_ERROR(InsertTakesWriterLock(t->name) || in_tx_ ? Write(insert)
                                                                    : Read<void>(insert));
    if (rows.size() != 1) return Fail(Error::Internal("INSERT into " + t->name + " returned no row"));
    return std::move(rows[0]);
  }

  Result<std::vector<Row>> List(std::string_view table, const ListQuery& query) {
    return Read<std::vector<Row>>([&]() { return ListOnce(table, query); });
  }

  Result<std::optional<Row>> GetOne(std::string_view table, const Filter& filter) {
    MAGNUM_ASSIGN_OR_RETURN(const TableSchema* t, LookupTable(table));
    MAGNUM_ASSIGN_OR_RETURN(SqlStatement st, builder_.SelectOne(*t, filter));
    MAGNUM_ASSIGN_OR_RETURN(std::vector<Row> rows,
                            Read<std::vector<Row>>([&]() { return Query(st, t); }));
    return SingleRow(std::move(rows), *t);
  }

  Result<int64_t> Count(std::string_view table, const Filter& filter) {
    MAGNUM_ASSIGN_OR_RETURN(const TableSchema* t, LookupTable(table));
    MAGNUM_ASSIGN_OR_RETURN(SqlStatement st, builder_.Count(*t, filter));
    return Read<int64_t>([&]() { return QueryInt(st, t); });
  }

  Result<int64_t> Sum(std::string_view table, std::string_view column, const Filter& filter) {
    MAGNUM_ASSIGN_OR_RETURN(const TableSchema* t, LookupTable(table));
    MAGNUM_ASSIGN_OR_RETURN(SqlStatement st, builder_.Sum(*t, column, filter));
    return Read<int64_t>([&]() { return QueryInt(st, t); });
  }

  Result<int64_t> Update(std::string_view table, const Filter& filter, const Row& changes) {
    MAGNUM_ASSIGN_OR_RETURN(const TableSchema* t, LookupTable(table));
    if (changes.empty()) return 0;
    MAGNUM_ASSIGN_OR_RETURN(SqlStatement st, builder_.Update(*t, filter, changes));
    int64_t n = 0;
    MAGNUM_RETURN_IF_ERROR(Write([&]() -> Result<void> {
      MAGNUM_ASSIGN_OR_RETURN(n, Execute(st, t));
      return {};
    }));
    return n;
  }

  Result<int64_t> Delete(std::string_view table, const Filter& filter) {
    MAGNUM_ASSIGN_OR_RETURN(const TableSchema* t, LookupTable(table));
    MAGNUM_ASSIGN_OR_RETURN(SqlStatement st, builder_.Delete(*t, filter));
    int64_t n = 0;
    MAGNUM_RETURN_IF_ERROR(Write([&]() -> Result<void> {
      MAGNUM_ASSIGN_OR_RETURN(n, Execute(st, t));
      return {};
    }));
    return n;
  }

  // The writer lock, START TRANSACTION, fn, COMMIT (ROLLBACK when fn fails or throws),
  // and the lock released.
  Result<void> RunTransaction(const std::function<Result<void>(Database& tx)>& fn, Database& tx) {
    if (in_tx_) {
      return Fail(Error::Internal(
          "Transaction() is not re-entrant: this thread already has a transaction open"));
    }
    MAGNUM_RETURN_IF_ERROR(LockForWriting());
    if (auto begun = Raw("START TRANSACTION"); !begun) {
      ReleaseLock(writer_lock_);
      return begun;
    }
    in_tx_ = true;
    lost_in_tx_ = false;
    Result<void> result;
    try {
      result = fn(tx);
    } catch (...) {
      EndTransaction(false);
      throw;
    }
    if (!result) {
      EndTransaction(false);
      return result;
    }
    auto committed = EndTransaction(true);
    if (!committed) {
      if (committed.error().Is(ErrorCode::kUnavailable)) return committed;
      return Fail(committed.error().WithContext("Commit failed"));
    }
    return {};
  }

  Result<int> SchemaVersion() {
    return Read<int>([&]() -> Result<int> {
      MAGNUM_ASSIGN_OR_RETURN(
          int64_t exists,
          QueryInt(SqlStatement{"SELECT COUNT(*) FROM information_schema.TABLES WHERE "
                                "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?",
                                {Value(std::string(kSchemaMigrationsTable))},
                                {}},
                   nullptr));
      if (exists == 0) return 0;
      MAGNUM_ASSIGN_OR_RETURN(
          int64_t version,
          QueryInt(SqlStatement{"SELECT COALESCE(MAX(\"version\"), 0) FROM \"schema_migrations\"",
                                {},
                                {}},
                   nullptr));
      return static_cast<int>(version);
    });
  }

  Result<int> Upgrade() {
    if (in_tx_) return Fail(Error::Internal("Upgrade() cannot run inside a transaction"));
    MAGNUM_RETURN_IF_ERROR(EnsureOpen());
    MAGNUM_RETURN_IF_ERROR(AcquireLock(upgrade_lock_, kUpgradeLockTimeoutS));
    auto result = UpgradeLocked();
    ReleaseLock(upgrade_lock_);
    return result;
  }

  Result<AlembicState> UpstreamState() {
    return Read<AlembicState>([&]() -> Result<AlembicState> {
      TakeoverSession session(*this);
      return ReadAlembicState(session);
    });
  }

  bool in_transaction() const { return in_tx_; }

 private:
  void Close() {
    if (m_ != nullptr) mysql_close(m_);
    m_ = nullptr;
  }

  Result<int> UpgradeLocked() {
    MAGNUM_RETURN_IF_ERROR(Raw(kSchemaMigrationsDdl));
    MAGNUM_ASSIGN_OR_RETURN(int current, SchemaVersion());
    if (current == 0) {  // perhaps a Python Magnum's database (takeover.h)
      TakeoverSession session(*this);
      MAGNUM_ASSIGN_OR_RETURN(bool taken,
                              TakeOverUpstreamMagnum(session, FormatDbTimestamp(clock_.Now())));
      if (taken) {
        MAGNUM_ASSIGN_OR_RETURN(current, SchemaVersion());
      }
    }
    const int latest = LatestMigrationVersion();
    if (current > latest) {
      return Fail(Error::FailedPrecondition("Database schema version " + std::to_string(current) +
                                            " is newer than this build supports (" +
                                            std::to_string(latest) + ")"));
    }
    for (const Migration& m : AllMigrations()) {
      if (m.version <= current) continue;
      // DDL commits implicitly in MariaDB: the statements run one by one, then the record.
      for (const auto& statement : m.statements) {
        auto r = Raw(RenderMigrationSql(statement, SqlDialect::kMysql));
        if (!r) {
          return Fail(r.error().WithContext("Migration " + std::to_string(m.version) + " (" +
                                            m.description + ") failed"));
        }
      }
      MAGNUM_RETURN_IF_ERROR(Execute(
          SqlStatement{"INSERT INTO \"schema_migrations\" (\"version\", \"description\", "
                       "\"applied_at\") VALUES (?, ?, ?)",
                       {Value(int64_t{m.version}), Value(m.description),
                        Value(FormatDbTimestamp(clock_.Now()))},
                       {}},
          nullptr));
      spdlog::info("Applied database migration {}: {}", m.version, m.description);
    }
    return SchemaVersion();
  }

  Result<std::vector<Row>> ListOnce(std::string_view table, const ListQuery& query) {
    MAGNUM_ASSIGN_OR_RETURN(const TableSchema* t, LookupTable(table));
    return ListByKeyset(builder_, *t, query,
                        [&](const SqlStatement& st) { return Query(st, t); });
  }

  // Runs a read; outside a transaction, once more on a fresh connection when the first
  // attempt found the connection lost (reads are safe to repeat).
  template <typename T, typename F>
  Result<T> Read(F&& read) {
    MAGNUM_RETURN_IF_ERROR(EnsureOpen());
    lost_ = false;
    Result<T> r = read();
    if (r || !lost_ || in_tx_) return r;
    MAGNUM_RETURN_IF_ERROR(EnsureOpen());
    return read();
  }

  // Runs a write: inside a transaction as is; outside one under the writer lock.
  Result<void> Write(const std::function<Result<void>()>& write) {
    MAGNUM_RETURN_IF_ERROR(EnsureOpen());
    if (in_tx_) return write();
    MAGNUM_RETURN_IF_ERROR(LockForWriting());
    auto result = write();
    ReleaseLock(writer_lock_);
    return result;
  }

  // Takes the writer lock; when the connection turns out stale (closed by the server while
  // idle, or before a restart), once more on a fresh one: nothing was written yet.
  Result<void> LockForWriting() {
    MAGNUM_RETURN_IF_ERROR(EnsureOpen());
    lost_ = false;
    auto locked = AcquireLock(writer_lock_, options_.busy_timeout_ms / 1000.0);
    if (!locked && lost_) {
      MAGNUM_RETURN_IF_ERROR(EnsureOpen());
      locked = AcquireLock(writer_lock_, options_.busy_timeout_ms / 1000.0);
    }
    return locked;
  }

  Result<void> AcquireLock(const std::string& name, double timeout_s) {
    char seconds[32];
    std::snprintf(seconds, sizeof seconds, "%.3f", timeout_s);
    MAGNUM_ASSIGN_OR_RETURN(
        int64_t got,
        QueryInt(SqlStatement{"SELECT COALESCE(GET_LOCK(?, " + std::string(seconds) + "), -1)",
                              {Value(name)},
                              {}},
                 nullptr));
    if (got == 1) return {};
    return Fail(Error::Unavailable("Database is locked (waited " +
                                   std::to_string(static_cast<int64_t>(timeout_s * 1000)) +
                                   " ms for another writer)"));
  }

  void ReleaseLock(const std::string& name) {
    if (m_ == nullptr) return;  // the server released it with the connection
    auto st = SqlStatement{"DO RELEASE_LOCK(?)", {Value(name)}, {}};
    auto r = Execute(st, nullptr);
    if (!r) spdlog::warn("Releasing the database lock {} failed: {}", name, r.error().message());
  }

  Result<void> EndTransaction(bool commit) {
    Result<void> r;
    if (commit) {
      r = Raw("COMMIT");
      if (!r && m_ != nullptr) (void)Raw("ROLLBACK");
    } else if (m_ != nullptr) {
      auto rolled_back = Raw("ROLLBACK");
      if (!rolled_back) spdlog::error("ROLLBACK failed: {}", rolled_back.error().message());
    }
    in_tx_ = false;
    lost_in_tx_ = false;
    ReleaseLock(writer_lock_);
    return r;
  }

  // Sends `sql` (parameters rendered) and returns its result set, or nullptr for none.
  Result<MYSQL_RES*> Send(const SqlStatement& st, const TableSchema* table) {
    MAGNUM_RETURN_IF_ERROR(EnsureOpen());
    MAGNUM_ASSIGN_OR_RETURN(std::string sql, MysqlRenderStatement(m_, st));
    if (mysql_real_query(m_, sql.data(), sql.size()) != 0) return Fail(LastError(table));
    MYSQL_RES* res = mysql_store_result(m_);
    if (res == nullptr && mysql_field_count(m_) != 0) return Fail(LastError(table));
    return res;
  }

  Result<std::vector<Row>> Query(const SqlStatement& st, const TableSchema* table) {
    MAGNUM_ASSIGN_OR_RETURN(MYSQL_RES * res, Send(st, table));
    if (res == nullptr) return Fail(Error::Internal("Statement returned no rows: " + st.sql));
    auto rows = MysqlReadRows(res, table, st.result_columns);
    mysql_free_result(res);
    return rows;
  }

  Result<int64_t> QueryInt(const SqlStatement& st, const TableSchema* table) {
    MAGNUM_ASSIGN_OR_RETURN(MYSQL_RES * res, Send(st, table));
    if (res == nullptr) return Fail(Error::Internal("Query returned no rows: " + st.sql));
    MYSQL_ROW row = mysql_fetch_row(res);
    int64_t value = 0;
    bool ok = row != nullptr && row[0] != nullptr;
    if (ok) {
      const std::string_view text(row[0], mysql_fetch_lengths(res)[0]);
      auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
      ok = ec == std::errc() && p == text.data() + text.size();
    }
    mysql_free_result(res);
    if (!ok) return Fail(Error::Internal("Query returned no integer: " + st.sql));
    return value;
  }

  // Runs `st` and returns the number of rows it matched (CLIENT_FOUND_ROWS).
  Result<int64_t> Execute(const SqlStatement& st, const TableSchema* table) {
    MAGNUM_ASSIGN_OR_RETURN(MYSQL_RES * res, Send(st, table));
    if (res != nullptr) mysql_free_result(res);
    return static_cast<int64_t>(mysql_affected_rows(m_));
  }

  Result<void> Raw(std::string_view sql) {
    MAGNUM_RETURN_IF_ERROR(Execute(SqlStatement{std::string(sql), {}, {}}, nullptr));
    return {};
  }

  // Every row of `sql`, each column as text (nullopt for NULL).
  Result<std::vector<SqlSession::TextRow>> QueryText(const std::string& sql) {
    MAGNUM_ASSIGN_OR_RETURN(MYSQL_RES * res, Send(SqlStatement{sql, {}, {}}, nullptr));
    if (res == nullptr) return Fail(Error::Internal("Query returned no rows: " + sql));
    std::vector<SqlSession::TextRow> rows;
    const unsigned n = mysql_num_fields(res);
    while (MYSQL_ROW row = mysql_fetch_row(res)) {
      const unsigned long* lengths = mysql_fetch_lengths(res);
      SqlSession::TextRow& out = rows.emplace_back(n);
      for (unsigned i = 0; i < n; ++i) {
        if (row[i] != nullptr) out[i] = std::string(row[i], lengths[i]);
      }
    }
    mysql_free_result(res);
    return rows;
  }

  // The takeover's plain SQL on this connection.
  class TakeoverSession final : public SqlSession {
   public:
    explicit TakeoverSession(Connection& c) : c_(c) {}
    Result<void> Execute(const std::string& sql) override { return c_.Raw(sql); }
    Result<std::vector<TextRow>> Query(const std::string& sql) override {
      return c_.QueryText(sql);
    }

   private:
    Connection& c_;
  };

  // The connection's last error as an Error; closes the connection when it is lost.
  Error LastError(const TableSchema* table) {
    const unsigned number = mysql_errno(m_);
    const std::string msg = mysql_error(m_);
    const std::string where = table ? " on table " + table->name : "";
    switch (ClassifyMysqlError(number)) {
      case MysqlErrorKind::kDuplicate:
        return Error::AlreadyExists("Duplicate entry in " +
                                    (table ? table->name : std::string("table")) +
                                    ": a row with the same (" +
                                    MysqlDuplicateColumns(table, msg) + ") already exists");
      case MysqlErrorKind::kConflict:
        return Error::Unavailable("Database conflict" + where + " (" + msg +
                                  "); nothing was applied, retry");
      case MysqlErrorKind::kConnectionLost:
        Close();
        lost_ = true;
        if (in_tx_) lost_in_tx_ = true;
        return Error::Unavailable("Lost the connection to the database " + url_.Redacted() +
                                  " (" + msg + "); it is reopened on the next request");
      case MysqlErrorKind::kUnavailable:
        return Error::Unavailable("The database cannot serve the request" + where + ": " + msg);
      case MysqlErrorKind::kBadValue:
        return Error::InvalidArgument("Value not accepted by the database" + where + ": " + msg);
      case MysqlErrorKind::kOther:
        break;
    }
    return Error::Internal("MariaDB error " + std::to_string(number) + where + ": " + msg);
  }

  const MysqlUrl& url_;
  const DatabaseOptions& options_;
  const Clock& clock_;
  const std::string writer_lock_;
  const std::string upgrade_lock_;
  MYSQL* m_ = nullptr;
  SqlBuilder builder_{SqlDialect::kMysql};
  bool in_tx_ = false;
  bool lost_in_tx_ = false;  // the connection was lost inside the open transaction
  bool lost_ = false;        // the connection was lost during the current call
};

MysqlDatabase::MysqlDatabase(MysqlUrl url, const DatabaseOptions& options, const Clock& clock)
    : url_(std::move(url)),
      options_(options),
      clock_(clock),
      connections_([this]() -> Result<std::unique_ptr<Connection>> {
        return std::make_unique<Connection>(url_, options_, clock_);
      }) {}

MysqlDatabase::~MysqlDatabase() = default;

Result<std::unique_ptr<MysqlDatabase>> MysqlDatabase::Open(const MysqlUrl& url,
                                                           const DatabaseOptions& options,
                                                           const Clock& clock) {
  std::unique_ptr<MysqlDatabase> db(new MysqlDatabase(url, options, clock));
  MAGNUM_ASSIGN_OR_RETURN(Connection * c, db->connections_.ThisThread());
  MAGNUM_RETURN_IF_ERROR(c->EnsureOpen());
  return db;
}

Result<void> MysqlDatabase::ExecuteOnServer(const MysqlUrl& url, const std::string& sql) {
  MysqlOpenResult opened = MysqlConnect(url, 5000, false);
  if (opened.handle == nullptr) {
    return Fail(Error::Unavailable("Cannot connect to the database server of " + url.Redacted() +
                                   ": " + opened.error));
  }
  Result<void> result;
  if (mysql_real_query(opened.handle, sql.data(), sql.size()) != 0) {
    result = Fail(Error::Internal(std::string("MariaDB: ") + mysql_error(opened.handle)));
  } else if (MYSQL_RES* res = mysql_store_result(opened.handle)) {
    mysql_free_result(res);
  }
  mysql_close(opened.handle);
  return result;
}

template <typename F>
auto MysqlDatabase::OnThisThread(F&& call) -> decltype(call(std::declval<Connection&>())) {
  auto c = connections_.ThisThread();
  if (!c) return Fail(c.error());
  return call(**c);
}

Result<Row> MysqlDatabase::Insert(std::string_view table, const Row& values) {
  return OnThisThread([&](Connection& c) { return c.Insert(table, values); });
}
Result<std::vector<Row>> MysqlDatabase::List(std::string_view table, const ListQuery& query) {
  return OnThisThread([&](Connection& c) { return c.List(table, query); });
}
Result<std::optional<Row>> MysqlDatabase::GetOne(std::string_view table, const Filter& filter) {
  return OnThisThread([&](Connection& c) { return c.GetOne(table, filter); });
}
Result<int64_t> MysqlDatabase::Count(std::string_view table, const Filter& filter) {
  return OnThisThread([&](Connection& c) { return c.Count(table, filter); });
}
Result<int64_t> MysqlDatabase::Update(std::string_view table, const Filter& filter,
                                      const Row& changes) {
  return OnThisThread([&](Connection& c) { return c.Update(table, filter, changes); });
}
Result<int64_t> MysqlDatabase::Delete(std::string_view table, const Filter& filter) {
  return OnThisThread([&](Connection& c) { return c.Delete(table, filter); });
}
Result<int64_t> MysqlDatabase::Sum(std::string_view table, std::string_view column,
                                   const Filter& filter) {
  return OnThisThread([&](Connection& c) { return c.Sum(table, column, filter); });
}
Result<void> MysqlDatabase::Transaction(const std::function<Result<void>(Database& tx)>& fn) {
  return OnThisThread([&](Connection& c) {
    ConnectionTxDatabase<Connection> tx(c);
    return c.RunTransaction(fn, tx);
  });
}
Result<int> MysqlDatabase::SchemaVersion() {
  return OnThisThread([&](Connection& c) { return c.SchemaVersion(); });
}
Result<int> MysqlDatabase::Upgrade() {
  return OnThisThread([&](Connection& c) { return c.Upgrade(); });
}
Result<AlembicState> MysqlDatabase::UpstreamState() {
  return OnThisThread([&](Connection& c) { return c.UpstreamState(); });
}

}  // namespace magnum::db
