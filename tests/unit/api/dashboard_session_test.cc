// The dashboard's Keystone sign-in (api/dashboard_session.h): the body's validation, what is
// sent to Keystone and how its answers map (a fake Keystone behind the HttpClient seam),
// sign-out and the refusal of signed-out tokens; and through ApiApp: the route exists only
// with auth_strategy = keystone, and a signed-out token is refused before authentication.
#include "magnum/api/dashboard_session.h"

#include <gtest/gtest.h>

#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "magnum/auth/auth.h"
#include "magnum/common/http_client.h"
#include "unit/api/api_app_fixture.h"

namespace magnum::api {
namespace {

using Json = nlohmann::json;
constexpr const char* kPassword = "s3cret-Pa55word";

http::Request Post(const std::string& body, const std::string& type = "application/json") {
  http::Request r;
  r.method = "POST";
  r.target = r.path = "/dashboard/session";
  if (!type.empty()) r.headers["Content-Type"] = type;
  r.body = body;
  r.request_id = "req-test";
  return r;
}

http::Request Delete(const std::string& token) {
  http::Request r;
  r.method = "DELETE";
  r.target = r.path = "/dashboard/session";
  if (!token.empty()) r.headers["X-Auth-Token"] = token;
  r.request_id = "req-test";
  return r;
}

std::string Detail(const http::Response& r) {
  Json j = Json::parse(r.body, nullptr, false);
  if (j.is_discarded() || !j.contains("errors")) return "";
  return j["errors"][0].value("detail", "");
}

// ---------------------------------------------------------------- body validation

struct BodyCase {
  const char* name;
  std::string content_type;
  std::string body;
  const char* error;  // a part of the expected message; nullptr: accepted
};

class ParseSessionLoginTest : public ::testing::TestWithParam<BodyCase> {};

TEST_P(ParseSessionLoginTest, AcceptsOrNamesTheProblem) {
  const BodyCase& c = GetParam();
  auto parsed = ParseSessionLogin(Post(c.body, c.content_type));
  if (c.error == nullptr) {
    EXPECT_TRUE(parsed) << c.name << ": " << parsed.error().message();
    return;
  }
  ASSERT_FALSE(parsed) << c.name;
  EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidArgument) << c.name;
  EXPECT_NE(parsed.error().message().find(c.error), std::string::npos)
      << c.name << ": " << parsed.error().message();
  // Never quotes a value (the password least of all).
  EXPECT_EQ(parsed.error().message().find(kPassword), std::string::npos) << c.name;
}

const std::string kOk =
    std::string(R"({"username":"demo","password":")") + kPassword + R"(","project_name":"demo"})";
const std::string kLong(300, 'x');

INSTANTIATE_TEST_SUITE_P(
    Bodies, ParseSessionLoginTest,
    ::testing::Values(
        BodyCase{"minimal", "application/json", kOk, nullptr},
        BodyCase{"charset", "Application/JSON; charset=utf-8", kOk, nullptr},
        BodyCase{"by id", "application/json",
                 R"({"username":"demo","password":"p","project_id":"c85a1d86"})", nullptr},
        BodyCase{"domains", "application/json",
                 R"({"username":"u","password":"p","project_name":"x","user_domain_name":"D1",)"
                 R"("project_domain_name":"D2"})",
                 nullptr},
        BodyCase{"no type", "", kOk, "application/json"},
        BodyCase{"form", "application/x-www-form-urlencoded", kOk, "application/json"},
        BodyCase{"text", "text/plain", kOk, "application/json"},
        BodyCase{"not json", "application/json", "{username: demo}", "not a JSON object"},
        BodyCase{"empty", "application/json", "", "not a JSON object"},
        BodyCase{"array", "application/json", "[]", "not a JSON object"},
        BodyCase{"no user", "application/json",
                 std::string(R"({"password":")") + kPassword + R"(","project_name":"demo"})",
                 "username is required"},
        BodyCase{"no password", "application/json", R"({"username":"demo","project_name":"d"})",
                 "password is required"},
        BodyCase{"no project", "application/json",
                 std::string(R"({"username":"demo","password":")") + kPassword + "\"}",
                 "project_name (or project_id) is required"},
        BodyCase{"both projects", "application/json",
                 R"({"username":"u","password":"p","project_name":"a","project_id":"b"})",
                 "not both"},
        BodyCase{"domain with id", "application/json",
                 R"({"username":"u","password":"p","project_id":"b","project_domain_name":"D"})",
                 "goes with project_name"},
        BodyCase{"empty user", "application/json",
                 R"({"username":"","password":"p","project_name":"a"})",
                 "username must not be empty"},
        BodyCase{"number password", "application/json",
                 R"({"username":"u","password":12345,"project_name":"a"})",
                 "password must be a string"},
        BodyCase{"long name", "application/json",
                 R"({"username":")" + kLong + R"(","password":"p","project_name":"a"})",
                 "username is longer than 255 bytes"},
        BodyCase{"unknown field", "application/json",
                 std::string(R"({"username":"u","password":")") + kPassword + R"(","project":"a"})",
                 "The field project is not known"}));

TEST(ParseSessionLogin, DomainsDefaultToDefault) {
  auto parsed = ParseSessionLogin(Post(kOk));
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->username, "demo");
  EXPECT_EQ(parsed->password, kPassword);
  EXPECT_EQ(parsed->project_name, "demo");
  EXPECT_EQ(parsed->project_id, "");
  EXPECT_EQ(parsed->user_domain_name, "Default");
  EXPECT_EQ(parsed->project_domain_name, "Default");
}

// ---------------------------------------------------------------- against a fake Keystone

class FakeKeystone final : public HttpClient {
 public:
  Result<HttpClientReply> Send(const HttpClientRequest& req) override {
    std::lock_guard<std::mutex> lock(mu);
    sent.push_back(req);
    if (down) return Fail(Error::Unavailable("connect to 127.0.0.1:5000 failed: refused"));
    HttpClientReply r;
    r.status = status;
    if (req.method == "POST" && status == 201) {
      if (with_subject) r.headers["X-Subject-Token"] = "gAAAA-user-token";
      r.body = Json{{"token",
                     {{"expires_at", "2027-01-15T08:00:00.000000Z"},
                      {"user", {{"id", "u-id"}, {"name", "demo"}, {"domain", {{"id", "default"}}}}},
                      {"project", {{"id", "p-id"}, {"name", "demo"}}},
                      {"roles",
                       {{{"id", "r1"}, {"name", "member"}}, {{"id", "r2"}, {"name", "reader"}}}}}}}
                   .dump();
    }
    return r;
  }

  static std::string HeaderOf(const HttpClientRequest& req, const std::string& name) {
    for (const auto& [k, v] : req.headers) {
      if (k == name) return v;
    }
    return "";
  }

  std::mutex mu;
  std::vector<HttpClientRequest> sent;
  bool down = false;
  bool with_subject = true;
  long status = 201;
};

class DashboardSessionTest : public ::testing::Test {
 protected:
  DashboardSessionTest()
      : clock_(TimePoint(std::chrono::seconds(1800000000))),
        keystone_(std::make_shared<FakeKeystone>()),
        session_(Options(), keystone_, &auth_, &clock_) {}

  static DashboardSession::Options Options() {
    DashboardSession::Options o;
    o.keystone_url = "http://127.0.0.1:5000/";
    return o;
  }

  // Records the tokens the session tells the API's authentication to forget, and how many
  // Keystone requests had been sent by then.
  struct RecordingAuth : auth::AuthStrategy {
    explicit RecordingAuth(const FakeKeystone* k) : keystone(k) {}
    Result<auth::RequestContext> Authenticate(const http::Request&) const override {
      return Fail(Error::Unauthenticated("unused"));
    }
    void Forget(const std::string& token) const override {
      forgotten.emplace_back(token, keystone->sent.size());
    }
    const FakeKeystone* keystone;
    mutable std::vector<std::pair<std::string, size_t>> forgotten;
  };

  ManualClock clock_;
  std::shared_ptr<FakeKeystone> keystone_;
  RecordingAuth auth_{keystone_.get()};
  DashboardSession session_;
};

TEST_F(DashboardSessionTest, SignInPostsAProjectScopedPasswordLogin) {
  http::Response r = session_.Handle(Post(
      R"({"username":"demo","password":"pw","project_name":"demo","user_domain_name":"Users"})"));
  ASSERT_EQ(keystone_->sent.size(), 1u);
  const HttpClientRequest& req = keystone_->sent[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://127.0.0.1:5000/v3/auth/tokens?nocatalog");
  EXPECT_EQ(FakeKeystone::HeaderOf(req, "Content-Type"), "application/json");
  Json sent = Json::parse(req.body);
  EXPECT_EQ(sent["auth"]["identity"]["methods"], Json::array({"password"}));
  EXPECT_EQ(sent["auth"]["identity"]["password"]["user"],
            (Json{{"name", "demo"}, {"password", "pw"}, {"domain", {{"name", "Users"}}}}));
  EXPECT_EQ(sent["auth"]["scope"],
            (Json{{"project", {{"name", "demo"}, {"domain", {{"name", "Default"}}}}}}));

  EXPECT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.headers["Cache-Control"], "no-store");
  EXPECT_EQ(r.headers["Content-Type"], "application/json");
  Json body = Json::parse(r.body);
  EXPECT_EQ(body, (Json{{"token", "gAAAA-user-token"},
                        {"expires_at", "2027-01-15T08:00:00.000000Z"},
                        {"user", {{"id", "u-id"}, {"name", "demo"}}},
                        {"project", {{"id", "p-id"}, {"name", "demo"}}},
                        {"roles", {"member", "reader"}}}));
}

TEST_F(DashboardSessionTest, SignInByProjectIdScopesById) {
  http::Response r =
      session_.Handle(Post(R"({"username":"demo","password":"pw","project_id":"p-id"})"));
  EXPECT_EQ(r.status, 201);
  ASSERT_EQ(keystone_->sent.size(), 1u);
  EXPECT_EQ(Json::parse(keystone_->sent[0].body)["auth"]["scope"],
            (Json{{"project", {{"id", "p-id"}}}}));
}

TEST_F(DashboardSessionTest, KeystoneAnswersMapToApiErrors) {
  struct Case {
    bool down;
    long keystone;
    bool subject;
    int status;
    const char* detail;
  };
  const Case cases[] = {
      {false, 401, true, 401, "The username, password or project is wrong."},
      {false, 403, true, 401, "The username, password or project is wrong."},
      {false, 404, true, 401, "The username, password or project is wrong."},
      {false, 400, true, 400, "Keystone"},
      {false, 500, true, 503, "Keystone"},
      {false, 503, true, 503, "Keystone"},
      {false, 201, false, 503, "Keystone"},  // no X-Subject-Token
      {true, 0, true, 503, "Keystone"},
  };
  for (const Case& c : cases) {
    keystone_->down = c.down;
    keystone_->status = c.keystone;
    keystone_->with_subject = c.subject;
    http::Response r = session_.Handle(Post(kOk));
    EXPECT_EQ(r.status, c.status) << c.keystone;
    EXPECT_NE(Detail(r).find(c.detail), std::string::npos) << c.keystone << ": " << r.body;
    EXPECT_EQ(r.headers["Cache-Control"], "no-store") << c.keystone;
    EXPECT_EQ(r.body.find(kPassword), std::string::npos);
  }
}

TEST_F(DashboardSessionTest, MalformedBodiesNeverReachKeystone) {
  EXPECT_EQ(session_.Handle(Post(kOk, "text/plain")).status, 400);
  EXPECT_EQ(session_.Handle(Post("{}")).status, 400);
  EXPECT_EQ(session_.Handle(Post("")).status, 400);
  EXPECT_TRUE(keystone_->sent.empty());
}

TEST_F(DashboardSessionTest, OtherMethodsAre405) {
  http::Request req = Post(kOk);
  req.method = "PUT";
  http::Response r = session_.Handle(req);
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.headers["Allow"], "POST, DELETE");
  EXPECT_TRUE(keystone_->sent.empty());
}

// A sign-in of `user` from `address` (password "pw", project "demo").
http::Request SignInAs(const std::string& user, const std::string& address) {
  http::Request r = Post(R"({"username":")" + user + R"(","password":"pw","project_name":"demo"})");
  r.remote_address = address;
  return r;
}

TEST_F(DashboardSessionTest, RefusedSignInsAreThrottledPerUserAndPerAddress) {
  keystone_->status = 401;
  for (int i = 0; i < 5; ++i) {
    clock_.Advance(std::chrono::seconds(1));
    EXPECT_EQ(session_.Handle(SignInAs("demo", "192.0.2.1")).status, 401) << i;
  }
  ASSERT_EQ(keystone_->sent.size(), 5u);
  // The sixth: 429 until the first failure (4 s ago) leaves the 60 s window; Keystone is
  // not asked.
  http::Response r = session_.Handle(SignInAs("demo", "192.0.2.1"));
  EXPECT_EQ(r.status, 429) << r.body;
  EXPECT_EQ(r.headers["Retry-After"], "56");
  EXPECT_EQ(r.headers["Cache-Control"], "no-store");
  EXPECT_EQ(Detail(r),
            "Too many failed sign-ins for this user or from this address; try again in 56 s.");
  EXPECT_EQ(Json::parse(r.body)["errors"][0]["status"], 429);
  EXPECT_EQ(keystone_->sent.size(), 5u);
  // The same user from elsewhere, and another user from the same address: throttled too.
  EXPECT_EQ(session_.Handle(SignInAs("demo", "192.0.2.2")).status, 429);
  EXPECT_EQ(session_.Handle(SignInAs("alt", "192.0.2.1")).status, 429);
  // Another user from another address: asked.
  EXPECT_EQ(session_.Handle(SignInAs("alt", "192.0.2.2")).status, 401);
  EXPECT_EQ(keystone_->sent.size(), 6u);
  // Once the first failure is 60 s old, one more attempt may go through.
  clock_.Advance(std::chrono::seconds(55));
  EXPECT_EQ(session_.Handle(SignInAs("demo", "192.0.2.1")).status, 429);
  clock_.Advance(std::chrono::seconds(1));
  keystone_->status = 201;
  EXPECT_EQ(session_.Handle(SignInAs("demo", "192.0.2.1")).status, 201);
}

TEST_F(DashboardSessionTest, ASuccessClearsItsUsersCountNotItsAddresss) {
  keystone_->status = 401;
  for (int i = 0; i < 4; ++i) session_.Handle(SignInAs("victim", "192.0.2.9"));
  keystone_->status = 201;
  EXPECT_EQ(session_.Handle(SignInAs("own", "192.0.2.9")).status, 201);
  keystone_->status = 401;
  EXPECT_EQ(session_.Handle(SignInAs("victim", "192.0.2.9")).status, 401);  // the fifth
  EXPECT_EQ(session_.Handle(SignInAs("other", "192.0.2.9")).status, 429);   // address count
  keystone_->status = 201;
  EXPECT_EQ(session_.Handle(SignInAs("victim", "192.0.2.10")).status, 429);  // user count
  // A success clears the user's own count.
  for (int i = 0; i < 4; ++i) {
    keystone_->status = 401;
    session_.Handle(SignInAs("u2", "192.0.2." + std::to_string(20 + i)));
  }
  keystone_->status = 201;
  EXPECT_EQ(session_.Handle(SignInAs("u2", "192.0.2.30")).status, 201);
  keystone_->status = 401;
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(session_.Handle(SignInAs("u2", "192.0.2." + std::to_string(40 + i))).status, 401)
        << i;
  }
}

TEST_F(DashboardSessionTest, BehindAProxyTheForwardedAddressIsCounted) {
  DashboardSession::Options o = Options();
  o.proxy_headers = true;
  DashboardSession proxied(o, keystone_, &auth_, &clock_);
  keystone_->status = 401;
  auto via_proxy = [](const std::string& user, const std::string& forwarded) {
    http::Request r = SignInAs(user, "10.0.0.1");  // the proxy
    r.headers["X-Forwarded-For"] = forwarded;
    return r;
  };
  // The last entry is the proxy's view of the client; what the client put before it is not
  // trusted.
  for (int i = 0; i < 5; ++i) {
    proxied.Handle(
        via_proxy("u" + std::to_string(i), "198.51.100." + std::to_string(i) + ", 192.0.2.7"));
  }
  EXPECT_EQ(proxied.Handle(via_proxy("fresh", "192.0.2.7")).status, 429);
  EXPECT_EQ(proxied.Handle(via_proxy("fresh", "192.0.2.8")).status, 401);  // another client
  // Without proxy_headers (the default) the header is ignored: the proxy's own address.
  for (int i = 0; i < 5; ++i) session_.Handle(via_proxy("v" + std::to_string(i), "192.0.2.9"));
  EXPECT_EQ(session_.Handle(via_proxy("fresh", "192.0.2.10")).status, 429);
}

TEST_F(DashboardSessionTest, SignOutRevokesTheTokenWithItself) {
  keystone_->status = 204;
  http::Response r = session_.Handle(Delete("tok-1"));
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(r.headers["Cache-Control"], "no-store");
  ASSERT_EQ(keystone_->sent.size(), 1u);
  const HttpClientRequest& req = keystone_->sent[0];
  EXPECT_EQ(req.method, "DELETE");
  EXPECT_EQ(req.url, "http://127.0.0.1:5000/v3/auth/tokens");
  EXPECT_EQ(FakeKeystone::HeaderOf(req, "X-Auth-Token"), "tok-1");
  EXPECT_EQ(FakeKeystone::HeaderOf(req, "X-Subject-Token"), "tok-1");
}

TEST_F(DashboardSessionTest, SignOutMakesTheApiForgetTheTokenBeforeAndAfterKeystone) {
  keystone_->status = 204;
  ASSERT_EQ(session_.Handle(Delete("tok-1")).status, 204);
  // Before the revocation (refused from now on) and after it (a validation that began
  // before it may have cached the token meanwhile).
  using Forgotten = std::vector<std::pair<std::string, size_t>>;
  EXPECT_EQ(auth_.forgotten, (Forgotten{{"tok-1", 0}, {"tok-1", 1}}));
  auth_.forgotten.clear();
  EXPECT_EQ(session_.Handle(Delete("")).status, 401);  // no token: nothing to forget
  EXPECT_TRUE(auth_.forgotten.empty());
}

TEST_F(DashboardSessionTest, SignOutOutcomes) {
  EXPECT_EQ(session_.Handle(Delete("")).status, 401);  // nothing to revoke
  EXPECT_TRUE(keystone_->sent.empty());
  for (long already_gone : {401L, 403L, 404L}) {
    keystone_->status = already_gone;
    EXPECT_EQ(session_.Handle(Delete("t")).status, 204) << already_gone;
  }
  keystone_->status = 500;
  http::Response r = session_.Handle(Delete("t5"));
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(Detail(r).find("Keystone"), std::string::npos);
  keystone_->down = true;
  r = session_.Handle(Delete("t6"));
  EXPECT_EQ(r.status, 503);
  // Refused here all the same: the page forgets it.
  ASSERT_FALSE(auth_.forgotten.empty());
  EXPECT_EQ(auth_.forgotten.back().first, "t6");
}

// ---------------------------------------------------------------- through ApiApp

class DashboardSessionAppTest : public ApiAppFixture {
 protected:
  void UseKeystone() {
    config_.auth_strategy = "keystone";
    config_.keystone_auth_url = "http://127.0.0.1:1";  // refused at once
    config_.keystone_username = "magnum";
    config_.keystone_password = "x";
    config_.keystone_project_name = "service";
  }
};

TEST_F(DashboardSessionAppTest, NoauthHasNoSessionRoute) {
  BuildApp();
  http::Response r = app_->Handle(Post(kOk));
  EXPECT_EQ(r.status, 404) << r.body;
  r = app_->Handle(Delete("t"));
  EXPECT_EQ(r.status, 404) << r.body;
}

TEST_F(DashboardSessionAppTest, KeystoneModeRoutesToKeystone) {
  UseKeystone();
  BuildApp();  // the fixture's strategy stays noauth: only the route is under test
  http::Response r = app_->Handle(Post(kOk));
  EXPECT_EQ(r.status, 503) << r.body;
  EXPECT_NE(Detail(r).find("Keystone"), std::string::npos) << r.body;
  EXPECT_FALSE(app_->TryInline(Post(kOk)));
  // The API's media type gate comes first: 415, like every other body.
  EXPECT_EQ(app_->Handle(Post(kOk, "text/plain")).status, 415);
  EXPECT_EQ(app_->Handle(Post("{}")).status, 400);
}

TEST_F(DashboardSessionAppTest, SignOutTellsTheApisAuthenticationToForgetTheToken) {
  struct Recording : auth::AuthStrategy {
    Result<auth::RequestContext> Authenticate(const http::Request&) const override {
      return Fail(Error::Unauthenticated("no"));
    }
    void Forget(const std::string& token) const override { forgotten.push_back(token); }
    mutable std::vector<std::string> forgotten;
  };
  auto recording = std::make_unique<Recording>();
  const Recording* seen = recording.get();
  auth_ = std::move(recording);
  UseKeystone();
  BuildApp();
  EXPECT_EQ(app_->Handle(Delete("tok-out")).status, 503);  // Keystone unreachable
  // Forgotten all the same (before and after the failed revocation): the page drops it.
  EXPECT_EQ(seen->forgotten, (std::vector<std::string>{"tok-out", "tok-out"}));
}

}  // namespace
}  // namespace magnum::api
