// TrustManager against the in-memory Keystone (fake_keystone.h): the trustee user and its
// password, the trust's request, the trust-scoped token, removal, the domain admin's token
// cache, and the errors when Keystone is down or refuses; the [trust] options.
#include "magnum/clients/keystone_trusts.h"

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "magnum/auth/service_catalog.h"
#include "magnum/config/config.h"
#include "unit/clients/fake_keystone.h"

namespace magnum::clients {
namespace {

using testing_util::FakeKeystone;
using Json = nlohmann::json;

constexpr const char* kCluster = "5d12f6fd-a196-4bf8-ae4b-582df1d8a4cf";

class TrustManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    keystone_->AddUserToken("demo-token", "u-demo", "p-demo", {"member", "reader"});
    options_.trustee_domain_id = FakeKeystone::kDomainId;
    options_.trustee_domain_admin_id = FakeKeystone::kAdminId;
    options_.trustee_domain_admin_password = FakeKeystone::kAdminPassword;
    options_.identity_url = std::string(FakeKeystone::kUrl) + "/v3/";
  }
  std::unique_ptr<TrustManager> Make() {
    return std::make_unique<TrustManager>(options_, keystone_);
  }

  std::shared_ptr<FakeKeystone> keystone_ = std::make_shared<FakeKeystone>();
  TrustOptions options_;
};

TEST_F(TrustManagerTest, CreatesTrusteeTrustTokenAndDeletesThem) {
  auto tm = Make();
  auto trustee = tm->CreateTrustee(kCluster, "p-demo");
  ASSERT_TRUE(trustee) << trustee.error().message();
  EXPECT_EQ(trustee->username, std::string(kCluster) + "_p-demo");
  EXPECT_EQ(trustee->password.size(), 32u);
  EXPECT_EQ(trustee->password.find_first_not_of(
                "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"),
            std::string::npos);
  auto user = keystone_->GetUser(trustee->user_id);
  ASSERT_TRUE(user);
  EXPECT_EQ(user->name, trustee->username);
  EXPECT_EQ(user->domain_id, FakeKeystone::kDomainId);
  EXPECT_EQ(user->password, trustee->password);

  auto trust =
      tm->CreateTrust("demo-token", "u-demo", "p-demo", {"member", "reader"}, trustee->user_id);
  ASSERT_TRUE(trust) << trust.error().message();
  auto t = keystone_->GetTrust(*trust);
  ASSERT_TRUE(t);
  EXPECT_EQ(t->trustor, "u-demo");
  EXPECT_EQ(t->trustee, trustee->user_id);
  EXPECT_EQ(t->project, "p-demo");
  EXPECT_TRUE(t->impersonation);
  EXPECT_EQ(t->roles, (std::vector<std::string>{"member", "reader"}));
  // The trust is created with the trustor's own token, never the admin's.
  const auto& post = keystone_->sent.back();
  EXPECT_EQ(post.url, std::string(FakeKeystone::kUrl) + "/v3/OS-TRUST/trusts");
  EXPECT_EQ(FakeKeystone::HeaderOf(post, "X-Auth-Token"), "demo-token");
  EXPECT_EQ(Json::parse(post.body)["trust"]["allow_redelegation"], true);

  auto token = tm->TrustScopedToken(trustee->user_id, trustee->password, *trust);
  ASSERT_TRUE(token) << token.error().message();
  EXPECT_FALSE(token->token.empty());
  EXPECT_EQ(token->project_id, "p-demo");
  EXPECT_EQ(token->user_id, "u-demo");  // impersonation: the trustor
  ASSERT_TRUE(token->catalog);
  EXPECT_EQ(token->catalog->EndpointUrl("orchestration", "public", "RegionOne").value_or(""),
            "http://heat.test:8004/v1/p-demo");
  EXPECT_GT(token->expires_at, SystemClock().Now());
  const Json login = Json::parse(keystone_->sent.back().body);
  EXPECT_EQ(login["auth"]["scope"]["OS-TRUST:trust"]["id"], *trust);
  EXPECT_EQ(login["auth"]["identity"]["password"]["user"]["id"], trustee->user_id);

  ASSERT_TRUE(tm->DeleteTrusteeAndTrust(trustee->user_id, *trust));
  EXPECT_FALSE(keystone_->HasUser(trustee->user_id));
  EXPECT_FALSE(keystone_->GetTrust(*trust));
  // Again: both missing is success.
  EXPECT_TRUE(tm->DeleteTrusteeAndTrust(trustee->user_id, *trust));
  EXPECT_TRUE(tm->DeleteTrusteeAndTrust("", ""));
  // A deleted trust gives no token.
  auto refused = tm->TrustScopedToken(trustee->user_id, trustee->password, *trust);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(refused.error().message().find(trustee->password), std::string::npos);
}

