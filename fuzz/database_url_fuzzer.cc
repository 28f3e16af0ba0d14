// libFuzzer target: MariaDB/MySQL connection URLs (db/mysql_url.h ParseMysqlUrl, the
// [database] connection forms of oslo.db) and the MariaDB form of migration DDL
// (db/mysql_ddl.h MysqlMigrationSql). Pure: nothing connects.
//
// Input: a URL as an operator writes it in magnum.conf. It is parsed as given, and again
// with a known password spliced in as the user info ("mysql+pymysql://u:<secret>@" +
// the input after its "://" or whole); the password checks apply when the input does not
// hold the secret's text itself.
// Properties: no crash; a refusal is kInvalidArgument; neither a refusal's message nor
// Redacted() ever holds the spliced password; an accepted URL names a database and
// re-parses from Redacted() (password aside) to the same server, database and options.
#include <stdint.h>
#include <stdio.h>
#include <ctype.h>
#include <stdlib.h>

#include <string>
#include <string_view>

#include "magnum/db/mysql_ddl.h"
#include "magnum/db/mysql_url.h"

namespace {

namespace db = magnum::db;

constexpr char kSecret[] = "Zq7-secret-Xw";

[[noreturn]] void Finding(const char* what, const std::string& url, const std::string& detail) {
  fprintf(stderr, "=== database_url finding: %s\nurl: %s\ndetail: %s\n", what, url.c_str(),
          detail.c_str());
  abort();
}

// `spliced`: the URL carries kSecret as its password and nowhere else (an input that holds
// the text itself, e.g. in an option name, may see it echoed from there).
void Check(const std::string& url, bool spliced) {
  auto parsed = db::ParseMysqlUrl(url);
  if (!parsed) {
    if (parsed.error().code() != magnum::ErrorCode::kInvalidArgument) {
      Finding("refusal is not kInvalidArgument", url, parsed.error().message());
    }
    if (spliced && parsed.error().message().find(kSecret) != std::string::npos) {
      Finding("refusal repeats the password", url, parsed.error().message());
    }
    return;
  }
  const db::MysqlUrl& u = *parsed;
  if (u.database.empty()) Finding("accepted without a database", url, "");
  const std::string redacted = u.Redacted();
  if (spliced && u.password == kSecret && redacted.find(kSecret) != std::string::npos) {
    Finding("Redacted() holds the password", url, redacted);
  }
  // Redacted() shows user, host, port and database decoded; re-parse only the plain ones.
  const bool plain = u.user.find_first_of("%:@/?#[]") == std::string::npos &&
                     u.database.find_first_of("%?#/") == std::string::npos &&
                     u.host.find_first_of("%") == std::string::npos &&
                     u.unix_socket.find_first_of("%&#") == std::string::npos;
  if (!plain) return;
  auto again = db::ParseMysqlUrl(redacted);
  if (!again) Finding("Redacted() does not parse", url, redacted + ": " + again.error().message());
  if (again->host != u.host || again->port != u.port || again->database != u.database ||
      again->user != u.user || again->unix_socket != u.unix_socket) {
    Finding("Redacted() names another server", url, redacted);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 4096) return 0;
  const std::string input(reinterpret_cast<const char*>(data), size);
  Check(input, false);
  const size_t sep = input.find("://");
  const std::string rest = sep == std::string::npos ? input : input.substr(sep + 3);
  Check(std::string("mysql+pymysql://u:") + kSecret + "@" + rest,
        rest.find(kSecret) == std::string::npos);
  // The DDL translation takes any text without crashing and keeps what it does not know.
  const std::string ddl = db::MysqlMigrationSql(input);
  std::string lower = input;
  for (char& c : lower) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  if (input.find("{ID}") == std::string::npos && lower.find("text") == std::string::npos &&
      ddl.rfind(input, 0) != 0) {
    Finding("DDL translation changed a statement without {ID} or TEXT", input, ddl);
  }
  return 0;
}
