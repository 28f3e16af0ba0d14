// KeystoneAuth against a fake HTTP transport: what it sends to Keystone, how it reads the
// answers (200, 404, 401, 403, 5xx, no answer), and its caches (counted round trips).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <atomic>
#include <functional>
#include <mutex>
#include <thread>

#include "magnum/auth/keystone_auth.h"
#include "magnum/auth/service_catalog.h"
#include "magnum/config/config.h"

namespace magnum::auth {
namespace {

using Json = nlohmann::json;
using std::chrono::seconds;

class FakeClock final : public Clock {
 public:
  TimePoint Now() const override { return now; }
  TimePoint now = TimePoint(std::chrono::microseconds(int64_t{1800000000} * 1000000));
};

std::string Iso(TimePoint t) {
  return FormatDbTimestamp(t) + "Z";  // "2027-01-15T08:00:00.000000Z", as Keystone writes
}

Json TokenDoc(TimePoint expires, const std::string& user, const std::string& project,
              std::vector<std::string> roles) {
  Json r = Json::array();
  for (const auto& n : roles) r.push_back({{"id", n + "-id"}, {"name", n}});
  return {{"token",
           {{"methods", {"password"}},
            {"expires_at", Iso(expires)},
            {"user", {{"id", user + "-id"}, {"name", user},
                      {"domain", {{"id", "default"}, {"name", "Default"}}}}},
            {"project", {{"id", project + "-id"}, {"name", project},
                         {"domain", {{"id", "default"}, {"name", "Default"}}}}},
            {"roles", r},
            {"catalog",
             {{{"id", "s1"}, {"type", "image"}, {"name", "glance"},
               {"endpoints",
                {{{"interface", "public"}, {"region_id", "RegionOne"},
                  {"url", "http://glance:9292"}},
                 {{"interface", "internal"}, {"region_id", "RegionTwo"},
                  {"url", "http://glance-2:9292"}}}}}}}}}};
}

// Keystone as a script: the service login and the validation of known user tokens.
class FakeKeystone final : public HttpClient {
 public:
  explicit FakeKeystone(FakeClock* clock) : clock_(clock) {}

  Result<HttpClientReply> Send(const HttpClientRequest& req) override {
    std::lock_guard<std::mutex> lock(mu_);
    sent.push_back(req);
    if (down) return Fail(Error::Unavailable("connect to 127.0.0.1:5000 failed: refused"));
    HttpClientReply r;
    auto header = [&req](const std::string& n) -> std::string {
      for (const auto& [k, v] : req.headers)
        if (k == n) return v;
      return "";
    };
    if (req.method == "POST") {
      ++logins;
      r.status = login_status;
      std::string tok = "service-token-" + std::to_string(logins);
      r.headers["X-Subject-Token"] = tok;
      r.body = TokenDoc(clock_->now + service_lifetime, "magnum", "service", {"admin"}).dump();
      valid_service_tokens.push_back(tok);
      return r;
    }
    if (validate_status != 0) {
      r.status = validate_status;
      return r;
    }
    std::string service = header("X-Auth-Token");
    if (std::find(valid_service_tokens.begin(), valid_service_tokens.end(), service) ==
        valid_service_tokens.end()) {
      r.status = 401;
      return r;
    }
    auto it = users.find(header("X-Subject-Token"));
    if (it == users.end()) {
      r.status = 404;
      r.body = R"({"error":{"code":404,"message":"Could not find token"}})";
      return r;
    }
    r.status = 200;
    r.body = it->second.dump();
    if (on_validated) on_validated();  // e.g. a sign-out while Keystone's answer travels
    return r;
  }

  size_t Count(const std::string& method) {
    std::lock_guard<std::mutex> lock(mu_);
    return std::count_if(sent.begin(), sent.end(),
                         [&](const HttpClientRequest& q) { return q.method == method; });
  }

