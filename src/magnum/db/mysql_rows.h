// MariaDB/MySQL helpers of mysql_database.cc: opening a session, statement text with its
// parameters as escaped literals, result rows into db::Row, and error numbers into Errors.
// Internal to the MariaDB back end.
#pragma once

#include <mysql.h>

#include <optional>
#include <string>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/db/record.h"
#include "magnum/db/mysql_url.h"
#include "magnum/db/schema.h"
#include "magnum/db/sql_builder.h"

namespace magnum::db {

// A connection to `url`'s server (its database unless `select_db` is false) with the
// session settings of mysql_database.h (sql_mode with ANSI_QUOTES, utf8mb4, UTC,
// SERIALIZABLE, innodb_lock_wait_timeout from `busy_timeout_ms`); `handle` is null, with
// the client library's error, when it fails. The caller owns the handle (mysql_close).
struct MysqlOpenResult {
  MYSQL* handle = nullptr;
  unsigned error_number = 0;
  std::string error;
};
MysqlOpenResult MysqlConnect(const MysqlUrl& url, int busy_timeout_ms, bool select_db);

// `st.sql` with each "?" placeholder (outside quoted names and literals) replaced by its
// parameter as a literal: integers in decimal, booleans 1/0, NULL, and text escaped by the
// client library for the connection's character set (mysql_real_escape_string). kInternal
// when the counts differ.
Result<std::string> MysqlRenderStatement(MYSQL* m, const SqlStatement& st);

// Reads the rows of one result set whose columns are `columns` (columns of `table`, as
// SqlBuilder records them) into rows bound to the table's layout; values are converted
// from the text protocol by column type. kInternal on a value that does not parse.
Result<std::vector<Row>> MysqlReadRows(MYSQL_RES* res, const TableSchema* table,
                                       const std::vector<const ColumnSchema*>& columns);

// How the back end treats a server or client error number.
enum class MysqlErrorKind {
  kDuplicate,       // unique key violated: kAlreadyExists
  kConflict,        // deadlock, lock wait timeout: kUnavailable, nothing applied
  kConnectionLost,  // the connection is unusable: kUnavailable; reconnect on the next call
  kUnavailable,     // the server refuses (disk full, too many connections): kUnavailable
  kBadValue,        // data too long, bad text: kInvalidArgument
  kOther,           // kInternal
};
MysqlErrorKind ClassifyMysqlError(unsigned error_number);

// "Duplicate entry 'x' for key 'uniq_nodegroup0cluster_id0name'" -> "cluster_id, name"
// (the columns of the named unique key of `table`, from schema.h; the key name when
// unknown).
std::string MysqlDuplicateColumns(const TableSchema* table, std::string_view message);

}  // namespace magnum::db
