// The API's response cache (api/response_cache.h), in process: a write through ANOTHER
// Database on the same file (as another magnum-api or a conductor would make) invalidates
// what it changed; callers, roles and microversions never share an entry; answers are
// byte-identical to uncached ones; errors and requests that write are not kept; the bounds
// hold; [api] response_cache_size_mb = 0 turns it off.
#include "magnum/api/response_cache.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "magnum/api/app.h"
#include "magnum/auth/context.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"
#include "unit/api/api_app_fixture.h"
#include "unit/api/render_fixtures.h"

namespace magnum::api {
namespace {

using Json = nlohmann::json;

constexpr char kPrivateUuid[] = "8d1e5b43-5bde-4d4b-b1c2-59b3a1e4d001";

class ResponseCacheAppTest : public ApiAppFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ApiAppFixture::SetUp());
    other_ = Connect();  // another process's connection to the same database

    db::Row pub = fixtures::TemplateRow();
    pub.Erase("id");
    ASSERT_TRUE(db_->Insert(db::kClusterTemplateTable, pub));
    db::Row priv = fixtures::TemplateRow();
    priv.Erase("id");
    priv.Set("uuid", std::string(kPrivateUuid));
    priv.Set("name", std::string("private-p1"));
    priv.Set("public", false);
    ASSERT_TRUE(db_->Insert(db::kClusterTemplateTable, priv));
    db::Row cluster = fixtures::ClusterRow();
    cluster.Erase("id");
    ASSERT_TRUE(db_->Insert(db::kClusterTable, cluster));
    app_ = MakeApp();
  }

  std::unique_ptr<ApiApp> MakeApp(const config::Config* config = nullptr) {
    ApiDependencies deps = Deps();
    if (config) deps.config = config;
    return ApiAppFixture::MakeApp(deps);
  }

  static http::Request Get(const std::string& target, const std::string& project = "p1",
                           const std::string& roles = "member,reader",
                           const std::string& version = "container-infra latest") {
    http::Request r;
    r.method = "GET";
    r.target = target;
    r.path = target.substr(0, target.find('?'));
    if (auto q = target.find('?'); q != std::string::npos) {
      http::ParseTarget(target, &r.path, &r.query);
    }
    r.headers["Host"] = "api.example:9511";
    r.headers["X-Project-Id"] = project;
    r.headers["X-Roles"] = roles;
    r.headers["OpenStack-API-Version"] = version;
    r.request_id = "req-test";
    return r;
  }

  std::vector<std::string> TemplateNames(const http::Response& r) {
    std::vector<std::string> names;
    Json doc = Json::parse(r.body);
    for (const auto& t : doc["clustertemplates"]) names.push_back(t["name"].get<std::string>());
    return names;
  }

  std::unique_ptr<db::Database> other_;
};

TEST_F(ResponseCacheAppTest, AHitIsByteIdenticalAndSharesTheBody) {
  http::Response first = app_->Serve(Get("/v1/clustertemplates"));
  ASSERT_EQ(first.status, 200) << first.body;
  EXPECT_EQ(app_->cache_stats().stores, 1u);
  http::Response second = app_->Serve(Get("/v1/clustertemplates"));
  EXPECT_EQ(app_->cache_stats().hits, 1u);
  ASSERT_TRUE(first.shared_body && second.shared_body);
  EXPECT_EQ(first.shared_body.get(), second.shared_body.get());  // one body, not copied
  EXPECT_EQ(first.headers, second.headers);
  EXPECT_EQ(first.headers.count("x-openstack-request-id"), 0u);  // the server adds it

  // Handle (tests, in-process callers) gets the same bytes in `body`.
  http::Response handled = app_->Handle(Get("/v1/clustertemplates"));
  EXPECT_FALSE(handled.shared_body);
  EXPECT_EQ(handled.body, *first.shared_body);

  // The same as an app without a cache answers.
  config::Config off = config_;
  off.api_response_cache_size_mb = 0;
  auto uncached = MakeApp(&off);
  http::Response plain = uncached->Handle(Get("/v1/clustertemplates"));
  EXPECT_EQ(plain.body, *first.shared_body);
  EXPECT_EQ(plain.headers, first.headers);
  uncached->Handle(Get("/v1/clustertemplates"));
  EXPECT_EQ(uncached->cache_stats().entries, 0u);
  EXPECT_EQ(uncached->cache_stats().hits, 0u);
}

