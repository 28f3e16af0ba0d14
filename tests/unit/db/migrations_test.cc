// Migrations: applied by SqliteDatabase::Upgrade(), checked against schema.cc.
#include "magnum/db/migrations.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <latch>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "db_test_util.h"
#include "magnum/db/schema.h"
#include "magnum/db/sqlite_database.h"

namespace magnum::db {
namespace {

using testing::TempDir;

// A raw read-only view of the database file, independent of the code under test.
class RawSqlite {
 public:
  explicit RawSqlite(const std::string& path) {
    sqlite3* raw = nullptr;
    rc_ = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE, nullptr);
    db_.reset(raw);
  }
  bool ok() const { return rc_ == SQLITE_OK; }

  // Every row of `sql`, each column as text ("NULL" for NULL).
  std::vector<std::vector<std::string>> Query(const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    sqlite3_stmt* raw = nullptr;
    if (sqlite3_prepare_v2(db_.get(), sql.c_str(), -1, &raw, nullptr) != SQLITE_OK) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db_.get());
      return rows;
    }
    std::unique_ptr<sqlite3_stmt, decltype(&sqlite3_finalize)> stmt(raw, &sqlite3_finalize);
    while (sqlite3_step(raw) == SQLITE_ROW) {
      std::vector<std::string> row;
      for (int i = 0; i < sqlite3_column_count(raw); ++i) {
        const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(raw, i));
        row.push_back(text ? text : "NULL");
      }
      rows.push_back(std::move(row));
    }
    return rows;
  }

  bool Exec(const std::string& sql) {
    return sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK;
  }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
  int rc_ = SQLITE_ERROR;
};

