// The pure parts of the federations controller (federations.h): join/unjoin rewriting and
// the properties rule.
#include "magnum/api/federations.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "magnum/api/fields.h"

namespace magnum::api {
namespace {

using Json = nlohmann::json;

const std::string kA = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string kB = "bbbbbbbb-0000-4000-8000-000000000002";
const std::string kC = "cccccccc-0000-4000-8000-000000000003";

// Clusters by UUID and by name; "twin" is an ambiguous name.
Result<std::string> Resolve(const std::string& ident) {
  static const std::map<std::string, std::string> known = {
      {kA, kA}, {kB, kB}, {kC, kC}, {"alpha", kA}, {"bravo", kB}, {"charlie", kC}};
  if (ident == "twin") {
    return Fail(Error::Conflict(
        "Multiple clusters exist with same name. Please use the cluster uuid instead."));
  }
  auto it = known.find(ident);
  if (it == known.end()) return Fail(Error::NotFound("Cluster " + ident + " could not be found."));
  return it->second;
}

Json Op(const std::string& op, const std::string& path, Json value) {
  return {{"op", op}, {"path", path}, {"value", std::move(value)}};
}

// The member list a rewritten op carries (a Python/JSON list literal).
std::vector<std::string> MembersOf(const Json& op) {
  EXPECT_EQ(op["op"], "replace");
  EXPECT_EQ(op["path"], "/member_ids");
  auto parsed = ParsePythonLiteral(op["value"].get<std::string>());
  EXPECT_TRUE(parsed.has_value());
  return parsed->get<std::vector<std::string>>();
}

TEST(RewriteMemberOpsTest, JoinAppendsTheResolvedUuid) {
  auto r = RewriteMemberOps(Json::array({Op("add", "/member_ids", "bravo")}), {kA}, "fed", Resolve);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ(MembersOf((*r)[0]), (std::vector<std::string>{kA, kB}));
}

TEST(RewriteMemberOpsTest, UnjoinRemovesByUuidInAnyCase) {
  std::string upper = kB;
  for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto r = RewriteMemberOps(Json::array({Op("remove", "/member_ids", upper)}), {kA, kB, kC}, "fed",
                            Resolve);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(MembersOf((*r)[0]), (std::vector<std::string>{kA, kC}));
}

TEST(RewriteMemberOpsTest, UnjoinByName) {
  auto r = RewriteMemberOps(Json::array({Op("remove", "/member_ids", "alpha")}), {kA, kB}, "fed",
                            Resolve);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(MembersOf((*r)[0]), (std::vector<std::string>{kB}));
}

TEST(RewriteMemberOpsTest, AMemberWhoseClusterIsGoneCanLeave) {
  const std::string gone = "dddddddd-0000-4000-8000-000000000004";
  auto r = RewriteMemberOps(Json::array({Op("remove", "/member_ids", gone)}), {kA, gone}, "fed",
                            Resolve);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(MembersOf((*r)[0]), (std::vector<std::string>{kA}));
}

TEST(RewriteMemberOpsTest, EveryOpSeesThePreviousOnesResult) {
  auto r =
      RewriteMemberOps(Json::array({Op("add", "/member_ids", "bravo"), Op("add", "/member_ids", kC),
                                    Op("remove", "/member_ids", kA)}),
                       {kA}, "fed", Resolve);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  ASSERT_EQ(r->size(), 3u);
  EXPECT_EQ(MembersOf((*r)[0]), (std::vector<std::string>{kA, kB}));
  EXPECT_EQ(MembersOf((*r)[1]), (std::vector<std::string>{kA, kB, kC}));
  EXPECT_EQ(MembersOf((*r)[2]), (std::vector<std::string>{kB, kC}));
}

TEST(RewriteMemberOpsTest, OtherOpsPassThroughUnchanged) {
  Json patch = Json::array({Op("replace", "/properties/dns-zone", "example.com."),
                            {{"op", "remove"}, {"path", "/member_ids"}},  // no value: plain remove
                            Op("replace", "/member_ids", "['x']"),
                            Op("add", "/member_ids/-", "x"),
                            "not even an object"});
  auto r = RewriteMemberOps(patch, {kA}, "fed", Resolve);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(*r, patch);
}

TEST(RewriteMemberOpsTest, NonArrayPatchIsLeftForApplyJsonPatchToRefuse) {
  auto r = RewriteMemberOps(Json{{"op", "add"}}, {}, "fed", Resolve);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, (Json{{"op", "add"}}));
}

TEST(RewriteMemberOpsTest, JoinOfAMemberIs409) {
  auto r = RewriteMemberOps(Json::array({Op("add", "/member_ids", "alpha")}), {kA}, "fed", Resolve);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().Is(ErrorCode::kConflict));
  EXPECT_EQ(r.error().message(),
            "A cluster with UUID " + kA + " is already a member of the federation fed.");
}