  FakeClock* clock_;
  std::mutex mu_;
  std::vector<HttpClientRequest> sent;
  std::map<std::string, Json> users;  // user token -> validation answer
  std::function<void()> on_validated;  // run after a validation is answered 200
  std::vector<std::string> valid_service_tokens;
  seconds service_lifetime{3600};
  int logins = 0;
  long login_status = 201;
  long validate_status = 0;  // non-zero: every validation answers this
  bool down = false;
};

class KeystoneAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake = std::make_shared<FakeKeystone>(&clock);
    fake->users["demo-token"] = TokenDoc(clock.now + seconds(3600), "demo", "demo", {"member"});
    fake->users["admin-token"] =
        TokenDoc(clock.now + seconds(3600), "admin", "admin", {"admin", "Member"});
  }

  std::unique_ptr<KeystoneAuth> Make(KeystoneAuthOptions o = {}) {
    o.auth_url = "http://127.0.0.1:5000";
    o.www_authenticate_uri = "http://keystone.example:5000";
    o.username = "magnum";
    o.password = "magnumpass";
    o.project_name = "service";
    return std::make_unique<KeystoneAuth>(o, fake, &clock);
  }

  static http::Request WithToken(const std::string& token) {
    http::Request r;
    r.method = "GET";
    r.path = "/v1/clusters";
    r.request_id = "req-1";
    r.headers["X-Auth-Token"] = token;
    return r;
  }

  FakeClock clock;
  std::shared_ptr<FakeKeystone> fake;
};

TEST_F(KeystoneAuthTest, ValidTokenBuildsTheContextFromKeystoneOnly) {
  auto auth = Make();
  http::Request req = WithToken("demo-token");
  // Forged identity headers must change nothing.
  req.headers["X-Project-Id"] = "admin-id";
  req.headers["X-User-Id"] = "admin-id";
  req.headers["X-Roles"] = "admin";
  req.headers["X-Tenant-Id"] = "admin-id";
  auto ctx = auth->Authenticate(req);
  ASSERT_TRUE(ctx) << ctx.error().message();
  EXPECT_EQ(ctx->user_id, "demo-id");
  EXPECT_EQ(ctx->user_name, "demo");
  EXPECT_EQ(ctx->project_id, "demo-id");
  EXPECT_EQ(ctx->project_name, "demo");
  EXPECT_EQ(ctx->user_domain_id, "default");
  EXPECT_EQ(ctx->project_domain_name, "Default");
  EXPECT_EQ(ctx->roles, std::vector<std::string>{"member"});
  EXPECT_FALSE(ctx->is_admin);
  EXPECT_EQ(ctx->auth_token, "demo-token");
  EXPECT_EQ(ctx->request_id, "req-1");
  ASSERT_TRUE(ctx->service_catalog);
  EXPECT_EQ(ctx->service_catalog->EndpointUrl("image", "public", "RegionOne"),
            "http://glance:9292");
}

TEST_F(KeystoneAuthTest, AdminRoleMakesAdminAndRolesAreLowerCase) {
  auto auth = Make();
  auto ctx = auth->Authenticate(WithToken("admin-token"));
  ASSERT_TRUE(ctx);
  EXPECT_TRUE(ctx->is_admin);
  EXPECT_EQ(ctx->roles, (std::vector<std::string>{"admin", "member"}));
}

