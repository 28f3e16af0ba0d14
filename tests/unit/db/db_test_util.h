// Shared fixtures for the storage tests: a fresh temporary directory per test.
#pragma once

#include "testing/temp_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

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
