// The policy enforcer travels with the request (ApiRequest::policy, from
// ApiDependencies::policy), not through thread state: two apps with different enforcers
// answer the same request differently when called alternately on one thread, and a
// controller's checks use the app's enforcer, not the defaults.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "magnum/api/app.h"
#include "magnum/auth/auth.h"
#include "magnum/auth/context.h"
#include "magnum/clients/cloud_resources.h"
#include "magnum/common/clock.h"
#include "magnum/config/config.h"
#include "magnum/db/database.h"
#include "magnum/drivers/registry.h"
#include "magnum/policy/enforcer.h"
#include "testing/temp_dir.h"

namespace magnum::api {
namespace {

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

class RequestPolicyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = db::OpenDatabase("sqlite:///" + dir_.File("magnum.sqlite"));
    ASSERT_TRUE(opened) << opened.error().message();
    db_ = std::move(*opened);
    ASSERT_TRUE(db_->Upgrade());
    cloud_ = clients::NewLocalCloudResources(&registry_);
    auth_ = auth::NewNoAuth("p1", "u1", "member,reader");
  }

  std::unique_ptr<ApiApp> App(const policy::Enforcer* enforcer) {
    ApiDependencies deps;
    deps.config = &config_;
    deps.db = db_.get();
    deps.auth = auth_.get();
    deps.drivers = &registry_;
    deps.cloud = cloud_.get();
    deps.clock = &SystemClock();
    deps.policy = enforcer;
    return std::make_unique<ApiApp>(deps);
  }

  static int Status(ApiApp& app, const std::string& path) {
    http::Request r;
    r.method = "GET";
    r.path = path;
    r.target = path;
    return app.Handle(r).status;
  }

  testing_util::TempDir dir_;
  config::Config config_;
  drivers::DriverRegistry registry_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<clients::CloudResources> cloud_;
  std::unique_ptr<auth::AuthStrategy> auth_;
};

TEST_F(RequestPolicyTest, EachAppAsksItsOwnEnforcerOnTheSameThread) {
  DenyOne deny_templates("clustertemplate:get_all");
  DenyOne deny_clusters("cluster:get_all");
  auto a = App(&deny_templates);
  auto b = App(&deny_clusters);
  auto defaults = App(nullptr);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(Status(*a, "/v1/clustertemplates"), 403);
    EXPECT_EQ(Status(*b, "/v1/clustertemplates"), 200);
    EXPECT_EQ(Status(*a, "/v1/clusters"), 200);
    EXPECT_EQ(Status(*b, "/v1/clusters"), 403);
    EXPECT_EQ(Status(*defaults, "/v1/clustertemplates"), 200);  // a member may list
  }
  EXPECT_GT(deny_templates.calls, 0);
  EXPECT_GT(deny_clusters.calls, 0);
}

}  // namespace
}  // namespace magnum::api
