#include "magnum/ctl/session.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "unit/ctl/fake_http.h"

namespace magnum::ctl {
namespace {

using testing::FakeHttp;
using testing::Reply;
using Json = nlohmann::json;

constexpr const char* kToken = R"({"token": {
  "expires_at": "2099-01-01T00:00:00.000000Z",
  "user": {"id": "u1", "name": "alice", "domain": {"id": "default", "name": "Default"}},
  "project": {"id": "p1", "name": "demo", "domain": {"id": "default", "name": "Default"}},
  "roles": [{"id": "r", "name": "member"}],
  "catalog": [
    {"type": "identity", "id": "s0", "name": "keystone",
     "endpoints": [{"interface": "public", "region_id": "RegionOne", "url": "http://k:5000"}]},
    {"type": "container-infra", "id": "s1", "name": "magnum",
     "endpoints": [
       {"interface": "public", "region_id": "RegionOne", "url": "http://magnum-pub:9511/v1"},
       {"interface": "internal", "region_id": "RegionOne", "url": "http://magnum-int:9511/"},
       {"interface": "public", "region_id": "RegionTwo", "url": "http://magnum-two:9511"}]}]}})";

HttpClientReply KeystoneOk() {
  HttpClientReply r = Reply(201, kToken);
  r.headers["X-Subject-Token"] = "tok-123";
  return r;
}

TEST(ApiErrorMessageTest, DetailVerbatimThenStatus) {
  EXPECT_EQ(ApiErrorMessage(400, R"({"errors":[{"request_id":"","code":"client","status":400,
            "title":"Cluster","detail":"Cluster template x could not be found.","links":[]}]})"),
            "Cluster template x could not be found. (HTTP 400)");
  EXPECT_EQ(
      ApiErrorMessage(
          401,
          R"({"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}})"),
      "The request you have made requires authentication. (HTTP 401)");
  EXPECT_EQ(ApiErrorMessage(502, "Bad Gateway\n"), "Bad Gateway (HTTP 502)");
  EXPECT_EQ(ApiErrorMessage(500, ""), "no message (HTTP 500)");
  EXPECT_EQ(CodeOfStatus(404), ErrorCode::kNotFound);
  EXPECT_EQ(CodeOfStatus(409), ErrorCode::kConflict);
  EXPECT_EQ(CodeOfStatus(503), ErrorCode::kUnavailable);
}

TEST(EndpointTest, NormalizedToV1) {
  EXPECT_EQ(NormalizeEndpoint("http://h:9511"), "http://h:9511/v1");
  EXPECT_EQ(NormalizeEndpoint("http://h:9511/"), "http://h:9511/v1");
  EXPECT_EQ(NormalizeEndpoint("http://h:9511/v1/"), "http://h:9511/v1");
  EXPECT_EQ(UrlEncode("ls -l /tmp&x=1"), "ls%20-l%20%2Ftmp%26x%3D1");
}

TEST(SessionTest, NoauthSendsIdentityHeadersToTheOverride) {
  FakeHttp http([](const HttpClientRequest&) { return Reply(200, R"({"clusters":[]})"); });
  Settings s;
  s.endpoint_override = "http://127.0.0.1:9511";
  s.project_id = "p-alice";
  s.user_id = "alice";
  s.roles = "member";
  Session session(s, &http);
  auto r = session.Expect("GET", "/clusters");
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(http.requests.size(), 1u);
  const auto& req = http.requests[0];
  EXPECT_EQ(req.url, "http://127.0.0.1:9511/v1/clusters");
  EXPECT_EQ(FakeHttp::HeaderOf(req, "X-Project-Id"), "p-alice");
  EXPECT_EQ(FakeHttp::HeaderOf(req, "X-User-Id"), "alice");
  EXPECT_EQ(FakeHttp::HeaderOf(req, "X-Roles"), "member");
  EXPECT_EQ(FakeHttp::HeaderOf(req, "X-Auth-Token"), "");
  EXPECT_EQ(FakeHttp::HeaderOf(req, "OpenStack-API-Version"), "container-infra latest");
  // A given microversion wins over the configured one.
  ASSERT_TRUE(session.Expect("GET", "/bays", "", "1.10"));
  EXPECT_EQ(FakeHttp::HeaderOf(http.requests[1], "OpenStack-API-Version"), "container-infra 1.10");
}

TEST(SessionTest, NothingConfiguredSaysWhatToSet) {
  FakeHttp http([](const HttpClientRequest&) { return Reply(200, "{}"); });
  Session session(Settings{}, &http);
  auto r = session.Expect("GET", "/clusters");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(r.error().message().find("no Magnum endpoint or credentials configured"),
            std::string::npos);
  EXPECT_NE(r.error().message().find("OS_AUTH_URL"), std::string::npos);
  EXPECT_NE(r.error().message().find("MAGNUM_URL"), std::string::npos);
  EXPECT_TRUE(http.requests.empty());
}

