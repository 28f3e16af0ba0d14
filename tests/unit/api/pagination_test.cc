// Collection query arguments (pagination.h, §1.7) against a real in-memory SQLite database.
#include "magnum/api/pagination.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "magnum/db/schema.h"

namespace magnum::api {
namespace {

using Json = nlohmann::json;
using Query = std::vector<std::pair<std::string, std::string>>;

const std::string kFirst = "e0a3b1c2-d4f5-4678-89ab-cdef01234567";
const std::string kSecond = "f1b4c2d3-e5a6-4789-9abc-def012345678";

class PaginationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/magnum-api-test-XXXXXX";
    ASSERT_NE(mkdtemp(templ.data()), nullptr);
    dir_ = templ;
    auto db = db::OpenDatabase("sqlite:///" + dir_ + "/magnum.sqlite");
    ASSERT_TRUE(db.has_value()) << db.error().message();
    db_ = std::move(*db);
    ASSERT_TRUE(db_->Upgrade().has_value());
    for (const auto& uuid : {kFirst, kSecond}) {
      db::Row row;
      row.Set("uuid", uuid);
      row.Set("name", std::string("f"));
      row.Set("project_id", std::string("p"));
      auto inserted = db_->Insert(db::kFederationTable, row);
      ASSERT_TRUE(inserted.has_value()) << inserted.error().message();
      ids_.push_back(inserted->GetInt("id"));
    }
    db::Row quota;
    quota.Set("project_id", std::string("p"));
    quota.Set("resource", std::string("Cluster"));
    quota.Set("hard_limit", int64_t{3});
    auto q = db_->Insert(db::kQuotaTable, quota);
    ASSERT_TRUE(q.has_value());
    quota_id_ = q->GetInt("id");
  }

  ApiRequest Request(Query query) {
    http_.query = std::move(query);
    ApiRequest r;
    r.http = &http_;
    r.base_url = "http://h:9511";
    return r;
  }

  Result<Page> Parse(Query query, bool numeric = false, const char* table = db::kFederationTable,
                     db::Filter scope = {}) {
    return ParsePage(Request(std::move(query)), *db_, table, 1000, std::move(scope), numeric);
  }

  void TearDown() override {
    db_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  std::string dir_;
  std::unique_ptr<db::Database> db_;
  std::vector<int64_t> ids_;
  int64_t quota_id_ = 0;
  http::Request http_;
};

TEST_F(PaginationTest, Defaults) {
  auto p = Parse({});
  ASSERT_TRUE(p.has_value()) << p.error().message();
  EXPECT_EQ(p->limit, 1000);
  EXPECT_EQ(p->sort_key, "id");
  EXPECT_EQ(p->sort_dir, "asc");
  EXPECT_EQ(p->query.sort_key, "id");
  EXPECT_FALSE(p->query.sort_desc);
  EXPECT_EQ(p->query.limit, 1000);
  EXPECT_FALSE(p->query.marker_id.has_value());
}

TEST_F(PaginationTest, LimitIsClampedToTheMaximum) {
  auto p = Parse({{"limit", "5000"}});
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->limit, 1000);
  auto small = Parse({{"limit", "2"}});
  ASSERT_TRUE(small.has_value());
  EXPECT_EQ(small->limit, 2);
  EXPECT_EQ(small->query.limit, 2);
}

TEST_F(PaginationTest, SortKeyAndDirection) {
  auto p = Parse({{"sort_key", "name"}, {"sort_dir", "desc"}});
  ASSERT_TRUE(p.has_value()) << p.error().message();
  EXPECT_EQ(p->query.sort_key, "name");
  EXPECT_TRUE(p->query.sort_desc);
}

TEST_F(PaginationTest, UuidMarkerBecomesTheRowId) {
  auto p = Parse({{"marker", kSecond}});
  ASSERT_TRUE(p.has_value()) << p.error().message();
  EXPECT_EQ(p->query.marker_id, ids_[1]);
  // Any UUID-like spelling finds the row.
  std::string bare = kFirst;
  bare.erase(std::remove(bare.begin(), bare.end(), '-'), bare.end());
  auto q = Parse({{"marker", bare}});
  ASSERT_TRUE(q.has_value()) << q.error().message();
  EXPECT_EQ(q->query.marker_id, ids_[0]);
}