TEST(RewriteMemberOpsTest, JoiningTwiceInOnePatchIs409) {
  auto r = RewriteMemberOps(
      Json::array({Op("add", "/member_ids", kB), Op("add", "/member_ids", "bravo")}), {}, "fed",
      Resolve);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().Is(ErrorCode::kConflict));
}

TEST(RewriteMemberOpsTest, JoinOfAnUnknownClusterIs404) {
  auto r = RewriteMemberOps(Json::array({Op("add", "/member_ids", "nope")}), {}, "fed", Resolve);
  ASSERT_FALSE(r.has_value());
  EXPECT_TRUE(r.error().Is(ErrorCode::kNotFound));
  EXPECT_EQ(r.error().message(), "Cluster nope could not be found.");
}

TEST(RewriteMemberOpsTest, AmbiguousNamesAre409) {
  for (const char* op : {"add", "remove"}) {
    auto r = RewriteMemberOps(Json::array({Op(op, "/member_ids", "twin")}), {kA}, "fed", Resolve);
    ASSERT_FALSE(r.has_value()) << op;
    EXPECT_TRUE(r.error().Is(ErrorCode::kConflict)) << op;
  }
}

TEST(RewriteMemberOpsTest, UnjoinOfANonMemberIs404) {
  for (const std::string& who : {kB, std::string("bravo"), std::string("nope")}) {
    auto r =
        RewriteMemberOps(Json::array({Op("remove", "/member_ids", who)}), {kA}, "fed", Resolve);
    ASSERT_FALSE(r.has_value()) << who;
    EXPECT_TRUE(r.error().Is(ErrorCode::kNotFound)) << who;
    EXPECT_EQ(r.error().message(), "Cluster " + who + " is not a member of the federation fed.");
  }
}

TEST(RewriteMemberOpsTest, NonStringMemberValueIs400) {
  for (Json v : {Json(5), Json(true)}) {
    auto r = RewriteMemberOps(Json::array({Op("add", "/member_ids", v)}), {}, "fed", Resolve);
    ASSERT_FALSE(r.has_value()) << v;
    EXPECT_TRUE(r.error().Is(ErrorCode::kInvalidArgument)) << v;
  }
}

TEST(ValidateFederationPropertiesTest, NeedsADnsZone) {
  EXPECT_TRUE(ValidateFederationProperties(Json{{"dns-zone", "example.com."}}).has_value());
  EXPECT_TRUE(
      ValidateFederationProperties(Json{{"dns-zone", "example.com."}, {"other", "x"}}).has_value());
  auto none = ValidateFederationProperties(Json());
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().message(), "Please specify a `properties` dict for the federation.");
  for (Json bad : {Json::object(), Json{{"dns-zone", nullptr}}, Json{{"dns-zone", ""}},
                   Json{{"dns_zone", "x"}}}) {
    auto r = ValidateFederationProperties(bad);
    ASSERT_FALSE(r.has_value()) << bad;
    EXPECT_TRUE(r.error().Is(ErrorCode::kInvalidArgument));
    EXPECT_EQ(r.error().message(), "No DNS zone specified. Please specify a `dns-zone`.");
  }
  EXPECT_FALSE(ValidateFederationProperties(Json::array()).has_value());
}

}  // namespace
}  // namespace magnum::api
