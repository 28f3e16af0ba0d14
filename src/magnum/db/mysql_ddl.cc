#include "magnum/db/mysql_ddl.h"

#include <algorithm>
#include <array>
#include <cctype>

#include "magnum/db/schema.h"

namespace magnum::db {
namespace {

// The tables upstream Magnum has (and so column types to follow).
constexpr std::array<std::string_view, 7> kUpstreamTables = {
    "cluster", "cluster_template", "nodegroup", "x509keypair", "magnum_service", "quotas",
    "federation"};

// Upstream's String(n) and Text columns (magnum/db/sqlalchemy/models.py), by column name:
// the names mean the same in every table that has them. Text is MEDIUMTEXT here (mysql_ddl.h).
struct UpstreamType {
  std::string_view column;
  std::string_view type;
};
constexpr std::array<UpstreamType, 20> kUpstreamTypes = {{
    {"uuid", "VARCHAR(36)"},
    {"status", "VARCHAR(20)"},
    {"health_status", "VARCHAR(20)"},
    {"version", "VARCHAR(20)"},
    {"ca_cert_ref", "VARCHAR(512)"},
    {"magnum_cert_ref", "VARCHAR(512)"},
    {"etcd_ca_cert_ref", "VARCHAR(512)"},
    {"front_proxy_ca_cert_ref", "VARCHAR(512)"},
    {"status_reason", "MEDIUMTEXT"},
    {"labels", "MEDIUMTEXT"},
    {"health_status_reason", "MEDIUMTEXT"},
    {"node_addresses", "MEDIUMTEXT"},
    {"member_ids", "MEDIUMTEXT"},
    {"properties", "MEDIUMTEXT"},
    {"certificate", "MEDIUMTEXT"},
    {"private_key", "MEDIUMTEXT"},
    {"private_key_passphrase", "MEDIUMTEXT"},
    {"intermediates", "MEDIUMTEXT"},
    // Ours, JSON, next to upstream's labels.
    {"node_labels", "MEDIUMTEXT"},
    {"node_taints", "MEDIUMTEXT"},
}};

bool Indexed(const TableSchema& t, std::string_view column) {
  for (const auto* lists : {&t.unique, &t.indexes}) {
    for (const auto& cols : *lists) {
      if (std::find(cols.begin(), cols.end(), column) != cols.end()) return true;
    }
  }
  return false;
}

bool StartsWithWord(std::string_view s, std::string_view word) {
  if (s.size() < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::toupper(static_cast<unsigned char>(s[i])) != word[i]) return false;
  }
  return s.size() == word.size() || !std::isalnum(static_cast<unsigned char>(s[word.size()]));
}

std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  return s;
}

// The name in double quotes at the start of `s` (quotes doubled inside), and the length it
// takes; empty when `s` does not start with one.
std::pair<std::string, size_t> QuotedName(std::string_view s) {
  if (s.empty() || s.front() != '"') return {"", 0};
  std::string name;
  for (size_t i = 1; i < s.size(); ++i) {
    if (s[i] == '"') {
      if (i + 1 < s.size() && s[i + 1] == '"') {
        name += '"';
        ++i;
        continue;
      }
      return {name, i + 1};
    }
    name += s[i];
  }
  return {"", 0};
}

// The table a CREATE TABLE / ALTER TABLE statement names, or "" for any other statement.
std::string TableOf(std::string_view sql) {
  sql = TrimLeft(sql);
  for (std::string_view head : {std::string_view("CREATE"), std::string_view("ALTER")}) {
    if (!StartsWithWord(sql, head)) continue;
    std::string_view rest = TrimLeft(sql.substr(head.size()));
    if (!StartsWithWord(rest, "TABLE")) return "";
    rest = TrimLeft(rest.substr(5));
    if (StartsWithWord(rest, "IF")) return "";  // not used by migrations
    return QuotedName(rest).first;
  }
  return "";
}

}  // namespace

std::string MysqlTextColumnType(std::string_view table, std::string_view column) {
  const TableSchema* t = FindTable(table);
  const ColumnSchema* c = t != nullptr ? t->Find(column) : nullptr;
  if (c != nullptr && c->type == ColumnType::kTimestamp) return "VARCHAR(32)";
  const bool upstream =
      std::find(kUpstreamTables.begin(), kUpstreamTables.end(), table) != kUpstreamTables.end();
  if (upstream) {
    for (const auto& u : kUpstreamTypes) {
      if (u.column == column) return std::string(u.type);
    }
    // Every other upstream text column is String(255).
    if (c == nullptr || c->type != ColumnType::kJson) return "VARCHAR(255)";
  }
  if (c != nullptr && Indexed(*t, column)) return "VARCHAR(255)";
  return "MEDIUMTEXT";
}

std::string MysqlMigrationSql(std::string_view statement) {
  std::string sql;
  sql.reserve(statement.size() + 64);
  const std::string table = TableOf(statement);
  const bool create_table = !table.empty() && StartsWithWord(TrimLeft(statement), "CREATE");
  // Copy, turning every `"name" TEXT` of a table statement into the MariaDB type and {ID}
  // into the key; string literals and everything else are copied as they are.
  for (size_t i = 0; i < statement.size();) {
    const char ch = statement[i];
    if (statement.compare(i, 4, "{ID}") == 0) {
      sql += "BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY";
      i += 4;
      continue;
    }
    if (ch == '\'') {  // a string literal, to its closing quote
      const size_t end = statement.find('\'', i + 1);
      const size_t stop = end == std::string_view::npos ? statement.size() : end + 1;
      sql.append(statement.substr(i, stop - i));
      i = stop;
      continue;
    }
    if (ch == '"') {
      auto [name, len] = QuotedName(statement.substr(i));
      if (len == 0) {
        sql.append(statement.substr(i));
        break;
      }
      sql.append(statement.substr(i, len));
      i += len;
      if (table.empty() || name == table) continue;
      // A column definition: the name, blanks, then the type word TEXT.
      size_t j = i;
      while (j < statement.size() && (statement[j] == ' ' || statement[j] == '\t')) ++j;
      if (j > i && StartsWithWord(statement.substr(j), "TEXT")) {
        sql.append(statement.substr(i, j - i));
        sql += MysqlTextColumnType(table, name);
        i = j + 4;
      }
      continue;
    }
    sql += ch;
    ++i;
  }
  if (create_table) {
    sql += " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=";
    sql += kMysqlCollation;
  }
  return sql;
}

}  // namespace magnum::db