TEST_F(KeystoneAuthTest, RequestsSentToKeystone) {
  auto auth = Make();
  ASSERT_TRUE(auth->Authenticate(WithToken("demo-token")));
  ASSERT_EQ(fake->sent.size(), 2u);
  const auto& login = fake->sent[0];
  EXPECT_EQ(login.method, "POST");
  EXPECT_EQ(login.url, "http://127.0.0.1:5000/v3/auth/tokens?nocatalog");
  Json body = Json::parse(login.body);
  EXPECT_EQ(body["auth"]["identity"]["password"]["user"]["name"], "magnum");
  EXPECT_EQ(body["auth"]["identity"]["password"]["user"]["password"], "magnumpass");
  EXPECT_EQ(body["auth"]["identity"]["password"]["user"]["domain"]["name"], "Default");
  EXPECT_EQ(body["auth"]["scope"]["project"]["name"], "service");
  EXPECT_EQ(body["auth"]["scope"]["project"]["domain"]["name"], "Default");
  const auto& check = fake->sent[1];
  EXPECT_EQ(check.method, "GET");
  EXPECT_EQ(check.url, "http://127.0.0.1:5000/v3/auth/tokens");
  auto has = [&check](const std::string& k, const std::string& v) {
    return std::find(check.headers.begin(), check.headers.end(), std::pair{k, v}) !=
           check.headers.end();
  };
  EXPECT_TRUE(has("X-Auth-Token", "service-token-1"));
  EXPECT_TRUE(has("X-Subject-Token", "demo-token"));
}

TEST_F(KeystoneAuthTest, AuthUrlWithV3SuffixAndDomainIds) {
  KeystoneAuthOptions o;
  o.auth_url = "http://127.0.0.1:5000/v3/";
  o.username = "magnum";
  o.password = "p";
  o.project_name = "service";
  o.user_domain_id = "default";
  o.project_domain_id = "default";
  KeystoneAuth auth(o, fake, &clock);
  ASSERT_TRUE(auth.Authenticate(WithToken("demo-token")));
  EXPECT_EQ(fake->sent[1].url, "http://127.0.0.1:5000/v3/auth/tokens");
  Json body = Json::parse(fake->sent[0].body);
  EXPECT_EQ(body["auth"]["identity"]["password"]["user"]["domain"], Json({{"id", "default"}}));
  EXPECT_EQ(auth.WwwAuthenticate(), "Keystone uri=\"http://127.0.0.1:5000/v3/\"");
}

TEST_F(KeystoneAuthTest, CachedTokenMakesNoRoundTrip) {
  auto auth = Make();
  ASSERT_TRUE(auth->Authenticate(WithToken("demo-token")));
  const size_t after_first = fake->sent.size();
  for (int i = 0; i < 50; ++i) {
    auto ctx = auth->Authenticate(WithToken("demo-token"));
    ASSERT_TRUE(ctx);
    EXPECT_EQ(ctx->project_id, "demo-id");
  }
  EXPECT_EQ(fake->sent.size(), after_first);
  auto s = auth->stats();
  EXPECT_EQ(s.cache_hits, 50u);
  EXPECT_EQ(s.validations, 1u);
  EXPECT_EQ(s.service_logins, 1u);
  EXPECT_EQ(s.keystone_requests, 2u);
  EXPECT_EQ(s.cached, 1u);
}

TEST_F(KeystoneAuthTest, ServiceTokenIsReusedAndRenewedBeforeExpiry) {
  fake->service_lifetime = seconds(600);
  KeystoneAuthOptions o;
  o.token_cache_time = 30;
  auto auth = Make(o);
  ASSERT_TRUE(auth->Authenticate(WithToken("demo-token")));
  ASSERT_TRUE(auth->Authenticate(WithToken("admin-token")));
  EXPECT_EQ(fake->Count("POST"), 1u);
  clock.now += seconds(545);  // 55 s before the service token expires: renewed
  ASSERT_TRUE(auth->Authenticate(WithToken("demo-token")));
  EXPECT_EQ(fake->Count("POST"), 2u);
  EXPECT_EQ(fake->Count("GET"), 3u);
}

