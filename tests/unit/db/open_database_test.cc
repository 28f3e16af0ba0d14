// OpenDatabase(): URL forms.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "db_test_util.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"

namespace magnum::db {
namespace {

using testing::TempDir;
namespace fs = std::filesystem;

// Opens `url`, migrates, and writes a row, proving the database is usable.
void ExpectUsable(const std::string& url, const DatabaseOptions& options = {}) {
  ASSERT_OK_AND_ASSIGN(auto db, OpenDatabase(url, options));
  ASSERT_OK(db->Upgrade());
  Row r;
  r.Set("uuid", std::string("u-1"));
  ASSERT_OK(db->Insert(kClusterTable, r));
}

TEST(OpenDatabaseTest, AbsolutePathHasFourSlashes) {
  TempDir dir;
  const std::string path = dir.File("magnum.sqlite");
  ASSERT_EQ(path.front(), '/');
  ExpectUsable("sqlite:///" + path);  // "sqlite:////tmp/..."
  EXPECT_TRUE(fs::exists(path));
}

TEST(OpenDatabaseTest, RelativePathIsRelativeToTheWorkingDirectory) {
  TempDir dir;
  const std::string relative = fs::relative(dir.path(), fs::current_path()).string();
  ASSERT_FALSE(relative.empty());
  ASSERT_NE(relative.front(), '/');
  ExpectUsable("sqlite:///" + relative + "/magnum.sqlite");
  EXPECT_TRUE(fs::exists(dir.File("magnum.sqlite")));
}

TEST(OpenDatabaseTest, CreatesParentDirectoriesWhenAsked) {
  TempDir dir;
  ExpectUsable("sqlite:///" + dir.path() + "/a/b/magnum.sqlite");
  EXPECT_TRUE(fs::exists(dir.path() + "/a/b/magnum.sqlite"));

  DatabaseOptions no_dirs;
  no_dirs.create_parent_dirs = false;
  auto r = OpenDatabase("sqlite:///" + dir.path() + "/c/d/magnum.sqlite", no_dirs);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().message();
  EXPECT_FALSE(fs::exists(dir.path() + "/c"));
}

TEST(OpenDatabaseTest, RejectedUrls) {
  struct Case {
    std::string url;
    std::string message_has;    // a fragment the message must contain
    std::string message_lacks;  // a secret the message must not repeat
  };
  const std::vector<Case> cases = {
      {"sqlite://", "In-memory", ""},
      {"sqlite:///:memory:", "In-memory", ""},
      {":memory:", "In-memory", ""},
      {"sqlite://host/path.db", "three slashes", ""},
      {"sqlite:///", "names no file", ""},
      {"sqlite:///some/dir/", "names no file", ""},
      {"sqlite:///x.db?mode=ro", "Query parameters", ""},
      {"postgresql://magnum:s3cret@db.example/magnum", "PostgreSQL support is not built yet",
       "s3cret"},
      {"postgresql+psycopg2://magnum:s3cret@db/magnum", "PostgreSQL support is not built yet",
       "s3cret"},
      {"mysql+oursql://magnum:s3cret@db/magnum?charset=utf8", "'mysql+oursql'", "s3cret"},
      {"mysql+pymysql://magnum:s3cret@db/magnum?sslmode=require", "'sslmode'", "s3cret"},
      {"mariadb://magnum:s3cret@db", "names no database", "s3cret"},
      {"", "sqlite:////absolute/path", ""},
      {"/var/lib/magnum/magnum.sqlite", "not a URL", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    auto r = OpenDatabase(c.url);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find(c.message_has), std::string::npos) << r.error().message();
    if (!c.message_lacks.empty()) {
      EXPECT_EQ(r.error().message().find(c.message_lacks), std::string::npos)
          << r.error().message();
    }
  }
}

TEST(OpenDatabaseTest, MysqlServerAwayIsUnavailableWithoutThePassword) {
  // Nothing listens on port 1 of the loopback: refused at once.
  auto r = OpenDatabase("mysql+pymysql://magnum:s3cret@127.0.0.1:1/magnum?charset=utf8");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << r.error().message();
  EXPECT_EQ(r.error().message().find("s3cret"), std::string::npos) << r.error().message();
  EXPECT_NE(r.error().message().find("magnum:***@127.0.0.1:1/magnum"), std::string::npos)
      << r.error().message();
}

}  // namespace
}  // namespace magnum::db
