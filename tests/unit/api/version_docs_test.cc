// GET / and GET /v1: encoded once per base URL and cached (a bounded number of bases, as
// the base comes from the Host header); every host still gets its own links, also past
// the cache's bound, and a cached answer equals the first.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <memory>
#include <string>

#include "magnum/api/app.h"
#include "magnum/auth/auth.h"
#include "magnum/clients/cloud_resources.h"
#include "magnum/common/clock.h"
#include "magnum/config/config.h"
#include "magnum/db/database.h"
#include "magnum/drivers/registry.h"
#include "testing/temp_dir.h"

namespace magnum::api {
namespace {

using Json = nlohmann::json;

class VersionDocsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = db::OpenDatabase("sqlite:///" + dir_.File("magnum.sqlite"));
    ASSERT_TRUE(opened) << opened.error().message();
    db_ = std::move(*opened);
    ASSERT_TRUE(db_->Upgrade());
    cloud_ = clients::NewLocalCloudResources(&registry_);
    auth_ = auth::NewNoAuth("p1", "u1", "member,reader");
    ApiDependencies deps;
    deps.config = &config_;
    deps.db = db_.get();
    deps.auth = auth_.get();
    deps.drivers = &registry_;
    deps.cloud = cloud_.get();
    deps.clock = &SystemClock();
    app_ = std::make_unique<ApiApp>(deps);
  }

  http::Response Get(const std::string& path, const std::string& host) {
    http::Request r;
    r.method = "GET";
    r.path = path;
    r.target = path;
    r.headers["Host"] = host;
    return app_->Handle(r);
  }

  testing_util::TempDir dir_;
  config::Config config_;
  drivers::DriverRegistry registry_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<clients::CloudResources> cloud_;
  std::unique_ptr<auth::AuthStrategy> auth_;
  std::unique_ptr<ApiApp> app_;
};

TEST_F(VersionDocsTest, EachHostGetsItsOwnLinksAlsoPastTheCacheBound) {
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

TEST_F(VersionDocsTest, CachedAnswerEqualsTheFirst) {
  const std::string first = Get("/v1", "a:1").body;
  EXPECT_EQ(Get("/v1", "a:1").body, first);
  EXPECT_NE(Get("/v1", "b:1").body, first);
  EXPECT_EQ(Get("/", "a:1").body, Get("/", "a:1").body);
}

}  // namespace
}  // namespace magnum::api