TEST_F(KeystoneAuthTest, CacheTimeBoundsHowLongAValidationIsBelieved) {
  KeystoneAuthOptions o;
  o.token_cache_time = 300;
  auto auth = Make(o);
  ASSERT_TRUE(auth->Authenticate(WithToken("demo-token")));
  clock.now += seconds(299);
  ASSERT_TRUE(auth->Authenticate(WithToken("demo-token")));
  EXPECT_EQ(fake->Count("GET"), 1u);
  clock.now += seconds(2);
  ASSERT_TRUE(auth->Authenticate(WithToken("demo-token")));
  EXPECT_EQ(fake->Count("GET"), 2u);
}

TEST_F(KeystoneAuthTest, AForgottenTokenIsRefusedDespiteItsCachedValidation) {
  KeystoneAuthOptions o;
  o.token_cache_time = 300;
  auto auth = Make(o);
  ASSERT_TRUE(auth->Authenticate(WithToken("demo-token")));  // cached as valid
  ASSERT_TRUE(auth->Authenticate(WithToken("admin-token")));
  auth->Forget("demo-token");  // signed out through the dashboard
  auto r = auth->Authenticate(WithToken("demo-token"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(fake->Count("GET"), 2u);                          // refused without asking Keystone
  EXPECT_TRUE(auth->Authenticate(WithToken("admin-token")));  // other tokens unaffected
  // After the cache time Keystone is asked again (and it knows of the revocation).
  clock.now += seconds(301);
  fake->users.erase("demo-token");
  r = auth->Authenticate(WithToken("demo-token"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(fake->Count("GET"), 3u);
}

TEST_F(KeystoneAuthTest, AValidationUnderWayWhenTheTokenIsForgottenDoesNotCacheItAsValid) {
  KeystoneAuthOptions o;
  o.token_cache_time = 300;
  auto auth = Make(o);
  // Keystone validated the token, then the dashboard's sign-out forgot it before that answer
  // reached the cache (the clusters page's request racing the sign-out).
  fake->on_validated = [&auth] { auth->Forget("demo-token"); };
  ASSERT_TRUE(auth->Authenticate(WithToken("demo-token")));  // began before the revocation
  fake->on_validated = nullptr;
  auto r = auth->Authenticate(WithToken("demo-token"));
  ASSERT_FALSE(r) << "the late validation put the revoked token back as valid";
  EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(fake->Count("GET"), 1u) << "refused from the cache";
  // A later validation (after the revocation's cache time) is believed again.
  clock.now += seconds(301);
  EXPECT_TRUE(auth->Authenticate(WithToken("demo-token")));
  EXPECT_EQ(fake->Count("GET"), 2u);
}

TEST_F(KeystoneAuthTest, WithTheCacheOffForgettingLeavesItToKeystone) {
  KeystoneAuthOptions o;
  o.token_cache_time = 0;
  auto auth = Make(o);
  auth->Forget("demo-token");
  EXPECT_TRUE(auth->Authenticate(WithToken("demo-token")));  // Keystone still accepts it
  EXPECT_EQ(fake->Count("GET"), 1u);
}

TEST_F(KeystoneAuthTest, ExpiredTokenIsRefusedEvenWhenCachedLonger) {
  fake->users["short-token"] = TokenDoc(clock.now + seconds(10), "demo", "demo", {"member"});
  auto auth = Make();  // cache time 300 s, token lives 10 s
  ASSERT_TRUE(auth->Authenticate(WithToken("short-token")));
  clock.now += seconds(11);
  fake->users.erase("short-token");  // Keystone: expired tokens are not found
  auto r = auth->Authenticate(WithToken("short-token"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(fake->Count("GET"), 2u);
}

TEST_F(KeystoneAuthTest, TokenKeystoneCallsExpiredIsRefused) {
  // Clocks disagree: Keystone still answers 200 but the expiry has passed here.
  fake->users["stale"] = TokenDoc(clock.now - seconds(1), "demo", "demo", {"member"});
  auto auth = Make();
  auto r = auth->Authenticate(WithToken("stale"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated);
}

TEST_F(KeystoneAuthTest, MissingOrMalformedTokenIsRefusedWithoutRoundTrip) {
  auto auth = Make();
  http::Request none;
  none.method = "GET";
  for (const http::Request& r : {none, WithToken(""), WithToken("bad token"),
                                 WithToken(std::string(9000, 'a')), WithToken("a\x01b")}) {
    auto res = auth->Authenticate(r);
    ASSERT_FALSE(res);
    EXPECT_EQ(res.error().code(), ErrorCode::kUnauthenticated);
    EXPECT_EQ(res.error().message(), "The request you have made requires authentication.");
  }
  EXPECT_TRUE(fake->sent.empty());
}

TEST_F(KeystoneAuthTest, InvalidTokenIs401AndNegativelyCached) {
  auto auth = Make();
  auto r = auth->Authenticate(WithToken("garbage"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(fake->Count("GET"), 1u);
  ASSERT_FALSE(auth->Authenticate(WithToken("garbage")));
  EXPECT_EQ(fake->Count("GET"), 1u);
  clock.now += seconds(61);  // believed for a minute at most
  ASSERT_FALSE(auth->Authenticate(WithToken("garbage")));
  EXPECT_EQ(fake->Count("GET"), 2u);
}

TEST_F(KeystoneAuthTest, KeystoneUnreachableIs503NeverAllow) {
  auto auth = Make();
  fake->down = true;
  auto r = auth->Authenticate(WithToken("demo-token"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message().find("Keystone"), std::string::npos);
  // Not cached as invalid: once Keystone is back the same token works.
  fake->down = false;
  EXPECT_TRUE(auth->Authenticate(WithToken("demo-token")));
}

TEST_F(KeystoneAuthTest, ServerErrorsAndRefusedServiceUserAre503) {
  for (long status : {500L, 502L, 503L, 403L}) {
    auto auth = Make();
    fake->validate_status = status;
    auto r = auth->Authenticate(WithToken("demo-token"));
    ASSERT_FALSE(r) << status;
    EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable) << status;
  }
  fake->validate_status = 0;
  fake->login_status = 401;  // wrong service password
  auto auth = Make();
  auto r = auth->Authenticate(WithToken("demo-token"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
}

TEST_F(KeystoneAuthTest, RevokedServiceTokenIsReplacedOnce) {
  auto auth = Make();
  ASSERT_TRUE(auth->Authenticate(WithToken("demo-token")));
  fake->valid_service_tokens.clear();  // Keystone forgot our service token
  auto ctx = auth->Authenticate(WithToken("admin-token"));
  ASSERT_TRUE(ctx) << ctx.error().message();
  EXPECT_EQ(fake->Count("POST"), 2u);
  // A validation that keeps answering 401 after a fresh login: 503, not a loop.
  fake->validate_status = 401;
  auto r = auth->Authenticate(WithToken("other"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(fake->Count("POST"), 3u);
}

TEST_F(KeystoneAuthTest, CacheIsBoundedLeastRecentlyUsedFirst) {
  for (const char* t : {"t1", "t2", "t3"})
    fake->users[t] = TokenDoc(clock.now + seconds(3600), t, "demo", {"member"});
  KeystoneAuthOptions o;
  o.token_cache_size = 2;
  auto auth = Make(o);
  ASSERT_TRUE(auth->Authenticate(WithToken("t1")));
  ASSERT_TRUE(auth->Authenticate(WithToken("t2")));
  ASSERT_TRUE(auth->Authenticate(WithToken("t1")));  // t1 used last: t2 goes first
  ASSERT_TRUE(auth->Authenticate(WithToken("t3")));
  EXPECT_EQ(auth->stats().cached, 2u);
  EXPECT_EQ(fake->Count("GET"), 3u);
  ASSERT_TRUE(auth->Authenticate(WithToken("t1")));
  EXPECT_EQ(fake->Count("GET"), 3u);
  ASSERT_TRUE(auth->Authenticate(WithToken("t2")));
  EXPECT_EQ(fake->Count("GET"), 4u);
}

TEST_F(KeystoneAuthTest, NegativeCacheTimeDisablesTheCache) {
  KeystoneAuthOptions o;
  o.token_cache_time = -1;
  auto auth = Make(o);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(auth->Authenticate(WithToken("demo-token")));
  EXPECT_EQ(fake->Count("GET"), 3u);
  EXPECT_EQ(auth->stats().cached, 0u);
}

TEST_F(KeystoneAuthTest, ConcurrentRequestsShareOneServiceLoginAndTheCache) {
  KeystoneAuthOptions o;
  o.token_cache_size = 2;  // smaller than the token set: evictions race with hits
  auto auth = Make(o);
  for (const char* t : {"c1", "c2", "c3"})
    fake->users[t] = TokenDoc(clock.now + seconds(3600), t, "demo", {"member"});
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      const char* tokens[] = {"c1", "c2", "c3", "garbage"};
      for (int n = 0; n < 200; ++n) {
        auto r = auth->Authenticate(WithToken(tokens[(i + n) % 4]));
        if (r.has_value() == ((i + n) % 4 != 3)) ok.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 8 * 200);
  EXPECT_EQ(fake->Count("POST"), 1u);
  auto s = auth->stats();
  EXPECT_EQ(s.cache_hits + s.validations, 8u * 200u);
  EXPECT_LE(s.cached, 2u);
}

TEST_F(KeystoneAuthTest, WwwAuthenticateNamesTheConfiguredUri) {
  EXPECT_EQ(Make()->WwwAuthenticate(), "Keystone uri=\"http://keystone.example:5000\"");
}

TEST(KeystoneConfigTest, OptionsFromKeystoneAuthtokenSection) {
  auto c = config::LoadFromString(R"(
[DEFAULT]
auth_strategy = keystone
[keystone_authtoken]
www_authenticate_uri = http://public.example:5000
auth_url = http://127.0.0.1:5000
auth_type = password
username = magnum
password = secret
project_name = service
user_domain_name = Users
project_domain_id = default
cafile = /etc/ssl/ca.pem
insecure = true
region_name = RegionOne
token_cache_time = 120
token_cache_size = 50
http_connect_timeout = 3
)");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->warnings.empty());
  auto o = KeystoneOptionsFromConfig(*c);
  ASSERT_TRUE(o) << o.error().message();
  EXPECT_EQ(o->www_authenticate_uri, "http://public.example:5000");
  EXPECT_EQ(o->user_domain_name, "Users");
  EXPECT_EQ(o->project_domain_id, "default");
  EXPECT_EQ(o->cafile, "/etc/ssl/ca.pem");
  EXPECT_TRUE(o->insecure);
  EXPECT_EQ(o->region_name, "RegionOne");
  EXPECT_EQ(o->token_cache_time, 120);
  EXPECT_EQ(o->token_cache_size, 50);
  EXPECT_EQ(o->http_connect_timeout, 3);
  auto strategy = NewAuthStrategy(*c);
  ASSERT_TRUE(strategy) << strategy.error().message();
  EXPECT_EQ((*strategy)->WwwAuthenticate(), "Keystone uri=\"http://public.example:5000\"");
}

TEST(KeystoneConfigTest, MissingCredentialsRefusedAtStart) {
  auto c = config::LoadFromString("[DEFAULT]\nauth_strategy = keystone\n[keystone_authtoken]\n"
                                  "auth_url = http://127.0.0.1:5000\nusername = magnum\n");
  ASSERT_TRUE(c);
  auto s = NewAuthStrategy(*c);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(s.error().message().find("[keystone_authtoken] password"), std::string::npos);
  auto bad = config::LoadFromString("[keystone_authtoken]\ntoken_cache_time = soon\n");
  EXPECT_FALSE(bad);
}

}  // namespace
}  // namespace magnum::auth