class FixedClock final : public Clock {
 public:
  TimePoint Now() const override {
    return TimePoint(std::chrono::microseconds(1'700'000'000'123'456));
  }
};

class MigrationTest : public ::testing::Test {
 protected:
  std::string Path() const { return dir_.File("magnum.sqlite"); }
  TempDir dir_;
};

TEST(MigrationListTest, VersionsAreContiguousAndRenderable) {
  const auto& all = AllMigrations();
  ASSERT_FALSE(all.empty());
  for (size_t i = 0; i < all.size(); ++i) {
    SCOPED_TRACE(all[i].version);
    EXPECT_EQ(all[i].version, static_cast<int>(i) + 1);
    EXPECT_FALSE(all[i].description.empty());
    EXPECT_FALSE(all[i].statements.empty());
    for (const auto& s : all[i].statements) {
      for (auto dialect : {SqlDialect::kSqlite, SqlDialect::kPostgres}) {
        const std::string sql = RenderMigrationSql(s, dialect);
        EXPECT_EQ(sql.find('{'), std::string::npos) << sql;
      }
    }
  }
  EXPECT_EQ(LatestMigrationVersion(), all.back().version);
  EXPECT_EQ(Database::LatestSchemaVersion(), all.back().version);
}

TEST(MigrationListTest, IdPlaceholderPerDialect) {
  EXPECT_EQ(RenderMigrationSql(R"(CREATE TABLE "t" ("id" {ID}))", SqlDialect::kSqlite),
            R"(CREATE TABLE "t" ("id" INTEGER PRIMARY KEY AUTOINCREMENT))");
  EXPECT_EQ(RenderMigrationSql(R"(CREATE TABLE "t" ("id" {ID}))", SqlDialect::kPostgres),
            R"(CREATE TABLE "t" ("id" BIGSERIAL PRIMARY KEY))");
}

TEST_F(MigrationTest, EmptyDatabaseIsVersionZero) {
  ASSERT_OK_AND_ASSIGN(auto db, SqliteDatabase::Open(Path(), {}));
  ASSERT_OK_AND_ASSIGN(int version, db->SchemaVersion());
  EXPECT_EQ(version, 0);
}

TEST_F(MigrationTest, UpgradeIsIdempotentAndRecordsEachVersionOnce) {
  FixedClock clock;
  ASSERT_OK_AND_ASSIGN(auto db, SqliteDatabase::Open(Path(), {}, clock));
  for (int run = 0; run < 3; ++run) {
    ASSERT_OK_AND_ASSIGN(int version, db->Upgrade());
    EXPECT_EQ(version, Database::LatestSchemaVersion());
    ASSERT_OK_AND_ASSIGN(version, db->SchemaVersion());
    EXPECT_EQ(version, Database::LatestSchemaVersion());
  }
  RawSqlite raw(Path());
  ASSERT_TRUE(raw.ok());
  auto rows =
      raw.Query("SELECT version, description, applied_at FROM schema_migrations ORDER BY version");
  ASSERT_EQ(rows.size(), AllMigrations().size());
  for (size_t i = 0; i < rows.size(); ++i) {
    EXPECT_EQ(rows[i][0], std::to_string(AllMigrations()[i].version));
    EXPECT_EQ(rows[i][1], AllMigrations()[i].description);
    EXPECT_EQ(rows[i][2], FormatDbTimestamp(clock.Now()));
  }
}

// The declared SQL type each column type migrates to.
std::string DeclaredType(ColumnType t) {
  switch (t) {
    case ColumnType::kId:
      return "INTEGER";
    case ColumnType::kInteger:
      return "BIGINT";
    case ColumnType::kBoolean:
      return "BOOLEAN";
    case ColumnType::kText:
    case ColumnType::kJson:
    case ColumnType::kTimestamp:
      return "TEXT";
  }
  return "?";
}

// Every column list of `table`'s indexes of the given origin ("u" unique, "c" plain).
std::set<std::vector<std::string>> IndexColumns(RawSqlite& raw, const std::string& table,
                                                const std::string& origin) {
  std::set<std::vector<std::string>> out;
  for (const auto& index : raw.Query("PRAGMA index_list(\"" + table + "\")")) {
    // seq, name, unique, origin, partial
    if (index[3] != origin) continue;
    std::vector<std::string> cols;
    for (const auto& info : raw.Query("PRAGMA index_info(\"" + index[1] + "\")")) {
      cols.push_back(info[2]);  // seqno, cid, name; returned in seqno order
    }
    out.insert(cols);
  }
  return out;
}

TEST_F(MigrationTest, MigratedSchemaEqualsSchemaCc) {
  {
    ASSERT_OK_AND_ASSIGN(auto db, SqliteDatabase::Open(Path(), {}));
    ASSERT_OK(db->Upgrade());
  }
  RawSqlite raw(Path());
  ASSERT_TRUE(raw.ok());

  std::set<std::string> actual_tables;
  for (const auto& row : raw.Query("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                   "name NOT LIKE 'sqlite_%'")) {
    actual_tables.insert(row[0]);
  }
  std::set<std::string> expected_tables = {kSchemaMigrationsTable};
  for (const auto& t : AllTables()) expected_tables.insert(t.name);
  EXPECT_EQ(actual_tables, expected_tables);

  for (const auto& table : AllTables()) {
    SCOPED_TRACE(table.name);
    // cid, name, type, notnull, dflt_value, pk
    auto info = raw.Query("PRAGMA table_info(\"" + table.name + "\")");
    ASSERT_EQ(info.size(), table.columns.size());
    for (size_t i = 0; i < info.size(); ++i) {
      const ColumnSchema& col = table.columns[i];
      SCOPED_TRACE(col.name);
      EXPECT_EQ(info[i][1], col.name);
      EXPECT_EQ(info[i][2], DeclaredType(col.type));
      const bool pk = col.type == ColumnType::kId;
      EXPECT_EQ(info[i][5], pk ? "1" : "0");
      // An INTEGER PRIMARY KEY is the rowid: never NULL, whatever table_info says.
      if (!pk) {
        EXPECT_EQ(info[i][3], col.nullable ? "0" : "1");
      }
      EXPECT_EQ(info[i][4], "NULL");  // no defaults: callers set every value
    }
    const std::set<std::vector<std::string>> unique(table.unique.begin(), table.unique.end());
    EXPECT_EQ(IndexColumns(raw, table.name, "u"), unique);
    const std::set<std::vector<std::string>> indexes(table.indexes.begin(), table.indexes.end());
    EXPECT_EQ(IndexColumns(raw, table.name, "c"), indexes);
  }
}

TEST_F(MigrationTest, ConcurrentUpgradesApplyEachMigrationOnce) {
  // Separate instances have separate connections, as two processes would.
  constexpr int kUpgraders = 4;
  std::vector<std::unique_ptr<SqliteDatabase>> dbs;
  for (int i = 0; i < kUpgraders; ++i) {
    ASSERT_OK_AND_ASSIGN(auto db, SqliteDatabase::Open(Path(), {}));
    dbs.push_back(std::move(db));
  }
  std::latch start(kUpgraders);
  std::vector<std::thread> threads;
  for (int i = 0; i < kUpgraders; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      auto r = dbs[i]->Upgrade();
      ASSERT_TRUE(r) << r.error().message();
      EXPECT_EQ(*r, Database::LatestSchemaVersion());
    });
  }
  for (auto& t : threads) t.join();
  RawSqlite raw(Path());
  auto rows = raw.Query("SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], std::to_string(AllMigrations().size()));
  EXPECT_EQ(rows[0][1], std::to_string(AllMigrations().size()));
}

TEST_F(MigrationTest, DatabaseNewerThanThisBuildIsFailedPrecondition) {
  ASSERT_OK_AND_ASSIGN(auto db, SqliteDatabase::Open(Path(), {}));
  ASSERT_OK(db->Upgrade());
  {
    RawSqlite raw(Path());
    ASSERT_TRUE(raw.Exec("INSERT INTO schema_migrations VALUES (" +
                         std::to_string(Database::LatestSchemaVersion() + 1) +
                         ", 'from the future', '2100-01-01T00:00:00')"));
  }
  ASSERT_OK_AND_ASSIGN(int version, db->SchemaVersion());
  EXPECT_EQ(version, Database::LatestSchemaVersion() + 1);
  EXPECT_ERROR_CODE(db->Upgrade(), ErrorCode::kFailedPrecondition);
}

// Migration 5 (containers) on a database at version 4, as every database before issue 15
// is: its rows stay, the container table arrives empty; in MariaDB form the indexed text
// columns are VARCHAR (MariaDB cannot index TEXT) and the JSON one MEDIUMTEXT.
TEST_F(MigrationTest, ContainersMigrationUpgradesAVersion4Database) {
  {
    ASSERT_OK_AND_ASSIGN(auto db, SqliteDatabase::Open(Path(), {}));
    ASSERT_OK(db->Upgrade());
  }
  {
    RawSqlite raw(Path());
    ASSERT_TRUE(raw.ok());
    // Back to version 4: without the table and its record.
    ASSERT_TRUE(raw.Exec("DROP TABLE \"container\""));
    ASSERT_TRUE(raw.Exec("DROP TABLE \"autoscaler_state\""));
    ASSERT_TRUE(raw.Exec("DELETE FROM schema_migrations WHERE version >= 5"));
    ASSERT_TRUE(raw.Exec("INSERT INTO \"cluster\" (\"uuid\", \"name\") VALUES ('c-1', 'kept')"));
  }
  ASSERT_OK_AND_ASSIGN(auto db, SqliteDatabase::Open(Path(), {}));
  ASSERT_OK_AND_ASSIGN(int before, db->SchemaVersion());
  EXPECT_EQ(before, 4);
  ASSERT_OK_AND_ASSIGN(int after, db->Upgrade());
  EXPECT_EQ(after, Database::LatestSchemaVersion());
  EXPECT_GE(after, 5);
  RawSqlite raw(Path());
  EXPECT_EQ(raw.Query("SELECT name FROM cluster WHERE uuid = 'c-1'"),
            (std::vector<std::vector<std::string>>{{"kept"}}));
  EXPECT_EQ(raw.Query("SELECT COUNT(*) FROM container"),
            (std::vector<std::vector<std::string>>{{"0"}}));
  EXPECT_EQ(raw.Query("SELECT description FROM schema_migrations WHERE version = 5"),
            (std::vector<std::vector<std::string>>{{"Containers on clusters"}}));
  // A second container with the same uuid is refused (the unique key).
  ASSERT_TRUE(raw.Exec("INSERT INTO container (uuid, name) VALUES ('u-1', 'a')"));
  EXPECT_FALSE(raw.Exec("INSERT INTO container (uuid, name) VALUES ('u-1', 'b')"));

  const Migration& m = AllMigrations()[4];
  ASSERT_EQ(m.version, 5);
  const std::string mysql = RenderMigrationSql(m.statements[0], SqlDialect::kMysql);
  EXPECT_NE(mysql.find("\"uuid\" VARCHAR(255)"), std::string::npos) << mysql;
  EXPECT_NE(mysql.find("\"bay_uuid\" VARCHAR(255)"), std::string::npos) << mysql;
  EXPECT_NE(mysql.find("\"environment\" MEDIUMTEXT"), std::string::npos) << mysql;
  EXPECT_NE(mysql.find("\"created_at\" VARCHAR(32)"), std::string::npos) << mysql;
}

// Migration 6 (the autoscaler's memory) on a database at version 5: its rows stay, the
// autoscaler_state table arrives empty with one row per cluster at most; in MariaDB form the
// unique cluster_uuid is a VARCHAR and the JSON a MEDIUMTEXT.
TEST_F(MigrationTest, AutoscalerStateMigrationUpgradesAVersion5Database) {
  {
    ASSERT_OK_AND_ASSIGN(auto db, SqliteDatabase::Open(Path(), {}));
    ASSERT_OK(db->Upgrade());
  }
  {
    RawSqlite raw(Path());
    ASSERT_TRUE(raw.ok());
    // Back to version 5: without the table and its record.
    ASSERT_TRUE(raw.Exec("DROP TABLE \"autoscaler_state\""));
    ASSERT_TRUE(raw.Exec("DELETE FROM schema_migrations WHERE version >= 6"));
    ASSERT_TRUE(raw.Exec("INSERT INTO \"cluster\" (\"uuid\", \"name\") VALUES ('c-1', 'kept')"));
    ASSERT_TRUE(
        raw.Exec("INSERT INTO container (uuid, name, bay_uuid) VALUES ('u-1', 'a', 'c-1')"));
  }
  ASSERT_OK_AND_ASSIGN(auto db, SqliteDatabase::Open(Path(), {}));
  ASSERT_OK_AND_ASSIGN(int before, db->SchemaVersion());
  EXPECT_EQ(before, 5);
  ASSERT_OK_AND_ASSIGN(int after, db->Upgrade());
  EXPECT_EQ(after, Database::LatestSchemaVersion());
  EXPECT_GE(after, 6);
  RawSqlite raw(Path());
  EXPECT_EQ(raw.Query("SELECT name FROM cluster WHERE uuid = 'c-1'"),
            (std::vector<std::vector<std::string>>{{"kept"}}));
  EXPECT_EQ(raw.Query("SELECT name FROM container WHERE bay_uuid = 'c-1'"),
            (std::vector<std::vector<std::string>>{{"a"}}));
  EXPECT_EQ(raw.Query("SELECT COUNT(*) FROM autoscaler_state"),
            (std::vector<std::vector<std::string>>{{"0"}}));
  EXPECT_EQ(raw.Query("SELECT description FROM schema_migrations WHERE version = 6"),
            (std::vector<std::vector<std::string>>{{"Autoscaler state of clusters"}}));
  // Through the storage interface (the columns schema.h knows), one row per cluster.
  Row row;
  row.Set("cluster_uuid", std::string("c-1"));
  row.Set("state", std::string(R"({"version":1})"));
  row.Set("updated_at", std::string("2026-12-06T02:00:00.000000"));
  ASSERT_OK(db->Insert(kAutoscalerStateTable, row));
  EXPECT_ERROR_CODE(db->Insert(kAutoscalerStateTable, row), ErrorCode::kAlreadyExists);
  EXPECT_FALSE(raw.Exec("INSERT INTO autoscaler_state (state) VALUES ('{}')"))
      << "cluster_uuid is NOT NULL";

  const Migration& m = AllMigrations()[5];
  ASSERT_EQ(m.version, 6);
  const std::string mysql = RenderMigrationSql(m.statements[0], SqlDialect::kMysql);
  EXPECT_NE(mysql.find("\"cluster_uuid\" VARCHAR(255) NOT NULL"), std::string::npos) << mysql;
  EXPECT_NE(mysql.find("\"state\" MEDIUMTEXT"), std::string::npos) << mysql;
  EXPECT_NE(mysql.find("\"updated_at\" VARCHAR(32)"), std::string::npos) << mysql;
  EXPECT_NE(mysql.find("BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY"), std::string::npos) << mysql;
}

TEST_F(MigrationTest, FailedMigrationLeavesNoTrace) {
  // A table in the way makes migration 1 fail halfway; its transaction rolls back.
  ASSERT_OK_AND_ASSIGN(auto db, SqliteDatabase::Open(Path(), {}));
  {
    RawSqlite raw(Path());
    ASSERT_TRUE(raw.ok());
    ASSERT_TRUE(raw.Exec("CREATE TABLE \"nodegroup\" (\"x\" TEXT)"));
  }
  auto r = db->Upgrade();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
  EXPECT_NE(r.error().message().find("Migration 1"), std::string::npos) << r.error().message();
  ASSERT_OK_AND_ASSIGN(int version, db->SchemaVersion());
  EXPECT_EQ(version, 0);
  RawSqlite raw(Path());
  auto rows = raw.Query("SELECT COUNT(*) FROM sqlite_master WHERE name = 'cluster'");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], "0");  // created before the failure, rolled back with it
}

}  // namespace
}  // namespace magnum::db