TEST_F(PaginationTest, NumericMarkerForQuotas) {
  auto p = Parse({{"marker", std::to_string(quota_id_)}}, true, db::kQuotaTable);
  ASSERT_TRUE(p.has_value()) << p.error().message();
  EXPECT_EQ(p->query.marker_id, quota_id_);
}

struct PageErrorCase {
  std::string label;
  Query query;
  bool numeric;
  ErrorCode code;
  std::string message;
};

class PaginationErrorTest : public PaginationTest,
                            public ::testing::WithParamInterface<PageErrorCase> {};

TEST_P(PaginationErrorTest, Refuses) {
  const PageErrorCase& c = GetParam();
  auto p = Parse(c.query, c.numeric, c.numeric ? db::kQuotaTable : db::kFederationTable);
  ASSERT_FALSE(p.has_value()) << c.label;
  EXPECT_TRUE(p.error().Is(c.code)) << c.label << ": " << p.error().message();
  EXPECT_EQ(p.error().message(), c.message) << c.label;
}

INSTANTIATE_TEST_SUITE_P(
    Args, PaginationErrorTest,
    ::testing::Values(
        PageErrorCase{"zero limit",
                      {{"limit", "0"}},
                      false,
                      ErrorCode::kInvalidArgument,
                      "Limit must be positive"},
        PageErrorCase{"negative limit",
                      {{"limit", "-1"}},
                      false,
                      ErrorCode::kInvalidArgument,
                      "Limit must be positive"},
        PageErrorCase{"word limit",
                      {{"limit", "ten"}},
                      false,
                      ErrorCode::kInvalidArgument,
                      "Invalid input for field/attribute limit. Value: 'ten'. Wrong type. "
                      "Expected an integer."},
        PageErrorCase{"empty limit",
                      {{"limit", ""}},
                      false,
                      ErrorCode::kInvalidArgument,
                      "Invalid input for field/attribute limit. Value: ''. Wrong type. "
                      "Expected an integer."},
        PageErrorCase{"fractional limit",
                      {{"limit", "1.5"}},
                      false,
                      ErrorCode::kInvalidArgument,
                      "Invalid input for field/attribute limit. Value: '1.5'. Wrong type. "
                      "Expected an integer."},
        PageErrorCase{"bad sort key",
                      {{"sort_key", "nope"}},
                      false,
                      ErrorCode::kInvalidArgument,
                      "The sort_key value \"nope\" is an invalid field for sorting"},
        PageErrorCase{"sort key of another table",
                      {{"sort_key", "node_count"}},
                      false,
                      ErrorCode::kInvalidArgument,
                      "The sort_key value \"node_count\" is an invalid field for sorting"},
        PageErrorCase{"bad sort dir",
                      {{"sort_dir", "up"}},
                      false,
                      ErrorCode::kInvalidArgument,
                      "Invalid sort direction: up. Acceptable values are 'asc' or 'desc'"},
        PageErrorCase{"sort dir is case-sensitive",
                      {{"sort_dir", "DESC"}},
                      false,
                      ErrorCode::kInvalidArgument,
                      "Invalid sort direction: DESC. Acceptable values are 'asc' or 'desc'"},
        PageErrorCase{"non-uuid marker",
                      {{"marker", "abc"}},
                      false,
                      ErrorCode::kInvalidArgument,
                      "Expected a uuid but received abc."},
        PageErrorCase{"unknown marker",
                      {{"marker", "00000000-0000-4000-8000-000000000000"}},
                      false,
                      ErrorCode::kNotFound,
                      "Marker 00000000-0000-4000-8000-000000000000 could not be found."},
        PageErrorCase{"non-integer quota marker",
                      {{"marker", "abc"}},
                      true,
                      ErrorCode::kInvalidArgument,
                      "Invalid input for field/attribute marker. Value: 'abc'. Wrong type. "
                      "Expected an integer."},
        PageErrorCase{"unknown quota marker",
                      {{"marker", "999"}},
                      true,
                      ErrorCode::kNotFound,
                      "Marker 999 could not be found."}));

