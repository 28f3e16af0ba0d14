// The built-in defaults decide exactly as the fixed table they replaced (the enum table of
// src/magnum/api/policy.cc before policy became data), for every rule it had, every
// context and every target below.
#include "magnum/policy/defaults.h"

#include <gtest/gtest.h>

#include <optional>
#include <set>

#include "magnum/auth/context.h"
#include "magnum/policy/enforcer.h"
#include "magnum/policy/rules.h"
#include "testing/request_context.h"

namespace magnum::policy {
namespace {

enum class Legacy {
  kAdmin,
  kAdminOrReader,
  kAdminOrMember,
  kAdminOrMemberUser,
  kAdminOrReaderUser,
  kProjectMember
};

// The replaced table, verbatim in meaning.
const std::vector<std::pair<std::string, Legacy>>& LegacyTable() {
  static const std::vector<std::pair<std::string, Legacy>> t = {
      {"cluster:create", Legacy::kAdminOrMember},
      {"cluster:delete", Legacy::kAdminOrMember},
      {"cluster:delete_all_projects", Legacy::kAdmin},
      {"cluster:detail", Legacy::kAdminOrReader},
      {"cluster:detail_all_projects", Legacy::kAdmin},
      {"cluster:get", Legacy::kAdminOrReader},
      {"cluster:get_one_all_projects", Legacy::kAdmin},
      {"cluster:get_all", Legacy::kAdminOrReader},
      {"cluster:get_all_all_projects", Legacy::kAdmin},
      {"cluster:update", Legacy::kAdminOrMember},
      {"cluster:update_health_status", Legacy::kAdminOrMemberUser},
      {"cluster:update_all_projects", Legacy::kAdmin},
      {"cluster:resize", Legacy::kAdminOrMember},
      {"cluster:upgrade", Legacy::kAdminOrMember},
      {"cluster:upgrade_all_projects", Legacy::kAdmin},
      {"cluster:events", Legacy::kAdminOrReader},
      {"clustertemplate:create", Legacy::kAdminOrMember},
      {"clustertemplate:delete", Legacy::kAdminOrMember},
      {"clustertemplate:delete_all_projects", Legacy::kAdmin},
      {"clustertemplate:detail", Legacy::kAdminOrReader},
      {"clustertemplate:detail_all_projects", Legacy::kAdmin},
      {"clustertemplate:get", Legacy::kAdminOrReader},
      {"clustertemplate:get_one_all_projects", Legacy::kAdmin},
      {"clustertemplate:get_all", Legacy::kAdminOrReader},
      {"clustertemplate:get_all_all_projects", Legacy::kAdmin},
      {"clustertemplate:update", Legacy::kAdminOrMember},
      {"clustertemplate:update_all_projects", Legacy::kAdmin},
      {"clustertemplate:publish", Legacy::kAdmin},
      {"nodegroup:get", Legacy::kAdminOrReader},
      {"nodegroup:get_all", Legacy::kAdminOrReader},
      {"nodegroup:get_all_all_projects", Legacy::kAdmin},
      {"nodegroup:get_one_all_projects", Legacy::kAdmin},
      {"nodegroup:create", Legacy::kAdminOrMember},
      {"nodegroup:update", Legacy::kAdminOrMember},
      {"nodegroup:delete", Legacy::kAdminOrMember},
      {"certificate:get", Legacy::kAdminOrReaderUser},
      {"certificate:create", Legacy::kAdminOrMemberUser},
      {"certificate:rotate_ca", Legacy::kAdminOrMember},
      {"credential:rotate", Legacy::kProjectMember},
      {"magnum-service:get_all", Legacy::kAdmin},
      {"quota:create", Legacy::kAdmin},
      {"quota:update", Legacy::kAdmin},
      {"quota:delete", Legacy::kAdmin},
      {"quota:get_all", Legacy::kAdmin},
      {"quota:get", Legacy::kAdminOrReader},
      {"stats:get_all", Legacy::kAdminOrReader},
      {"federation:create", Legacy::kAdminOrMember},
      {"federation:update", Legacy::kAdminOrMember},
      {"federation:delete", Legacy::kAdminOrMember},
      {"federation:get", Legacy::kAdminOrReader},
      {"federation:get_all", Legacy::kAdminOrReader},
      {"federation:detail", Legacy::kAdminOrReader},
  };
  return t;
}

bool LegacyHasRole(const auth::RequestContext& ctx, const std::string& r) {
  if (ctx.HasRole(r) || ctx.HasRole("admin")) return true;
  if (r == "reader") return ctx.HasRole("member");
  return false;
}

bool LegacyAllows(const auth::RequestContext& ctx, Legacy check, const Target& target) {
  const bool admin = ctx.is_admin || ctx.HasRole("admin");
  const bool same_project = !ctx.project_id.empty() && target.project_id == ctx.project_id;
  const bool same_user = !ctx.user_id.empty() && target.user_id == ctx.user_id;
  const bool reader = LegacyHasRole(ctx, "reader") && same_project;
  const bool member = LegacyHasRole(ctx, "member") && same_project;
  switch (check) {
    case Legacy::kAdmin:
      return admin;
    case Legacy::kAdminOrReader:
      return admin || reader;
    case Legacy::kAdminOrMember:
      return admin || member;
    case Legacy::kAdminOrMemberUser:
      return admin || (member && same_user);
    case Legacy::kAdminOrReaderUser:
      return admin || (reader && same_user);
    case Legacy::kProjectMember:
      return member;
  }
  return false;
}

using testing_util::Ctx;

TEST(PolicyDefaultsTest, DecideAsTheReplacedTableForEveryRuleContextAndTarget) {
  const std::vector<std::pair<std::string, auth::RequestContext>> contexts = {
      {"admin", Ctx("p1", "u1", {"admin"})},
      {"admin of another project", Ctx("p2", "u2", {"admin"})},
      {"member", Ctx("p1", "u1", {"member"})},
      {"reader", Ctx("p1", "u1", {"reader"})},
      {"other-project member", Ctx("p2", "u2", {"member"})},
      {"other-project reader", Ctx("p2", "u1", {"reader"})},
      {"no roles", Ctx("p1", "u1", {})},
      {"unknown role", Ctx("p1", "u1", {"heat_stack_owner"})},
      {"same project, different user", Ctx("p1", "u2", {"member"})},
      {"same project, different user, reader", Ctx("p1", "u2", {"reader"})},
      {"all three roles", Ctx("p1", "u1", {"admin", "member", "reader"})},
      {"member without user id", Ctx("p1", "", {"member"})},
      {"member without project id", Ctx("", "u1", {"member"})},
  };
  const std::vector<std::optional<Target>> targets = {
      std::nullopt,  // the caller's own project and user
      Target{"p1", "u1"}, Target{"p1", "u9"}, Target{"p2", "u1"},
      Target{"p2", "u2"}, Target{"", ""},
  };
  const Enforcer& e = DefaultEnforcer();
  int compared = 0;
  for (const auto& [rule, legacy] : LegacyTable()) {
    ASSERT_TRUE(e.Knows(rule)) << rule;
    for (const auto& [who, ctx] : contexts) {
      for (const auto& tgt : targets) {
        Target t = tgt ? *tgt : Target{ctx.project_id, ctx.user_id};
        EXPECT_EQ(e.Allows(ctx, rule, t), LegacyAllows(ctx, legacy, t))
            << rule << " for " << who << " on {" << t.project_id << "," << t.user_id << "}";
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 52 * 13 * 6);
}

TEST(PolicyDefaultsTest, UnknownRulesAreDenied) {
  EXPECT_FALSE(
      DefaultEnforcer().Allows(Ctx("p1", "u1", {"admin"}), "cluster:explode", Target{"p1", "u1"}));
  EXPECT_FALSE(DefaultEnforcer().Knows("cluster:explode"));
}

TEST(PolicyDefaultsTest, UpstreamBaseRulesArePresentAndNamesUnique) {
  std::set<std::string> names;
  for (const auto& d : DefaultRules()) {
    EXPECT_TRUE(names.insert(std::string(d.name)).second) << d.name;
    EXPECT_TRUE(ParseCheckString(d.check)) << d.name;
    if (!d.deprecated.empty()) {
      EXPECT_TRUE(ParseCheckString(d.deprecated)) << d.name;
    }
  }
  for (const char* base :
       {"context_is_admin", "admin_or_owner", "admin_api", "admin_or_user", "is_user",
        "cluster_user", "deny_cluster_user", "project_member", "project_reader",
        "admin_or_project_reader", "admin_or_project_member", "admin_or_project_member_user",
        "admin_or_project_reader_user", "admin_or_project_member_deny_cluster_user",
        "admin_or_project_reader_deny_cluster_user", "project_member_deny_cluster_user",
        "admin_or_project_member_user_or_cluster_user"}) {
    EXPECT_TRUE(names.count(base)) << base;
  }
  for (const auto& [rule, legacy] : LegacyTable()) EXPECT_TRUE(names.count(rule)) << rule;
}

TEST(PolicyDefaultsTest, OldBaseRulesKeepTheirMeaning) {
  const Enforcer& e = DefaultEnforcer();
  auth::RequestContext member = Ctx("p1", "u1", {"member"});
  // deny_cluster_user: denies the trustee's domain only.
  EXPECT_TRUE(e.Allows(member, "deny_cluster_user", Target{"p1", "u1"}));
  member.domain_id = "trustees";
  EXPECT_FALSE(e.Allows(member, "deny_cluster_user",
                        Target{"p1", "u1", {{"trustee_domain_id", "trustees"}}}));
  EXPECT_TRUE(
      e.Allows(member, "deny_cluster_user", Target{"p1", "u1", {{"trustee_domain_id", "other"}}}));
  // cluster_user: the cluster's trustee.
  EXPECT_TRUE(e.Allows(member, "cluster_user", Target{"p1", "x", {{"trustee_user_id", "u1"}}}));
  EXPECT_FALSE(e.Allows(member, "cluster_user", Target{"p1", "x"}));
  // admin_or_owner: any role (even none) in the project.
  EXPECT_TRUE(e.Allows(Ctx("p1", "u1", {}), "admin_or_owner", Target{"p1", "u1"}));
  EXPECT_FALSE(e.Allows(Ctx("p2", "u1", {}), "admin_or_owner", Target{"p1", "u1"}));
}

}  // namespace
}  // namespace magnum::policy
