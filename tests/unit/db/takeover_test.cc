// Taking over a Python Magnum database: revision detection, the value conversion, the plan
// built from a live schema, and the driver's refusals (tests/integration/test_db_takeover.py
// runs it on a real MariaDB filled by Debian's python3-magnum).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "magnum/common/clock.h"
#include "magnum/db/migrations.h"
#include "magnum/db/mysql_ddl.h"
#include "magnum/db/takeover.h"
#include "magnum/db/upstream_schema.h"

namespace magnum::db {
namespace {

bool StartsWith(const std::string& s, const std::string& prefix) {
  return s.rfind(prefix, 0) == 0;
}
bool Contains(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

// A live schema as Magnum 15 builds it (the columns the plan looks at, in upstream's types).
LiveSchema UpstreamLive() {
  LiveSchema live;
  auto table = [&](const std::string& name, std::vector<std::string> columns,
                   std::vector<std::string> indexes) {
    LiveTable& t = live[name];
    t.collation = "utf8mb3_general_ci";
    t.indexes = std::move(indexes);
    t.indexes.push_back("PRIMARY");
    t.columns["id"] = LiveColumn{"int(11)", false};
    t.columns["created_at"] = LiveColumn{"datetime", true};
    t.columns["updated_at"] = LiveColumn{"datetime", true};
    for (const auto& c : columns) t.columns[c] = LiveColumn{"varchar(255)", true};
  };
  table("cluster_template", {"uuid", "name", "docker_storage_driver", "labels"},
        {"uniq_baymodel0uuid"});
  live["cluster_template"].columns["docker_storage_driver"].column_type = "varchar(512)";
  table("cluster", {"uuid", "name", "status"}, {"uniq_bay0uuid"});
  table("nodegroup", {"uuid", "name", "cluster_id", "project_id"},
        {"uniq_nodegroup0uuid", "uniq_nodegroup0cluster_id0name"});
  live["nodegroup"].columns["uuid"].nullable = false;
  live["nodegroup"].columns["name"].nullable = false;
  live["nodegroup"].columns["cluster_id"].nullable = false;
  table("x509keypair", {"uuid"}, {"uniq_x509keypair0uuid"});
  table("magnum_service", {"host", "binary"}, {"uniq_magnum_service0host0binary"});
  live["magnum_service"].columns["last_seen_up"] = LiveColumn{"datetime", true};
  table("quotas", {"project_id", "resource"}, {"uniq_quotas0project_id0resource"});
  table("federation", {"uuid"}, {"uniq_federation0uuid"});
  live["alembic_version"].columns["version_num"] = LiveColumn{"varchar(32)", false};
  return live;
}

const std::string* FindStatement(const std::vector<std::string>& plan, const std::string& head,
                                 const std::string& part = "") {
  for (const auto& s : plan) {
    if (StartsWith(s, head) && Contains(s, part)) return &s;
  }
  return nullptr;
}

TEST(AlembicRevision, OnlyTheMagnum15HeadIsTakenOver) {
  EXPECT_EQ(ClassifyAlembic(false, {}).kind, AlembicState::Kind::kNone);
  EXPECT_EQ(ClassifyAlembic(true, {kMagnum15AlembicHead}).kind, AlembicState::Kind::kKnownHead);
  const AlembicState older = ClassifyAlembic(true, {"a0e7c8450ab1"});
  EXPECT_EQ(older.kind, AlembicState::Kind::kUnsupported);
  EXPECT_EQ(older.revision, "a0e7c8450ab1");
  EXPECT_EQ(ClassifyAlembic(true, {}).kind, AlembicState::Kind::kUnsupported);
  const AlembicState branches = ClassifyAlembic(true, {kMagnum15AlembicHead, "x"});
  EXPECT_EQ(branches.kind, AlembicState::Kind::kUnsupported);
  EXPECT_EQ(branches.revision, std::string(kMagnum15AlembicHead) + ",x");
}

TEST(AlembicRevision, TheRefusalSaysWhatToRun) {
  const std::string m = UnsupportedRevisionMessage(ClassifyAlembic(true, {"a0e7c8450ab1"}));
  EXPECT_TRUE(Contains(m, "a0e7c8450ab1")) << m;
  EXPECT_TRUE(Contains(m, kMagnum15AlembicHead)) << m;
  EXPECT_TRUE(Contains(m, "magnum-db-manage upgrade")) << m;
  EXPECT_TRUE(Contains(m, "Nothing was changed")) << m;
  EXPECT_TRUE(Contains(UnsupportedRevisionMessage(ClassifyAlembic(true, {})), "no revision"));
}

TEST(TimestampConversion, UpstreamDatetimeTextBecomesOurStorageForm) {
  EXPECT_EQ(ConvertUpstreamTimestamp("2026-12-05 01:28:25"), "2026-12-05T01:28:25.000000");
  EXPECT_EQ(ConvertUpstreamTimestamp("2026-12-05 01:28:25.5"), "2026-12-05T01:28:25.500000");
  EXPECT_EQ(ConvertUpstreamTimestamp("2026-12-05 01:28:25.1234567"),
            "2026-12-05T01:28:25.123456");
  // Already ours, or not a timestamp: left alone (the UPDATE selects only upstream's form).
  EXPECT_EQ(ConvertUpstreamTimestamp("2026-12-05T01:28:25.000000"), std::nullopt);
  EXPECT_EQ(ConvertUpstreamTimestamp(""), std::nullopt);
  // The converted value reads back as the same instant, and sorts as our own values do.
  TimePoint upstream, ours;
  ASSERT_TRUE(ParseDbTimestamp("2024-01-02 03:04:05", &upstream));
  ASSERT_TRUE(ParseDbTimestamp(*ConvertUpstreamTimestamp("2024-01-02 03:04:05"), &ours));
  EXPECT_EQ(upstream, ours);
  EXPECT_EQ(*ConvertUpstreamTimestamp("2024-01-02 03:04:05"),
            FormatDbTimestamp(ours));
}

TEST(TimestampConversion, TheSqlSelectsOnlyUnconvertedValues) {
  const std::string sql = TimestampConversionSql("cluster", "created_at");
  EXPECT_TRUE(StartsWith(sql, "UPDATE \"cluster\" SET \"created_at\" = ")) << sql;
  EXPECT_TRUE(Contains(sql, "WHERE SUBSTRING(\"created_at\", 11, 1) = ' '")) << sql;
}

TEST(TakeoverPlan, ConvertsEveryUpstreamTableInPlace) {
  const auto plan = TakeoverPlan(UpstreamLive(), "2026-12-05T00:00:00.000000");
  for (const auto& table : UpstreamTables()) {
    const std::string alter = "ALTER TABLE \"" + table + "\" DEFAULT CHARACTER SET utf8mb4";
    const std::string* s = FindStatement(plan, alter);
    ASSERT_NE(s, nullptr) << table;
    EXPECT_TRUE(Contains(*s, "MODIFY \"id\" BIGINT NOT NULL AUTO_INCREMENT,") ||
                Contains(*s, "MODIFY \"id\" BIGINT NOT NULL AUTO_INCREMENT"))
        << *s;
    EXPECT_FALSE(Contains(*s, "PRIMARY KEY")) << *s;
    EXPECT_TRUE(Contains(*s, "MODIFY \"created_at\" VARCHAR(32) CHARACTER SET utf8mb4 COLLATE "))
        << *s;
    EXPECT_NE(FindStatement(plan, "UPDATE \"" + table + "\" SET \"created_at\""), nullptr);
    // The upstream table itself is never created or dropped.
    EXPECT_EQ(FindStatement(plan, "CREATE TABLE IF NOT EXISTS \"" + table + "\""), nullptr);
  }
  EXPECT_NE(FindStatement(plan, "UPDATE \"magnum_service\" SET \"last_seen_up\""), nullptr);
  // Our columns upstream lacks are added; upstream's wider VARCHAR is kept.
  const std::string& ct = *FindStatement(plan, "ALTER TABLE \"cluster_template\"");
  EXPECT_TRUE(Contains(ct, "ADD COLUMN IF NOT EXISTS \"driver\" VARCHAR(255)")) << ct;
  EXPECT_TRUE(Contains(ct, "MODIFY \"docker_storage_driver\" VARCHAR(512)")) << ct;
  EXPECT_TRUE(Contains(*FindStatement(plan, "ALTER TABLE \"nodegroup\""),
                       "ADD COLUMN IF NOT EXISTS \"node_labels\" " +
                           MysqlTextColumnType("nodegroup", "node_labels")));
  // Bay-named unique keys renamed; ours that exist are left alone.
  EXPECT_NE(FindStatement(plan, "ALTER TABLE \"cluster\" RENAME INDEX \"uniq_bay0uuid\" TO "
                                "\"uniq_cluster0uuid\""),
            nullptr);
  EXPECT_NE(FindStatement(plan, "ALTER TABLE \"cluster_template\" RENAME INDEX "
                                "\"uniq_baymodel0uuid\""),
            nullptr);
  EXPECT_EQ(FindStatement(plan, "CREATE UNIQUE INDEX"), nullptr);
  EXPECT_NE(FindStatement(plan, "CREATE INDEX IF NOT EXISTS \"ix_cluster_status\""), nullptr);
}

TEST(TakeoverPlan, EveryOtherStepIsIdempotentAndTheRecordComesLast) {
  const auto plan = TakeoverPlan(UpstreamLive(), "2026-12-05T00:00:00.000000");
  for (const auto& s : plan) {
    const bool ok = StartsWith(s, "CREATE TABLE IF NOT EXISTS ") ||
                    StartsWith(s, "CREATE INDEX IF NOT EXISTS ") ||
                    StartsWith(s, "CREATE TRIGGER IF NOT EXISTS ") ||
                    StartsWith(s, "INSERT IGNORE INTO ") ||
                    (StartsWith(s, "ALTER TABLE ") && !Contains(s, "ADD COLUMN \"")) ||
                    (StartsWith(s, "UPDATE ") && Contains(s, " WHERE "));
    EXPECT_TRUE(ok) << s;
  }
  EXPECT_NE(FindStatement(plan, "CREATE TABLE IF NOT EXISTS \"cluster_lock\""), nullptr);
  EXPECT_NE(FindStatement(plan, "ALTER TABLE \"cluster_lock\" ADD COLUMN IF NOT EXISTS "
                                "\"lease_expires_at\""),
            nullptr);
  EXPECT_NE(FindStatement(plan, "CREATE TRIGGER IF NOT EXISTS \"generation_cluster_update\""),
            nullptr);
  const std::string& record = plan.back();
  EXPECT_TRUE(StartsWith(record, "INSERT IGNORE INTO \"schema_migrations\"")) << record;
  for (int v = 1; v <= kTakeoverVersion; ++v) {
    EXPECT_TRUE(Contains(record, "(" + std::to_string(v) + ", '")) << record;
  }
  EXPECT_FALSE(Contains(record, "(" + std::to_string(kTakeoverVersion + 1) + ", '"));
  EXPECT_TRUE(Contains(record, kMagnum15AlembicHead));
  EXPECT_LE(kTakeoverVersion, LatestMigrationVersion());
}

TEST(TakeoverPlan, AHalfTakenOverDatabaseGetsTheRemainingSteps) {
  LiveSchema live = UpstreamLive();
  live["cluster"].indexes = {"PRIMARY", "uniq_cluster0uuid"};
  live["cluster"].columns["driver"] = LiveColumn{"varchar(255)", true};
  const auto plan = TakeoverPlan(live, "t");
  EXPECT_EQ(FindStatement(plan, "ALTER TABLE \"cluster\" RENAME INDEX"), nullptr);
  const std::string& c = *FindStatement(plan, "ALTER TABLE \"cluster\" DEFAULT");
  EXPECT_TRUE(Contains(c, "MODIFY \"driver\" VARCHAR(255)")) << c;
  EXPECT_FALSE(Contains(c, "ADD COLUMN IF NOT EXISTS \"driver\"")) << c;
}

// Upstream dropped its container table in 2016: the head has none, and the plan leaves
// the name to our migration 5. A leftover one is renamed aside once (the plan is rebuilt
// from the live schema after a crash: once renamed, nothing more happens to it).
TEST(TakeoverPlan, AnOldContainerTableIsRenamedAsideOnce) {
  const auto without = TakeoverPlan(UpstreamLive(), "t");
  EXPECT_EQ(FindStatement(without, "RENAME TABLE"), nullptr);
  EXPECT_EQ(FindStatement(without, "CREATE TABLE IF NOT EXISTS \"container\""), nullptr);

  LiveSchema live = UpstreamLive();
  live["container"].columns["uuid"] = LiveColumn{"varchar(36)", true};
  const auto plan = TakeoverPlan(live, "t");
  const std::string* rename = FindStatement(plan, "RENAME TABLE");
  ASSERT_NE(rename, nullptr);
  EXPECT_EQ(*rename, "RENAME TABLE \"container\" TO \"container_upstream\"");
  EXPECT_EQ(&plan.front(), rename);  // before anything else
  EXPECT_EQ(FindStatement(plan, "ALTER TABLE \"container\""), nullptr);

  live["container_upstream"] = live["container"];
  live.erase("container");
  EXPECT_EQ(FindStatement(TakeoverPlan(live, "t"), "RENAME TABLE"), nullptr);
}

TEST(TakeoverPreflight, ChecksNullsOnlyWhereOursIsStricter) {
  std::vector<std::string> sql;
  for (const auto& c : TakeoverPreflight(UpstreamLive())) sql.push_back(c.sql);
  auto has = [&](const std::string& s) {
    return std::find(sql.begin(), sql.end(), s) != sql.end();
  };
  EXPECT_TRUE(has("SELECT COUNT(*) FROM \"cluster\" WHERE \"uuid\" IS NULL"));
  EXPECT_TRUE(has("SELECT COUNT(*) FROM \"cluster_template\" WHERE \"uuid\" IS NULL"));
  // nodegroup.uuid is NOT NULL upstream too.
  EXPECT_FALSE(has("SELECT COUNT(*) FROM \"nodegroup\" WHERE \"uuid\" IS NULL"));
}

// A session that answers the takeover's queries from a LiveSchema and records statements.
class FakeSession final : public SqlSession {
 public:
  FakeSession(LiveSchema live, std::vector<std::string> revisions, std::string null_count = "0")
      : live_(std::move(live)), revisions_(std::move(revisions)), nulls_(std::move(null_count)) {}

  Result<void> Execute(const std::string& sql) override {
    executed.push_back(sql);
    return {};
  }
  Result<std::vector<TextRow>> Query(const std::string& sql) override {
    std::vector<TextRow> rows;
    if (Contains(sql, "information_schema.TABLES")) {
      for (const auto& [name, t] : live_) rows.push_back({name, t.collation});
    } else if (Contains(sql, "information_schema.COLUMNS")) {
      for (const auto& [name, t] : live_) {
        for (const auto& [col, c] : t.columns) {
          rows.push_back({name, col, c.column_type, std::string(c.nullable ? "YES" : "NO")});
        }
      }
    } else if (Contains(sql, "information_schema.STATISTICS")) {
      for (const auto& [name, t] : live_) {
        for (const auto& index : t.indexes) rows.push_back({name, index});
      }
    } else if (Contains(sql, "alembic_version")) {
      for (const auto& r : revisions_) rows.push_back({r});
    } else if (StartsWith(sql, "SELECT COUNT(*)")) {
      rows.push_back({nulls_});
    } else {
      return Fail(Error::Internal("unexpected query " + sql));
    }
    return rows;
  }

  std::vector<std::string> executed;

 private:
  LiveSchema live_;
  std::vector<std::string> revisions_;
  std::string nulls_;
};

TEST(TakeOverUpstreamMagnum, ANewDatabaseIsLeftToTheMigrations) {
  FakeSession s({}, {});
  auto r = TakeOverUpstreamMagnum(s, "t");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_FALSE(*r);
  EXPECT_TRUE(s.executed.empty());
}

TEST(TakeOverUpstreamMagnum, TheHeadIsConvertedStepByStep) {
  FakeSession s(UpstreamLive(), {kMagnum15AlembicHead});
  auto r = TakeOverUpstreamMagnum(s, "t");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_TRUE(*r);
  EXPECT_EQ(s.executed, TakeoverPlan(UpstreamLive(), "t"));
}

TEST(TakeOverUpstreamMagnum, RefusalsChangeNothing) {
  FakeSession other(UpstreamLive(), {"a0e7c8450ab1"});
  auto r = TakeOverUpstreamMagnum(other, "t");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(r.error().message(), "a0e7c8450ab1"));
  EXPECT_TRUE(other.executed.empty());

  LiveSchema partial = UpstreamLive();
  partial.erase("quotas");
  FakeSession missing(partial, {kMagnum15AlembicHead});
  r = TakeOverUpstreamMagnum(missing, "t");
  ASSERT_FALSE(r);
  EXPECT_TRUE(Contains(r.error().message(), "no table quotas")) << r.error().message();
  EXPECT_TRUE(missing.executed.empty());

  FakeSession nulls(UpstreamLive(), {kMagnum15AlembicHead}, "3");
  r = TakeOverUpstreamMagnum(nulls, "t");
  ASSERT_FALSE(r);
  EXPECT_TRUE(Contains(r.error().message(), "3 rows of")) << r.error().message();
  EXPECT_TRUE(nulls.executed.empty());
}

}  // namespace
}  // namespace magnum::db