TEST_F(ResponseCacheAppTest, AWriteThroughAnotherConnectionInvalidates) {
  EXPECT_EQ(TemplateNames(app_->Handle(Get("/v1/clustertemplates"))).size(), 2u);
  EXPECT_EQ(TemplateNames(app_->Handle(Get("/v1/clustertemplates"))).size(), 2u);
  ASSERT_EQ(app_->cache_stats().hits, 1u);

  // UPDATE by another connection.
  db::Row rename;
  rename.Set("name", std::string("renamed-elsewhere"));
  ASSERT_TRUE(other_->Update(db::kClusterTemplateTable,
                             db::Filter().Where(db::Condition::Eq("uuid", std::string(kPrivateUuid))),
                             rename));
  auto names = TemplateNames(app_->Handle(Get("/v1/clustertemplates")));
  EXPECT_NE(std::find(names.begin(), names.end(), "renamed-elsewhere"), names.end());
  EXPECT_EQ(app_->cache_stats().stale, 1u);

  // INSERT and DELETE by another connection.
  db::Row added = fixtures::TemplateRow();
  added.Erase("id");
  added.Set("uuid", std::string("5b0e2f6e-0e53-4f7e-a5a4-0d0b3e0c0aa1"));
  added.Set("name", std::string("added-elsewhere"));
  ASSERT_TRUE(other_->Insert(db::kClusterTemplateTable, added));
  EXPECT_EQ(TemplateNames(app_->Handle(Get("/v1/clustertemplates"))).size(), 3u);
  ASSERT_TRUE(other_->Delete(db::kClusterTemplateTable,
                             db::Filter().Where(db::Condition::Eq("name", std::string("added-elsewhere")))));
  EXPECT_EQ(TemplateNames(app_->Handle(Get("/v1/clustertemplates"))).size(), 2u);
}

TEST_F(ResponseCacheAppTest, GenerationsReadIntoAReusedBufferMatchAFreshRead) {
  auto fresh = ReadGenerations(*db_);
  ASSERT_TRUE(fresh);
  ASSERT_GE(fresh->size(), 2u);
  EXPECT_TRUE(std::is_sorted(fresh->begin(), fresh->end()));

  // A buffer left over from an earlier read: more entries, out of order, other names.
  Generations reused = {{"zzz-gone", 7}, {"a-gone", 9}};
  for (size_t i = 0; i < fresh->size() + 3; ++i)
    reused.emplace_back("stale" + std::to_string(i), -1);
  ASSERT_TRUE(ReadGenerations(*db_, &reused));
  EXPECT_EQ(reused, *fresh);

  // A write through another connection shows in the next read into the same buffer.
  db::Row rename;
  rename.Set("name", std::string("renamed-for-generations"));
  ASSERT_TRUE(other_->Update(
      db::kClusterTemplateTable,
      db::Filter().Where(db::Condition::Eq("uuid", std::string(kPrivateUuid))), rename));
  ASSERT_TRUE(ReadGenerations(*db_, &reused));
  ASSERT_EQ(reused.size(), fresh->size());
  int changed = 0;
  for (size_t i = 0; i < reused.size(); ++i) {
    EXPECT_EQ(reused[i].first, (*fresh)[i].first);
    if (reused[i].second != (*fresh)[i].second) {
      ++changed;
      EXPECT_EQ(reused[i].first, db::kClusterTemplateTable);
      EXPECT_GT(reused[i].second, (*fresh)[i].second);
    }
  }
  EXPECT_EQ(changed, 1);
  auto again = ReadGenerations(*db_);
  ASSERT_TRUE(again);
  EXPECT_EQ(reused, *again);
}