TEST_F(TrustManagerTest, PasswordsDiffer) {
  auto tm = Make();
  std::set<std::string> seen;
  for (int i = 0; i < 20; ++i) {
    auto t = tm->CreateTrustee(kCluster + std::to_string(i), "p");
    ASSERT_TRUE(t) << t.error().message();
    seen.insert(t->password);
  }
  EXPECT_EQ(seen.size(), 20u);
}

TEST_F(TrustManagerTest, ExistingTrusteeIsReusedWithANewPassword) {
  auto tm = Make();
  auto first = tm->CreateTrustee(kCluster, "p-demo");
  ASSERT_TRUE(first);
  auto again = tm->CreateTrustee(kCluster, "p-demo");
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->user_id, first->user_id);
  EXPECT_NE(again->password, first->password);
  EXPECT_EQ(keystone_->GetUser(first->user_id)->password, again->password);
  EXPECT_EQ(keystone_->UserCount(), 1u);
}

TEST_F(TrustManagerTest, ConfiguredRolesReplaceTheTrustorsAndMissingRolesAreRefused) {
  options_.roles = {"member"};
  auto tm = Make();
  auto trustee = tm->CreateTrustee(kCluster, "p-demo");
  ASSERT_TRUE(trustee);
  auto trust =
      tm->CreateTrust("demo-token", "u-demo", "p-demo", {"member", "reader"}, trustee->user_id);
  ASSERT_TRUE(trust) << trust.error().message();
  EXPECT_EQ(keystone_->GetTrust(*trust)->roles, std::vector<std::string>{"member"});

  options_.roles = {"admin"};
  auto admin_roles =
      Make()->CreateTrust("demo-token", "u-demo", "p-demo", {"member"}, trustee->user_id);
  ASSERT_FALSE(admin_roles);
  EXPECT_EQ(admin_roles.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(admin_roles.error().message().find("the trustor's token cannot create a trust"),
            std::string::npos);
}

TEST_F(TrustManagerTest, TrustorTokenRefused) {
  auto tm = Make();
  auto trustee = tm->CreateTrustee(kCluster, "p-demo");
  ASSERT_TRUE(trustee);
  auto r = tm->CreateTrust("expired-token", "u-demo", "p-demo", {"member"}, trustee->user_id);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(r.error().message().find("the trustor's token cannot create a trust"),
            std::string::npos);
  // Another user's id as trustor: Keystone's 403.
  auto other = tm->CreateTrust("demo-token", "u-other", "p-demo", {"member"}, trustee->user_id);
  ASSERT_FALSE(other);
  EXPECT_EQ(other.error().code(), ErrorCode::kPermissionDenied);
}

TEST_F(TrustManagerTest, AdminTokenIsCachedAndRenewedAfter401) {
  auto tm = Make();
  ASSERT_TRUE(tm->CreateTrustee("a", "p"));
  ASSERT_TRUE(tm->CreateTrustee("b", "p"));
  EXPECT_EQ(keystone_->AdminLogins(), 1);
  keystone_->RevokeIssuedTokens();
  ASSERT_TRUE(tm->CreateTrustee("c", "p"));
  EXPECT_EQ(keystone_->AdminLogins(), 2);
}

TEST_F(TrustManagerTest, ConcurrentCallsShareOneLogin) {
  auto tm = Make();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      if (tm->CreateTrustee("c" + std::to_string(i), "p")) ok++;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8);
  EXPECT_EQ(keystone_->AdminLogins(), 1);
  EXPECT_EQ(keystone_->UserCount(), 8u);
}

