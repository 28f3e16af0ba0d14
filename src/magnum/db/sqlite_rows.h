// Reading SQLite result rows into db::Row by column position, or as column views in place
// (sqlite_database.cc's read paths). Internal to the SQLite back end.
#pragma once

#include <sqlite3.h>

#include <optional>
#include <vector>

#include "magnum/db/database.h"
#include "magnum/db/record.h"
#include "magnum/db/schema.h"

namespace magnum::db {

// Reads the rows of one statement whose result columns are `columns` (columns of `table`,
// as SqlBuilder records them). Rows come bound to the table's RowLayout and are filled by
// position; a result column that is not one of the table's (or any, when `table` is null)
// is set by name. Cheap to build (one small vector); use one per statement execution.
class SqliteRowReader {
 public:
  SqliteRowReader(const TableSchema* table, const std::vector<const ColumnSchema*>& columns);

  // The current result row of `s` (after sqlite3_step returned SQLITE_ROW); nullopt when
  // SQLite ran out of memory converting a value.
  std::optional<Row> Read(sqlite3_stmt* s) const;

 private:
  const std::vector<const ColumnSchema*>& columns_;
  const RowLayout* layout_;
  std::vector<int> positions_;  // per result column: its position in layout_, or -1
};

// Views of the current result row of `s` (after sqlite3_step returned SQLITE_ROW) whose result
// columns are `columns`: `out[i]` for column i, typed by its schema type (text columns as text
// even when SQLite stores another type, as Read does). The views point into the statement's
// buffers: valid until it is stepped or reset. False when SQLite ran out of memory converting
// a value.
bool ReadColumnViews(sqlite3_stmt* s, const std::vector<const ColumnSchema*>& columns,
                     std::vector<ColumnView>& out);

}  // namespace magnum::db