TEST_F(PaginationTest, CheckQueryArgsNamesTheFirstUnknownArgument) {
  EXPECT_TRUE(CheckQueryArgs(Request({{"limit", "1"}}), {"limit", "marker"}).has_value());
  EXPECT_TRUE(CheckQueryArgs(Request({}), {}).has_value());
  auto r = CheckQueryArgs(Request({{"limit", "1"}, {"bogus", "x"}}), {"limit"});
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().Is(ErrorCode::kInvalidArgument));
  EXPECT_EQ(r.error().message(), "Unknown argument: \"bogus\"");
}

TEST_F(PaginationTest, NextLinkOnlyForAFullPage) {
  auto page = Parse({{"limit", "2"}, {"sort_key", "name"}});
  ASSERT_TRUE(page.has_value());
  ApiRequest req = Request({});
  Json body = Json::object();
  AddNextLink(&body, req, "federations", *page, 1, kFirst);
  EXPECT_FALSE(body.contains("next"));
  AddNextLink(&body, req, "federations", *page, 0, "");
  EXPECT_FALSE(body.contains("next"));
  AddNextLink(&body, req, "federations/detail", *page, 2, kSecond);
  EXPECT_EQ(body["next"],
            "http://h:9511/v1/federations/detail?sort_key=name&sort_dir=asc&limit=2"
            "&marker=" +
                kSecond);
}

TEST_F(PaginationTest, NextLinkCarriesExtraArgumentsEncoded) {
  auto page = Parse({{"limit", "1"}}, true, db::kQuotaTable);
  ASSERT_TRUE(page.has_value());
  Json body = Json::object();
  AddNextLink(&body, Request({}), "quotas", *page, 1, "7",
              {{"all_tenants", "True"}, {"q", "a b&c"}});
  EXPECT_EQ(body["next"],
            "http://h:9511/v1/quotas?all_tenants=True&q=a%20b%26c&sort_key=id"
            "&sort_dir=asc&limit=1&marker=7");
}

// A marker naming a row outside the caller's scope (another project's) is the same 404 as
// an unknown one: listing must not reveal that the row exists.
TEST_F(PaginationTest, MarkerOutsideScopeIsNotFoundLikeAnUnknownOne) {
  db::Filter other_project;
  other_project.Where(db::Condition::Eq("project_id", std::string("other")));
  auto outside = Parse({{"marker", kFirst}}, false, db::kFederationTable, other_project);
  ASSERT_FALSE(outside.has_value());
  EXPECT_TRUE(outside.error().Is(ErrorCode::kNotFound));
  EXPECT_EQ(outside.error().message(), std::string("Marker ") + kFirst + " could not be found.");

  db::Filter own;
  own.Where(db::Condition::Eq("project_id", std::string("p")));
  auto inside = Parse({{"marker", kFirst}}, false, db::kFederationTable, own);
  ASSERT_TRUE(inside.has_value()) << inside.error().message();
  EXPECT_EQ(inside->query.marker_id, ids_[0]);
  EXPECT_EQ(inside->query.filter.clauses().size(), 1u);  // the scope is the page's filter

  auto quota = Parse({{"marker", std::to_string(quota_id_)}}, true, db::kQuotaTable,
                     other_project);
  ASSERT_FALSE(quota.has_value());
  EXPECT_TRUE(quota.error().Is(ErrorCode::kNotFound));
}

TEST(MakeLinksTest, SelfAndBookmark) {
  EXPECT_EQ(MakeLinks("http://h:1", "certificates/u"),
            Json::parse(R"([{"href":"http://h:1/v1/certificates/u","rel":"self"},
                            {"href":"http://h:1/certificates/u","rel":"bookmark"}])"));
}

}  // namespace
}  // namespace magnum::api
