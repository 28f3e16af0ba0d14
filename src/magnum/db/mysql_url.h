// Parsing MariaDB/MySQL connection URLs in the forms oslo.db (SQLAlchemy) accepts.
//
//   mysql[+pymysql|+mysqldb|+mysqlconnector]://[user[:password]@][host][:port]/dbname[?opts]
//   mariadb[+pymysql|+mysqldb]://...  (the same)
//
// user, password and dbname may hold %-escapes; host is a name, an IPv4 address or a
// bracketed IPv6 address ("[::1]"); no host means the local server ("localhost": the
// client library then uses the default Unix socket). Query options:
//   charset=utf8|utf8mb4|utf8mb3   accepted; every connection uses utf8mb4 (a superset)
//   unix_socket=PATH               connect through this socket instead of TCP
//   connect_timeout, read_timeout, write_timeout=SECONDS   passed to the client library
//   ssl_ca, ssl_capath, ssl_cert, ssl_key, ssl_cipher=VALUE  TLS to the server
//   plugin, binary_prefix, use_unicode, autocommit, client_flag, local_infile=...
//                                   oslo.db/driver options with no meaning here: ignored
// Any other option is refused, naming it. No message ever repeats the password.
// Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"

namespace magnum::db {

struct MysqlUrl {
  std::string scheme;    // as written, e.g. "mysql+pymysql"
  std::string user;      // decoded; empty = the client library's default
  std::string password;  // decoded
  bool has_password = false;
  std::string host;      // decoded, without brackets; empty = localhost
  unsigned port = 0;     // 0 = 3306
  std::string database;  // decoded, never empty
  std::string unix_socket;
  std::optional<unsigned> connect_timeout_s, read_timeout_s, write_timeout_s;
  std::string ssl_ca, ssl_capath, ssl_cert, ssl_key, ssl_cipher;
  std::vector<std::string> ignored_options;  // names of options accepted and ignored

  // The URL with the password replaced by "***" (for logs and messages).
  std::string Redacted() const;
};

// True for the schemes ParseMysqlUrl accepts ("mysql", "mariadb", with a known driver).
bool IsMysqlScheme(std::string_view scheme);
// True when `scheme` names MySQL or MariaDB at all (also with a driver we do not know).
bool LooksLikeMysqlScheme(std::string_view scheme);

// kInvalidArgument (without the password) when `url` is not one of the forms above.
Result<MysqlUrl> ParseMysqlUrl(std::string_view url);

}  // namespace magnum::db