TEST_F(ResponseCacheAppTest, AConductorStatusUpdateReachesTheClusterListAndOnlyIt) {
  auto status = [&] {
    http::Response r = app_->Handle(Get("/v1/clusters"));
    EXPECT_EQ(r.status, 200) << r.body;
    return Json::parse(r.body)["clusters"][0]["status"].get<std::string>();
  };
  EXPECT_EQ(status(), "CREATE_COMPLETE");
  app_->Handle(Get("/v1/clustertemplates"));
  EXPECT_EQ(status(), "CREATE_COMPLETE");
  const auto before = app_->cache_stats();

  db::Row change;
  change.Set("status", std::string("UPDATE_IN_PROGRESS"));
  ASSERT_TRUE(other_->Update(
      db::kClusterTable,
      db::Filter().Where(db::Condition::Eq("uuid", std::string(fixtures::ClusterRow().GetString("uuid")))),
      change));
  EXPECT_EQ(status(), "UPDATE_IN_PROGRESS");
  // The template list read no cluster row: still a hit.
  app_->Handle(Get("/v1/clustertemplates"));
  const auto after = app_->cache_stats();
  EXPECT_EQ(after.stale, before.stale + 1);
  EXPECT_EQ(after.hits, before.hits + 1);
}

TEST_F(ResponseCacheAppTest, CallersRolesAndMicroversionsNeverShareAnEntry) {
  for (int round = 0; round < 2; ++round) {  // the second round answers from the cache
    SCOPED_TRACE(round);
    auto p1 = TemplateNames(app_->Handle(Get("/v1/clustertemplates", "p1")));
    auto p2 = TemplateNames(app_->Handle(Get("/v1/clustertemplates", "p2")));
    EXPECT_EQ(p1.size(), 2u);
    EXPECT_EQ(p2.size(), 1u);  // p1's private template is not p2's to see
    // The private template by name: p1 finds it, p2 gets a 404.
    EXPECT_EQ(app_->Handle(Get("/v1/clustertemplates/private-p1", "p1")).status, 200);
    EXPECT_EQ(app_->Handle(Get("/v1/clustertemplates/private-p1", "p2")).status, 404);
    // An admin of p2 is a different caller from a member of p2.
    auto admin = app_->Handle(Get("/v1/clustertemplates", "p2", "admin"));
    EXPECT_EQ(admin.status, 200);
    auto v11 = app_->Handle(Get("/v1/clustertemplates", "p1", "member,reader",
                                "container-infra 1.1"));
    auto latest = app_->Handle(Get("/v1/clustertemplates", "p1"));
    EXPECT_EQ(v11.headers["OpenStack-API-Version"], "container-infrastructure-management 1.1");
    EXPECT_NE(latest.headers["OpenStack-API-Version"], "container-infrastructure-management 1.1");
  }
  // p1's list (latest), p2's, p2 admin's, p1's at 1.1 and p1's private template; not the 404.
  EXPECT_EQ(app_->cache_stats().entries, 5u);
}

