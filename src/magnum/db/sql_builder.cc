#include "magnum/db/sql_builder.h"

#include <algorithm>
#include <string>
#include <utility>

namespace magnum::db {
namespace {

std::string_view TypeName(ColumnType type) {
  switch (type) {
    case ColumnType::kId:
    case ColumnType::kInteger:
      return "an integer";
    case ColumnType::kBoolean:
      return "a boolean";
    case ColumnType::kText:
      return "text";
    case ColumnType::kJson:
      return "JSON text";
    case ColumnType::kTimestamp:
      return "a timestamp (text)";
  }
  return "?";
}

std::string_view ValueTypeName(const Value& v) {
  switch (v.index()) {
    case 0:
      return "NULL";
    case 1:
      return "an integer";
    case 2:
      return "a boolean";
    default:
      return "text";
  }
}

bool IsIntegerColumn(const ColumnSchema& c) {
  return c.type == ColumnType::kId || c.type == ColumnType::kInteger;
}

std::string_view OrderDirection(bool desc) { return desc ? " DESC" : " ASC"; }

}  // namespace

std::string QuoteIdentifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '"';
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

Result<const TableSchema*> LookupTable(std::string_view table) {
  const TableSchema* t = FindTable(table);
  if (t == nullptr)
    return Fail(Error::InvalidArgument("Unknown table '" + std::string(table) + "'"));
  return t;
}

Result<const ColumnSchema*> LookupColumn(const TableSchema& table, std::string_view column) {
  const ColumnSchema* c = table.Find(column);
  if (c == nullptr) {
    return Fail(Error::InvalidArgument("Unknown column '" + std::string(column) + "' in table '" +
                                       table.name + "'"));
  }
  return c;
}

Result<Value> CoerceValue(const TableSchema& table, const ColumnSchema& column,
                          const Value& value) {
  if (IsNull(value)) return value;
  switch (column.type) {
    case ColumnType::kId:
    case ColumnType::kInteger:
      if (std::holds_alternative<int64_t>(value)) return value;
      break;
    case ColumnType::kBoolean:
      if (std::holds_alternative<bool>(value)) return value;
      if (const auto* i = std::get_if<int64_t>(&value); i != nullptr && (*i == 0 || *i == 1)) {
        return Value(*i == 1);
      }
      break;
    case ColumnType::kText:
    case ColumnType::kJson:
    case ColumnType::kTimestamp:
      if (std::holds_alternative<std::string>(value)) return value;
      break;
  }
  return Fail(Error::InvalidArgument("Column " + table.name + "." + column.name + " takes " +
                                     std::string(TypeName(column.type)) + ", not " +
                                     std::string(ValueTypeName(value))));
}

namespace {

std::string QuotedList(const TableSchema& table) {
  std::string out;
  for (size_t i = 0; i < table.columns.size(); ++i) {
    if (i) out += ", ";
    out += QuoteIdentifier(table.columns[i].name);
  }
  return out;
}

// Appends the quoted, comma-separated list of every column of `table` in schema order (the
// SELECT and RETURNING lists of nearly every statement), built once per table of
// AllTables().
void AppendAllColumns(std::string& sql, const TableSchema& table) {
  static const std::vector<std::string> texts = [] {
    std::vector<std::string> out;
    for (const auto& t : AllTables()) out.push_back(QuotedList(t));
    return out;
  }();
  const auto& tables = AllTables();
  for (size_t i = 0; i < tables.size(); ++i) {
    if (&tables[i] == &table) {
      sql += texts[i];
      return;
    }
  }
  sql += QuotedList(table);
}

}  // namespace

// Accumulates SQL text and parameters, numbering placeholders per dialect.
class SqlBuilder::Writer {
 public:
  explicit Writer(SqlDialect dialect) : dialect_(dialect) {}

  Writer& operator<<(std::string_view s) {
    st_.sql += s;
    return *this;
  }
  Writer& Id(std::string_view name) {
    st_.sql += QuoteIdentifier(name);
    return *this;
  }
  // Appends a placeholder bound to `v`.
  Writer& Param(Value v) {
    st_.params.push_back(std::move(v));
    if (dialect_ == SqlDialect::kPostgres) {
      st_.sql += '$';
      st_.sql += std::to_string(st_.params.size());
    } else {
      st_.sql += '?';
    }
    return *this;
  }
  // Appends the quoted, comma-separated column list and records them as result columns.
  void ResultColumns(const TableSchema& table, std::vector<const ColumnSchema*> cols) {
    if (cols.size() == table.columns.size() && !cols.empty() && cols[0] == &table.columns[0]) {
      AppendAllColumns(st_.sql, table);  // every column in schema order: the common case
    } else {
      for (size_t i = 0; i < cols.size(); ++i) {
        if (i) st_.sql += ", ";
        st_.sql += QuoteIdentifier(cols[i]->name);
      }
    }
    st_.result_columns = std::move(cols);
  }
  SqlStatement Take() { return std::move(st_); }

