#include <gtest/gtest.h>

#include "magnum/api/microversion.h"
#include "magnum/api/policy.h"
#include "testing/request_context.h"

namespace magnum::api {
namespace {

TEST(MicroversionTest, Negotiation) {
  struct Case {
    std::optional<std::string> header;
    VersionError error;
    std::string version;
  } cases[] = {
      {std::nullopt, VersionError::kNone, "1.1"},
      {"container-infra 1.9", VersionError::kNone, "1.9"},
      {"container-infrastructure 1.14", VersionError::kNone, "1.14"},
      {"container-infrastructure-management 1.1", VersionError::kNone, "1.1"},
      {"Container-Infra LATEST", VersionError::kNone, "1.14"},
      {"anything latest", VersionError::kNone, "1.14"},
      {"container-infra 1.15", VersionError::kOutOfRange, ""},
      {"container-infra 1.0", VersionError::kOutOfRange, ""},
      {"container-infra 2.0", VersionError::kOutOfRange, ""},
      {"container-infra 1", VersionError::kBadValue, ""},
      {"container-infra 1.a", VersionError::kBadValue, ""},
      {"container-infra", VersionError::kBadServiceType, ""},
      {"compute 1.2", VersionError::kBadServiceType, ""},
      {"container-infra 1.2 extra", VersionError::kBadServiceType, ""},
  };
  for (const auto& c : cases) {
    NegotiatedVersion v = NegotiateVersion(c.header);
    EXPECT_EQ(v.error, c.error) << c.header.value_or("<none>");
    if (c.error == VersionError::kNone) EXPECT_EQ(v.version.ToString(), c.version);
  }
}

using testing_util::Ctx;

TEST(PolicyTest, DefaultRules) {
  auto admin = Ctx("p1", "u1", {"admin"});
  auto member = Ctx("p1", "u1", {"member"});
  auto reader = Ctx("p1", "u1", {"reader"});
  auto none = Ctx("p1", "u1", {});
  PolicyTarget own{"p1", "u1"}, other_user{"p1", "u2"}, other_project{"p2", "u9"};

  EXPECT_TRUE(PolicyAllows(member, "cluster:create"));
  EXPECT_FALSE(PolicyAllows(reader, "cluster:create"));
  EXPECT_TRUE(PolicyAllows(reader, "cluster:get_all"));  // reader role
  EXPECT_TRUE(PolicyAllows(member, "cluster:get_all"));  // member implies reader
  EXPECT_FALSE(PolicyAllows(none, "cluster:get_all"));
  EXPECT_TRUE(PolicyAllows(member, "cluster:delete", own));
  EXPECT_FALSE(PolicyAllows(member, "cluster:delete", other_project));
  EXPECT_TRUE(PolicyAllows(admin, "cluster:delete", other_project));
  EXPECT_TRUE(PolicyAllows(member, "certificate:create", own));
  EXPECT_FALSE(PolicyAllows(member, "certificate:create", other_user));
  EXPECT_TRUE(PolicyAllows(admin, "certificate:create", other_user));
  EXPECT_FALSE(PolicyAllows(member, "clustertemplate:publish"));
  EXPECT_TRUE(PolicyAllows(admin, "clustertemplate:publish"));
  EXPECT_FALSE(PolicyAllows(member, "quota:create"));
  EXPECT_FALSE(PolicyAllows(member, "magnum-service:get_all"));
  EXPECT_FALSE(PolicyAllows(admin, "no:such:rule"));
  auto denied = EnforcePolicy(reader, "cluster:create");
  ASSERT_FALSE(denied);
  EXPECT_TRUE(denied.error().Is(ErrorCode::kPermissionDenied));
  EXPECT_EQ(denied.error().message(), "Policy doesn't allow cluster:create to be performed.");
}

}  // namespace
}  // namespace magnum::api
