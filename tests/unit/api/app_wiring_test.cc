// How ApiApp is wired, in process: GET / and GET /v1 are encoded once per base URL and
// cached (a bounded number of bases, as the base comes from the Host header), yet every
// host gets its own links, also past the cache's bound; and the policy enforcer travels
// with the request (ApiRequest::policy, from ApiDependencies::policy), not through thread
// state, so two apps with different enforcers answer differently on one thread.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "magnum/api/app.h"
#include "magnum/auth/context.h"
#include "magnum/policy/enforcer.h"
#include "unit/api/api_app_fixture.h"

namespace magnum::api {
namespace {

using Json = nlohmann::json;

// Allows everything but the named rule.
class DenyOne final : public policy::Enforcer {
 public:
  explicit DenyOne(std::string rule) : rule_(std::move(rule)) {}
  bool Allows(const auth::RequestContext&, std::string_view rule,
              const policy::Target&) const override {
    ++calls;
    return rule != rule_;
  }
  bool Check(const policy::Credentials&, std::string_view rule,
             const policy::Target&) const override {
    return rule != rule_;
  }
  bool Knows(std::string_view) const override { return true; }
  mutable int calls = 0;

 private:
  std::string rule_;
};

class AppWiringTest : public ApiAppFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ApiAppFixture::SetUp());
    app_ = App(nullptr);
  }

  std::unique_ptr<ApiApp> App(const policy::Enforcer* enforcer) {
    ApiDependencies deps = Deps();
    deps.policy = enforcer;
    return MakeApp(deps);
  }

  static http::Response Get(ApiApp& app, const std::string& path, const std::string& host = "") {
    http::Request r;
    r.method = "GET";
    r.path = path;
    r.target = path;
    if (!host.empty()) r.headers["Host"] = host;
    return app.Handle(r);
  }
  http::Response Get(const std::string& path, const std::string& host) {
    return Get(*app_, path, host);
  }
};

TEST_F(AppWiringTest, EachHostGetsItsOwnLinksAlsoPastTheCacheBound) {
  for (int i = 0; i < 40; ++i) {
    const std::string host = "h" + std::to_string(i) + ":9511";
    for (int twice = 0; twice < 2; ++twice) {
      http::Response root = Get("/", host);
      ASSERT_EQ(root.status, 200);
      EXPECT_EQ(root.headers["Content-Type"], "application/json");
      Json doc = Json::parse(root.body);
      EXPECT_EQ(doc["versions"][0]["links"][0]["href"], "http://" + host + "/v1/");
      EXPECT_EQ(doc["versions"][0]["id"], "v1");

      http::Response v1 = Get("/v1", host);
      ASSERT_EQ(v1.status, 200);
      Json v = Json::parse(v1.body);
      EXPECT_EQ(v["links"][0]["href"], "http://" + host + "/v1/");
      EXPECT_EQ(v["clusters"][1]["href"], "http://" + host + "/clusters/");
      EXPECT_EQ(v["nodegroups"][0]["href"],
                "http://" + host + "/v1/clusters/{cluster_id}/nodegroups");
      EXPECT_EQ(v1.headers.count("OpenStack-API-Version"), 1u);
    }
  }
}

TEST_F(AppWiringTest, CachedAnswerEqualsTheFirst) {
  const std::string first = Get("/v1", "a:1").body;
  EXPECT_EQ(Get("/v1", "a:1").body, first);
  EXPECT_NE(Get("/v1", "b:1").body, first);
  EXPECT_EQ(Get("/", "a:1").body, Get("/", "a:1").body);
}

TEST_F(AppWiringTest, EachAppAsksItsOwnEnforcerOnTheSameThread) {
  DenyOne deny_templates("clustertemplate:get_all");
  DenyOne deny_clusters("cluster:get_all");
  auto a = App(&deny_templates);
  auto b = App(&deny_clusters);
  auto defaults = App(nullptr);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Get(*a, "/v1/clustertemplates").status, 403);
    EXPECT_EQ(Get(*b, "/v1/clustertemplates").status, 200);
    EXPECT_EQ(Get(*a, "/v1/clusters").status, 200);
    EXPECT_EQ(Get(*b, "/v1/clusters").status, 403);
    EXPECT_EQ(Get(*defaults, "/v1/clustertemplates").status, 200);  // a member may list
  }
  EXPECT_GT(deny_templates.calls, 0);
  EXPECT_GT(deny_clusters.calls, 0);
}

}  // namespace
}  // namespace magnum::api
