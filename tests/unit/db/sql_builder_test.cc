// SqlBuilder: the generated SQL (both dialects) and, for SQLite, the query plans that keep
// deep pages fast.
#include "magnum/db/sql_builder.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <string>
#include <vector>

#include "db_test_util.h"
#include "magnum/db/schema.h"
#include "magnum/db/sqlite_database.h"

namespace magnum::db {
namespace {

const TableSchema& Cluster() { return *FindTable(kClusterTable); }

TEST(SqlBuilderTest, QuotesIdentifiers) {
  EXPECT_EQ(QuoteIdentifier("binary"), "\"binary\"");
  EXPECT_EQ(QuoteIdentifier("we\"ird"), "\"we\"\"ird\"");
}

TEST(SqlBuilderTest, PostgresPlaceholdersAreNumberedInParameterOrder) {
  SqlBuilder pg(SqlDialect::kPostgres);
  Row changes;
  changes.Set("status", std::string("ERROR"));
  changes.Set("master_lb_enabled", int64_t{1});
  Filter f = Filter()
                 .Where(Condition::Eq("uuid", "u-1"))
                 .WhereAny({Condition::In("status", {"A", "B"}), Condition::Null("name")});
  ASSERT_OK_AND_ASSIGN(SqlStatement st, pg.Update(Cluster(), f, changes));
  EXPECT_EQ(st.sql,
            "UPDATE \"cluster\" SET \"master_lb_enabled\" = $1, \"status\" = $2 WHERE "
            "\"uuid\" = $3 AND (\"status\" IN ($4, $5) OR \"name\" IS NULL)");
  ASSERT_EQ(st.params.size(), 5u);
  EXPECT_EQ(st.params[0], Value(true));  // coerced to the column's type
  EXPECT_EQ(st.params[1], Value(std::string("ERROR")));
  EXPECT_EQ(st.params[4], Value(std::string("B")));
}

TEST(SqlBuilderTest, SqlitePlaceholdersAreQuestionMarks) {
  SqlBuilder lite(SqlDialect::kSqlite);
  ASSERT_OK_AND_ASSIGN(SqlStatement st,
                       lite.Count(Cluster(), Filter().Where(Condition::Ne("name", "x"))));
  EXPECT_EQ(st.sql, "SELECT COUNT(*) FROM \"cluster\" WHERE (\"name\" <> ? OR \"name\" IS NULL)");
}

// GetOne()'s SELECT asks for two rows, so that SingleRow can refuse more than one.
TEST(SqlBuilderTest, SelectOneIsTheFilteredSelectOfTwoRows) {
  SqlBuilder lite(SqlDialect::kSqlite);
  const Filter f = Filter().Where(Condition::Eq("uuid", "u-1"));
  SelectSpec spec;
  spec.filter = f;
  spec.limit = 2;
  ASSERT_OK_AND_ASSIGN(SqlStatement one, lite.SelectOne(Cluster(), f));
  ASSERT_OK_AND_ASSIGN(SqlStatement select, lite.Select(Cluster(), spec));
  EXPECT_EQ(one.sql, select.sql);
  EXPECT_EQ(one.params, select.params);
  EXPECT_NE(one.sql.find("LIMIT"), std::string::npos) << one.sql;
  EXPECT_EQ(one.params.back(), Value(int64_t{2}));
  EXPECT_EQ(one.result_columns.size(), Cluster().columns.size());
}

TEST(SqlBuilderTest, InsertReturnsEveryColumnInSchemaOrder) {
  SqlBuilder pg(SqlDialect::kPostgres);
  Row r;
  r.Set("uuid", std::string("u"));
  ASSERT_OK_AND_ASSIGN(SqlStatement st, pg.Insert(Cluster(), r));
  EXPECT_EQ(st.sql.rfind("INSERT INTO \"cluster\" (\"uuid\") VALUES ($1) RETURNING \"id\", ", 0),
            0u)
      << st.sql;
  ASSERT_EQ(st.result_columns.size(), Cluster().columns.size());
  for (size_t i = 0; i < st.result_columns.size(); ++i) {
    EXPECT_EQ(st.result_columns[i], &Cluster().columns[i]);
  }
}

TEST(SqlBuilderTest, KeysetSelectsPerMarkerCase) {
  struct Case {
    std::string name;
    std::string sort_key;
    bool desc;
    std::optional<int64_t> marker;
    std::optional<Value> marker_value;
    size_t selects;
  };
  const std::vector<Case> cases = {
      {"id, first page", "id", false, std::nullopt, std::nullopt, 1},
      {"id, next page", "id", true, 5, Value(int64_t{5}), 1},
      {"key, first page", "name", false, std::nullopt, std::nullopt, 1},
      {"asc after a value: ties, then greater", "name", false, 5, Value("x"), 2},
      {"asc after NULL: NULL ties, then non-NULL", "name", false, 5, Value(), 2},
      {"desc after a value: ties, lesser, then NULLs", "name", true, 5, Value("x"), 3},
      {"desc after NULL: NULL ties only", "name", true, 5, Value(), 1},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ListQuery q;
    q.sort_key = c.sort_key;
    q.sort_desc = c.desc;
    q.marker_id = c.marker;
    ASSERT_OK_AND_ASSIGN(auto selects, KeysetPageSelects(Cluster(), q, c.marker_value));
    EXPECT_EQ(selects.size(), c.selects);
  }
}

// EXPLAIN QUERY PLAN of every SELECT of a page, on a migrated SQLite database.
class QueryPlanTest : public testing::SqliteTest {
 protected:
  std::vector<std::string> Plans(const ListQuery& q, const std::optional<Value>& marker_value) {
    std::vector<std::string> plans;
    SqlBuilder lite(SqlDialect::kSqlite);
    auto selects = KeysetPageSelects(Cluster(), q, marker_value);
    EXPECT_TRUE(selects);
    if (!selects) return plans;
    sqlite3* raw = nullptr;
    EXPECT_EQ(
        sqlite3_open_v2(dir_.File("magnum.sqlite").c_str(), &raw, SQLITE_OPEN_READONLY, nullptr),
        SQLITE_OK);
    std::unique_ptr<sqlite3, decltype(&sqlite3_close_v2)> db(raw, &sqlite3_close_v2);
    for (auto& spec : *selects) {
      spec.limit = 20;
      auto st = lite.Select(Cluster(), spec);
      EXPECT_TRUE(st);
      if (!st) continue;
      sqlite3_stmt* s = nullptr;
      const std::string sql = "EXPLAIN QUERY PLAN " + st->sql;
      EXPECT_EQ(sqlite3_prepare_v2(db.get(), sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sql;
      std::string plan;
      while (sqlite3_step(s) == SQLITE_ROW) {
        plan += reinterpret_cast<const char*>(sqlite3_column_text(s, 3));
        plan += "; ";
      }
      sqlite3_finalize(s);
      plans.push_back(plan);
    }
    return plans;
  }
};

TEST_F(QueryPlanTest, DeepPagesSeekInsteadOfScanning) {
  struct Case {
    std::string name;
    std::string sort_key;
    bool desc;
    std::optional<Value> marker_value;
    std::string project;  // "" = no filter
  };
  const std::vector<Case> cases = {
      {"by id", "id", false, Value(int64_t{100}), ""},
      {"by id desc", "id", true, Value(int64_t{100}), ""},
      {"by id in a project", "id", false, Value(int64_t{100}), "p"},
      {"by status", "status", false, Value("CREATE_COMPLETE"), ""},
      {"by status desc", "status", true, Value("CREATE_COMPLETE"), ""},
      {"by name after NULL", "name", false, Value(), ""},
      {"by name desc after NULL", "name", true, Value(), ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ListQuery q;
    q.sort_key = c.sort_key;
    q.sort_desc = c.desc;
    q.marker_id = 100;
    if (!c.project.empty()) q.filter.Where(Condition::Eq("project_id", c.project));
    for (const auto& plan : Plans(q, c.marker_value)) {
      EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
      EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
      EXPECT_NE(plan.find("SEARCH"), std::string::npos) << plan;
    }
  }
}

TEST_F(QueryPlanTest, FirstPageWalksTheIndexWithoutSorting) {
  for (bool desc : {false, true}) {
    ListQuery q;
    q.sort_key = "name";
    q.sort_desc = desc;
    for (const auto& plan : Plans(q, std::nullopt)) {
      EXPECT_NE(plan.find("USING INDEX ix_cluster_name"), std::string::npos) << plan;
      EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << plan;
    }
  }
}

}  // namespace
}  // namespace magnum::db