 private:
  SqlDialect dialect_;
  SqlStatement st_;
};

namespace {

std::vector<const ColumnSchema*> AllColumns(const TableSchema& table) {
  std::vector<const ColumnSchema*> cols;
  cols.reserve(table.columns.size());
  for (const auto& c : table.columns) cols.push_back(&c);
  return cols;
}

// The columns `row` assigns, sorted by name (so that one set of columns always gives one
// statement text, whatever order they were set in), each a column of `table` other than
// `id`, with its value coerced to the column's type.
Result<std::vector<std::pair<const ColumnSchema*, Value>>> AssignedColumns(const TableSchema& table,
                                                                           const Row& row) {
  std::vector<std::pair<std::string_view, const Value*>> named;
  named.reserve(row.size());
  row.ForEach([&](std::string_view name, const Value& v) { named.emplace_back(name, &v); });
  std::sort(named.begin(), named.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::pair<const ColumnSchema*, Value>> out;
  out.reserve(named.size());
  for (const auto& [name, raw] : named) {
    MAGNUM_ASSIGN_OR_RETURN(const ColumnSchema* col, LookupColumn(table, name));
    if (col->type == ColumnType::kId) {
      return Fail(Error::InvalidArgument("Column " + table.name + "." + std::string(name) +
                                         " is assigned by the database"));
    }
    MAGNUM_ASSIGN_OR_RETURN(Value v, CoerceValue(table, *col, *raw));
    out.emplace_back(col, std::move(v));
  }
  return out;
}

}  // namespace

Result<void> SqlBuilder::AppendCondition(Writer& w, const TableSchema& table,
                                         const Condition& c) const {
  MAGNUM_ASSIGN_OR_RETURN(const ColumnSchema* col, LookupColumn(table, c.column));
  using Op = Condition::Op;
  auto single = [&]() -> Result<Value> {
    if (c.values.size() != 1) {
      return Fail(Error::InvalidArgument("Condition on " + table.name + "." + c.column +
                                         " needs exactly one value"));
    }
    return CoerceValue(table, *col, c.values[0]);
  };
  switch (c.op) {
    case Op::kIsNull:
      w.Id(col->name) << " IS NULL";
      return {};
    case Op::kNotNull:
      w.Id(col->name) << " IS NOT NULL";
      return {};
    case Op::kEq: {
      MAGNUM_ASSIGN_OR_RETURN(Value v, single());
      if (IsNull(v)) {
        w.Id(col->name) << " IS NULL";
      } else {
        w.Id(col->name) << " = ";
        w.Param(std::move(v));
      }
      return {};
    }
    case Op::kNe: {
      MAGNUM_ASSIGN_OR_RETURN(Value v, single());
      if (IsNull(v)) {
        w.Id(col->name) << " IS NOT NULL";
      } else {
        w << "(";
        w.Id(col->name) << " <> ";
        w.Param(std::move(v)) << " OR ";
        w.Id(col->name) << " IS NULL)";
      }
      return {};
    }
    case Op::kLt:
    case Op::kGe: {
      MAGNUM_ASSIGN_OR_RETURN(Value v, single());
      if (IsNull(v)) {
        return Fail(Error::InvalidArgument("Cannot order-compare " + table.name + "." + c.column +
                                           " with NULL"));
      }
      w.Id(col->name) << (c.op == Op::kLt ? " < " : " >= ");
      w.Param(std::move(v));
      return {};
    }
    case Op::kIn:
    case Op::kNotIn: {
      const bool in = c.op == Op::kIn;
      std::vector<Value> values;
      bool has_null = false;
      for (const auto& raw : c.values) {
        MAGNUM_ASSIGN_OR_RETURN(Value v, CoerceValue(table, *col, raw));
        if (IsNull(v)) {
          has_null = true;
        } else {
          values.push_back(std::move(v));
        }
      }
      if (values.empty()) {
        if (has_null) {
          w.Id(col->name) << (in ? " IS NULL" : " IS NOT NULL");
        } else {
          w << (in ? "1 = 0" : "1 = 1");
        }
        return {};
      }
      // IN: c IN (...) [OR c IS NULL]; NOT IN: c NOT IN (...) OR c IS NULL, or, when NULL is
      // listed, c NOT IN (...) AND c IS NOT NULL.
      const bool null_term = !in || has_null;
      if (null_term) w << "(";
      w.Id(col->name) << (in ? " IN (" : " NOT IN (");
      for (size_t i = 0; i < values.size(); ++i) {
        if (i) w << ", ";
        w.Param(std::move(values[i]));
      }
      w << ")";
      if (null_term) {
        const bool exclude_null = !in && has_null;
        w << (exclude_null ? " AND " : " OR ");
        w.Id(col->name) << (exclude_null ? " IS NOT NULL)" : " IS NULL)");
      }
      return {};
    }
  }
  return Fail(Error::Internal("Unknown condition operator"));
}

Result<void> SqlBuilder::AppendWhere(Writer& w, const TableSchema& table, const Filter& filter,
                                     const std::vector<Comparison>& extra) const {
  bool first = true;
  auto next = [&]() {
    w << (first ? " WHERE " : " AND ");
    first = false;
  };
  for (const auto& clause : filter.clauses()) {
    next();
    if (clause.empty()) {
      w << "1 = 0";
      continue;
    }
    if (clause.size() > 1) w << "(";
    for (size_t i = 0; i < clause.size(); ++i) {
      if (i) w << " OR ";
      MAGNUM_RETURN_IF_ERROR(AppendCondition(w, table, clause[i]));
    }
    if (clause.size() > 1) w << ")";
  }
  for (const auto& cmp : extra) {
    MAGNUM_ASSIGN_OR_RETURN(const ColumnSchema* col, LookupColumn(table, cmp.column));
    next();
    if (cmp.op == "IS NULL" || cmp.op == "IS NOT NULL") {
      w.Id(col->name) << " " << cmp.op;
    } else if (cmp.op == "=" || cmp.op == "<" || cmp.op == ">") {
      MAGNUM_ASSIGN_OR_RETURN(Value v, CoerceValue(table, *col, cmp.value));
      if (IsNull(v)) return Fail(Error::Internal("NULL operand in keyset comparison"));
      w.Id(col->name) << " " << cmp.op << " ";
      w.Param(std::move(v));
    } else {
      return Fail(Error::Internal("Unknown comparison operator '" + cmp.op + "'"));
    }
  }
  return {};
}

Result<SqlStatement> SqlBuilder::Insert(const TableSchema& table, const Row& values) const {
  Writer w(dialect_);
  MAGNUM_ASSIGN_OR_RETURN(auto given, AssignedColumns(table, values));
  for (const auto& col : table.columns) {
    if (col.nullable || col.type == ColumnType::kId) continue;
    const Value* v = values.Find(col.name);
    if (v == nullptr || IsNull(*v)) {
      return Fail(
          Error::InvalidArgument("Column " + table.name + "." + col.name + " must not be NULL"));
    }
  }
  w << "INSERT INTO ";
  w.Id(table.name);
  if (given.empty()) {
    w << (dialect_ == SqlDialect::kMysql ? " () VALUES ()" : " DEFAULT VALUES");
  } else {
    w << " (";
    for (size_t i = 0; i < given.size(); ++i) {
      if (i) w << ", ";
      w.Id(given[i].first->name);
    }
    w << ") VALUES (";
    for (size_t i = 0; i < given.size(); ++i) {
      if (i) w << ", ";
      w.Param(std::move(given[i].second));
    }
    w << ")";
  }
  w << " RETURNING ";
  w.ResultColumns(table, AllColumns(table));
  return w.Take();
}

Result<SqlStatement> SqlBuilder::Select(const TableSchema& table, const SelectSpec& spec) const {
  Writer w(dialect_);
  std::vector<const ColumnSchema*> cols;
  if (spec.columns.empty()) {
    cols = AllColumns(table);
  } else {
    for (const auto& name : spec.columns) {
      MAGNUM_ASSIGN_OR_RETURN(const ColumnSchema* col, LookupColumn(table, name));
      cols.push_back(col);
    }
  }
  w << "SELECT ";
  w.ResultColumns(table, std::move(cols));
  w << " FROM ";
  w.Id(table.name);
  MAGNUM_RETURN_IF_ERROR(AppendWhere(w, table, spec.filter, spec.extra));
  for (size_t i = 0; i < spec.order.size(); ++i) {
    const OrderTerm& term = spec.order[i];
    MAGNUM_ASSIGN_OR_RETURN(const ColumnSchema* col, LookupColumn(table, term.column));
    w << (i ? ", " : " ORDER BY ");
    if (dialect_ == SqlDialect::kMysql) {
      // MariaDB sorts NULLs first ascending and last descending, and has no NULLS FIRST/LAST.
      const bool nulls_first = term.nulls == OrderTerm::Nulls::kFirst;
      if (term.nulls != OrderTerm::Nulls::kUnspecified && nulls_first == term.desc) {
        w.Id(col->name) << (nulls_first ? " IS NULL DESC, " : " IS NULL ASC, ");
      }
      w.Id(col->name) << OrderDirection(term.desc);
      continue;
    }
    w.Id(col->name) << OrderDirection(term.desc);
    if (term.nulls == OrderTerm::Nulls::kFirst) w << " NULLS FIRST";
    if (term.nulls == OrderTerm::Nulls::kLast) w << " NULLS LAST";
  }
  if (spec.limit) {
    if (*spec.limit < 0) return Fail(Error::InvalidArgument("Limit must not be negative"));
    w << " LIMIT ";
    w.Param(Value(*spec.limit));
  }
  return w.Take();
}

Result<SqlStatement> SqlBuilder::SelectOne(const TableSchema& table, const Filter& filter) const {
  SelectSpec spec;
  spec.filter = filter;
  spec.limit = 2;
  return Select(table, spec);
}

Result<SqlStatement> SqlBuilder::Count(const TableSchema& table, const Filter& filter) const {
  Writer w(dialect_);
  w << "SELECT COUNT(*) FROM ";
  w.Id(table.name);
  MAGNUM_RETURN_IF_ERROR(AppendWhere(w, table, filter, {}));
  return w.Take();
}

Result<SqlStatement> SqlBuilder::Sum(const TableSchema& table, std::string_view column,
                                     const Filter& filter) const {
  MAGNUM_ASSIGN_OR_RETURN(const ColumnSchema* col, LookupColumn(table, column));
  if (!IsIntegerColumn(*col)) {
    return Fail(Error::InvalidArgument("Cannot sum " + table.name + "." + col->name +
                                       ": not an integer column"));
  }
  Writer w(dialect_);
  w << "SELECT COALESCE(SUM(";
  w.Id(col->name) << "), 0) FROM ";
  w.Id(table.name);
  MAGNUM_RETURN_IF_ERROR(AppendWhere(w, table, filter, {}));
  return w.Take();
}

Result<SqlStatement> SqlBuilder::Update(const TableSchema& table, const Filter& filter,
                                        const Row& changes) const {
  if (changes.empty()) return Fail(Error::Internal("UPDATE without changes"));
  Writer w(dialect_);
  w << "UPDATE ";
  w.Id(table.name) << " SET ";
  MAGNUM_ASSIGN_OR_RETURN(auto assigned, AssignedColumns(table, changes));
  for (size_t i = 0; i < assigned.size(); ++i) {
    const ColumnSchema* col = assigned[i].first;
    if (IsNull(assigned[i].second) && !col->nullable) {
      return Fail(
          Error::InvalidArgument("Column " + table.name + "." + col->name + " must not be NULL"));
    }
    if (i) w << ", ";
    w.Id(col->name) << " = ";
    w.Param(std::move(assigned[i].second));
  }
  MAGNUM_RETURN_IF_ERROR(AppendWhere(w, table, filter, {}));
  return w.Take();
}

Result<SqlStatement> SqlBuilder::Delete(const TableSchema& table, const Filter& filter) const {
  Writer w(dialect_);
  w << "DELETE FROM ";
  w.Id(table.name);
  MAGNUM_RETURN_IF_ERROR(AppendWhere(w, table, filter, {}));
  return w.Take();
}

Result<std::vector<SelectSpec>> KeysetPageSelects(const TableSchema& table, const ListQuery& query,
                                                  const std::optional<Value>& marker_value) {
  MAGNUM_ASSIGN_OR_RETURN(const ColumnSchema* key, LookupColumn(table, query.sort_key));
  const bool desc = query.sort_desc;
  std::vector<SelectSpec> selects;
  auto add = [&](std::vector<Comparison> extra, std::vector<OrderTerm> order) {
    SelectSpec s;
    s.columns = query.columns;
    s.filter = query.filter;
    s.extra = std::move(extra);
    s.order = std::move(order);
    selects.push_back(std::move(s));
  };
  const OrderTerm by_id{"id", desc, OrderTerm::Nulls::kUnspecified};

  if (key->type == ColumnType::kId) {
    std::vector<Comparison> extra;
    if (query.marker_id) extra.push_back({"id", desc ? "<" : ">", Value(*query.marker_id)});
    add(std::move(extra), {by_id});
    return selects;
  }

  const OrderTerm by_key{key->name, desc, OrderTerm::Nulls::kUnspecified};
  if (!query.marker_id) {
    // NULLs first ascending, last descending: SQLite's default, PostgreSQL's opposite.
    OrderTerm k = by_key;
    k.nulls = desc ? OrderTerm::Nulls::kLast : OrderTerm::Nulls::kFirst;
    add({}, {k, by_id});
    return selects;
  }
  if (!marker_value) return Fail(Error::Internal("Marker given without its sort value"));

  const Value marker_id(*query.marker_id);
  const std::string after_id = desc ? "<" : ">";
  if (IsNull(*marker_value)) {
    // The rest of the NULL group, then (ascending only) every non-NULL row.
    add({{key->name, "IS NULL", {}}, {"id", after_id, marker_id}}, {by_id});
    if (!desc) add({{key->name, "IS NOT NULL", {}}}, {by_key, by_id});
    return selects;
  }
  // The rest of the marker's tie group, then the rows beyond its value, then (descending
  // only) the NULL group.
  add({{key->name, "=", *marker_value}, {"id", after_id, marker_id}}, {by_id});
  add({{key->name, desc ? "<" : ">", *marker_value}}, {by_key, by_id});
  if (desc) add({{key->name, "IS NULL", {}}}, {by_id});
  return selects;
}

std::vector<int> ResultPositions(const TableSchema& table,
                                 const std::vector<const ColumnSchema*>& columns) {
  std::vector<int> out(columns.size(), -1);
  for (size_t i = 0; i < columns.size(); ++i) {
    if (i < table.columns.size() && columns[i] == &table.columns[i]) {
      out[i] = static_cast<int>(i);  // every column in schema order: the common case
      continue;
    }
    for (size_t j = 0; j < table.columns.size(); ++j) {
      if (columns[i] == &table.columns[j]) {
        out[i] = static_cast<int>(j);
        break;
      }
    }
  }
  return out;
}

Result<std::optional<Row>> SingleRow(std::vector<Row> rows, const TableSchema& table) {
  if (rows.size() > 1) {
    return Fail(
        Error::Internal("More than one " + table.name + " row matches a single-row lookup"));
  }
  if (rows.empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(rows[0]));
}

Result<void> RunKeysetList(const SqlBuilder& builder, const TableSchema& table,
                           const ListQuery& query,
                           const std::function<Result<std::vector<Row>>(const SqlStatement&)>& lookup,
                           const std::function<Result<int64_t>(const SqlStatement&)>& run) {
  MAGNUM_RETURN_IF_ERROR(LookupColumn(table, query.sort_key));
  if (query.limit && *query.limit < 0) {
    return Fail(Error::InvalidArgument("Limit must not be negative"));
  }
  std::optional<Value> marker_value;
  if (query.marker_id) {
    SelectSpec spec;
    spec.columns = {query.sort_key};
    spec.filter.Where(Condition::Eq("id", Value(*query.marker_id)));
    MAGNUM_ASSIGN_OR_RETURN(SqlStatement st, builder.Select(table, spec));
    MAGNUM_ASSIGN_OR_RETURN(std::vector<Row> found, lookup(st));
    if (found.empty()) {
      return Fail(Error::NotFound("Marker " + std::to_string(*query.marker_id) + " not found"));
    }
    marker_value = found[0].Get(query.sort_key);
  }
  MAGNUM_ASSIGN_OR_RETURN(std::vector<SelectSpec> selects,
                          KeysetPageSelects(table, query, marker_value));
  int64_t produced = 0;
  for (auto& spec : selects) {
    if (query.limit) {
      const int64_t missing = *query.limit - produced;
      if (missing <= 0) break;
      spec.limit = missing;
    }
    MAGNUM_ASSIGN_OR_RETURN(SqlStatement st, builder.Select(table, spec));
    MAGNUM_ASSIGN_OR_RETURN(int64_t n, run(st));
    produced += n;
  }
  return {};
}

Result<std::vector<Row>> ListByKeyset(
    const SqlBuilder& builder, const TableSchema& table, const ListQuery& query,
    const std::function<Result<std::vector<Row>>(const SqlStatement&)>& run) {
  std::vector<Row> rows;
  MAGNUM_RETURN_IF_ERROR(RunKeysetList(
      builder, table, query, run, [&](const SqlStatement& st) -> Result<int64_t> {
        MAGNUM_ASSIGN_OR_RETURN(std::vector<Row> more, run(st));
        const auto n = static_cast<int64_t>(more.size());
        if (rows.empty()) {
          rows = std::move(more);
        } else {
          for (auto& r : more) rows.push_back(std::move(r));
        }
        return n;
      }));
  return rows;
}

}  // namespace magnum::db
