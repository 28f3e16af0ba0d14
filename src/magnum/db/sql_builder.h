// Portable SQL generation for the schema-driven storage layer, shared by every back end.
//
// SqlBuilder turns Database calls (table name, Row, Filter, ListQuery) into one SQL text
// plus its parameters. Names are checked against schema.h and quoted with double quotes;
// values are never interpolated, only bound: "?" placeholders for SQLite and MariaDB/MySQL,
// "$1, $2, ..." for PostgreSQL. MariaDB/MySQL statements expect sql_mode ANSI_QUOTES (double
// quotes delimit names) and differ only where that dialect has no portable form: an insert
// of no values is "() VALUES ()", and NULLS FIRST/LAST is spelt as an "IS NULL" sort term
// (left out where it is the server's default order anyway). Parameter values are already coerced to the column's storage type (bool for
// boolean columns, int64_t for integer columns, std::string for text-like columns), so a
// back end only has to bind them. Stateless; thread-safe.
//
// Filter semantics (record.h leaves the NULL cases open; these are the rules):
// - Eq/In with a NULL value match NULL; Ne/NotIn are NULL-safe ("is distinct from"): a NULL
//   column is not equal to 'x', and NotIn(['x']) keeps NULL rows unless NULL is listed.
// - In with an empty list is false; NotIn with an empty list is true; a clause with no
//   condition (WhereAny({})) is false.
// - Lt/Ge compare with SQL semantics: a NULL column never matches; a NULL operand is
//   kInvalidArgument.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/db/record.h"
#include "magnum/db/schema.h"

namespace magnum::db {

enum class SqlDialect { kSqlite, kPostgres, kMysql };

// One statement ready to prepare: SQL text, its parameters in placeholder order, and the
// columns of each result row (empty for statements without a result set).
struct SqlStatement {
  std::string sql;
  std::vector<Value> params;
  std::vector<const ColumnSchema*> result_columns;
};

// A comparison used internally by keyset pagination, which needs ">" and "<" (Condition
// has no such operators). `op` is one of "=", "<", ">", "IS NULL", "IS NOT NULL".
struct Comparison {
  std::string column;
  std::string op;
  Value value;  // unused for IS [NOT] NULL
};

struct OrderTerm {
  enum class Nulls { kUnspecified, kFirst, kLast };
  std::string column;
  bool desc = false;
  Nulls nulls = Nulls::kUnspecified;
};

// A SELECT: `columns` (empty = every column, in schema order) of the rows matching `filter`
// and every `extra` comparison, in `order`, at most `limit` rows.
struct SelectSpec {
  std::vector<std::string> columns;
  Filter filter;
  std::vector<Comparison> extra;
  std::vector<OrderTerm> order;
  std::optional<int64_t> limit;
};

// "name" with embedded double quotes doubled.
std::string QuoteIdentifier(std::string_view name);

// The schema of `table`, or kInvalidArgument naming it.
Result<const TableSchema*> LookupTable(std::string_view table);
// The schema of `column` of `table`, or kInvalidArgument naming both.
Result<const ColumnSchema*> LookupColumn(const TableSchema& table, std::string_view column);

// `value` converted to the storage type of `column` (see the header comment), or
// kInvalidArgument naming the table, the column, and the expected type. NULL passes.
Result<Value> CoerceValue(const TableSchema& table, const ColumnSchema& column, const Value& value);

// The page of a keyset listing as a sequence of SELECTs whose results, concatenated in
// order and cut at `query.limit`, are the page. `marker_value` is the marker row's
// sort_key value (nullopt = no marker). Each SELECT is a simple range on (sort_key, id) so
// that an index on sort_key (SQLite indexes carry the rowid) serves a deep page as fast as
// the first one; OR-ed keyset predicates would make the planner scan from the start.
// The specs carry no limit; the caller sets it to what is still missing.
Result<std::vector<SelectSpec>> KeysetPageSelects(const TableSchema& table, const ListQuery& query,
                                                  const std::optional<Value>& marker_value);

class SqlBuilder;

// Where each result column of a statement goes in a row of `table`'s layout: its position in
// the table's schema (result columns point into table.columns), or -1 when it does not (then
// it is set by name).
std::vector<int> ResultPositions(const TableSchema& table,
                                 const std::vector<const ColumnSchema*>& columns);

// GetOne()'s answer from the rows of its SELECT (limited to 2): none, the one row, or
// kInternal when more than one matched.
Result<std::optional<Row>> SingleRow(std::vector<Row> rows, const TableSchema& table);

// The statements of one keyset-paged list: the marker's sort value looked up first with
// `lookup` (its rows), then the KeysetPageSelects in order, each limited to what the page
// still misses and run by `run`, which returns the number of rows it produced.
Result<void> RunKeysetList(const SqlBuilder& builder, const TableSchema& table,
                           const ListQuery& query,
                           const std::function<Result<std::vector<Row>>(const SqlStatement&)>& lookup,
                           const std::function<Result<int64_t>(const SqlStatement&)>& run);

// Database::List() for a back end that runs one SELECT with `run` (its rows, read with the
// statement's result columns): RunKeysetList collecting the rows.
Result<std::vector<Row>> ListByKeyset(
    const SqlBuilder& builder, const TableSchema& table, const ListQuery& query,
    const std::function<Result<std::vector<Row>>(const SqlStatement&)>& run);

class SqlBuilder {
 public:
  explicit SqlBuilder(SqlDialect dialect) : dialect_(dialect) {}

  // INSERT ... RETURNING every column. `id` is assigned by the database and must not be
  // given; NOT NULL columns must be given a non-NULL value (kInvalidArgument otherwise).
  Result<SqlStatement> Insert(const TableSchema& table, const Row& values) const;
  Result<SqlStatement> Select(const TableSchema& table, const SelectSpec& spec) const;
  // GetOne()'s SELECT: every column of the rows matching `filter`, at most 2 (SingleRow
  // tells one row from more).
  Result<SqlStatement> SelectOne(const TableSchema& table, const Filter& filter) const;
  // SELECT COUNT(*).
  Result<SqlStatement> Count(const TableSchema& table, const Filter& filter) const;
  // SELECT COALESCE(SUM(column), 0); `column` must be an integer column.
  Result<SqlStatement> Sum(const TableSchema& table, std::string_view column,
                           const Filter& filter) const;
  // UPDATE ... SET changes WHERE filter. `changes` must not be empty nor set `id`.
  Result<SqlStatement> Update(const TableSchema& table, const Filter& filter,
                              const Row& changes) const;
  Result<SqlStatement> Delete(const TableSchema& table, const Filter& filter) const;

  SqlDialect dialect() const { return dialect_; }

 private:
  class Writer;

  Result<void> AppendWhere(Writer& w, const TableSchema& table, const Filter& filter,
                           const std::vector<Comparison>& extra) const;
  Result<void> AppendCondition(Writer& w, const TableSchema& table, const Condition& c) const;

  SqlDialect dialect_;
};

}  // namespace magnum::db
