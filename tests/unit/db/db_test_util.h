// Shared fixtures for the storage tests: a fresh temporary directory per test.
#pragma once

#include "testing/temp_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <atomic>
#include <fstream>
#include <unistd.h>

#include "magnum/db/database.h"
#include "magnum/db/mysql_database.h"
#include "magnum/db/mysql_url.h"
#include "magnum/db/schema.h"
#include "magnum/db/sqlite_database.h"

namespace magnum::db::testing {

using TempDir = ::magnum::testing_util::TempDir;

// A migrated SQLite database in a fresh directory.
class SqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    DatabaseOptions options;
    auto opened = SqliteDatabase::Open(dir_.File("magnum.sqlite"), options);
    ASSERT_TRUE(opened) << opened.error().message();
    db_ = std::move(*opened);
    auto upgraded = db_->Upgrade();
    ASSERT_TRUE(upgraded) << upgraded.error().message();
  }

  TempDir dir_;
  std::unique_ptr<SqliteDatabase> db_;
};

// A backend of the contract suite: opens a fresh, empty database whose state lives under
// `dir` (a file for SQLite; a server backend creates a uniquely named database there and
// remembers it in the directory), and opens further handles on the same database.
struct Backend {
  std::string name;
  std::function<Result<std::unique_ptr<Database>>(const TempDir& dir,
                                                  const DatabaseOptions& options)>
      open;
  // Removes what open() created outside `dir` (a server's database); may be empty.
  std::function<void(const TempDir& dir)> drop;
};

// The MariaDB test server named by MAGNUM_TEST_MYSQL_URL (scripts/mariadb/start.sh prints
// it; the `multinode` ctest entries set it), or nullopt when unset.
inline std::optional<MysqlUrl> MysqlTestServer() {
  const char* env = std::getenv("MAGNUM_TEST_MYSQL_URL");
  if (env == nullptr || *env == '\0') return std::nullopt;
  auto url = ParseMysqlUrl(env);
  if (!url) {
    ADD_FAILURE() << "MAGNUM_TEST_MYSQL_URL: " << url.error().message();
    return std::nullopt;
  }
  return *url;
}

// A database of its own on the test server for the test whose state is in `dir`: created
// on first use (named magnum_t<pid>_<n>, recorded in dir/mysql-database), the same name
// afterwards. Parallel test processes never share one.
inline Result<MysqlUrl> MysqlTestDatabase(const MysqlUrl& server, const TempDir& dir) {
  static std::atomic<int> counter{0};
  const std::string record = dir.File("mysql-database");
  MysqlUrl url = server;
  std::ifstream in(record);
  if (!(in >> url.database)) {
    url.database = "magnum_t" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
    MAGNUM_RETURN_IF_ERROR(MysqlDatabase::ExecuteOnServer(
        url, "CREATE DATABASE \"" + url.database + "\" CHARACTER SET utf8mb4"));
    std::ofstream(record) << url.database << "\n";
  }
  return url;
}

inline void DropMysqlTestDatabase(const MysqlUrl& server, const TempDir& dir) {
  std::ifstream in(dir.File("mysql-database"));
  std::string name;
  if (!(in >> name)) return;
  auto dropped = MysqlDatabase::ExecuteOnServer(server, "DROP DATABASE IF EXISTS \"" + name + "\"");
  if (!dropped) ADD_FAILURE() << "dropping " << name << ": " << dropped.error().message();
}