TEST(ResponseCacheKeyTest, EveryFieldTheAnswerDependsOnChangesTheKey) {
  http::Request r;
  r.method = "GET";
  r.target = "/v1/clusters?limit=2";
  r.headers["Accept"] = "application/json";
  auth::RequestContext ctx;
  ctx.project_id = "p";
  ctx.user_id = "u";
  ctx.roles = {"member"};
  const std::string base = ResponseCacheKey(r, "1.10", "http://h", ctx);
  EXPECT_EQ(base, ResponseCacheKey(r, "1.10", "http://h", ctx));

  std::vector<std::string> keys;
  auto variant = [&](auto change) {
    http::Request r2 = r;
    auth::RequestContext c2 = ctx;
    std::string version = "1.10", url = "http://h";
    change(r2, c2, version, url);
    keys.push_back(ResponseCacheKey(r2, version, url, c2));
  };
  variant([](auto& rq, auto&, auto&, auto&) { rq.method = "HEAD"; });
  variant([](auto& rq, auto&, auto&, auto&) { rq.target = "/v1/clusters?limit=3"; });
  variant([](auto& rq, auto&, auto&, auto&) { rq.headers["Accept"] = "text/html"; });
  variant([](auto& rq, auto&, auto&, auto&) { rq.headers.erase("Accept"); });
  variant([](auto&, auto&, auto& v, auto&) { v = "1.1"; });
  variant([](auto&, auto&, auto&, auto& u) { u = "http://other"; });
  variant([](auto&, auto& c, auto&, auto&) { c.project_id = "q"; });
  variant([](auto&, auto& c, auto&, auto&) { c.user_id = "v"; });
  variant([](auto&, auto& c, auto&, auto&) { c.roles = {"reader"}; });
  variant([](auto&, auto& c, auto&, auto&) { c.roles = {"member", "admin"}; });
  variant([](auto&, auto& c, auto&, auto&) { c.is_admin = true; });
  variant([](auto&, auto& c, auto&, auto&) { c.all_tenants = true; });
  variant([](auto&, auto& c, auto&, auto&) { c.user_domain_id = "d"; });
  variant([](auto&, auto& c, auto&, auto&) { c.project_domain_id = "d"; });
  variant([](auto&, auto& c, auto&, auto&) { c.domain_id = "d"; });
  // Fields shifted between neighbours do not collide ("p"+"u" against "pu"+"").
  variant([](auto&, auto& c, auto&, auto&) {
    c.project_id = "pu";
    c.user_id = "";
  });
  std::set<std::string> distinct(keys.begin(), keys.end());
  distinct.insert(base);
  EXPECT_EQ(distinct.size(), keys.size() + 1);

  // Not the per-request values.
  http::Request r3 = r;
  r3.request_id = "req-other";
  auth::RequestContext c3 = ctx;
  c3.request_id = "req-other";
  EXPECT_EQ(ResponseCacheKey(r3, "1.10", "http://h", c3), base);
}

TEST(ResponseCacheTest, BoundedByBytesAndEntries) {
  ResponseCache cache(64 * 1024, 4);
  auto entry = [](size_t bytes) {
    auto e = std::make_shared<ResponseCache::Entry>();
    e->body = std::make_shared<const std::string>(bytes, 'x');
    return e;
  };
  for (int i = 0; i < 10; ++i) cache.Put("k" + std::to_string(i), entry(100));
  EXPECT_EQ(cache.stats().entries, 4u);
  EXPECT_TRUE(cache.Find("k9"));
  EXPECT_FALSE(cache.Find("k0"));
  cache.Put("big", entry(64 * 1024 / 8 + 1));  // above an eighth of the bound: not kept
  EXPECT_FALSE(cache.Find("big"));
  for (int i = 0; i < 20; ++i) cache.Put("m" + std::to_string(i), entry(7000));
  EXPECT_LE(cache.stats().bytes, 64u * 1024);
  EXPECT_TRUE(cache.Find("m19"));

  ResponseCache off(0, 4);
  off.Put("k", entry(10));
  EXPECT_FALSE(off.Find("k"));
}

TEST(ResponseCacheTest, FreshOnlyWhenEveryTableReadIsUnchanged) {
  ResponseCache::Entry e;
  e.depends_on = {{"cluster", 3}, {"nodegroup", 5}};
  EXPECT_TRUE(ResponseCache::Fresh(e, {{"cluster", 3}, {"cluster_template", 9}, {"nodegroup", 5}}));
  EXPECT_FALSE(ResponseCache::Fresh(e, {{"cluster", 4}, {"nodegroup", 5}}));
  EXPECT_FALSE(ResponseCache::Fresh(e, {{"cluster", 3}}));
}

}  // namespace
}  // namespace magnum::api
