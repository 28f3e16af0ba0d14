// The MariaDB/MySQL form of the portable migration DDL (migrations.h).
//
// Migrations are written once in a SQLite-flavoured portable DDL. For MariaDB (sql_mode
// ANSI_QUOTES, so double-quoted names stay as they are):
//   * "{ID}" becomes BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY;
//   * a TEXT column of CREATE TABLE / ALTER TABLE ... ADD COLUMN takes the type upstream
//     Python Magnum gives the column of that name (VARCHAR(36) for uuid, VARCHAR(20) for
//     status, VARCHAR(255) for names and ids), so that an upstream database and ours differ
//     as little as possible, but MEDIUMTEXT where upstream has TEXT (JSON and free text: a
//     TEXT holds 64 KiB, less than a request body may carry; SQLite has no limit);
//     timestamps (ColumnType kTimestamp in schema.h) are VARCHAR(32) holding our sortable
//     text form (upstream has DATETIME); other TEXT columns are VARCHAR(255) when the
//     schema indexes them (MariaDB cannot index TEXT) and MEDIUMTEXT otherwise;
//   * CREATE TABLE gets ENGINE=InnoDB, utf8mb4 and kMysqlCollation (text compares and
//     sorts byte-wise, as in SQLite);
//   * everything else (CREATE INDEX, triggers with BEGIN ... END, ALTER TABLE ...) passes
//     through unchanged.
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace magnum::db {

// The collation of every text column: code point order (UTF-8 byte order) and equality
// without padding, as SQLite's BINARY. (utf8mb4_bin pads: 'a' = 'a ' and 'a\t' < 'a'.)
// MariaDB 10.2 or later.
inline constexpr char kMysqlCollation[] = "utf8mb4_nopad_bin";

std::string MysqlMigrationSql(std::string_view statement);

// The MariaDB column type for a TEXT column `column` of `table` (see above).
std::string MysqlTextColumnType(std::string_view table, std::string_view column);

}  // namespace magnum::db
