#include "magnum/db/mysql_url.h"

#include <array>
#include <charconv>
#include <string>

#include "magnum/common/strings.h"

namespace magnum::db {
namespace {

constexpr std::array<std::string_view, 4> kMysqlDrivers = {"", "pymysql", "mysqldb",
                                                          "mysqlconnector"};
constexpr std::array<std::string_view, 3> kMariadbDrivers = {"", "pymysql", "mysqldb"};
// Options of oslo.db, SQLAlchemy or the Python drivers that change nothing for us.
constexpr std::array<std::string_view, 6> kIgnoredOptions = {
    "plugin", "binary_prefix", "use_unicode", "autocommit", "client_flag", "local_infile"};

Error Invalid(const std::string& what) {
  return Error::InvalidArgument("Invalid MySQL/MariaDB database URL: " + what +
                                " (form: mysql+pymysql://user:password@host:port/dbname"
                                "?charset=utf8)");
}

// %XX-decodes `in` ("+" stays "+", as SQLAlchemy's unquote does); nullopt on a bad escape.
std::optional<std::string> PercentDecode(std::string_view in) {
  std::string out;
  if (!magnum::PercentDecode(in, /*plus_is_space=*/false, &out)) return std::nullopt;
  return out;
}

std::optional<unsigned> ParseUnsigned(std::string_view s, unsigned max) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v > max) return std::nullopt;
  return v;
}

// One "name=value" query option into `url`.
Result<void> ApplyOption(MysqlUrl& url, std::string_view name, const std::string& value) {
  if (name == "charset") {
    if (value == "utf8" || value == "utf8mb4" || value == "utf8mb3") return {};
    return Fail(Invalid("charset '" + value + "' is not supported (utf8 or utf8mb4)"));
  }
  if (name == "unix_socket") {
    if (value.empty() || value.front() != '/') {
      return Fail(Invalid("unix_socket must be an absolute path"));
    }
    url.unix_socket = value;
    return {};
  }
  std::optional<unsigned>* timeout = name == "connect_timeout" ? &url.connect_timeout_s
                                     : name == "read_timeout"  ? &url.read_timeout_s
                                     : name == "write_timeout" ? &url.write_timeout_s
                                                               : nullptr;
  if (timeout != nullptr) {
    *timeout = ParseUnsigned(value, 86400);
    if (!*timeout || **timeout == 0) {
      return Fail(Invalid(std::string(name) + " must be a number of seconds (1-86400)"));
    }
    return {};
  }
  std::string* ssl = name == "ssl_ca"       ? &url.ssl_ca
                     : name == "ssl_capath" ? &url.ssl_capath
                     : name == "ssl_cert"   ? &url.ssl_cert
                     : name == "ssl_key"    ? &url.ssl_key
                     : name == "ssl_cipher" ? &url.ssl_cipher
                                            : nullptr;
  if (ssl != nullptr) {
    *ssl = value;
    return {};
  }
  for (std::string_view ignored : kIgnoredOptions) {
    if (name == ignored) {
      url.ignored_options.emplace_back(name);
      return {};
    }
  }
  return Fail(Invalid("unknown option '" + std::string(name) +
                      "' (known: charset, unix_socket, connect_timeout, read_timeout, "
                      "write_timeout, ssl_ca, ssl_capath, ssl_cert, ssl_key, ssl_cipher)"));
}

Result<void> ParseQuery(MysqlUrl& url, std::string_view query) {
  while (!query.empty()) {
    const size_t amp = query.find('&');
    std::string_view item = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (item.empty()) continue;
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      return Fail(Invalid("query options take the form name=value"));
    }
    auto name = PercentDecode(item.substr(0, eq));
    auto value = PercentDecode(item.substr(eq + 1));
    if (!name || !value) return Fail(Invalid("bad %-escape in a query option"));
    MAGNUM_RETURN_IF_ERROR(ApplyOption(url, *name, *value));
  }
  return {};
}