TEST_F(TrustManagerTest, DomainAdminByNameLogsInWithItsDomain) {
  options_.trustee_domain_id.clear();
  options_.trustee_domain_name = "magnum";
  options_.trustee_domain_admin_id.clear();
  options_.trustee_domain_admin_name = "trustee_domain_admin";
  auto tm = Make();
  auto t = tm->CreateTrustee(kCluster, "p");
  ASSERT_TRUE(t) << t.error().message();
  // The user went to the domain the admin's token names (its id), not the name.
  EXPECT_EQ(keystone_->GetUser(t->user_id)->domain_id, FakeKeystone::kDomainId);
  const Json login = Json::parse(keystone_->sent.front().body);
  EXPECT_EQ(login["auth"]["identity"]["password"]["user"]["name"], "trustee_domain_admin");
  EXPECT_EQ(login["auth"]["identity"]["password"]["user"]["domain"]["name"], "magnum");
  EXPECT_EQ(login["auth"]["scope"]["domain"]["name"], "magnum");
}

TEST_F(TrustManagerTest, WrongAdminPassword) {
  options_.trustee_domain_admin_password = "wrong";
  auto r = Make()->CreateTrustee(kCluster, "p");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_NE(r.error().message().find("[trust] trustee_domain_admin credentials"), std::string::npos)
      << r.error().message();
  EXPECT_EQ(r.error().message().find("wrong"), std::string::npos);
}

TEST_F(TrustManagerTest, KeystoneDownOr5xxIsUnavailable) {
  auto tm = Make();
  keystone_->down = true;
  auto r = tm->CreateTrustee(kCluster, "p");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message().find("The identity service (Keystone) cannot be reached"),
            std::string::npos)
      << r.error().message();
  EXPECT_NE(r.error().message().find("[keystone_authtoken] auth_url"), std::string::npos);
  keystone_->down = false;
  keystone_->fail_status = 503;
  auto d = tm->DeleteTrusteeAndTrust("u-1", "trust-2");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code(), ErrorCode::kUnavailable);
  auto s = tm->TrustScopedToken("u-1", "pw", "trust-2");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kUnavailable);
}

TEST_F(TrustManagerTest, TrustDeleteRefusedByPolicyGoesWithTheUser) {
  auto tm = Make();
  auto trustee = tm->CreateTrustee(kCluster, "p-demo");
  ASSERT_TRUE(trustee);
  auto trust = tm->CreateTrust("demo-token", "u-demo", "p-demo", {"member"}, trustee->user_id);
  ASSERT_TRUE(trust);
  keystone_->refuse_trust_delete = true;
  ASSERT_TRUE(tm->DeleteTrusteeAndTrust(trustee->user_id, *trust));
  EXPECT_FALSE(keystone_->HasUser(trustee->user_id));
  EXPECT_FALSE(keystone_->GetTrust(*trust));
  // Without a user to delete, the refusal is the answer.
  auto t2 = tm->CreateTrustee("other", "p-demo");
  auto trust2 = tm->CreateTrust("demo-token", "u-demo", "p-demo", {"member"}, t2->user_id);
  ASSERT_TRUE(trust2);
  auto r = tm->DeleteTrusteeAndTrust("", *trust2);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
}

// ---- [trust] options ------------------------------------------------------------------------

