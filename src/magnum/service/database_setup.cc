#include "magnum/service/database_setup.h"

#include <spdlog/spdlog.h>

#include <string>

#include "magnum/config/config.h"

namespace magnum::service {

std::unique_ptr<db::Database> OpenServiceDatabase(const config::Config& cfg, bool migrate) {
  auto db = db::OpenDatabase(cfg.DatabaseUrl(), db::DatabaseOptions{cfg.busy_timeout_ms, true});
  if (!db) {
    spdlog::critical("cannot open the database {}: {}", cfg.DatabaseUrl(), db.error().message());
    return nullptr;
  }
  if (migrate) {
    auto v = (*db)->Upgrade();
    if (!v) {
      spdlog::critical("database migration failed: {}", v.error().message());
      return nullptr;
    }
    spdlog::info("database {} at schema version {}", cfg.DatabaseUrl(), *v);
    return std::move(*db);
  }
  auto v = (*db)->SchemaVersion();
  if (!v || *v != db::Database::LatestSchemaVersion()) {
    spdlog::critical(
        "database schema is at version {}, this build needs {}: run magnum-db-manage upgrade",
        v ? std::to_string(*v) : v.error().message(), db::Database::LatestSchemaVersion());
    return nullptr;
  }
  return std::move(*db);
}

}  // namespace magnum::service
