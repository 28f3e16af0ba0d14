// SQLite result codes → Error (sqlite_database.cc's error mapping). Internal to the SQLite
// back end.
#pragma once

#include <sqlite3.h>

#include <string>
#include <string_view>

#include "magnum/common/error.h"
#include "magnum/db/schema.h"

namespace magnum::db {

// The Error for result code `rc` of connection `db` (with its current message): a unique
// violation is kAlreadyExists naming the columns; a full disk or another I/O error is
// kUnavailable naming the directory of the database file at `path`; a lock held past
// `busy_timeout_ms` is kUnavailable; anything else kInternal. `table` (may be null) and
// `context` (may be empty) are named in the message.
Error SqliteError(sqlite3* db, int rc, const TableSchema* table, std::string_view context,
                  const std::string& path, int busy_timeout_ms);

}  // namespace magnum::db
