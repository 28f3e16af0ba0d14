#include "magnum/db/takeover.h"

#include <spdlog/spdlog.h>

#include "magnum/db/upstream_schema.h"

namespace magnum::db {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

const std::string& Text(const SqlSession::TextRow& row, size_t i) {
  static const std::string kEmpty;
  return i < row.size() && row[i] ? *row[i] : kEmpty;
}

Result<LiveSchema> ReadLiveSchema(SqlSession& s) {
  LiveSchema live;
  MAGNUM_ASSIGN_OR_RETURN(
      auto tables, s.Query("SELECT TABLE_NAME, TABLE_COLLATION FROM information_schema.TABLES "
                           "WHERE TABLE_SCHEMA = DATABASE()"));
  for (const auto& row : tables) live[Text(row, 0)].collation = Text(row, 1);
  MAGNUM_ASSIGN_OR_RETURN(
      auto columns, s.Query("SELECT TABLE_NAME, COLUMN_NAME, COLUMN_TYPE, IS_NULLABLE FROM "
                            "information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE()"));
  for (const auto& row : columns) {
    live[Text(row, 0)].columns[Text(row, 1)] = LiveColumn{Lower(Text(row, 2)), Text(row, 3) == "YES"};
  }
  MAGNUM_ASSIGN_OR_RETURN(
      auto indexes, s.Query("SELECT DISTINCT TABLE_NAME, INDEX_NAME FROM "
                            "information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE()"));
  for (const auto& row : indexes) live[Text(row, 0)].indexes.push_back(Text(row, 1));
  return live;
}

Result<AlembicState> AlembicStateOf(SqlSession& s, bool has_alembic) {
  std::vector<std::string> revisions;
  if (has_alembic) {
    MAGNUM_ASSIGN_OR_RETURN(auto rows,
                            s.Query("SELECT \"version_num\" FROM \"alembic_version\""));
    for (const auto& row : rows) revisions.push_back(Text(row, 0));
  }
  return ClassifyAlembic(has_alembic, revisions);
}

}  // namespace

Result<AlembicState> ReadAlembicState(SqlSession& s) {
  MAGNUM_ASSIGN_OR_RETURN(
      auto rows, s.Query("SELECT COUNT(*) FROM information_schema.TABLES WHERE TABLE_SCHEMA = "
                         "DATABASE() AND TABLE_NAME = 'alembic_version'"));
  return AlembicStateOf(s, !rows.empty() && Text(rows.front(), 0) != "0");
}

Result<bool> TakeOverUpstreamMagnum(SqlSession& s, const std::string& applied_at) {
  MAGNUM_ASSIGN_OR_RETURN(LiveSchema live, ReadLiveSchema(s));
  MAGNUM_ASSIGN_OR_RETURN(const AlembicState state,
                          AlembicStateOf(s, live.count(kAlembicVersionTable) > 0));
  if (state.kind == AlembicState::Kind::kNone) return false;
  if (state.kind == AlembicState::Kind::kUnsupported) {
    return Fail(Error::FailedPrecondition(UnsupportedRevisionMessage(state)));
  }
  for (const auto& table : UpstreamTables()) {
    if (live.count(table) == 0) {
      return Fail(Error::FailedPrecondition(
          "The database is at the Magnum 15 head " + std::string(kMagnum15AlembicHead) +
          " but has no table " + table + ": not a complete Magnum database. Nothing was changed."));
    }
  }
  for (const auto& check : TakeoverPreflight(live)) {
    MAGNUM_ASSIGN_OR_RETURN(auto rows, s.Query(check.sql));
    const std::string count = rows.empty() ? "" : Text(rows.front(), 0);
    if (count != "0") {
      return Fail(Error::FailedPrecondition("Cannot take over the Magnum database: " + count +
                                            " " + check.problem +
                                            " (our schema requires them). Nothing was changed."));
    }
  }
  spdlog::info("Taking over the Python Magnum database at alembic revision {}",
               kMagnum15AlembicHead);
  const auto plan = TakeoverPlan(live, applied_at);
  for (size_t i = 0; i < plan.size(); ++i) {
    auto r = s.Execute(plan[i]);
    if (!r) {
      return Fail(r.error().WithContext(
          "Taking over the Magnum database failed at step " + std::to_string(i + 1) + " of " +
          std::to_string(plan.size()) +
          " (every step is idempotent: fix the cause and run magnum-db-manage upgrade again)"));
    }
  }
  spdlog::info("Took over the Python Magnum database ({} steps); schema version {}", plan.size(),
               kTakeoverVersion);
  return true;
}

}  // namespace magnum::db
