// The Database a back end hands to Transaction()'s fn: every call goes to the connection
// that holds the open transaction (`Conn` has the Database calls by the same names and
// signatures; ListRows optional); nested Transaction() and Upgrade() are kInternal. Used by
// the SQLite and MariaDB back ends. Not thread-safe (one transaction, one thread).
#pragma once

#include <functional>

#include "magnum/db/database.h"

namespace magnum::db {

template <typename Conn>
class ConnectionTxDatabase final : public Database {
 public:
  explicit ConnectionTxDatabase(Conn& conn) : conn_(conn) {}

  Result<Row> Insert(std::string_view table, const Row& values) override {
    return conn_.Insert(table, values);
  }
  Result<std::vector<Row>> List(std::string_view table, const ListQuery& query) override {
    return conn_.List(table, query);
  }
  // The connection's own ListRows when it has one, else the default built on List().
  Result<void> ListRows(std::string_view table, const ListQuery& query,
                        const RowVisitor& visit) override {
    if constexpr (requires(Conn& c) { c.ListRows(table, query, visit); }) {
      return conn_.ListRows(table, query, visit);
    } else {
      return Database::ListRows(table, query, visit);
    }
  }
  Result<std::optional<Row>> GetOne(std::string_view table, const Filter& filter) override {
    return conn_.GetOne(table, filter);
  }
  Result<int64_t> Count(std::string_view table, const Filter& filter) override {
    return conn_.Count(table, filter);
  }
  Result<int64_t> Update(std::string_view table, const Filter& filter,
                         const Row& changes) override {
    return conn_.Update(table, filter, changes);
  }
  Result<int64_t> Delete(std::string_view table, const Filter& filter) override {
    return conn_.Delete(table, filter);
  }
  Result<int64_t> Sum(std::string_view table, std::string_view column,
                      const Filter& filter) override {
    return conn_.Sum(table, column, filter);
  }
  Result<void> Transaction(const std::function<Result<void>(Database& tx)>&) override {
    return Fail(Error::Internal("Nested transactions are not supported"));
  }
  Result<int> SchemaVersion() override { return conn_.SchemaVersion(); }
  Result<int> Upgrade() override {
    return Fail(Error::Internal("Upgrade() cannot run inside a transaction"));
  }

 private:
  Conn& conn_;
};

}  // namespace magnum::db
