// Shared fixtures for the storage tests: a fresh temporary directory per test.
#pragma once

#include "testing/temp_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "magnum/db/database.h"
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
};

// The backends the contract runs against: SQLite always. A backend that needs a server
// joins when its test server is configured (e.g. the MariaDB issue adds one named by an
// environment variable), so every backend passes the same suite.
inline const std::vector<Backend>& ContractBackends() {
  static const std::vector<Backend> backends = {
      {"sqlite",
       [](const TempDir& dir, const DatabaseOptions& options)
           -> Result<std::unique_ptr<Database>> {
         MAGNUM_ASSIGN_OR_RETURN(auto db, SqliteDatabase::Open(dir.File("magnum.sqlite"), options));
         return std::unique_ptr<Database>(std::move(db));
       }},
  };
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

  Result<std::unique_ptr<Database>> OpenAnother(const DatabaseOptions& options) {
    return GetParam().open(dir_, options);
  }

  TempDir dir_;
  std::unique_ptr<Database> db_;
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
