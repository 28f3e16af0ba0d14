// OpenDatabase(): picks the back end from the connection URL.
#include <filesystem>
#include <string>
#include <system_error>

#include "magnum/db/database.h"
#include "magnum/db/migrations.h"
#include "magnum/db/mysql_database.h"
#include "magnum/db/mysql_url.h"
#include "magnum/db/sqlite_database.h"

namespace magnum::db {
namespace {

constexpr char kSupportedForms[] =
    "supported forms: sqlite:///relative/path, sqlite:////absolute/path, "
    "mysql+pymysql://user:password@host[:port]/dbname[?charset=utf8] (also mysql://, "
    "mariadb://) (postgresql://user:password@host/dbname once PostgreSQL support is built)";

Result<std::unique_ptr<Database>> OpenSqlite(std::string_view url, std::string_view rest,
                                             const DatabaseOptions& options) {
  // rest is what follows "sqlite://": "" (in-memory), "/relative/path", "//absolute/path".
  if (rest.empty() || rest == "/:memory:") {
    return Fail(Error::InvalidArgument(
        "In-memory SQLite databases are not supported (every thread would get its own "
        "empty database); use a file: sqlite:///relative/path or sqlite:////absolute/path"));
  }
  if (rest.front() != '/') {
    return Fail(Error::InvalidArgument("SQLite URLs name a file after three slashes, not a host: " +
                                       std::string(url) + "; " + kSupportedForms));
  }
  std::string_view path_text = rest.substr(1);
  if (path_text.find('?') != std::string_view::npos) {
    return Fail(Error::InvalidArgument("Query parameters in SQLite URLs are not supported: " +
                                       std::string(url)));
  }
  if (path_text.empty() || path_text.back() == '/') {
    return Fail(Error::InvalidArgument("SQLite URL names no file: " + std::string(url) + "; " +
                                       kSupportedForms));
  }
  std::error_code ec;
  // Resolved once, so a later chdir() cannot move the database.
  std::filesystem::path path = std::filesystem::absolute(std::string(path_text), ec);
  if (ec) {
    return Fail(Error::InvalidArgument("Bad SQLite path '" + std::string(path_text) +
                                       "': " + ec.message()));
  }
  if (options.create_parent_dirs && path.has_parent_path()) {
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return Fail(Error::Unavailable("Cannot create directory " + path.parent_path().string() +
                                     " for the database: " + ec.message()));
    }
  }
  MAGNUM_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDatabase> db,
                          SqliteDatabase::Open(path.string(), options));
  return std::unique_ptr<Database>(std::move(db));
}

}  // namespace

int Database::LatestSchemaVersion() { return LatestMigrationVersion(); }

Result<std::unique_ptr<Database>> OpenDatabase(std::string_view url,
                                               const DatabaseOptions& options) {
  if (url == ":memory:") {
    return Fail(Error::InvalidArgument(
        "In-memory SQLite databases are not supported (every thread would get its own "
        "empty database); use a file: sqlite:///relative/path or sqlite:////absolute/path"));
  }
  const auto sep = url.find("://");
  if (sep == std::string_view::npos || sep == 0) {
    return Fail(
        Error::InvalidArgument("Database connection is not a URL (expected scheme://...); " +
                               std::string(kSupportedForms)));
  }
  // Only the scheme is echoed back: the rest may hold a password.
  const std::string_view scheme = url.substr(0, sep);
  if (scheme == "sqlite") return OpenSqlite(url, url.substr(sep + 3), options);
  if (LooksLikeMysqlScheme(scheme)) {
    MAGNUM_ASSIGN_OR_RETURN(MysqlUrl parsed, ParseMysqlUrl(url));
    MAGNUM_ASSIGN_OR_RETURN(std::unique_ptr<MysqlDatabase> db, MysqlDatabase::Open(parsed, options));
    return std::unique_ptr<Database>(std::move(db));
  }
  if (scheme == "postgresql" || scheme == "postgres" || scheme.starts_with("postgresql+")) {
    return Fail(Error::InvalidArgument(
        "PostgreSQL support is not built yet (database URL scheme '" + std::string(scheme) +
        "'); use sqlite:///relative/path or sqlite:////absolute/path"));
  }
  return Fail(Error::InvalidArgument("Unsupported database URL scheme '" + std::string(scheme) +
                                     "'; " + kSupportedForms));
}

}  // namespace magnum::db