// The backends the contract runs against: SQLite always. A backend that needs a server
// joins when its test server is configured (e.g. the MariaDB issue adds one named by an
// environment variable), so every backend passes the same suite.
inline const std::vector<Backend>& ContractBackends() {
  static const std::vector<Backend> backends = [] {
    std::vector<Backend> all = {
        {"sqlite",
         [](const TempDir& dir, const DatabaseOptions& options)
             -> Result<std::unique_ptr<Database>> {
           MAGNUM_ASSIGN_OR_RETURN(auto db,
                                   SqliteDatabase::Open(dir.File("magnum.sqlite"), options));
           return std::unique_ptr<Database>(std::move(db));
         },
         {}},
    };
    if (auto server = MysqlTestServer()) {
      const MysqlUrl s = *server;  // ANSI_QUOTES: CREATE DATABASE takes the quoted name
      all.push_back({"mariadb",
                     [s](const TempDir& dir, const DatabaseOptions& options)
                         -> Result<std::unique_ptr<Database>> {
                       MAGNUM_ASSIGN_OR_RETURN(MysqlUrl url, MysqlTestDatabase(s, dir));
                       MAGNUM_ASSIGN_OR_RETURN(auto db, MysqlDatabase::Open(url, options));
                       return std::unique_ptr<Database>(std::move(db));
                     },
                     [s](const TempDir& dir) { DropMysqlTestDatabase(s, dir); }});
    }
    return all;
  }();
  return backends;
}

inline std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param.name;
}

// A migrated database of the parameter's backend, fresh per test; OpenAnother() is a second
// handle on the same database (another process, as far as locking goes).
class DatabaseContractTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    auto opened = GetParam().open(dir_, DatabaseOptions{});
    ASSERT_TRUE(opened) << opened.error().message();
    db_ = std::move(*opened);
    auto upgraded = db_->Upgrade();
    ASSERT_TRUE(upgraded) << upgraded.error().message();
  }

  void TearDown() override {
    db_.reset();
    if (GetParam().drop) GetParam().drop(dir_);
  }

  Result<std::unique_ptr<Database>> OpenAnother(const DatabaseOptions& options) {
    return GetParam().open(dir_, options);
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
};

// Holds the write lock of `db` from another thread, as another process would: a transaction
// that has inserted `cluster` into the clusters table and waits. Constructed once the lock
// is held; Release() (or the destructor) lets the transaction commit and joins the thread.
class WriteLockHolder {
 public:
  WriteLockHolder(Database& db, Row cluster)
      : thread_([this, &db, row = std::move(cluster)] {
          auto r = db.Transaction([&](Database& tx) -> Result<void> {
            MAGNUM_RETURN_IF_ERROR(tx.Insert(kClusterTable, row));
            locked_.count_down();
            release_.wait();
            return {};
          });
          EXPECT_TRUE(r) << r.error().message();
        }) {
    locked_.wait();
  }
  ~WriteLockHolder() { Release(); }
  WriteLockHolder(const WriteLockHolder&) = delete;
  WriteLockHolder& operator=(const WriteLockHolder&) = delete;

  void Release() {
    if (!thread_.joinable()) return;
    release_.count_down();
    thread_.join();
  }

 private:
  std::latch locked_{1};
  std::latch release_{1};
  std::thread thread_;  // last: it starts once the latches exist
};

}  // namespace magnum::db::testing

// Asserts that `expr` (a Result) holds a value and moves it into `lhs`.
#define MAGNUM_TEST_CONCAT_INNER_(a, b) a##b
#define MAGNUM_TEST_CONCAT_(a, b) MAGNUM_TEST_CONCAT_INNER_(a, b)
#define ASSERT_OK_AND_ASSIGN(lhs, expr)                            \
  auto MAGNUM_TEST_CONCAT_(test_r_, __LINE__) = (expr);            \
  ASSERT_TRUE(MAGNUM_TEST_CONCAT_(test_r_, __LINE__))              \
      << MAGNUM_TEST_CONCAT_(test_r_, __LINE__).error().message(); \
  lhs = std::move(*MAGNUM_TEST_CONCAT_(test_r_, __LINE__))

#define ASSERT_OK(expr)                                  \
  do {                                                   \
    auto test_ok_ = (expr);                              \
    ASSERT_TRUE(test_ok_) << test_ok_.error().message(); \
  } while (0)

#define EXPECT_ERROR_CODE(expr, code_value)                                             \
  do {                                                                                  \
    auto test_err_ = (expr);                                                            \
    EXPECT_FALSE(test_err_) << "expected an error";                                     \
    if (!test_err_) {                                                                   \
      EXPECT_EQ(test_err_.error().code(), (code_value)) << test_err_.error().message(); \
    }                                                                                   \
  } while (0)