// "host", "host:port", "[v6]", "[v6]:port" (may be empty).
Result<void> ParseHostPort(MysqlUrl& url, std::string_view hp) {
  std::string_view port;
  if (!hp.empty() && hp.front() == '[') {
    const size_t close = hp.find(']');
    if (close == std::string_view::npos) return Fail(Invalid("unterminated '[' in the host"));
    url.host = std::string(hp.substr(1, close - 1));
    if (url.host.empty() || url.host.find_first_not_of("0123456789abcdefABCDEF:.") !=
                                std::string::npos) {
      return Fail(Invalid("bad IPv6 address in brackets"));
    }
    std::string_view rest = hp.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return Fail(Invalid("unexpected text after ']'"));
      port = rest.substr(1);
      if (port.empty()) return Fail(Invalid("empty port"));
    }
  } else {
    const size_t colon = hp.rfind(':');
    std::string_view host = hp.substr(0, colon);
    if (colon != std::string_view::npos) {
      port = hp.substr(colon + 1);
      if (port.empty()) return Fail(Invalid("empty port"));
    }
    auto decoded = PercentDecode(host);
    if (!decoded) return Fail(Invalid("bad %-escape in the host"));
    if (decoded->find_first_of(" /?#@[]:\t\r\n") != std::string::npos ||
        decoded->find('\0') != std::string::npos) {
      return Fail(Invalid("bad character in the host name"));
    }
    url.host = std::move(*decoded);
  }
  if (!port.empty()) {
    auto p = ParseUnsigned(port, 65535);
    if (!p || *p == 0) return Fail(Invalid("port must be a number from 1 to 65535"));
    url.port = *p;
  }
  return {};
}

}  // namespace

bool LooksLikeMysqlScheme(std::string_view scheme) {
  for (std::string_view base : {std::string_view("mysql"), std::string_view("mariadb")}) {
    if (scheme == base || (scheme.starts_with(base) && scheme.size() > base.size() &&
                           scheme[base.size()] == '+')) {
      return true;
    }
  }
  return false;
}

bool IsMysqlScheme(std::string_view scheme) {
  auto matches = [&](std::string_view base, auto drivers) {
    for (std::string_view d : drivers) {
      if (d.empty() ? scheme == base
                    : scheme.size() == base.size() + 1 + d.size() && scheme.starts_with(base) &&
                          scheme[base.size()] == '+' && scheme.ends_with(d)) {
        return true;
      }
    }
    return false;
  };
  return matches("mysql", kMysqlDrivers) || matches("mariadb", kMariadbDrivers);
}

Result<MysqlUrl> ParseMysqlUrl(std::string_view text) {
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos) return Fail(Invalid("no scheme://"));
  MysqlUrl url;
  url.scheme = std::string(text.substr(0, sep));
  if (!IsMysqlScheme(url.scheme)) {
    // Only the scheme is echoed: the rest may hold a password.
    return Fail(Invalid("unsupported scheme or driver '" + url.scheme +
                        "' (mysql, mysql+pymysql, mysql+mysqldb, mysql+mysqlconnector, "
                        "mariadb, mariadb+pymysql, mariadb+mysqldb)"));
  }
  std::string_view rest = text.substr(sep + 3);
  if (rest.find('#') != std::string_view::npos) return Fail(Invalid("'#' is not allowed"));
  std::string_view query;
  if (const size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }
  const size_t slash = rest.find('/');
  if (slash == std::string_view::npos) return Fail(Invalid("the URL names no database"));
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = rest.substr(slash + 1);
  // The credentials end at the last '@' (a password may hold an unescaped '@').
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t colon = userinfo.find(':');
    auto user = PercentDecode(userinfo.substr(0, colon));
    if (!user) return Fail(Invalid("bad %-escape in the user name"));
    url.user = std::move(*user);
    if (colon != std::string_view::npos) {
      auto password = PercentDecode(userinfo.substr(colon + 1));
      if (!password) return Fail(Invalid("bad %-escape in the password"));
      url.password = std::move(*password);
      url.has_password = true;
    }
  }
  MAGNUM_RETURN_IF_ERROR(ParseHostPort(url, authority));
  auto database = PercentDecode(path);
  if (!database) return Fail(Invalid("bad %-escape in the database name"));
  if (database->empty()) return Fail(Invalid("the URL names no database"));
  if (database->size() > 64 || database->find_first_of(std::string_view("/\\.\0", 4)) != std::string::npos) {
    return Fail(Invalid("bad database name (at most 64 characters, no '/', '\\' or '.')"));
  }
  url.database = std::move(*database);
  MAGNUM_RETURN_IF_ERROR(ParseQuery(url, query));
  return url;
}

std::string MysqlUrl::Redacted() const {
  std::string out = scheme + "://";
  if (!user.empty() || has_password) {
    out += user;
    if (has_password) out += ":***";
    out += '@';
  }
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != 0) out += ":" + std::to_string(port);
  out += "/" + database;
  if (!unix_socket.empty()) out += "?unix_socket=" + unix_socket;
  return out;
}

}  // namespace magnum::db
