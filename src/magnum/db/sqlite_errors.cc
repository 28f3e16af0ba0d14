#include "magnum/db/sqlite_errors.h"

#include <cerrno>
#include <filesystem>

namespace magnum::db {
namespace {

// "UNIQUE constraint failed: nodegroup.cluster_id, nodegroup.name" -> "cluster_id, name".
std::string UniqueColumnsFromMessage(std::string_view msg) {
  auto colon = msg.find(": ");
  if (colon == std::string_view::npos) return std::string(msg);
  std::string_view rest = msg.substr(colon + 2);
  std::string out;
  while (!rest.empty()) {
    auto comma = rest.find(", ");
    std::string_view item = rest.substr(0, comma);
    auto dot = item.find('.');
    if (dot != std::string_view::npos) item = item.substr(dot + 1);
    if (!out.empty()) out += ", ";
    out += item;
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 2);
  }
  return out;
}

// The directory of the database file (where its -wal and -shm files live too).
std::string Directory(const std::string& path) {
  std::string dir = std::filesystem::path(path).parent_path().string();
  return dir.empty() ? "." : dir;
}

}  // namespace

Error SqliteError(sqlite3* db, int rc, const TableSchema* table, std::string_view context,
                  const std::string& path, int busy_timeout_ms) {
  std::string msg = sqlite3_errmsg(db);
  if (msg.empty() || msg == "not an error") msg = sqlite3_errstr(rc);
  const std::string where = table ? " on table " + table->name : "";
  if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return Error::AlreadyExists(
        "Duplicate entry in " + (table ? table->name : std::string("table")) +
        ": a row with the same (" + UniqueColumnsFromMessage(msg) + ") already exists");
  }
  std::string text = context.empty() ? "" : std::string(context) + ": ";
  // Out of space (SQLITE_FULL, or an I/O error whose cause was ENOSPC/EDQUOT/EFBIG, as far
  // as SQLite records the errno: not for failures at commit) and
  // other I/O errors are the operator's to fix, not bugs: 503, nothing of the call applied
  // (SQLite rolls the statement or transaction back, and WAL keeps the file consistent),
  // and the same call succeeds once the cause is gone, without a restart.
  const int sys_errno = sqlite3_system_errno(db);
  const bool out_of_space =
      (rc & 0xff) == SQLITE_FULL ||
      ((rc & 0xff) == SQLITE_IOERR &&
       (sys_errno == ENOSPC || sys_errno == EDQUOT || sys_errno == EFBIG));
  if (out_of_space) {
    return Error::Unavailable(text + "The database is out of disk space. Free space on the " +
                              "file system holding " + Directory(path) + " and retry (" + msg +
                              ")");
  }
  if ((rc & 0xff) == SQLITE_IOERR) {
    return Error::Unavailable(text + "The database could not be read or written (" + msg +
                              "). Check the file system holding " + Directory(path) +
                              " (free space, errors) and retry");
  }
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Error::Unavailable(text + "Database is locked" + where + " (waited " +
                                std::to_string(busy_timeout_ms) + " ms): " + msg);
    case SQLITE_CANTOPEN:
      return Error::Unavailable(text + "Cannot open the database: " + msg);
    default:
      return Error::Internal(text + "SQLite error" + where + ": " + msg);
  }
}

}  // namespace magnum::db
