#include "magnum/db/upstream_schema.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <utility>

#include "magnum/db/migrations.h"
#include "magnum/db/mysql_ddl.h"
#include "magnum/db/schema.h"

namespace magnum::db {
namespace {

std::string Charset() { return std::string(" CHARACTER SET utf8mb4 COLLATE ") + kMysqlCollation; }

// Unique keys upstream still names after bays and baymodels: (table, upstream, ours).
struct KeyRename {
  std::string_view table;
  std::string_view from;
  std::string_view to;
};
constexpr KeyRename kKeyRenames[] = {
    {"cluster", "uniq_bay0uuid", "uniq_cluster0uuid"},
    {"cluster_template", "uniq_baymodel0uuid", "uniq_cluster_template0uuid"},
};

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.substr(0, prefix.size()) == prefix;
}

std::string Quote(std::string_view name) { return "\"" + std::string(name) + "\""; }

std::string Literal(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    if (c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// `"name" definition` at the start of `line`: the name and the definition after it.
std::optional<std::pair<std::string, std::string>> ColumnLine(std::string_view line) {
  line = Trim(line);
  if (line.empty() || line.front() != '"') return std::nullopt;
  const size_t end = line.find('"', 1);
  if (end == std::string_view::npos) return std::nullopt;
  std::string_view def = Trim(line.substr(end + 1));
  if (!def.empty() && def.back() == ',') def.remove_suffix(1);
  return std::make_pair(std::string(line.substr(1, end - 1)), std::string(Trim(def)));
}

// A CONSTRAINT "name" UNIQUE ("a", "b") line: the name and the column list text.
std::optional<std::pair<std::string, std::string>> UniqueLine(std::string_view line) {
  line = Trim(line);
  if (!StartsWith(line, "CONSTRAINT \"")) return std::nullopt;
  const size_t name_end = line.find('"', 12);
  const size_t open = line.find('(', name_end);
  const size_t close = line.rfind(')');
  if (name_end == std::string_view::npos || open == std::string_view::npos ||
      close == std::string_view::npos || close < open) {
    return std::nullopt;
  }
  return std::make_pair(std::string(line.substr(12, name_end - 12)),
                        std::string(line.substr(open, close - open + 1)));
}

// The table a CREATE TABLE "x" statement creates ("" for any other statement).
std::string CreatedTable(std::string_view sql) {
  sql = Trim(sql);
  if (!StartsWith(sql, "CREATE TABLE \"")) return "";
  const size_t end = sql.find('"', 14);
  return end == std::string_view::npos ? "" : std::string(sql.substr(14, end - 14));
}

bool IsUpstreamTable(std::string_view table) {
  const auto& t = UpstreamTables();
  return std::find(t.begin(), t.end(), table) != t.end();
}

int VarcharLength(std::string_view type) {
  std::string lower;
  for (char c : type) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (!StartsWith(lower, "varchar(")) return -1;
  int n = -1;
  std::from_chars(lower.data() + 8, lower.data() + lower.size(), n);
  return n;
}

// Our column definition for MODIFY/ADD: the text types get the table's character set, and a
// VARCHAR never shrinks below what the live column holds.
std::string ColumnDefinition(const std::string& def, const LiveColumn* live) {
  const size_t space = def.find(' ');
  std::string type = def.substr(0, space);
  const std::string rest = space == std::string::npos ? "" : def.substr(space);
  if (live != nullptr) {
    const int ours = VarcharLength(type);
    const int theirs = VarcharLength(live->column_type);
    if (ours > 0 && theirs > ours) type = "VARCHAR(" + std::to_string(theirs) + ")";
  }
  const bool text = VarcharLength(type) > 0 || type == "TEXT" || type == "MEDIUMTEXT";
  return type + (text ? Charset() : "") + rest;
}

// The conversion of one upstream table to our CREATE TABLE `rendered` (MariaDB form).
void ConvertTable(const std::string& table, const std::string& rendered, const LiveTable& live,
                  std::vector<std::string>& plan) {
  std::string alter = "ALTER TABLE " + Quote(table) + " DEFAULT" + Charset();
  std::vector<std::pair<std::string, std::string>> uniques;
  size_t start = 0;
  while (start < rendered.size()) {
    size_t end = rendered.find('\n', start);
    if (end == std::string::npos) end = rendered.size();
    const std::string_view line(rendered.data() + start, end - start);
    start = end + 1;
    if (auto u = UniqueLine(line)) {
      uniques.push_back(*u);
      continue;
    }
    auto col = ColumnLine(line);
    if (!col) continue;
    auto& [name, def] = *col;
    const auto found = live.columns.find(name);
    if (name == "id") {
      // Already the primary key: only the type changes.
      const size_t pk = def.find(" PRIMARY KEY");
      alter += ", MODIFY " + Quote(name) + " " + def.substr(0, pk);
    } else if (found != live.columns.end()) {
      alter += ", MODIFY " + Quote(name) + " " + ColumnDefinition(def, &found->second);
    } else {
      alter += ", ADD COLUMN IF NOT EXISTS " + Quote(name) + " " + ColumnDefinition(def, nullptr);
    }
  }
  plan.push_back(alter);
  // Timestamps: upstream's DATETIME text, now in a VARCHAR, to our sortable form.
  if (const TableSchema* schema = FindTable(table)) {
    for (const auto& c : schema->columns) {
      if (c.type == ColumnType::kTimestamp) plan.push_back(TimestampConversionSql(table, c.name));
    }
  }
  auto has_index = [&](std::string_view name) {
    return std::find(live.indexes.begin(), live.indexes.end(), name) != live.indexes.end();
  };
  for (const auto& [name, columns] : uniques) {
    if (has_index(name)) continue;
    bool renamed = false;
    for (const auto& r : kKeyRenames) {
      if (r.table == table && r.to == name && has_index(r.from)) {
        plan.push_back("ALTER TABLE " + Quote(table) + " RENAME INDEX " + Quote(r.from) + " TO " +
                       Quote(r.to));
        renamed = true;
      }
    }
    if (!renamed) {
      plan.push_back("CREATE UNIQUE INDEX IF NOT EXISTS " + Quote(name) + " ON " + Quote(table) +
                     " " + columns);
    }
  }
}

// `rendered` (MariaDB form of one of our migration statements on anything but an upstream
// table's creation) made safe to run twice.
std::string Idempotent(const std::string& rendered) {
  const std::string_view s = Trim(rendered);
  const std::pair<std::string_view, std::string_view> heads[] = {
      {"CREATE TABLE ", "CREATE TABLE IF NOT EXISTS "},
      {"CREATE INDEX ", "CREATE INDEX IF NOT EXISTS "},
      {"CREATE UNIQUE INDEX ", "CREATE UNIQUE INDEX IF NOT EXISTS "},
      {"CREATE TRIGGER ", "CREATE TRIGGER IF NOT EXISTS "},
      {"INSERT INTO ", "INSERT IGNORE INTO "},
  };
  for (const auto& [from, to] : heads) {
    if (StartsWith(s, from)) return std::string(to) + std::string(s.substr(from.size()));
  }
  if (StartsWith(s, "ALTER TABLE ")) {
    std::string out(s);
    const std::string add = " ADD COLUMN ";
    if (const size_t at = out.find(add); at != std::string::npos) {
      out.insert(at + add.size(), "IF NOT EXISTS ");
      return out;
    }
  }
  return std::string(s);  // not expected in migrations 1..kTakeoverVersion (unit-tested)
}

}  // namespace

const std::vector<std::string>& UpstreamTables() {
  static const std::vector<std::string> tables = {
      kClusterTemplateTable, kClusterTable, kNodeGroupTable, kX509KeyPairTable,
      kMagnumServiceTable,   kQuotaTable,   kFederationTable};
  return tables;
}

AlembicState ClassifyAlembic(bool table_exists, const std::vector<std::string>& revisions) {
  AlembicState state;
  if (!table_exists) return state;
  for (const auto& r : revisions) state.revision += (state.revision.empty() ? "" : ",") + r;
  state.kind = revisions.size() == 1 && revisions.front() == kMagnum15AlembicHead
                   ? AlembicState::Kind::kKnownHead
                   : AlembicState::Kind::kUnsupported;
  return state;
}

std::string UnsupportedRevisionMessage(const AlembicState& state) {
  const std::string found =
      state.revision.empty() ? "no revision" : "alembic revision " + state.revision;
  return "This database was created by the Python Magnum (table alembic_version, " + found +
         "); magnum-db-manage takes over only the Magnum 15 head " + kMagnum15AlembicHead +
         ". Run the Python `magnum-db-manage upgrade` (python3-magnum 15) to " +
         kMagnum15AlembicHead +
         " first, then this upgrade again; a newer upstream revision cannot be taken over. "
         "Nothing was changed.";
}

std::vector<PreflightCheck> TakeoverPreflight(const LiveSchema& live) {
  std::vector<PreflightCheck> checks;
  const Migration& initial = AllMigrations().front();
  for (const auto& statement : initial.statements) {
    const std::string table = CreatedTable(statement);
    const auto live_table = live.find(table);
    if (!IsUpstreamTable(table) || live_table == live.end()) continue;
    const std::string rendered = MysqlMigrationSql(statement);
    size_t start = 0;
    while (start < rendered.size()) {
      size_t end = rendered.find('\n', start);
      if (end == std::string::npos) end = rendered.size();
      auto col = ColumnLine(std::string_view(rendered.data() + start, end - start));
      start = end + 1;
      if (!col || col->first == "id" || col->second.find("NOT NULL") == std::string::npos) {
        continue;
      }
      const auto c = live_table->second.columns.find(col->first);
      if (c == live_table->second.columns.end() || !c->second.nullable) continue;
      checks.push_back({"SELECT COUNT(*) FROM " + Quote(table) + " WHERE " + Quote(col->first) +
                            " IS NULL",
                        "rows of " + table + " without " + col->first});
    }
  }
  return checks;
}

std::vector<std::string> TakeoverPlan(const LiveSchema& live, const std::string& applied_at) {
  std::vector<std::string> plan;
  // An old `container` table (upstream's, dropped by its alembic in 2016, so only ever a
  // leftover): kept under another name, out of the way of our migration 5 which creates
  // the table anew (its rows named bays and Docker daemons of that era).
  if (live.count(kContainerTable) != 0 && live.count(kUpstreamContainerTable) == 0) {
    plan.push_back("RENAME TABLE " + Quote(kContainerTable) + " TO " +
                   Quote(kUpstreamContainerTable));
  }
  std::string record =
      "INSERT IGNORE INTO \"schema_migrations\" (\"version\", \"description\", \"applied_at\") "
      "VALUES ";
  for (const Migration& m : AllMigrations()) {
    if (m.version > kTakeoverVersion) break;
    for (const auto& statement : m.statements) {
      const std::string rendered = MysqlMigrationSql(statement);
      const std::string table = CreatedTable(statement);
      const auto found = live.find(table);
      if (IsUpstreamTable(table) && found != live.end()) {
        ConvertTable(table, rendered, found->second, plan);
      } else {
        plan.push_back(Idempotent(rendered));
      }
    }
    record += (m.version == 1 ? "(" : ", (") + std::to_string(m.version) + ", " +
              Literal(m.description + " (taken over from Python Magnum, alembic " +
                      kMagnum15AlembicHead + ")") +
              ", " + Literal(applied_at) + ")";
  }
  plan.push_back(record);
  return plan;
}

std::string TimestampConversionSql(std::string_view table, std::string_view column) {
  const std::string c = Quote(column);
  return "UPDATE " + Quote(table) + " SET " + c + " = CONCAT(REPLACE(LEFT(" + c +
         ", 19), ' ', 'T'), '.', RPAD(SUBSTRING(" + c + ", 21), 6, '0')) WHERE SUBSTRING(" + c +
         ", 11, 1) = ' '";
}

std::optional<std::string> ConvertUpstreamTimestamp(std::string_view value) {
  if (value.size() < 11 || value[10] != ' ') return std::nullopt;
  std::string out(value.substr(0, 19));
  for (char& ch : out) {
    if (ch == ' ') ch = 'T';
  }
  std::string fraction(value.size() > 20 ? value.substr(20, 6) : std::string_view());
  fraction.resize(6, '0');
  return out + "." + fraction;
}

}  // namespace magnum::db
