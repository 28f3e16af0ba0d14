// MariaDB back end specifics (the shared behaviour is database_contract_test.cc): the DDL
// translation (pure), and, against the server MAGNUM_TEST_MYSQL_URL names (skipped when
// unset; ctest's db.mariadb entry sets it), connection loss and recovery.
#include "magnum/db/mysql_database.h"

#include <gtest/gtest.h>

#include <string>

#include "db_test_util.h"
#include "magnum/db/migrations.h"
#include "magnum/db/mysql_ddl.h"
#include "magnum/db/schema.h"
#include "magnum/db/sql_builder.h"

namespace magnum::db {
namespace {

using testing::TempDir;

TEST(MysqlDdlTest, CreateTableTakesUpstreamTypesAndInnoDbUtf8mb4NoPadBinary) {
  const std::string sql = MysqlMigrationSql(R"sql(CREATE TABLE "cluster" (
  "id" {ID},
  "uuid" TEXT NOT NULL,
  "name" TEXT,
  "status" TEXT,
  "status_reason" TEXT,
  "labels" TEXT,
  "ca_cert_ref" TEXT,
  "docker_volume_size" BIGINT,
  "master_lb_enabled" BOOLEAN,
  "created_at" TEXT,
  CONSTRAINT "uniq_cluster0uuid" UNIQUE ("uuid")
))sql");
  EXPECT_NE(sql.find("\"id\" BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,"), std::string::npos)
      << sql;
  EXPECT_NE(sql.find("\"uuid\" VARCHAR(36) NOT NULL,"), std::string::npos) << sql;
  EXPECT_NE(sql.find("\"name\" VARCHAR(255),"), std::string::npos) << sql;
  EXPECT_NE(sql.find("\"status\" VARCHAR(20),"), std::string::npos) << sql;
  EXPECT_NE(sql.find("\"status_reason\" MEDIUMTEXT,"), std::string::npos) << sql;
  EXPECT_NE(sql.find("\"labels\" MEDIUMTEXT,"), std::string::npos) << sql;
  EXPECT_NE(sql.find("\"ca_cert_ref\" VARCHAR(512),"), std::string::npos) << sql;
  EXPECT_NE(sql.find("\"docker_volume_size\" BIGINT,"), std::string::npos) << sql;
  EXPECT_NE(sql.find("\"master_lb_enabled\" BOOLEAN,"), std::string::npos) << sql;
  EXPECT_NE(sql.find("\"created_at\" VARCHAR(32),"), std::string::npos) << sql;
  EXPECT_NE(sql.find("CONSTRAINT \"uniq_cluster0uuid\" UNIQUE (\"uuid\")"), std::string::npos);
  EXPECT_TRUE(sql.ends_with(") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin"))
      << sql;
}

TEST(MysqlDdlTest, OurTablesIndexedTextIsVarcharOtherTextMediumtext) {
  EXPECT_EQ(MysqlTextColumnType(kClusterEventTable, "cluster_uuid"), "VARCHAR(255)");
  EXPECT_EQ(MysqlTextColumnType(kClusterEventTable, "message"), "MEDIUMTEXT");
  EXPECT_EQ(MysqlTextColumnType(kClusterLockTable, "cluster_uuid"), "VARCHAR(255)");
  EXPECT_EQ(MysqlTextColumnType(kClusterLockTable, "spec"), "MEDIUMTEXT");
  EXPECT_EQ(MysqlTextColumnType(kClusterLockTable, "lease_expires_at"), "VARCHAR(32)");
  EXPECT_EQ(MysqlMigrationSql(R"(ALTER TABLE "cluster_lock" ADD COLUMN "progress" TEXT)"),
            R"(ALTER TABLE "cluster_lock" ADD COLUMN "progress" MEDIUMTEXT)");
}

TEST(MysqlDdlTest, OtherStatementsPassThrough) {
  for (const std::string& sql : {
           std::string(R"(CREATE INDEX "ix_cluster_name" ON "cluster" ("name"))"),
           std::string(R"(CREATE TRIGGER "t_gen" AFTER INSERT ON "cluster" FOR EACH ROW BEGIN )"
                       R"(UPDATE "generation" SET "value" = "value" + 1 WHERE "name" = 'x TEXT'; END)"),
           std::string(R"(UPDATE "quotas" SET "resource" = 'a "b" TEXT')"),
       }) {
    EXPECT_EQ(MysqlMigrationSql(sql), sql);
  }
}

TEST(MysqlDdlTest, EveryMigrationTranslates) {
  for (const Migration& m : AllMigrations()) {
    for (const auto& statement : m.statements) {
      const std::string sql = RenderMigrationSql(statement, SqlDialect::kMysql);
      EXPECT_EQ(sql.find("{ID}"), std::string::npos) << sql;
      EXPECT_EQ(sql.find("AUTOINCREMENT"), std::string::npos) << sql;
    }
  }
}

// A migrated database of its own on the test server.
class MysqlServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::MysqlTestServer();
    if (!server) GTEST_SKIP() << "MAGNUM_TEST_MYSQL_URL is not set";
    server_ = *server;
    ASSERT_OK_AND_ASSIGN(url_, testing::MysqlTestDatabase(server_, dir_));
    ASSERT_OK_AND_ASSIGN(db_, MysqlDatabase::Open(url_, DatabaseOptions{}));
    ASSERT_OK(db_->Upgrade());
  }
  void TearDown() override {
    db_.reset();
    if (!server_.database.empty()) testing::DropMysqlTestDatabase(server_, dir_);
  }

  // Kills every connection to this test's database (as a server restart or an
  // administrator would), from a connection of its own.
  void KillConnections() {
    ASSERT_OK(MysqlDatabase::ExecuteOnServer(
        server_, "BEGIN NOT ATOMIC FOR r IN (SELECT \"ID\" FROM information_schema.PROCESSLIST "
                 "WHERE \"DB\" = '" + url_.database +
                     "' AND \"ID\" <> CONNECTION_ID()) DO KILL CONNECTION r.\"ID\"; END FOR; END"));
  }

  static Row Cluster(const std::string& uuid) {
    Row r;
    r.Set("uuid", uuid);
    return r;
  }

  TempDir dir_;
  MysqlUrl server_;
  MysqlUrl url_;
  std::unique_ptr<MysqlDatabase> db_;
};

