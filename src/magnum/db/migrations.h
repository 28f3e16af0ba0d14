// The versioned schema migrations, shared by every SQL back end.
//
// Each Migration is literal SQL for one schema version, written once for both dialects:
// "{ID}" stands for the dialect's auto-assigned integer primary key; every other type is
// portable (BIGINT, BOOLEAN, TEXT). Migrations are never edited once released: a schema
// change is a new version at the end of the list, together with the matching change to
// schema.cc (a unit test compares the migrated database with schema.cc).
//
// The table "schema_migrations" records the versions applied; the back end creates it
// (kSchemaMigrationsDdl) before applying migration 1. Immutable; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "magnum/db/sql_builder.h"

namespace magnum::db {

struct Migration {
  int version;                          // 1, 2, ... without gaps
  std::string description;              // one line, recorded in schema_migrations
  std::vector<std::string> statements;  // portable SQL, one statement each, with "{ID}"
};

// Every migration, in ascending version order.
const std::vector<Migration>& AllMigrations();

// The version of the last migration: the schema version this build expects.
int LatestMigrationVersion();

// `statement` with its placeholders replaced for `dialect`.
std::string RenderMigrationSql(std::string_view statement, SqlDialect dialect);

inline constexpr char kSchemaMigrationsTable[] = "schema_migrations";

// Creates the bookkeeping table if missing (portable, idempotent).
inline constexpr char kSchemaMigrationsDdl[] =
    "CREATE TABLE IF NOT EXISTS \"schema_migrations\" (\"version\" INTEGER PRIMARY KEY, "
    "\"description\" TEXT, \"applied_at\" TEXT)";

}  // namespace magnum::db
