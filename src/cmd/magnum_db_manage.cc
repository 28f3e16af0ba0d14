// magnum-db-manage: creates and upgrades the database schema.
//
//   magnum-db-manage [--config-file PATH]... [--database-connection URL] upgrade
//   magnum-db-manage [--config-file PATH]... [--database-connection URL] version
//
// On MariaDB, `upgrade` takes over a database the Python Magnum 15 created (db/takeover.h)
// and `version` says so on stderr when it finds one (stdout stays the number).
#include <CLI/CLI.hpp>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "magnum/config/config.h"
#include "magnum/db/database.h"
#include "magnum/db/mysql_database.h"

namespace {

struct Options {
  std::vector<std::string> config_files;
  std::string database_connection;  // "" = from the configuration
};

magnum::Result<std::unique_ptr<magnum::db::Database>> OpenConfiguredDatabase(const Options& o) {
  MAGNUM_ASSIGN_OR_RETURN(magnum::config::Config config, magnum::config::Load(o.config_files));
  for (const auto& warning : config.warnings) std::cerr << "warning: " << warning << "\n";
  const std::string url =
      o.database_connection.empty() ? config.DatabaseUrl() : o.database_connection;
  magnum::db::DatabaseOptions db_options;
  db_options.busy_timeout_ms = config.busy_timeout_ms;
  return magnum::db::OpenDatabase(url, db_options);
}

magnum::Result<void> RunUpgrade(const Options& o) {
  MAGNUM_ASSIGN_OR_RETURN(auto db, OpenConfiguredDatabase(o));
  MAGNUM_ASSIGN_OR_RETURN(int version, db->Upgrade());
  std::cout << "Database upgraded to version " << version << "\n";
  return {};
}

magnum::Result<void> RunVersion(const Options& o) {
  MAGNUM_ASSIGN_OR_RETURN(auto db, OpenConfiguredDatabase(o));
  MAGNUM_ASSIGN_OR_RETURN(int version, db->SchemaVersion());
  std::cout << version << "\n";
  // A Python Magnum's database (version 0 to us): say what `upgrade` will do with it.
  auto* mysql = dynamic_cast<magnum::db::MysqlDatabase*>(db.get());
  if (version == 0 && mysql != nullptr) {
    MAGNUM_ASSIGN_OR_RETURN(auto state, mysql->UpstreamState());
    using Kind = magnum::db::AlembicState::Kind;
    if (state.kind == Kind::kKnownHead) {
      std::cerr << "A Python Magnum database at alembic revision " << state.revision
                << " (Magnum 15): `magnum-db-manage upgrade` takes it over in place "
                   "(back it up first)\n";
    } else if (state.kind == Kind::kUnsupported) {
      std::cerr << magnum::db::UnsupportedRevisionMessage(state) << "\n";
    }
  }
  return {};
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"Magnum database management: creates and upgrades the schema"};
  app.add_option("--config-file", options.config_files,
                 "Configuration file (repeatable; later files override earlier ones)");
  app.add_option("--database-connection", options.database_connection,
                 "Database URL, overriding [database] connection");
  auto* upgrade = app.add_subcommand("upgrade", "Apply every pending schema migration");
  app.add_subcommand("version", "Print the current schema version");
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }

  auto result = upgrade->parsed() ? RunUpgrade(options) : RunVersion(options);
  if (!result) {
    std::cerr << "magnum-db-manage: error: " << result.error().message() << "\n";
    return 1;
  }
  return 0;
}