TEST(MysqlSqlBuilderTest, InsertOfNothingAndNullOrdering) {
  const SqlBuilder mysql(SqlDialect::kMysql);
  const TableSchema& quotas = *FindTable(kQuotaTable);
  ASSERT_OK_AND_ASSIGN(SqlStatement insert, mysql.Insert(quotas, Row()));
  EXPECT_NE(insert.sql.find("INSERT INTO \"quotas\" () VALUES () RETURNING \"id\""),
            std::string::npos)
      << insert.sql;
  SelectSpec spec;
  spec.order = {{"project_id", false, OrderTerm::Nulls::kFirst},   // MariaDB's default
                {"resource", true, OrderTerm::Nulls::kLast},       // MariaDB's default
                {"hard_limit", true, OrderTerm::Nulls::kFirst},    // spelt out
                {"id", false, OrderTerm::Nulls::kUnspecified}};
  ASSERT_OK_AND_ASSIGN(SqlStatement select, mysql.Select(quotas, spec));
  EXPECT_NE(select.sql.find(" ORDER BY \"project_id\" ASC, \"resource\" DESC, \"hard_limit\" "
                            "IS NULL DESC, \"hard_limit\" DESC, \"id\" ASC"),
            std::string::npos)
      << select.sql;
  EXPECT_EQ(select.sql.find("NULLS"), std::string::npos) << select.sql;
}

