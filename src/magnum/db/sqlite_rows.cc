#include "magnum/db/sqlite_rows.h"

#include <string>
#include <utility>

#include "magnum/db/sql_builder.h"

namespace magnum::db {
namespace {

// Stores column `i` of the current result row of `s` in `out` (which is NULL on entry);
// false when SQLite ran out of memory converting it. Reads the column's sqlite3_value
// directly: sqlite3_column_text() and friends are that value read under the connection's
// mutex plus an out-of-memory check each, and that per-call overhead was half of what
// reading a row cost. The caller holds the connection's mutex (none with NOMUTEX), which is
// what makes the value "protected" in SQLite's terms.
bool ReadColumn(sqlite3_stmt* s, int i, ColumnType type, Value& out) {
  sqlite3_value* v = sqlite3_column_value(s, i);
  if (sqlite3_value_type(v) == SQLITE_NULL) return true;
  switch (type) {
    case ColumnType::kId:
    case ColumnType::kInteger:
      out.emplace<int64_t>(sqlite3_value_int64(v));
      return true;
    case ColumnType::kBoolean:
      out.emplace<bool>(sqlite3_value_int64(v) != 0);
      return true;
    case ColumnType::kText:
    case ColumnType::kJson:
    case ColumnType::kTimestamp: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(v));
      if (text == nullptr) return false;  // not NULL, so the conversion to text failed
      out.emplace<std::string>(text, static_cast<size_t>(sqlite3_value_bytes(v)));
      return true;
    }
  }
  return true;
}

// ReadColumn's counterpart for views: no copy of the text, and no type query for text
// that is there (sqlite3_value_text is NULL only for NULL or when out of memory).
bool ViewColumn(sqlite3_stmt* s, int i, ColumnType type, ColumnView& out) {
  sqlite3_value* v = sqlite3_column_value(s, i);
  out.text = {};
  out.integer = 0;
  switch (type) {
    case ColumnType::kText:
    case ColumnType::kJson:
    case ColumnType::kTimestamp: {
      const auto* text = reinterpret_cast<const char*>(sqlite3_value_text(v));
      if (text == nullptr) {
        out.kind = ColumnView::Kind::kNull;
        return sqlite3_value_type(v) == SQLITE_NULL;  // else the conversion to text failed
      }
      out.kind = ColumnView::Kind::kText;
      out.text = std::string_view(text, static_cast<size_t>(sqlite3_value_bytes(v)));
      return true;
    }
    case ColumnType::kId:
    case ColumnType::kInteger:
    case ColumnType::kBoolean:
      break;
  }
  if (sqlite3_value_type(v) == SQLITE_NULL) {
    out.kind = ColumnView::Kind::kNull;
    return true;
  }
  const int64_t n = sqlite3_value_int64(v);
  if (type == ColumnType::kBoolean) {
    out.kind = ColumnView::Kind::kBool;
    out.integer = n != 0 ? 1 : 0;
  } else {
    out.kind = ColumnView::Kind::kInt;
    out.integer = n;
  }
  return true;
}

}  // namespace

bool ReadColumnViews(sqlite3_stmt* s, const std::vector<const ColumnSchema*>& columns,
                     std::vector<ColumnView>& out) {
  out.resize(columns.size());
  // As in SqliteRowReader::Read: the connection's mutex (none with NOMUTEX) makes the values
  // "protected" while they are read.
  sqlite3_mutex* mutex = sqlite3_db_mutex(sqlite3_db_handle(s));
  sqlite3_mutex_enter(mutex);
  bool ok = true;
  for (size_t i = 0; ok && i < columns.size(); ++i) {
    ok = ViewColumn(s, static_cast<int>(i), columns[i]->type, out[i]);
  }
  sqlite3_mutex_leave(mutex);
  return ok;
}

SqliteRowReader::SqliteRowReader(const TableSchema* table,
                                 const std::vector<const ColumnSchema*>& columns)
    : columns_(columns),
      layout_(table != nullptr ? RowLayout::ForTable(table->name) : nullptr),
      positions_(layout_ != nullptr ? ResultPositions(*table, columns)
                                    : std::vector<int>(columns.size(), -1)) {}

std::optional<Row> SqliteRowReader::Read(sqlite3_stmt* s) const {
  // Holding the connection's mutex makes the column values "protected"; with NOMUTEX
  // connections there is none and these are no-ops.
  sqlite3_mutex* mutex = sqlite3_db_mutex(sqlite3_db_handle(s));
  sqlite3_mutex_enter(mutex);
  Row row(layout_);
  bool ok = true;
  for (int i = 0; ok && i < static_cast<int>(columns_.size()); ++i) {
    const ColumnSchema& col = *columns_[static_cast<size_t>(i)];
    const int pos = positions_[static_cast<size_t>(i)];
    if (pos >= 0) {
      ok = ReadColumn(s, i, col.type, row.MutableAt(pos));
    } else {
      Value v;
      ok = ReadColumn(s, i, col.type, v);
      row.Set(col.name, std::move(v));
    }
  }
  sqlite3_mutex_leave(mutex);
  if (!ok) return std::nullopt;
  return row;
}

}  // namespace magnum::db