TEST(TrustOptionsTest, DefaultsAndNotConfigured) {
  auto c = config::LoadFromString("");
  ASSERT_TRUE(c);
  EXPECT_FALSE(c->trust_cluster_user_trust);
  EXPECT_EQ(c->trust_trustee_keystone_interface, "public");
  EXPECT_TRUE(c->trust_roles.empty());
  auto o = TrustOptionsFromConfig(*c);
  ASSERT_TRUE(o) << o.error().message();
  EXPECT_FALSE(TrustsConfigured(*o));
}

TEST(TrustOptionsTest, ReadsEveryOption) {
  auto c = config::LoadFromString(
      "[keystone_authtoken]\nauth_url = http://k:5000\nregion_name = RegionOne\n"
      "cafile = /ca.pem\ninsecure = true\nhttp_connect_timeout = 3\nhttp_request_timeout = 7\n"
      "[trust]\ncluster_user_trust = true\ntrustee_domain_id = d1\ntrustee_domain_name = dn\n"
      "trustee_domain_admin_id = a1\ntrustee_domain_admin_name = an\n"
      "trustee_domain_admin_domain_id = ad\ntrustee_domain_admin_domain_name = adn\n"
      "trustee_domain_admin_password = secret\nroles = member, heat_stack_owner\n"
      "trustee_keystone_interface = internal\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->warnings.empty()) << c->warnings.front();
  auto o = TrustOptionsFromConfig(*c);
  ASSERT_TRUE(o) << o.error().message();
  EXPECT_TRUE(TrustsConfigured(*o));
  EXPECT_TRUE(o->cluster_user_trust);
  EXPECT_EQ(o->trustee_domain_id, "d1");
  EXPECT_EQ(o->trustee_domain_name, "dn");
  EXPECT_EQ(o->trustee_domain_admin_id, "a1");
  EXPECT_EQ(o->trustee_domain_admin_name, "an");
  EXPECT_EQ(o->trustee_domain_admin_domain_id, "ad");
  EXPECT_EQ(o->trustee_domain_admin_domain_name, "adn");
  EXPECT_EQ(o->trustee_domain_admin_password, "secret");
  EXPECT_EQ(o->roles, (std::vector<std::string>{"member", "heat_stack_owner"}));
  EXPECT_EQ(o->trustee_keystone_interface, "internal");
  EXPECT_EQ(o->trustee_keystone_region_name, "RegionOne");  // [keystone_authtoken]'s
  EXPECT_EQ(o->identity_url, "http://k:5000");
  EXPECT_EQ(o->ca_file, "/ca.pem");
  EXPECT_TRUE(o->insecure);
  EXPECT_EQ(o->connect_timeout_s, 3);
  EXPECT_EQ(o->request_timeout_s, 7);
}

TEST(TrustOptionsTest, RefusesPartsAndBadValues) {
  auto bad = config::LoadFromString("[trust]\ntrustee_keystone_interface = publicURL\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("[trust] trustee_keystone_interface"), std::string::npos);
  EXPECT_FALSE(config::LoadFromString("[trust]\ncluster_user_trust = maybe\n"));

  auto part = config::LoadFromString(
      "[keystone_authtoken]\nauth_url = http://k:5000\n[trust]\ntrustee_domain_name = magnum\n");
  ASSERT_TRUE(part);
  auto o = TrustOptionsFromConfig(*part);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(o.error().message().find("trustee_domain_admin_id (or trustee_domain_admin_name)"),
            std::string::npos)
      << o.error().message();
  EXPECT_NE(o.error().message().find("trustee_domain_admin_password"), std::string::npos);

  auto no_url = config::LoadFromString(
      "[trust]\ntrustee_domain_name = magnum\ntrustee_domain_admin_name = a\n"
      "trustee_domain_admin_password = p\n");
  ASSERT_TRUE(no_url);
  auto u = TrustOptionsFromConfig(*no_url);
  ASSERT_FALSE(u);
  EXPECT_NE(u.error().message().find("[keystone_authtoken] auth_url"), std::string::npos);
}

}  // namespace
}  // namespace magnum::clients
