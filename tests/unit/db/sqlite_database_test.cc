// SqliteDatabase specifics against a real SQLite file: WAL mode, one connection per thread
// and their lifecycle, opening non-databases. The backend-independent behaviour is the
// contract suite (database_contract_test.cc).
#include "magnum/db/sqlite_database.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "db_test_util.h"
#include "magnum/db/schema.h"

namespace magnum::db {
namespace {

using testing::SqliteTest;
using testing::TempDir;

Row ClusterRow(const std::string& uuid) {
  Row r;
  r.Set("uuid", uuid);
  r.Set("name", std::string("c"));
  return r;
}

// Each calling thread gets its own connection, kept until the database is destroyed.
TEST_F(SqliteTest, OneConnectionPerCallingThread) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        auto r = db_->Insert(kClusterTable, ClusterRow("u-" + std::to_string(t * 10 + i)));
        EXPECT_TRUE(r) << r.error().message();
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(db_->ConnectionCountForTesting(), 5u);  // four threads + this one (SetUp)
}

TEST(SqliteLifecycleTest, DestroyingTheDatabaseClosesEveryThreadsConnection) {
  TempDir dir;
  const std::string path = dir.File("magnum.sqlite");
  {
    ASSERT_OK_AND_ASSIGN(auto db, SqliteDatabase::Open(path, {}));
    ASSERT_OK(db->Upgrade());
    std::vector<std::thread> threads;
    for (int t = 0; t < 3; ++t) {
      threads.emplace_back([&, t] {
        auto r = db->Insert(kClusterTable, ClusterRow("u-" + std::to_string(t)));
        EXPECT_TRUE(r) << r.error().message();
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(db->ConnectionCountForTesting(), 4u);
    EXPECT_TRUE(std::filesystem::exists(path + "-wal"));
  }
  // The last connection to close checkpoints and removes the WAL file.
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));

  // A second instance in the same thread gets its own connection (no stale cache entry).
  ASSERT_OK_AND_ASSIGN(auto db2, SqliteDatabase::Open(path, {}));
  ASSERT_OK_AND_ASSIGN(int64_t n, db2->Count(kClusterTable, {}));
  EXPECT_EQ(n, 3);
}

TEST(SqliteLifecycleTest, UsesWalMode) {
  TempDir dir;
  ASSERT_OK_AND_ASSIGN(auto db, SqliteDatabase::Open(dir.File("magnum.sqlite"), {}));
  ASSERT_OK(db->Upgrade());
  EXPECT_TRUE(std::filesystem::exists(dir.File("magnum.sqlite-wal")));
}

TEST(SqliteLifecycleTest, OpeningANonDatabaseFileFails) {
  TempDir dir;
  {
    std::FILE* f = std::fopen(dir.File("junk").c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("this is not an SQLite database, not even close; padding padding padding", f);
    std::fclose(f);
  }
  auto db = SqliteDatabase::Open(dir.File("junk"), {});
  ASSERT_FALSE(db);
}

}  // namespace
}  // namespace magnum::db
