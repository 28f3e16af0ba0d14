// The Database contract (database.h): what every backend must do, run against each one
// ContractBackends() names (SQLite always; others when their test server is configured).
// Backend-specific behaviour lives in <backend>_database_test.cc.
#include "magnum/db/database.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <functional>
#include <latch>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "db_test_util.h"
#include "magnum/db/schema.h"

namespace magnum::db {
namespace {

using testing::DatabaseContractTest;

Row ClusterRow(const std::string& uuid, const std::string& name = "c") {
  Row r;
  r.Set("uuid", uuid);
  r.Set("name", name);
  return r;
}

Filter ById(int64_t id) { return Filter().Where(Condition::Eq("id", id)); }

std::vector<int64_t> Ids(const std::vector<Row>& rows) {
  std::vector<int64_t> ids;
  for (const auto& r : rows) ids.push_back(r.GetInt("id"));
  return ids;
}

// ---------------------------------------------------------------------------------------
// Round trips and value types

TEST_P(DatabaseContractTest, InsertReturnsEveryColumnWithAssignedId) {
  Row values;
  values.Set("uuid", std::string("u-1"));
  values.Set("name", std::string("k8s"));
  values.Set("apiserver_port", int64_t{6443});
  values.Set("public", true);
  values.Set("hidden", false);
  values.Set("labels", std::string(R"({"a": "b"})"));
  values.Set("created_at", std::string("2026-11-22T02:44:12.123456"));
  values.SetNull("keypair_id");
  ASSERT_OK_AND_ASSIGN(Row stored, db_->Insert(kClusterTemplateTable, values));

  const TableSchema* schema = FindTable(kClusterTemplateTable);
  ASSERT_NE(schema, nullptr);
  EXPECT_EQ(stored.values().size(), schema->columns.size());
  for (const auto& col : schema->columns) EXPECT_TRUE(stored.Has(col.name)) << col.name;

  EXPECT_GT(stored.GetInt("id"), 0);
  EXPECT_EQ(stored.Get("uuid"), Value(std::string("u-1")));
  EXPECT_EQ(stored.Get("apiserver_port"), Value(int64_t{6443}));
  EXPECT_EQ(stored.Get("public"), Value(true));   // bool, not 1
  EXPECT_EQ(stored.Get("hidden"), Value(false));  // bool, not 0
  EXPECT_EQ(stored.Get("labels"), Value(std::string(R"({"a": "b"})")));
  EXPECT_EQ(stored.Get("created_at"), Value(std::string("2026-11-22T02:44:12.123456")));
  EXPECT_TRUE(IsNull(stored.Get("keypair_id")));
  EXPECT_TRUE(IsNull(stored.Get("docker_volume_size")));  // not given
  EXPECT_TRUE(IsNull(stored.Get("tls_disabled")));
}

TEST_P(DatabaseContractTest, InsertGetUpdateDeleteRoundTrip) {
  Row values = ClusterRow("u-1", "first");
  values.Set("docker_volume_size", int64_t{-5});
  values.Set("floating_ip_enabled", true);
  values.Set("health_status_reason", std::string("{}"));
  ASSERT_OK_AND_ASSIGN(Row inserted, db_->Insert(kClusterTable, values));
  const int64_t id = inserted.GetInt("id");

  ASSERT_OK_AND_ASSIGN(std::optional<Row> got, db_->GetOne(kClusterTable, ById(id)));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(*got, inserted);

  Row changes;
  changes.Set("name", std::string("renamed"));
  changes.SetNull("docker_volume_size");
  changes.Set("floating_ip_enabled", false);
  changes.Set("create_timeout", int64_t{60});
  ASSERT_OK_AND_ASSIGN(int64_t updated, db_->Update(kClusterTable, ById(id), changes));
  EXPECT_EQ(updated, 1);

  ASSERT_OK_AND_ASSIGN(got, db_->GetOne(kClusterTable, ById(id)));
  ASSERT_TRUE(got.has_value());
  Row expected = inserted;
  for (const auto& [k, v] : changes.values()) expected.Set(k, v);
  EXPECT_EQ(*got, expected);

  ASSERT_OK_AND_ASSIGN(int64_t deleted, db_->Delete(kClusterTable, ById(id)));
  EXPECT_EQ(deleted, 1);
  ASSERT_OK_AND_ASSIGN(got, db_->GetOne(kClusterTable, ById(id)));
  EXPECT_FALSE(got.has_value());
  ASSERT_OK_AND_ASSIGN(int64_t count, db_->Count(kClusterTable, {}));
  EXPECT_EQ(count, 0);
}

TEST_P(DatabaseContractTest, TextIsBoundNotInterpolated) {
  const std::string nasty = "Robert'); DROP TABLE \"cluster\";-- \xC3\xA9\xE2\x82\xAC \"q\"";
  ASSERT_OK_AND_ASSIGN(Row r, db_->Insert(kClusterTable, ClusterRow("u-1", nasty)));
  EXPECT_EQ(r.GetString("name"), nasty);
  ASSERT_OK_AND_ASSIGN(int64_t n,
                       db_->Count(kClusterTable, Filter().Where(Condition::Eq("name", nasty))));
  EXPECT_EQ(n, 1);
}

TEST_P(DatabaseContractTest, TextWithEmbeddedNulRoundTrips) {
  const std::string with_nul("a\0b", 3);
  ASSERT_OK_AND_ASSIGN(Row r, db_->Insert(kClusterTable, ClusterRow("u-1", with_nul)));
  EXPECT_EQ(r.GetString("name"), with_nul);
}

// Text compares and sorts by its bytes, trailing blanks included (MariaDB's utf8mb4_bin pads
// with spaces: "a" matched "a " and "a\t" sorted before "a").
TEST_P(DatabaseContractTest, TextComparesAndSortsByteWiseWithTrailingBlanks) {
  const std::vector<std::string> names = {"a ", "a\t", "a", "B", "b"};
  for (size_t i = 0; i < names.size(); ++i) {
    ASSERT_OK(db_->Insert(kClusterTable, ClusterRow("u-" + std::to_string(i), names[i])));
  }
  for (const auto& name : names) {
    ASSERT_OK_AND_ASSIGN(int64_t n,
                         db_->Count(kClusterTable, Filter().Where(Condition::Eq("name", name))));
    EXPECT_EQ(n, 1) << "'" << name << "'";
  }
  ListQuery q;
  q.sort_key = "name";
  ASSERT_OK_AND_ASSIGN(auto rows, db_->List(kClusterTable, q));
  std::vector<std::string> sorted;
  for (const auto& r : rows) sorted.push_back(r.GetString("name"));
  EXPECT_EQ(sorted, (std::vector<std::string>{"B", "a", "a\t", "a ", "b"}));
}

// JSON and free text as large as a request body may carry (MariaDB's TEXT holds 64 KiB).
TEST_P(DatabaseContractTest, LargeJsonAndTextRoundTrip) {
  const std::string labels = "{\"k\": \"" + std::string(100 * 1024, 'v') + "\"}";
  Row r = ClusterRow("u-1");
  r.Set("labels", labels);
  r.Set("status_reason", std::string(100 * 1024, 'r'));
  ASSERT_OK_AND_ASSIGN(Row stored, db_->Insert(kClusterTable, r));
  EXPECT_EQ(stored.GetString("labels"), labels);
  ASSERT_OK_AND_ASSIGN(auto got, db_->GetOne(kClusterTable, ById(stored.GetInt("id"))));
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->GetString("status_reason"), std::string(100 * 1024, 'r'));
}

TEST_P(DatabaseContractTest, IdsAreAssignedAndNeverReused) {
  ASSERT_OK_AND_ASSIGN(Row a, db_->Insert(kClusterTable, ClusterRow("u-1")));
  ASSERT_OK_AND_ASSIGN(Row b, db_->Insert(kClusterTable, ClusterRow("u-2")));
  EXPECT_GT(b.GetInt("id"), a.GetInt("id"));
  ASSERT_OK(db_->Delete(kClusterTable, ById(b.GetInt("id"))));
  ASSERT_OK_AND_ASSIGN(Row c, db_->Insert(kClusterTable, ClusterRow("u-3")));
  EXPECT_GT(c.GetInt("id"), b.GetInt("id"));
}

TEST_P(DatabaseContractTest, InsertWithNoValuesUsesDefaults) {
  ASSERT_OK_AND_ASSIGN(Row r, db_->Insert(kQuotaTable, Row()));
  EXPECT_GT(r.GetInt("id"), 0);
  EXPECT_TRUE(r.IsNull("project_id"));
}

TEST_P(DatabaseContractTest, BooleanColumnsAcceptZeroAndOne) {
  Row values = ClusterRow("u-1");
  values.Set("master_lb_enabled", int64_t{1});
  ASSERT_OK_AND_ASSIGN(Row r, db_->Insert(kClusterTable, values));
  EXPECT_EQ(r.Get("master_lb_enabled"), Value(true));
  ASSERT_OK_AND_ASSIGN(
      int64_t n,
      db_->Count(kClusterTable, Filter().Where(Condition::Eq("master_lb_enabled", true))));
  EXPECT_EQ(n, 1);
}

// ---------------------------------------------------------------------------------------
// Errors

TEST_P(DatabaseContractTest, UniqueViolationIsAlreadyExistsNamingTableAndColumns) {
  ASSERT_OK(db_->Insert(kClusterTable, ClusterRow("u-1")));
  auto dup = db_->Insert(kClusterTable, ClusterRow("u-1"));
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(dup.error().message().find("cluster"), std::string::npos) << dup.error().message();
  EXPECT_NE(dup.error().message().find("uuid"), std::string::npos) << dup.error().message();

  Row ng;
  ng.Set("uuid", std::string("ng-1"));
  ng.Set("name", std::string("workers"));
  ng.Set("cluster_id", std::string("u-1"));
  ASSERT_OK(db_->Insert(kNodeGroupTable, ng));
  ng.Set("uuid", std::string("ng-2"));
  auto dup2 = db_->Insert(kNodeGroupTable, ng);
  ASSERT_FALSE(dup2);
  EXPECT_EQ(dup2.error().code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(dup2.error().message().find("nodegroup"), std::string::npos);
  EXPECT_NE(dup2.error().message().find("cluster_id, name"), std::string::npos)
      << dup2.error().message();

  // An update into a taken value too.
  ASSERT_OK_AND_ASSIGN(Row other, db_->Insert(kClusterTable, ClusterRow("u-2")));
  Row change;
  change.Set("uuid", std::string("u-1"));
  EXPECT_ERROR_CODE(db_->Update(kClusterTable, ById(other.GetInt("id")), change),
                    ErrorCode::kAlreadyExists);
}

TEST_P(DatabaseContractTest, UnknownNamesAreInvalidArgument) {
  Row unknown_col;
  unknown_col.Set("no_such_column", std::string("x"));
  const Filter bad_filter = Filter().Where(Condition::Eq("no_such_column", int64_t{1}));
  ListQuery bad_sort;
  bad_sort.sort_key = "no_such_column";

  struct Case {
    std::string name;
    std::function<Result<void>(Database&)> call;
  };
  auto as_void = [](auto r) -> Result<void> {
    if (!r) return Fail(r.error());
    return {};
  };
  const std::vector<Case> cases = {
      {"insert table", [&](Database& db) { return as_void(db.Insert("nope", Row())); }},
      {"list table", [&](Database& db) { return as_void(db.List("nope", {})); }},
      {"get table", [&](Database& db) { return as_void(db.GetOne("nope", {})); }},
      {"count table", [&](Database& db) { return as_void(db.Count("nope", {})); }},
      {"update table",
       [&](Database& db) { return as_void(db.Update("nope", {}, ClusterRow("x"))); }},
      {"update table, no changes",
       [&](Database& db) { return as_void(db.Update("nope", {}, {})); }},
      {"delete table", [&](Database& db) { return as_void(db.Delete("nope", {})); }},
      {"sum table", [&](Database& db) { return as_void(db.Sum("nope", "x", {})); }},
      {"insert column",
       [&](Database& db) { return as_void(db.Insert(kClusterTable, unknown_col)); }},
      {"update column",
       [&](Database& db) { return as_void(db.Update(kClusterTable, {}, unknown_col)); }},
      {"list filter column",
       [&](Database& db) {
         ListQuery q;
         q.filter = bad_filter;
         return as_void(db.List(kClusterTable, q));
       }},
      {"get filter column",
       [&](Database& db) { return as_void(db.GetOne(kClusterTable, bad_filter)); }},
      {"count filter column",
       [&](Database& db) { return as_void(db.Count(kClusterTable, bad_filter)); }},
      {"delete filter column",
       [&](Database& db) { return as_void(db.Delete(kClusterTable, bad_filter)); }},
      {"sort key", [&](Database& db) { return as_void(db.List(kClusterTable, bad_sort)); }},
      {"sum column", [&](Database& db) { return as_void(db.Sum(kClusterTable, "nope", {})); }},
      {"sum of a text column",
       [&](Database& db) { return as_void(db.Sum(kClusterTable, "name", {})); }},
      {"text into an integer column",
       [&](Database& db) {
         Row r = ClusterRow("u-9");
         r.Set("docker_volume_size", std::string("10"));
         return as_void(db.Insert(kClusterTable, r));
       }},
      {"integer into a text column",
       [&](Database& db) {
         Row r;
         r.Set("uuid", int64_t{1});
         return as_void(db.Insert(kClusterTable, r));
       }},
      {"2 into a boolean column",
       [&](Database& db) {
         Row r = ClusterRow("u-9");
         r.Set("master_lb_enabled", int64_t{2});
         return as_void(db.Insert(kClusterTable, r));
       }},
      {"explicit id",
       [&](Database& db) {
         Row r = ClusterRow("u-9");
         r.Set("id", int64_t{42});
         return as_void(db.Insert(kClusterTable, r));
       }},
      {"missing NOT NULL column",
       [&](Database& db) { return as_void(db.Insert(kClusterTable, Row())); }},
      {"NOT NULL column set to NULL",
       [&](Database& db) {
         Row r;
         r.SetNull("uuid");
         return as_void(db.Update(kClusterTable, {}, r));
       }},
      {"Eq without a value",
       [&](Database& db) {
         Condition c{"name", Condition::Op::kEq, {}};
         return as_void(db.Count(kClusterTable, Filter().Where(c)));
       }},
      {"Lt against NULL",
       [&](Database& db) {
         return as_void(
             db.Count(kClusterTable, Filter().Where(Condition::Lt("name", std::monostate{}))));
       }},
      {"negative limit",
       [&](Database& db) {
         ListQuery q;
         q.limit = -1;
         return as_void(db.List(kClusterTable, q));
       }},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_ERROR_CODE(c.call(*db_), ErrorCode::kInvalidArgument);
  }
  ASSERT_OK_AND_ASSIGN(int64_t n, db_->Count(kClusterTable, {}));
  EXPECT_EQ(n, 0);
}

TEST_P(DatabaseContractTest, GetOneWithSeveralMatchesIsInternal) {
  ASSERT_OK(db_->Insert(kClusterTable, ClusterRow("u-1", "same")));
  ASSERT_OK(db_->Insert(kClusterTable, ClusterRow("u-2", "same")));
  EXPECT_ERROR_CODE(db_->GetOne(kClusterTable, Filter().Where(Condition::Eq("name", "same"))),
                    ErrorCode::kInternal);
}

// ---------------------------------------------------------------------------------------
// Filters

class FilterTest : public DatabaseContractTest {
 protected:
  void SetUp() override {
    DatabaseContractTest::SetUp();
    if (HasFatalFailure()) return;
    // name: status, project_id, node count
    struct Seed {
      const char* name;
      std::optional<std::string> status;
      std::optional<std::string> project;
      std::optional<int64_t> size;
    };
    const Seed seeds[] = {
        {"a", "ACTIVE", "p1", 1},     {"b", "ERROR", "p1", 2},
        {"c", std::nullopt, "p2", 3}, {"d", "ACTIVE", std::nullopt, std::nullopt},
        {"e", "DELETED", "p2", 5},
    };
    int i = 0;
    for (const auto& s : seeds) {
      Row r = ClusterRow("u-" + std::to_string(i++), s.name);
      r.Set("status", s.status ? Value(*s.status) : Value());
      r.Set("project_id", s.project ? Value(*s.project) : Value());
      r.Set("docker_volume_size", s.size ? Value(*s.size) : Value());
      ASSERT_OK(db_->Insert(kClusterTable, r));
    }
  }

  Result<std::string> Names(const Filter& f) {
    ListQuery q;
    q.filter = f;
    q.sort_key = "name";
    MAGNUM_ASSIGN_OR_RETURN(auto rows, db_->List(kClusterTable, q));
    std::string out;
    for (const auto& r : rows) out += r.GetString("name");
    return out;
  }
};

TEST_P(FilterTest, ConjunctiveNormalForm) {
  using C = Condition;
  const Value kNull;
  struct Case {
    std::string name;
    Filter filter;
    std::string expected;  // names, sorted
  };
  const std::vector<Case> cases = {
      {"empty filter", Filter(), "abcde"},
      {"eq", Filter().Where(C::Eq("status", "ACTIVE")), "ad"},
      {"eq NULL is IS NULL", Filter().Where(C::Eq("status", kNull)), "c"},
      {"ne is NULL-safe", Filter().Where(C::Ne("status", "ACTIVE")), "bce"},
      {"ne NULL is IS NOT NULL", Filter().Where(C::Ne("status", kNull)), "abde"},
      {"in", Filter().Where(C::In("status", {"ERROR", "DELETED"})), "be"},
      {"in empty is false", Filter().Where(C::In("status", {})), ""},
      {"in with NULL", Filter().Where(C::In("status", {"ERROR", kNull})), "bc"},
      {"in only NULL", Filter().Where(C::In("status", {kNull})), "c"},
      {"not in keeps NULLs", Filter().Where(C::NotIn("status", {"ACTIVE", "ERROR"})), "ce"},
      {"not in empty is true", Filter().Where(C::NotIn("status", {})), "abcde"},
      {"not in with NULL", Filter().Where(C::NotIn("status", {"ACTIVE", kNull})), "be"},
      {"not in only NULL", Filter().Where(C::NotIn("status", {kNull})), "abde"},
      {"is null", Filter().Where(C::Null("project_id")), "d"},
      {"not null", Filter().Where(C::NotNull("project_id")), "abce"},
      {"lt skips NULL", Filter().Where(C::Lt("docker_volume_size", int64_t{3})), "ab"},
      {"ge skips NULL", Filter().Where(C::Ge("docker_volume_size", int64_t{3})), "ce"},
      {"and", Filter().Where(C::Eq("status", "ACTIVE")).Where(C::Eq("project_id", "p1")), "a"},
      {"or", Filter().WhereAny({C::Eq("status", "ERROR"), C::Null("project_id")}), "bd"},
      {"and of ors",
       Filter()
           .WhereAny({C::Eq("project_id", "p1"), C::Eq("project_id", "p2")})
           .WhereAny({C::Null("status"), C::Ge("docker_volume_size", int64_t{2})}),
       "bce"},
      {"or with an empty IN", Filter().WhereAny({C::In("status", {}), C::Eq("name", "e")}), "e"},
      {"and with an empty NOT IN", Filter().Where(C::NotIn("name", {})).Where(C::Eq("name", "a")),
       "a"},
      {"empty clause is false", Filter().WhereAny({}), ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    ASSERT_OK_AND_ASSIGN(std::string names, Names(c.filter));
    EXPECT_EQ(names, c.expected);
    ASSERT_OK_AND_ASSIGN(int64_t count, db_->Count(kClusterTable, c.filter));
    EXPECT_EQ(count, static_cast<int64_t>(c.expected.size()));
  }
}

TEST_P(FilterTest, SumCountAndDeleteHonourTheFilter) {
  ASSERT_OK_AND_ASSIGN(int64_t sum, db_->Sum(kClusterTable, "docker_volume_size", {}));
  EXPECT_EQ(sum, 1 + 2 + 3 + 5);
  ASSERT_OK_AND_ASSIGN(sum, db_->Sum(kClusterTable, "docker_volume_size",
                                     Filter().Where(Condition::Eq("project_id", "p1"))));
  EXPECT_EQ(sum, 3);
  ASSERT_OK_AND_ASSIGN(sum, db_->Sum(kClusterTable, "docker_volume_size",
                                     Filter().Where(Condition::Eq("project_id", "none"))));
  EXPECT_EQ(sum, 0);

  ASSERT_OK_AND_ASSIGN(
      int64_t deleted,
      db_->Delete(kClusterTable, Filter().Where(Condition::Eq("status", "ACTIVE"))));
  EXPECT_EQ(deleted, 2);
  ASSERT_OK_AND_ASSIGN(std::string names, Names(Filter()));
  EXPECT_EQ(names, "bce");
}

TEST_P(FilterTest, UpdateIsCompareAndSet) {
  const Filter a_if_active =
      Filter().Where(Condition::Eq("name", "a")).Where(Condition::Eq("status", "ACTIVE"));
  Row to_error;
  to_error.Set("status", std::string("ERROR"));
  ASSERT_OK_AND_ASSIGN(int64_t n, db_->Update(kClusterTable, a_if_active, to_error));
  EXPECT_EQ(n, 1);
  // The expected state no longer holds: nothing changes.
  Row to_deleted;
  to_deleted.Set("status", std::string("DELETED"));
  ASSERT_OK_AND_ASSIGN(n, db_->Update(kClusterTable, a_if_active, to_deleted));
  EXPECT_EQ(n, 0);
  ASSERT_OK_AND_ASSIGN(auto row,
                       db_->GetOne(kClusterTable, Filter().Where(Condition::Eq("name", "a"))));
  ASSERT_TRUE(row.has_value());
  EXPECT_EQ(row->GetString("status"), "ERROR");

  // Several rows at once.
  ASSERT_OK_AND_ASSIGN(
      n, db_->Update(kClusterTable, Filter().Where(Condition::Eq("status", "ERROR")), to_deleted));
  EXPECT_EQ(n, 2);
}

TEST_P(DatabaseContractTest, UpdateWithoutChangesDoesNotTouchTheDatabase) {
  ASSERT_OK(db_->Insert(kClusterTable, ClusterRow("u-1")));
  // Another connection holds the write lock: any write from here would wait and fail.
  DatabaseOptions quick;
  quick.busy_timeout_ms = 1;
  ASSERT_OK_AND_ASSIGN(auto other, OpenAnother(quick));
  testing::WriteLockHolder holder(*db_, ClusterRow("u-2"));
  ASSERT_OK_AND_ASSIGN(int64_t n, other->Update(kClusterTable, {}, Row()));
  EXPECT_EQ(n, 0);
  Row change;
  change.Set("name", std::string("x"));
  EXPECT_ERROR_CODE(other->Update(kClusterTable, {}, change), ErrorCode::kUnavailable);
  holder.Release();
}

// ---------------------------------------------------------------------------------------
// Keyset pagination

class PaginationTest : public DatabaseContractTest {
 protected:
  void SetUp() override {
    DatabaseContractTest::SetUp();
    if (HasFatalFailure()) return;
    // Ties, NULLs, and ids whose order differs from every sort key's.
    for (int i = 0; i < 41; ++i) {
      Row r = ClusterRow("u-" + std::to_string((i * 17) % 41), "");
      r.Set("name", i % 5 == 0 ? Value() : Value("n" + std::to_string(i % 4)));
      r.Set("docker_volume_size", i % 3 == 0 ? Value() : Value(int64_t{(i * 7) % 5}));
      r.Set("floating_ip_enabled", i % 4 == 0 ? Value() : Value(i % 2 == 0));
      r.Set("status", std::string("CREATE_COMPLETE"));
      r.Set("project_id", std::string(i % 3 == 1 ? "p1" : "p2"));
      ASSERT_OK_AND_ASSIGN(Row stored, db_->Insert(kClusterTable, r));
      all_.push_back(stored);
    }
  }

  // The rows of `filter_project` (all when empty) in the documented order.
  std::vector<int64_t> Expected(const std::string& key, bool desc,
                                const std::string& filter_project) const {
    std::vector<Row> rows;
    for (const auto& r : all_) {
      if (filter_project.empty() || r.GetString("project_id") == filter_project) rows.push_back(r);
    }
    // Value's variant order puts NULL (monostate) first: ascending order is (value, id).
    std::stable_sort(rows.begin(), rows.end(), [&](const Row& a, const Row& b) {
      auto ka = std::make_pair(a.Get(key), a.GetInt("id"));
      auto kb = std::make_pair(b.Get(key), b.GetInt("id"));
      return desc ? kb < ka : ka < kb;
    });
    return Ids(rows);
  }

  std::vector<Row> all_;
};

TEST_P(PaginationTest, WalkingAllPagesYieldsEveryRowOnceInOrder) {
  const std::vector<std::string> keys = {
      "id", "name", "docker_volume_size", "floating_ip_enabled", "status", "uuid"};
  const std::vector<std::optional<int64_t>> page_sizes = {1, 2, 3, 7, 40, 41, 100, std::nullopt};
  for (const auto& project : {std::string(), std::string("p1")}) {
    for (const auto& key : keys) {
      for (bool desc : {false, true}) {
        const std::vector<int64_t> expected = Expected(key, desc, project);
        for (const auto& page_size : page_sizes) {
          SCOPED_TRACE("key=" + key + (desc ? " desc" : " asc") + " project=" + project +
                       " limit=" + (page_size ? std::to_string(*page_size) : "none"));
          ListQuery q;
          q.sort_key = key;
          q.sort_desc = desc;
          q.limit = page_size;
          if (!project.empty()) q.filter.Where(Condition::Eq("project_id", project));
          std::vector<int64_t> walked;
          for (int pages = 0; pages < 100; ++pages) {
            ASSERT_OK_AND_ASSIGN(auto page, db_->List(kClusterTable, q));
            if (page_size) {
              ASSERT_LE(page.size(), static_cast<size_t>(*page_size));
            }
            for (auto id : Ids(page)) walked.push_back(id);
            if (page.empty() || !page_size || page.size() < static_cast<size_t>(*page_size)) break;
            q.marker_id = page.back().GetInt("id");
          }
          EXPECT_EQ(walked, expected);
        }
      }
    }
  }
}

TEST_P(PaginationTest, MarkerOutsideTheFilterStillPositionsThePage) {
  // Marker: a p2 row; listing p1 rows after it by id.
  int64_t marker = 0;
  for (const auto& r : all_) {
    if (r.GetString("project_id") == "p2" && r.GetInt("id") > all_[10].GetInt("id")) {
      marker = r.GetInt("id");
      break;
    }
  }
  ListQuery q;
  q.filter.Where(Condition::Eq("project_id", "p1"));
  q.marker_id = marker;
  ASSERT_OK_AND_ASSIGN(auto page, db_->List(kClusterTable, q));
  std::vector<int64_t> expected;
  for (const auto& r : all_) {
    if (r.GetString("project_id") == "p1" && r.GetInt("id") > marker)
      expected.push_back(r.GetInt("id"));
  }
  EXPECT_EQ(Ids(page), expected);
}

TEST_P(PaginationTest, MissingMarkerIsNotFound) {
  ListQuery q;
  q.marker_id = 999999;
  auto r = db_->List(kClusterTable, q);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(r.error().message(), "Marker 999999 not found");
  q.sort_key = "name";
  EXPECT_ERROR_CODE(db_->List(kClusterTable, q), ErrorCode::kNotFound);
}

TEST_P(PaginationTest, LimitZeroIsAnEmptyPage) {
  ListQuery q;
  q.limit = 0;
  ASSERT_OK_AND_ASSIGN(auto page, db_->List(kClusterTable, q));
  EXPECT_TRUE(page.empty());
}

// ---------------------------------------------------------------------------------------
// Transactions

TEST_P(DatabaseContractTest, TransactionCommits) {
  ASSERT_OK(db_->Transaction([&](Database& tx) -> Result<void> {
    MAGNUM_RETURN_IF_ERROR(tx.Insert(kClusterTable, ClusterRow("u-1")));
    MAGNUM_RETURN_IF_ERROR(tx.Insert(kClusterTable, ClusterRow("u-2")));
    MAGNUM_ASSIGN_OR_RETURN(int64_t n, tx.Count(kClusterTable, {}));
    EXPECT_EQ(n, 2);  // reads see the transaction's own writes
    return {};
  }));
  ASSERT_OK_AND_ASSIGN(int64_t n, db_->Count(kClusterTable, {}));
  EXPECT_EQ(n, 2);
}

TEST_P(DatabaseContractTest, TransactionRollsBackOnErrorAndPassesItThrough) {
  ASSERT_OK(db_->Insert(kClusterTable, ClusterRow("u-0")));
  auto r = db_->Transaction([&](Database& tx) -> Result<void> {
    MAGNUM_RETURN_IF_ERROR(tx.Insert(kClusterTable, ClusterRow("u-1")));
    MAGNUM_RETURN_IF_ERROR(tx.Delete(kClusterTable, {}));
    return Fail(Error::Conflict("changed my mind"));
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(r.error().message(), "changed my mind");
  ASSERT_OK_AND_ASSIGN(auto rows, db_->List(kClusterTable, {}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].GetString("uuid"), "u-0");
}

TEST_P(DatabaseContractTest, TransactionRollsBackWhenAStatementFails) {
  ASSERT_OK(db_->Insert(kClusterTable, ClusterRow("u-0")));
  auto r = db_->Transaction([&](Database& tx) -> Result<void> {
    MAGNUM_RETURN_IF_ERROR(tx.Insert(kClusterTable, ClusterRow("u-1")));
    MAGNUM_RETURN_IF_ERROR(tx.Insert(kClusterTable, ClusterRow("u-0")));  // duplicate
    return {};
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kAlreadyExists);
  ASSERT_OK_AND_ASSIGN(int64_t n, db_->Count(kClusterTable, {}));
  EXPECT_EQ(n, 1);
}

TEST_P(DatabaseContractTest, TransactionRollsBackAndRethrowsOnException) {
  EXPECT_THROW(db_->Transaction([&](Database& tx) -> Result<void> {
    auto r = tx.Insert(kClusterTable, ClusterRow("u-1"));
    EXPECT_TRUE(r);
    throw std::runtime_error("boom");
  }),
               std::runtime_error);
  ASSERT_OK_AND_ASSIGN(int64_t n, db_->Count(kClusterTable, {}));
  EXPECT_EQ(n, 0);
  // The connection is usable for a new transaction afterwards.
  ASSERT_OK(db_->Transaction([&](Database& tx) -> Result<void> {
    MAGNUM_RETURN_IF_ERROR(tx.Insert(kClusterTable, ClusterRow("u-2")));
    return {};
  }));
  ASSERT_OK_AND_ASSIGN(n, db_->Count(kClusterTable, {}));
  EXPECT_EQ(n, 1);
}

TEST_P(DatabaseContractTest, NestedTransactionsAreInternalErrors) {
  auto r = db_->Transaction([&](Database& tx) -> Result<void> {
    EXPECT_ERROR_CODE(tx.Transaction([](Database&) -> Result<void> { return {}; }),
                      ErrorCode::kInternal);
    EXPECT_ERROR_CODE(db_->Transaction([](Database&) -> Result<void> { return {}; }),
                      ErrorCode::kInternal);
    EXPECT_ERROR_CODE(tx.Upgrade(), ErrorCode::kInternal);
    MAGNUM_RETURN_IF_ERROR(tx.Insert(kClusterTable, ClusterRow("u-1")));
    return {};
  });
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_OK_AND_ASSIGN(int64_t n, db_->Count(kClusterTable, {}));
  EXPECT_EQ(n, 1);
}

TEST_P(DatabaseContractTest, TransactionSeesItsOwnWrites) {
  ASSERT_OK(db_->Transaction([&](Database& tx) -> Result<void> {
    MAGNUM_ASSIGN_OR_RETURN(Row a, tx.Insert(kClusterTable, ClusterRow("u-1")));
    Row change;
    change.Set("status", std::string("CREATE_COMPLETE"));
    MAGNUM_ASSIGN_OR_RETURN(int64_t n, tx.Update(kClusterTable, ById(a.GetInt("id")), change));
    EXPECT_EQ(n, 1);
    MAGNUM_ASSIGN_OR_RETURN(auto row, tx.GetOne(kClusterTable, ById(a.GetInt("id"))));
    EXPECT_TRUE(row.has_value());
    if (row) {
      EXPECT_EQ(row->GetString("status"), "CREATE_COMPLETE");
    }
    MAGNUM_ASSIGN_OR_RETURN(int64_t count, tx.Count(kClusterTable, {}));
    EXPECT_EQ(count, 1);
    return {};
  }));
}

TEST_P(DatabaseContractTest, UncommittedWritesAreInvisibleToOtherThreads) {
  std::latch written(1), checked(1);
  std::thread writer([&] {
    auto r = db_->Transaction([&](Database& tx) -> Result<void> {
      MAGNUM_RETURN_IF_ERROR(tx.Insert(kClusterTable, ClusterRow("u-1")));
      written.count_down();
      checked.wait();
      return {};
    });
    EXPECT_TRUE(r) << r.error().message();
  });
  written.wait();
  ASSERT_OK_AND_ASSIGN(int64_t n, db_->Count(kClusterTable, {}));  // readers do not block
  EXPECT_EQ(n, 0);
  checked.count_down();
  writer.join();
  ASSERT_OK_AND_ASSIGN(n, db_->Count(kClusterTable, {}));
  EXPECT_EQ(n, 1);
}

// ---------------------------------------------------------------------------------------
// Concurrency

constexpr int kThreads = 4;
constexpr int kIncrementsPerThread = 50;

class ConcurrencyTest : public DatabaseContractTest {
 protected:
  void SetUp() override {
    DatabaseContractTest::SetUp();
    if (HasFatalFailure()) return;
    Row quota;
    quota.Set("project_id", std::string("p"));
    quota.Set("resource", std::string("Cluster"));
    quota.Set("hard_limit", int64_t{0});
    ASSERT_OK_AND_ASSIGN(Row stored, db_->Insert(kQuotaTable, quota));
    id_ = stored.GetInt("id");
  }

  int64_t Counter() {
    auto row = db_->GetOne(kQuotaTable, ById(id_));
    return row && *row ? (*row)->GetInt("hard_limit") : -1;
  }

  void RunThreads(const std::function<Result<void>()>& increment) {
    std::atomic<int> failures{0};
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        for (int i = 0; i < kIncrementsPerThread; ++i) {
          auto r = increment();
          if (!r) {
            ADD_FAILURE() << r.error().message();
            ++failures;
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(failures.load(), 0);
  }

  int64_t id_ = 0;
};

TEST_P(ConcurrencyTest, ReadModifyWriteInTransactionsLosesNoUpdate) {
  RunThreads([&]() -> Result<void> {
    return db_->Transaction([&](Database& tx) -> Result<void> {
      MAGNUM_ASSIGN_OR_RETURN(auto row, tx.GetOne(kQuotaTable, ById(id_)));
      if (!row) return Fail(Error::NotFound("quota row vanished"));
      Row change;
      change.Set("hard_limit", row->GetInt("hard_limit") + 1);
      MAGNUM_ASSIGN_OR_RETURN(int64_t n, tx.Update(kQuotaTable, ById(id_), change));
      if (n != 1) return Fail(Error::Internal("update missed"));
      return {};
    });
  });
  EXPECT_EQ(Counter(), kThreads * kIncrementsPerThread);
}

TEST_P(ConcurrencyTest, CompareAndSetRetriesLoseNoUpdate) {
  RunThreads([&]() -> Result<void> {
    for (;;) {
      MAGNUM_ASSIGN_OR_RETURN(auto row, db_->GetOne(kQuotaTable, ById(id_)));
      if (!row) return Fail(Error::NotFound("quota row vanished"));
      const int64_t seen = row->GetInt("hard_limit");
      Row change;
      change.Set("hard_limit", seen + 1);
      MAGNUM_ASSIGN_OR_RETURN(
          int64_t n,
          db_->Update(kQuotaTable, ById(id_).Where(Condition::Eq("hard_limit", seen)), change));
      if (n == 1) return {};
    }
  });
  EXPECT_EQ(Counter(), kThreads * kIncrementsPerThread);
}

TEST_P(ConcurrencyTest, ConcurrentInsertsAllLand) {
  std::atomic<int> next{0};
  RunThreads([&]() -> Result<void> {
    MAGNUM_RETURN_IF_ERROR(
        db_->Insert(kClusterTable, ClusterRow("u-" + std::to_string(next.fetch_add(1)))));
    return {};
  });
  ASSERT_OK_AND_ASSIGN(int64_t n, db_->Count(kClusterTable, {}));
  EXPECT_EQ(n, kThreads * kIncrementsPerThread);
}

TEST_P(DatabaseContractTest, LockHeldPastTheBusyTimeoutIsUnavailable) {
  DatabaseOptions quick;
  quick.busy_timeout_ms = 50;
  ASSERT_OK_AND_ASSIGN(auto other, OpenAnother(quick));
  testing::WriteLockHolder holder(*db_, ClusterRow("u-1"));
  auto insert = other->Insert(kClusterTable, ClusterRow("u-2"));
  auto tx = other->Transaction([](Database&) -> Result<void> { return {}; });
  holder.Release();
  ASSERT_FALSE(insert);
  EXPECT_EQ(insert.error().code(), ErrorCode::kUnavailable) << insert.error().message();
  ASSERT_FALSE(tx);
  EXPECT_EQ(tx.error().code(), ErrorCode::kUnavailable) << tx.error().message();
  // Once the lock is gone the same connection works.
  ASSERT_OK(other->Insert(kClusterTable, ClusterRow("u-2")));
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseContractTest, ::testing::ValuesIn(testing::ContractBackends()),
                         testing::BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, FilterTest, ::testing::ValuesIn(testing::ContractBackends()),
                         testing::BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, PaginationTest, ::testing::ValuesIn(testing::ContractBackends()),
                         testing::BackendName);
INSTANTIATE_TEST_SUITE_P(Backends, ConcurrencyTest, ::testing::ValuesIn(testing::ContractBackends()),
                         testing::BackendName);

}  // namespace
}  // namespace magnum::db
