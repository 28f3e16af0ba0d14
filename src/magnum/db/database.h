// The storage interface: every component reads and writes resources through it.
//
// Implementations: sqlite_database.* (embedded default) and, later, postgres_database.*.
// A Database is thread-safe: each calling thread gets its own connection. Table and
// column names are validated against schema.h; an unknown name is kInvalidArgument.
//
// Errors: kAlreadyExists on a unique-constraint violation, kUnavailable when the
// database cannot be reached, is out of space, or stays locked past the busy timeout,
// kInternal otherwise.
//
// The contract every backend keeps (tests/unit/db/database_contract_test.cc runs it against
// each backend):
//   * Each call outside Transaction() is atomic and sees only committed data.
//   * Transaction() is serializable: transactions behave as if run one after another (SQLite:
//     BEGIN IMMEDIATE, one writer at a time; a server backend uses SERIALIZABLE or locking
//     reads). A transaction sees its own writes; no other caller sees them before commit.
//   * Readers are not blocked by a writer (they see the last committed state).
//   * A conflict the backend cannot resolve by waiting (lock held past the busy timeout, a
//     deadlock or serialization failure) is kUnavailable, with nothing of the call or
//     transaction applied: the caller may retry the whole call or transaction.
//   * Update() with a filter on the expected current values is a compare-and-set: of
//     concurrent compare-and-sets on one row, exactly one sees 1 row changed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/db/record.h"

namespace magnum::db {

// One column of a result row handed to a RowVisitor: a view into the backend's buffers, valid
// only during the visitor's call. Integer columns are kInt, boolean columns kBool (integer 0 or
// 1), text, JSON and timestamp columns kText (UTF-8, not NUL-terminated), as Row holds them.
struct ColumnView {
  enum class Kind : uint8_t { kNull, kInt, kBool, kText };
  Kind kind = Kind::kNull;
  int64_t integer = 0;
  std::string_view text;
};

// Called once per result row of Database::ListRows, with the row's columns in the order
// ListRows states. An error stops the listing and is what ListRows returns.
using RowVisitor = std::function<Result<void>(std::span<const ColumnView> row)>;

class Database {
 public:
  virtual ~Database() = default;

  // Inserts `values` (columns not given take NULL; `id` is assigned) and returns the
  // stored row, with every column.
  virtual Result<Row> Insert(std::string_view table, const Row& values) = 0;

  // The rows matching `query`, with the columns it names (every column when it names none).
  virtual Result<std::vector<Row>> List(std::string_view table, const ListQuery& query) = 0;

  // The rows List(table, query) returns, in the same order, handed to `visit` one at a time
  // without building a Row: row[i] is the i-th column of query.columns, or of the table in
  // schema order when it names none (as RowLayout::ForTable lists them). `visit` must not call
  // this Database (nor the transaction it runs in): a backend may be stepping a statement of
  // the same connection (SQLite refuses such a call with kInternal). The default reads
  // List() and hands out views of its rows; backends override it to read columns in place.
  virtual Result<void> ListRows(std::string_view table, const ListQuery& query,
                                const RowVisitor& visit);

  // The single row matching `filter`, or std::nullopt. More than one match is kInternal.
  virtual Result<std::optional<Row>> GetOne(std::string_view table, const Filter& filter) = 0;

  virtual Result<int64_t> Count(std::string_view table, const Filter& filter) = 0;

  // Sets `changes` on every row matching `filter`; returns the number of rows changed.
  // A filter that includes the expected current state makes this a compare-and-set.
  virtual Result<int64_t> Update(std::string_view table, const Filter& filter,
                                 const Row& changes) = 0;

  // Deletes every row matching `filter`; returns the number of rows deleted.
  virtual Result<int64_t> Delete(std::string_view table, const Filter& filter) = 0;

  // Sum of an integer column over the rows matching `filter` (0 when none).
  virtual Result<int64_t> Sum(std::string_view table, std::string_view column,
                              const Filter& filter) = 0;

  // Runs `fn` in one transaction on this thread's connection: committed when `fn` returns
  // a value, rolled back when it returns an error (which is passed through). `fn` must use
  // the Database it is given, not this one. Not re-entrant.
  virtual Result<void> Transaction(const std::function<Result<void>(Database& tx)>& fn) = 0;

  // Schema version of the open database (0 = empty) and the version this build expects.
  virtual Result<int> SchemaVersion() = 0;
  static int LatestSchemaVersion();

  // Applies every pending migration in order, each in its own transaction. Idempotent.
  // Returns the resulting version.
  virtual Result<int> Upgrade() = 0;
};

struct DatabaseOptions {
  int busy_timeout_ms = 5000;  // SQLite: wait this long for a lock before kUnavailable
  bool create_parent_dirs = true;
};

// Opens the database named by an SQLAlchemy-style URL: "sqlite:///relative/path",
// "sqlite:////absolute/path" (the in-memory forms are refused: each thread would get its
// own database). Later:
// "postgresql://user:pass@host/db". An unsupported scheme is kInvalidArgument.
Result<std::unique_ptr<Database>> OpenDatabase(std::string_view url,
                                               const DatabaseOptions& options = {});

}  // namespace magnum::db
