// ParseMysqlUrl(): the URL forms oslo.db accepts for MySQL/MariaDB (pure; no server).
#include "magnum/db/mysql_url.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace magnum::db {
namespace {

MysqlUrl MustParse(const std::string& text) {
  auto r = ParseMysqlUrl(text);
  EXPECT_TRUE(r) << text << ": " << (r ? "" : r.error().message());
  return r ? *r : MysqlUrl{};
}

TEST(MysqlUrlTest, EverySchemeOsloDbAccepts) {
  for (const std::string scheme : {"mysql", "mysql+pymysql", "mysql+mysqldb",
                                   "mysql+mysqlconnector", "mariadb", "mariadb+pymysql",
                                   "mariadb+mysqldb"}) {
    SCOPED_TRACE(scheme);
    MysqlUrl u = MustParse(scheme + "://magnum:pw@db.example/magnum");
    EXPECT_EQ(u.scheme, scheme);
    EXPECT_EQ(u.user, "magnum");
    EXPECT_EQ(u.password, "pw");
    EXPECT_EQ(u.host, "db.example");
    EXPECT_EQ(u.port, 0u);
    EXPECT_EQ(u.database, "magnum");
  }
}

TEST(MysqlUrlTest, HostPortAndIpv6) {
  MysqlUrl u = MustParse("mysql://u:p@10.0.0.5:3307/m");
  EXPECT_EQ(u.host, "10.0.0.5");
  EXPECT_EQ(u.port, 3307u);
  u = MustParse("mysql+pymysql://u:p@[::1]:3308/m");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 3308u);
  u = MustParse("mysql+pymysql://u:p@[fd00::5]/m");
  EXPECT_EQ(u.host, "fd00::5");
  EXPECT_EQ(u.port, 0u);
  u = MustParse("mysql:///m");  // the local server, default user
  EXPECT_EQ(u.host, "");
  EXPECT_EQ(u.user, "");
  EXPECT_FALSE(u.has_password);
}

TEST(MysqlUrlTest, PercentEscapesInUserPasswordAndDatabase) {
  MysqlUrl u = MustParse("mysql+pymysql://ma%40gnum:p%3Aa%2Fs%25s%40@db/mag%2Dnum");
  EXPECT_EQ(u.user, "ma@gnum");
  EXPECT_EQ(u.password, "p:a/s%s@");
  EXPECT_EQ(u.database, "mag-num");
  // An unescaped '@' in the password: the credentials end at the last '@'.
  u = MustParse("mysql://u:p@ss@db/m");
  EXPECT_EQ(u.password, "p@ss");
  EXPECT_EQ(u.host, "db");
  // Empty password is a password.
  u = MustParse("mysql://u:@db/m");
  EXPECT_TRUE(u.has_password);
  EXPECT_EQ(u.password, "");
}

TEST(MysqlUrlTest, QueryOptions) {
  MysqlUrl u = MustParse(
      "mysql+pymysql://u:p@localhost/m?charset=utf8&unix_socket=/run/mysqld/mysqld.sock"
      "&connect_timeout=3&read_timeout=20&write_timeout=21&plugin=dbcounter"
      "&ssl_ca=/etc/ssl/ca.pem&binary_prefix=true");
  EXPECT_EQ(u.unix_socket, "/run/mysqld/mysqld.sock");
  EXPECT_EQ(u.connect_timeout_s, 3u);
  EXPECT_EQ(u.read_timeout_s, 20u);
  EXPECT_EQ(u.write_timeout_s, 21u);
  EXPECT_EQ(u.ssl_ca, "/etc/ssl/ca.pem");
  EXPECT_EQ(u.ignored_options, (std::vector<std::string>{"plugin", "binary_prefix"}));
  MustParse("mysql://u:p@h/m?charset=utf8mb4");
  MustParse("mysql://u:p@h/m?charset=utf8mb3&");
}

TEST(MysqlUrlTest, RefusedFormsNameTheProblemAndNeverThePassword) {
  struct Case {
    std::string url;
    std::string message_has;
  };
  const std::vector<Case> cases = {
      {"mysql+oursql://u:s3cret@h/m", "'mysql+oursql'"},
      {"postgresql://u:s3cret@h/m", "'postgresql'"},
      {"mysql://u:s3cret@h", "names no database"},
      {"mysql://u:s3cret@h/", "names no database"},
      {"mysql://u:s3cret@h/m?charset=latin1", "charset 'latin1'"},
      {"mysql://u:s3cret@h/m?sslmode=require", "unknown option 'sslmode'"},
      {"mysql://u:s3cret@h/m?charset", "name=value"},
      {"mysql://u:s3cret@h:0/m", "port"},
      {"mysql://u:s3cret@h:70000/m", "port"},
      {"mysql://u:s3cret@h:33a/m", "port"},
      {"mysql://u:s3cret@[::1/m", "'['"},
      {"mysql://u:s3cret@[::1]x/m", "after ']'"},
      {"mysql://u:s3cret%zz@h/m", "password"},
      {"mysql://u:s3cret@h/m?connect_timeout=0", "connect_timeout"},
      {"mysql://u:s3cret@h/m?unix_socket=relative.sock", "absolute"},
      {"mysql://u:s3cret@h/a.b", "bad database name"},
      {"mysql://u:s3cret@h/m#frag", "'#'"},
      {"mysql:u:s3cret@h/m", "scheme://"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.url);
    auto r = ParseMysqlUrl(c.url);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(r.error().message().find(c.message_has), std::string::npos) << r.error().message();
    EXPECT_EQ(r.error().message().find("s3cret"), std::string::npos) << r.error().message();
  }
}

TEST(MysqlUrlTest, RedactedHidesThePassword) {
  EXPECT_EQ(MustParse("mysql+pymysql://magnum:s3cret@[::1]:3306/magnum?charset=utf8").Redacted(),
            "mysql+pymysql://magnum:***@[::1]:3306/magnum");
  EXPECT_EQ(MustParse("mysql://magnum@db/magnum").Redacted(), "mysql://magnum@db/magnum");
}

TEST(MysqlUrlTest, SchemeRecognition) {
  EXPECT_TRUE(LooksLikeMysqlScheme("mysql+oursql"));
  EXPECT_TRUE(LooksLikeMysqlScheme("mariadb"));
  EXPECT_FALSE(LooksLikeMysqlScheme("mysqlx"));
  EXPECT_FALSE(IsMysqlScheme("mysql+oursql"));
  EXPECT_FALSE(IsMysqlScheme("mysql+pymysqlx"));
}

}  // namespace
}  // namespace magnum::db
