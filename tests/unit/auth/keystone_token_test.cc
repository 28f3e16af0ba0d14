// Reading Keystone token documents and timestamps; the service catalog lookup.
#include <gtest/gtest.h>

#include "magnum/auth/keystone_token.h"
#include "magnum/auth/service_catalog.h"

namespace magnum::auth {
namespace {

// As GET /v3/auth/tokens answers (trimmed to the keys we read, plus some we ignore).
constexpr const char* kTokenBody = R"({"token": {
  "methods": ["password"], "is_domain": false,
  "user": {"domain": {"id": "default", "name": "Default"}, "id": "u1", "name": "demo",
           "password_expires_at": null},
  "audit_ids": ["a"], "expires_at": "2026-12-04T16:25:32.000000Z",
  "issued_at": "2026-12-04T15:25:32.000000Z",
  "project": {"domain": {"id": "default", "name": "Default"}, "id": "p1", "name": "demo"},
  "roles": [{"id": "r1", "name": "member"}, {"id": "r2", "name": "Reader"}],
  "catalog": [
    {"endpoints": [
       {"id": "e1", "interface": "public", "region_id": "RegionOne", "url": "http://n:8774/v2.1",
        "region": "RegionOne"},
       {"id": "e2", "interface": "internal", "region_id": "RegionOne", "url": "http://i:8774/v2.1",
        "region": "RegionOne"}],
     "id": "s1", "type": "compute", "name": "nova"},
    {"endpoints": [
       {"id": "e3", "interface": "public", "region_id": "RegionTwo", "url": "http://g2:9292"},
       {"id": "e4", "interface": "public", "region_id": "RegionOne", "url": "http://g1:9292"}],
     "id": "s2", "type": "image", "name": "glance"}]}})";

TEST(KeystoneTokenTest, ParsesIdentityRolesAndCatalog) {
  auto t = ParseKeystoneToken(kTokenBody);
  ASSERT_TRUE(t) << t.error().message();
  const RequestContext& c = t->context;
  EXPECT_EQ(c.user_id, "u1");
  EXPECT_EQ(c.user_name, "demo");
  EXPECT_EQ(c.user_domain_id, "default");
  EXPECT_EQ(c.user_domain_name, "Default");
  EXPECT_EQ(c.project_id, "p1");
  EXPECT_EQ(c.project_name, "demo");
  EXPECT_EQ(c.project_domain_id, "default");
  EXPECT_EQ(c.roles, (std::vector<std::string>{"member", "reader"}));
  EXPECT_FALSE(c.is_admin);
  TimePoint want;
  ASSERT_TRUE(ParseDbTimestamp("2026-12-04T16:25:32", &want));
  EXPECT_EQ(t->expires_at, want);
  ASSERT_TRUE(c.service_catalog);
  const ServiceCatalog& cat = *c.service_catalog;
  EXPECT_EQ(cat.services.size(), 2u);
  EXPECT_EQ(cat.EndpointUrl("compute", "public", ""), "http://n:8774/v2.1");
  EXPECT_EQ(cat.EndpointUrl("compute", "internalURL", "RegionOne"), "http://i:8774/v2.1");
  EXPECT_EQ(cat.EndpointUrl("image", "public", "RegionOne"), "http://g1:9292");
  EXPECT_EQ(cat.EndpointUrl("image", "publicURL", "RegionTwo"), "http://g2:9292");
  EXPECT_FALSE(cat.EndpointUrl("image", "admin", ""));
  EXPECT_FALSE(cat.EndpointUrl("network", "public", ""));
}

TEST(KeystoneTokenTest, TokenWithoutCatalogOrProject) {
  auto t = ParseKeystoneToken(
      R"({"token": {"expires_at": "2026-12-04T16:25:32Z", "user": {"id": "u"},
          "domain": {"id": "d1", "name": "D"}, "roles": [{"name": "admin"}]}})");
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(t->context.project_id, "");
  EXPECT_EQ(t->context.domain_id, "d1");
  EXPECT_TRUE(t->context.is_admin);
  ASSERT_TRUE(t->context.service_catalog);
  EXPECT_TRUE(t->context.service_catalog->services.empty());
}

TEST(KeystoneTokenTest, RejectsWhatIsNotAToken) {
  for (const char* body :
       {"", "not json", "[]", R"({"error": {"code": 404}})", R"({"token": "x"})",
        R"({"token": {"user": {"id": "u"}}})",
        R"({"token": {"expires_at": "tomorrow", "user": {"id": "u"}}})",
        R"({"token": {"expires_at": "2026-12-04T16:25:32Z", "user": {"name": "no id"}}})"}) {
    auto t = ParseKeystoneToken(body);
    EXPECT_FALSE(t) << body;
    if (!t) {
      EXPECT_EQ(t.error().code(), ErrorCode::kInvalidArgument);
    }
  }
}

TEST(KeystoneTokenTest, Timestamps) {
  TimePoint utc, z, off, nofrac;
  ASSERT_TRUE(ParseKeystoneTime("2026-12-04T16:25:32.500000Z", &z));
  ASSERT_TRUE(ParseDbTimestamp("2026-12-04T16:25:32.5", &utc));
  EXPECT_EQ(z, utc);
  ASSERT_TRUE(ParseKeystoneTime("2026-12-04T18:25:32.5+02:00", &off));
  EXPECT_EQ(off, utc);
  ASSERT_TRUE(ParseKeystoneTime("2026-12-04T16:25:32", &nofrac));
  EXPECT_EQ(nofrac + std::chrono::milliseconds(500), utc);
  TimePoint t;
  for (const char* bad : {"", "2026-12-04", "2026/12/04T16:25:32Z", "2026-12-04T16:25:32+2",
                          "2026-12-04T16:25:32 UTC"}) {
    EXPECT_FALSE(ParseKeystoneTime(bad, &t)) << bad;
  }
}

}  // namespace
}  // namespace magnum::auth