TEST(SessionTest, KeystonePasswordThenCatalogEndpoint) {
  FakeHttp http([](const HttpClientRequest& r) {
    if (r.url == "http://k:5000/v3/auth/tokens") return KeystoneOk();
    return Reply(200, "{}");
  });
  Settings s;
  s.auth_url = "http://k:5000";
  s.username = "alice";
  s.password = "pw";
  s.project_name = "demo";
  s.user_domain_name = "Default";
  Session session(s, &http);
  ASSERT_TRUE(session.Expect("GET", "/clusters"));
  ASSERT_TRUE(session.Expect("GET", "/clustertemplates"));
  ASSERT_EQ(http.requests.size(), 3u);  // one login, then two calls
  Json body = Json::parse(http.requests[0].body);
  EXPECT_EQ(body["auth"]["identity"]["methods"], Json({"password"}));
  EXPECT_EQ(body["auth"]["identity"]["password"]["user"],
            Json({{"name", "alice"}, {"domain", {{"name", "Default"}}}, {"password", "pw"}}));
  EXPECT_EQ(body["auth"]["scope"],
            Json({{"project", {{"name", "demo"}, {"domain", {{"name", "Default"}}}}}}));
  EXPECT_EQ(http.requests[1].url, "http://magnum-pub:9511/v1/clusters");
  EXPECT_EQ(FakeHttp::HeaderOf(http.requests[1], "X-Auth-Token"), "tok-123");
  EXPECT_EQ(FakeHttp::HeaderOf(http.requests[1], "X-Project-Id"), "");
}

TEST(SessionTest, InterfaceAndRegionChooseTheEndpoint) {
  struct Case {
    std::string interface, region, want;
  } cases[] = {{"internal", "", "http://magnum-int:9511/v1/clusters"},
               {"", "RegionTwo", "http://magnum-two:9511/v1/clusters"},
               {"publicURL", "RegionOne", "http://magnum-pub:9511/v1/clusters"}};
  for (const auto& c : cases) {
    FakeHttp http([](const HttpClientRequest& r) {
      if (r.url.find("/auth/tokens") != std::string::npos) return KeystoneOk();
      return Reply(200, "{}");
    });
    Settings s;
    s.auth_url = "http://k:5000/v3";
    s.username = "alice";
    s.password = "pw";
    s.project_id = "p1";
    s.interface = c.interface;
    s.region_name = c.region;
    Session session(s, &http);
    ASSERT_TRUE(session.Expect("GET", "/clusters"));
    EXPECT_EQ(http.requests.back().url, c.want);
  }
  FakeHttp http([](const HttpClientRequest&) { return KeystoneOk(); });
  Settings s;
  s.auth_url = "http://k:5000/v3";
  s.username = "alice";
  s.password = "pw";
  s.interface = "admin";
  Session session(s, &http);
  auto r = session.Endpoint();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(),
            "the service catalog has no container-infra endpoint on the admin interface "
            "(or use --os-endpoint-override)");
}

TEST(SessionTest, TokenWithOverrideSkipsKeystoneAndTokenAloneRescopes) {
  FakeHttp http([](const HttpClientRequest& r) {
    if (r.url.find("/auth/tokens") != std::string::npos) return KeystoneOk();
    return Reply(200, "{}");
  });
  Settings s;
  s.auth_url = "http://k:5000/v3";
  s.token = "given";
  s.endpoint_override = "http://m:9511/v1";
  Session direct(s, &http);
  ASSERT_TRUE(direct.Expect("GET", "/clusters"));
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(FakeHttp::HeaderOf(http.requests[0], "X-Auth-Token"), "given");
  s.endpoint_override.clear();
  s.project_name = "demo";
  Session via_catalog(s, &http);
  ASSERT_TRUE(via_catalog.Expect("GET", "/clusters"));
  Json body = Json::parse(http.requests[1].body);
  EXPECT_EQ(body["auth"]["identity"], Json({{"methods", {"token"}}, {"token", {{"id", "given"}}}}));
  EXPECT_EQ(http.requests[2].url, "http://magnum-pub:9511/v1/clusters");
}

TEST(SessionTest, KeystoneRefusalAndMissingPassword) {
  FakeHttp http([](const HttpClientRequest&) {
    return Reply(
        401,
        R"({"error":{"code":401,"message":"The request you have made requires authentication.","title":"Unauthorized"}})");
  });
  Settings s;
  s.auth_url = "http://k:5000/v3";
  s.username = "alice";
  s.password = "wrong";
  Session session(s, &http);
  auto r = session.Expect("GET", "/clusters");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(r.error().message(),
            "Keystone refused the credentials: The request you have made "
            "requires authentication. (HTTP 401)");
  s.password.clear();
  Session nopw(s, &http);
  auto n = nopw.Endpoint();
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().message(), "Keystone authentication needs OS_PASSWORD (--os-password)");
}

TEST(SessionTest, ExpectTurnsStatusesIntoErrors) {
  FakeHttp http([](const HttpClientRequest&) {
    return Reply(
        409,
        R"({"errors":[{"status":409,"code":"client","title":"x","detail":"Cluster c is busy."}]})");
  });
  Settings s;
  s.endpoint_override = "http://m:9511";
  Session session(s, &http);
  auto r = session.Expect("DELETE", "/clusters/c");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(r.error().message(), "Cluster c is busy. (HTTP 409)");
}

}  // namespace
}  // namespace magnum::ctl