TEST_F(MysqlServerTest, KilledIdleConnectionIsReopenedWithoutAnError) {
  ASSERT_OK(db_->Insert(kClusterTable, Cluster("u-1")));
  KillConnections();
  ASSERT_OK_AND_ASSIGN(int64_t n, db_->Count(kClusterTable, {}));  // read: retried at once
  EXPECT_EQ(n, 1);
  KillConnections();
  ASSERT_OK(db_->Insert(kClusterTable, Cluster("u-2")));  // write: the lock found it stale
  ASSERT_OK_AND_ASSIGN(n, db_->Count(kClusterTable, {}));
  EXPECT_EQ(n, 2);
  KillConnections();
  ASSERT_OK(db_->Transaction([&](Database& tx) -> Result<void> {  // a transaction too
    MAGNUM_RETURN_IF_ERROR(tx.Insert(kClusterTable, Cluster("u-3")));
    return {};
  }));
  ASSERT_OK_AND_ASSIGN(n, db_->Count(kClusterTable, {}));
  EXPECT_EQ(n, 3);
}

TEST_F(MysqlServerTest, LossInsideATransactionIsUnavailableNothingAppliedThenRecovers) {
  ASSERT_OK(db_->Insert(kClusterTable, Cluster("u-0")));
  int calls_after_loss = 0;
  auto r = db_->Transaction([&](Database& tx) -> Result<void> {
    MAGNUM_RETURN_IF_ERROR(tx.Insert(kClusterTable, Cluster("u-1")));
    KillConnections();
    auto insert = tx.Insert(kClusterTable, Cluster("u-2"));
    EXPECT_FALSE(insert);
    if (!insert) {
      EXPECT_EQ(insert.error().code(), ErrorCode::kUnavailable);
    }
    // Every later call of this transaction fails too: it never reconnects half-way.
    auto count = tx.Count(kClusterTable, {});
    EXPECT_FALSE(count);
    if (!count) {
      EXPECT_EQ(count.error().code(), ErrorCode::kUnavailable);
    }
    ++calls_after_loss;
    return insert ? Result<void>() : Fail(insert.error());
  });
  EXPECT_EQ(calls_after_loss, 1);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().message();
  EXPECT_EQ(r.error().message().find("magnum-test-pass"), std::string::npos);
  // The next call reconnects; u-1 was rolled back with the lost session.
  ASSERT_OK_AND_ASSIGN(auto rows, db_->List(kClusterTable, {}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].GetString("uuid"), "u-0");
  ASSERT_OK(db_->Transaction([&](Database& tx) -> Result<void> {
    MAGNUM_RETURN_IF_ERROR(tx.Insert(kClusterTable, Cluster("u-3")));
    return {};
  }));
  ASSERT_OK_AND_ASSIGN(int64_t n, db_->Count(kClusterTable, {}));
  EXPECT_EQ(n, 2);
}

TEST_F(MysqlServerTest, TooLongValueIsInvalidArgumentAndUpgradeIsIdempotent) {
  Row r = Cluster("u-1");
  r.Set("status", std::string(21, 'S'));  // upstream's String(20)
  auto inserted = db_->Insert(kClusterTable, r);
  ASSERT_FALSE(inserted);
  EXPECT_EQ(inserted.error().code(), ErrorCode::kInvalidArgument) << inserted.error().message();
  ASSERT_OK_AND_ASSIGN(int v, db_->Upgrade());
  EXPECT_EQ(v, Database::LatestSchemaVersion());
  ASSERT_OK_AND_ASSIGN(v, db_->SchemaVersion());
  EXPECT_EQ(v, Database::LatestSchemaVersion());
}

TEST_F(MysqlServerTest, TextComparesByteWise) {
  Row a = Cluster("u-1");
  a.Set("name", std::string("Alpha"));
  ASSERT_OK(db_->Insert(kClusterTable, a));
  ASSERT_OK_AND_ASSIGN(int64_t n, db_->Count(kClusterTable,
                                             Filter().Where(Condition::Eq("name", "alpha"))));
  EXPECT_EQ(n, 0);  // binary: as SQLite, not case-insensitive
  ASSERT_OK_AND_ASSIGN(n, db_->Count(kClusterTable, Filter().Where(Condition::Eq("name", "Alpha"))));
  EXPECT_EQ(n, 1);
  // Trailing spaces are not padding either (utf8mb4_nopad_bin; the contract test checks it).
  ASSERT_OK_AND_ASSIGN(n, db_->Count(kClusterTable, Filter().Where(Condition::Eq("name", "Alpha "))));
  EXPECT_EQ(n, 0);
}

}  // namespace
}  // namespace magnum::db
