#include "magnum/db/mysql_rows.h"

#include <errmsg.h>
#include <mysqld_error.h>

#include <charconv>
#include <mutex>
#include <string>
#include <utility>

namespace magnum::db {
namespace {

bool ParseInt(std::string_view text, int64_t& out) {
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

// The text-protocol value `text` of a column of type `type` into `out`; false when it
// does not parse.
bool ReadValue(const char* data, unsigned long length, ColumnType type, Value& out) {
  if (data == nullptr) {
    out = Value();
    return true;
  }
  const std::string_view text(data, length);
  int64_t n = 0;
  switch (type) {
    case ColumnType::kId:
    case ColumnType::kInteger:
      if (!ParseInt(text, n)) return false;
      out.emplace<int64_t>(n);
      return true;
    case ColumnType::kBoolean:
      if (!ParseInt(text, n)) return false;
      out.emplace<bool>(n != 0);
      return true;
    case ColumnType::kText:
    case ColumnType::kJson:
    case ColumnType::kTimestamp:
      out.emplace<std::string>(text);
      return true;
  }
  return false;
}

// libmariadb's global state, initialised once before the first connection (mysql_init
// would do it too, but not thread-safely).
void InitLibraryOnce() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
}

constexpr char kSqlMode[] =
    "ANSI_QUOTES,PIPES_AS_CONCAT,STRICT_TRANS_TABLES,STRICT_ALL_TABLES,NO_ZERO_IN_DATE,"
    "NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";
constexpr unsigned kDefaultConnectTimeoutS = 10;
constexpr unsigned kDefaultIoTimeoutS = 30;

}  // namespace

MysqlOpenResult MysqlConnect(const MysqlUrl& url, int busy_timeout_ms, bool select_db) {
  InitLibraryOnce();
  MysqlOpenResult out;
  MYSQL* m = mysql_init(nullptr);
  if (m == nullptr) {
    out.error = "out of memory";
    return out;
  }
  const unsigned connect_timeout = url.connect_timeout_s.value_or(kDefaultConnectTimeoutS);
  const unsigned read_timeout = url.read_timeout_s.value_or(kDefaultIoTimeoutS);
  const unsigned write_timeout = url.write_timeout_s.value_or(kDefaultIoTimeoutS);
  const my_bool no = 0;
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
  mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &write_timeout);
  mysql_optionsv(m, MYSQL_OPT_RECONNECT, &no);  // we reconnect ourselves, never mid-transaction
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  const std::pair<mysql_option, const std::string*> ssl[] = {
      {MYSQL_OPT_SSL_CA, &url.ssl_ca},     {MYSQL_OPT_SSL_CAPATH, &url.ssl_capath},
      {MYSQL_OPT_SSL_CERT, &url.ssl_cert}, {MYSQL_OPT_SSL_KEY, &url.ssl_key},
      {MYSQL_OPT_SSL_CIPHER, &url.ssl_cipher}};
  for (const auto& [option, value] : ssl) {
    if (!value->empty()) mysql_optionsv(m, option, value->c_str());
  }
  const char* host = url.host.empty() ? nullptr : url.host.c_str();
  const char* user = url.user.empty() ? nullptr : url.user.c_str();
  const char* password = url.has_password ? url.password.c_str() : nullptr;
  const char* socket = url.unix_socket.empty() ? nullptr : url.unix_socket.c_str();
  const char* db = select_db ? url.database.c_str() : nullptr;
  if (mysql_real_connect(m, host, user, password, db, url.port, socket, CLIENT_FOUND_ROWS) ==
      nullptr) {
    out.error_number = mysql_errno(m);
    out.error = mysql_error(m);
    mysql_close(m);
    return out;
  }
  const long lock_wait_s = (busy_timeout_ms + 500) / 1000;
  const std::string session = std::string("SET SESSION sql_mode = '") + kSqlMode +
                              "', SESSION tx_isolation = 'SERIALIZABLE', SESSION time_zone = "
                              "'+00:00', SESSION innodb_lock_wait_timeout = " +
                              std::to_string(lock_wait_s);
  if (mysql_real_query(m, session.data(), session.size()) != 0) {
    out.error_number = mysql_errno(m);
    out.error = mysql_error(m);
    mysql_close(m);
    return out;
  }
  out.handle = m;
  return out;
}

Result<std::string> MysqlRenderStatement(MYSQL* m, const SqlStatement& st) {
  std::string out;
  out.reserve(st.sql.size() + 16 * st.params.size());
  size_t next = 0;
  char quote = 0;  // the quote character we are inside, if any
  for (char c : st.sql) {
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: same result
      out += c;
      continue;
    }
    if (c == '"' || c == '\'' || c == '`') {
      quote = c;
      out += c;
      continue;
    }
    if (c != '?') {
      out += c;
      continue;
    }
    if (next >= st.params.size()) {
      return Fail(Error::Internal("Parameter count mismatch in SQL: " + st.sql));
    }
    const Value& v = st.params[next++];
    if (const auto* i = std::get_if<int64_t>(&v)) {
      out += std::to_string(*i);
    } else if (const auto* b = std::get_if<bool>(&v)) {
      out += *b ? '1' : '0';
    } else if (const auto* s = std::get_if<std::string>(&v)) {
      std::string escaped(s->size() * 2 + 1, '\0');
      const unsigned long n =
          mysql_real_escape_string(m, escaped.data(), s->data(), static_cast<unsigned long>(s->size()));
      if (n == static_cast<unsigned long>(-1)) {
        return Fail(Error::Internal("Cannot escape a text value for MariaDB"));
      }
      out += '\'';
      out.append(escaped.data(), n);
      out += '\'';
    } else {
      out += "NULL";
    }
  }
  if (next != st.params.size()) {
    return Fail(Error::Internal("Parameter count mismatch in SQL: " + st.sql));
  }
  return out;
}

