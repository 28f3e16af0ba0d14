// The checks before routing: body media type (415) and cross-origin requests (CORS).
#include "magnum/api/request_gate.h"

#include <gtest/gtest.h>

#include <string>

#include "magnum/config/config.h"

namespace magnum::api {
namespace {

http::Request Req(std::string method, std::string body = "", std::string type = "") {
  http::Request r;
  r.method = std::move(method);
  r.target = r.path = "/v1/clusters";
  r.body = std::move(body);
  if (!type.empty()) r.headers["Content-Type"] = type;
  return r;
}

TEST(CheckMediaTypeTest, JsonBodiesPass) {
  for (const char* t : {"application/json", "Application/JSON", "application/json; charset=UTF-8",
                        " application/json ;charset=utf-8"}) {
    EXPECT_TRUE(CheckMediaType(Req("POST", "{}", t)).has_value()) << t;
    EXPECT_TRUE(CheckMediaType(Req("PATCH", "[]", t)).has_value()) << t;
  }
  EXPECT_TRUE(CheckMediaType(Req("PATCH", "[]", "application/json-patch+json")).has_value());
}

TEST(CheckMediaTypeTest, OtherBodiesAre415) {
  // What a cross-site form can send (urlencoded, multipart, text/plain) among them.
  for (const char* t : {"application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
                        "text/plain", "text/xml", "application/jsonx", "json", ";"}) {
    auto r = CheckMediaType(Req("POST", "{}", t));
    ASSERT_FALSE(r.has_value()) << t;
    EXPECT_TRUE(r.error().Is(ErrorCode::kUnsupportedMediaType)) << t;
    EXPECT_NE(r.error().message().find("Send the body as application/json"), std::string::npos);
  }
  auto patch_only = CheckMediaType(Req("POST", "{}", "application/json-patch+json"));
  EXPECT_FALSE(patch_only.has_value());
  auto missing = CheckMediaType(Req("PUT", "{}"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_NE(missing.error().message().find("no Content-Type"), std::string::npos);
}

TEST(CheckMediaTypeTest, BodilessRequestsAndReadsPass) {
  EXPECT_TRUE(CheckMediaType(Req("POST", "", "text/plain")).has_value());
  EXPECT_TRUE(CheckMediaType(Req("DELETE", "")).has_value());
  EXPECT_TRUE(CheckMediaType(Req("GET", "x", "text/plain")).has_value());
}

class CorsGateTest : public ::testing::Test {
 protected:
  http::Request WithOrigin(std::string method, std::string origin) {
    http::Request r = Req(std::move(method));
    r.headers["Origin"] = std::move(origin);
    return r;
  }
  config::Config cfg_;
  const std::string own_ = "http://127.0.0.1:9511";
};

TEST_F(CorsGateTest, NoauthRefusesForeignOriginsForEveryMethod) {
  CorsGate gate(cfg_);
  for (const char* m : {"POST", "DELETE", "PATCH", "GET"}) {
    for (const char* origin : {"http://evil.example", "null", "http://127.0.0.1:9512",
                               "https://127.0.0.1:9511"}) {
      auto r = gate.Check(WithOrigin(m, origin), own_);
      ASSERT_TRUE(r.has_value()) << m << " " << origin;
      EXPECT_EQ(r->status, 403);
      EXPECT_NE(r->body.find("Cross-origin request from"), std::string::npos);
      EXPECT_NE(r->body.find("[cors] allowed_origin"), std::string::npos);
    }
  }
}

TEST_F(CorsGateTest, OwnOriginAndNoOriginPass) {
  CorsGate gate(cfg_);
  EXPECT_FALSE(gate.Check(Req("POST"), own_).has_value());
  EXPECT_FALSE(gate.Check(WithOrigin("POST", "http://127.0.0.1:9511"), own_).has_value());
  EXPECT_FALSE(gate.Check(WithOrigin("POST", "HTTP://127.0.0.1:9511/"), own_).has_value());
  http::Response resp;
  gate.Decorate(WithOrigin("POST", own_), own_, &resp);
  EXPECT_EQ(resp.headers.count("Access-Control-Allow-Origin"), 0u);
}

TEST_F(CorsGateTest, PublicEndpointOriginIsOwn) {
  cfg_.api_public_endpoint = "https://cloud.example:13511/magnum";
  CorsGate gate(cfg_);
  EXPECT_FALSE(gate.Check(WithOrigin("POST", "https://cloud.example:13511"), own_).has_value());
  EXPECT_TRUE(gate.Check(WithOrigin("POST", "https://cloud.example"), own_).has_value());
}

TEST_F(CorsGateTest, AllowedOriginGetsCorsHeadersAndPreflight) {
  cfg_.cors_allowed_origin = {"https://dash.example"};
  CorsGate gate(cfg_);
  http::Request post = WithOrigin("POST", "https://dash.example");
  EXPECT_FALSE(gate.Check(post, own_).has_value());
  http::Response resp;
  resp.SetHeader("Vary", "OpenStack-API-Version");
  gate.Decorate(post, own_, &resp);
  EXPECT_EQ(resp.headers["Access-Control-Allow-Origin"], "https://dash.example");
  EXPECT_EQ(resp.headers["Vary"], "OpenStack-API-Version, Origin");
  EXPECT_NE(resp.headers["Access-Control-Expose-Headers"].find("OpenStack-API-Version"),
            std::string::npos);

  http::Request pre = WithOrigin("OPTIONS", "https://dash.example");
  pre.headers["Access-Control-Request-Method"] = "DELETE";
  auto answer = gate.Check(pre, own_);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(answer->status, 200);
  EXPECT_EQ(answer->headers["Access-Control-Allow-Origin"], "https://dash.example");
  EXPECT_NE(answer->headers["Access-Control-Allow-Methods"].find("DELETE"), std::string::npos);
  EXPECT_EQ(answer->headers["Access-Control-Max-Age"], "3600");

  pre.headers["Access-Control-Request-Method"] = "TRACE";  // not granted
  auto denied = gate.Check(pre, own_);
  ASSERT_TRUE(denied.has_value());
  EXPECT_EQ(denied->headers.count("Access-Control-Allow-Origin"), 0u);

  EXPECT_TRUE(gate.Check(WithOrigin("POST", "https://other.example"), own_).has_value());
}

TEST_F(CorsGateTest, KeystoneLetsForeignOriginsThroughWithoutCorsHeaders) {
  cfg_.auth_strategy = "keystone";
  CorsGate gate(cfg_);
  http::Request post = WithOrigin("POST", "https://other.example");
  EXPECT_FALSE(gate.Check(post, own_).has_value());
  http::Response resp;
  gate.Decorate(post, own_, &resp);
  EXPECT_EQ(resp.headers.count("Access-Control-Allow-Origin"), 0u);
  http::Request pre = WithOrigin("OPTIONS", "https://other.example");
  pre.headers["Access-Control-Request-Method"] = "POST";
  auto r = gate.Check(pre, own_);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 403);
}

}  // namespace
}  // namespace magnum::api
