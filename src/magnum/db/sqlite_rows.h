// Reading SQLite result rows into db::Row by column position (sqlite_database.cc's read
// path). Internal to the SQLite back end.
#pragma once

#include <sqlite3.h>

#include <optional>
#include <vector>

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

}  // namespace magnum::db