Result<std::vector<Row>> MysqlReadRows(MYSQL_RES* res, const TableSchema* table,
                                       const std::vector<const ColumnSchema*>& columns) {
  const unsigned fields = mysql_num_fields(res);
  if (fields != columns.size()) {
    return Fail(Error::Internal("MariaDB returned " + std::to_string(fields) +
                                " columns where " + std::to_string(columns.size()) +
                                " were selected"));
  }
  const RowLayout* layout = table != nullptr ? RowLayout::ForTable(table->name) : nullptr;
  const std::vector<int> positions = layout != nullptr ? ResultPositions(*table, columns)
                                                       : std::vector<int>(columns.size(), -1);
  std::vector<Row> rows;
  rows.reserve(mysql_num_rows(res));
  while (MYSQL_ROW r = mysql_fetch_row(res)) {
    const unsigned long* lengths = mysql_fetch_lengths(res);
    Row row(layout);
    for (size_t i = 0; i < columns.size(); ++i) {
      const ColumnSchema& col = *columns[i];
      Value v;
      if (!ReadValue(r[i], lengths[i], col.type, v)) {
        return Fail(Error::Internal("MariaDB returned a value of column " + col.name +
                                    " that is not " +
                                    (col.type == ColumnType::kBoolean ? "a boolean" : "an integer")));
      }
      if (positions[i] >= 0) {
        row.SetAt(positions[i], std::move(v));
      } else {
        row.Set(col.name, std::move(v));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

MysqlErrorKind ClassifyMysqlError(unsigned error_number) {
  switch (error_number) {
    case ER_DUP_ENTRY:
    case ER_DUP_ENTRY_WITH_KEY_NAME:
    case ER_DUP_KEY:
      return MysqlErrorKind::kDuplicate;
    case ER_LOCK_DEADLOCK:
    case ER_LOCK_WAIT_TIMEOUT:
    case ER_CHECKREAD:  // "Record has changed since last read"
      return MysqlErrorKind::kConflict;
    case ER_CONNECTION_KILLED:
    case ER_SERVER_SHUTDOWN:
    case ER_QUERY_INTERRUPTED:
    case ER_NEW_ABORTING_CONNECTION:
    case ER_NET_READ_ERROR:
    case ER_NET_READ_INTERRUPTED:
    case ER_NET_ERROR_ON_WRITE:
    case ER_NET_WRITE_INTERRUPTED:
    case 4031:  // ER_CLIENT_INTERACTION_TIMEOUT (idle past wait_timeout)
      return MysqlErrorKind::kConnectionLost;
    case ER_CON_COUNT_ERROR:
    case ER_TOO_MANY_USER_CONNECTIONS:
    case ER_RECORD_FILE_FULL:
    case ER_DISK_FULL:
    case ER_OUT_OF_RESOURCES:
    case ER_OUTOFMEMORY:
    case ER_OPTION_PREVENTS_STATEMENT:  // read_only server (a Galera node being synced...)
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
    case ER_BAD_DB_ERROR:
    case ER_UNKNOWN_COM_ERROR:
      return MysqlErrorKind::kUnavailable;
    case ER_DATA_TOO_LONG:
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
    case ER_WARN_DATA_OUT_OF_RANGE:
      return MysqlErrorKind::kBadValue;
    default:
      break;
  }
  // Client library errors (2000-2999): the connection is gone or never came up.
  if (error_number >= CR_MIN_ERROR && error_number <= CR_MAX_ERROR) {
    return MysqlErrorKind::kConnectionLost;
  }
  return MysqlErrorKind::kOther;
}

std::string MysqlDuplicateColumns(const TableSchema* table, std::string_view message) {
  // The key name is the last quoted word of the message.
  const size_t end = message.rfind('\'');
  const size_t begin = end == std::string_view::npos || end == 0
                           ? std::string_view::npos
                           : message.rfind('\'', end - 1);
  if (begin == std::string_view::npos) return std::string(message);
  std::string_view key = message.substr(begin + 1, end - begin - 1);
  if (const size_t dot = key.rfind('.'); dot != std::string_view::npos) {
    key = key.substr(dot + 1);  // MySQL 8 writes "table.key"
  }
  // Our keys are named "uniq_<table>0<column>0<column>..." (as upstream's).
  if (table != nullptr) {
    const std::string prefix = "uniq_" + table->name + "0";
    if (key.starts_with(prefix)) {
      std::string out;
      std::string_view cols = key.substr(prefix.size());
      for (const auto& unique : table->unique) {
        std::string joined;
        for (const auto& c : unique) joined += (joined.empty() ? "" : "0") + c;
        if (joined == cols) {
          for (const auto& c : unique) out += (out.empty() ? "" : ", ") + c;
          return out;
        }
      }
    }
  }
  return std::string(key);
}

}  // namespace magnum::db
