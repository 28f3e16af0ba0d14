#include "magnum/api/policy.h"

#include <spdlog/spdlog.h>

#include <string>
#include <unordered_map>

namespace magnum::api {
namespace {

enum class Check {
  kAdmin,
  kAdminOrReader,
  kAdminOrMember,
  kAdminOrMemberUser,
  kAdminOrReaderUser,
  kProjectMember,
};

// Keystone's default implied roles: admin ⇒ member ⇒ reader.
bool HasRole(const auth::RequestContext& ctx, const char* role) {
  std::string r = role;
  if (ctx.HasRole(r) || ctx.HasRole("admin")) return true;
  if (r == "reader") return ctx.HasRole("member");
  return false;
}

const std::unordered_map<std::string_view, Check>& Rules() {
  static const std::unordered_map<std::string_view, Check> rules = {
      {"cluster:create", Check::kAdminOrMember},
      {"cluster:delete", Check::kAdminOrMember},
      {"cluster:delete_all_projects", Check::kAdmin},
      {"cluster:detail", Check::kAdminOrReader},
      {"cluster:detail_all_projects", Check::kAdmin},
      {"cluster:get", Check::kAdminOrReader},
      {"cluster:get_one_all_projects", Check::kAdmin},
      {"cluster:get_all", Check::kAdminOrReader},
      {"cluster:get_all_all_projects", Check::kAdmin},
      {"cluster:update", Check::kAdminOrMember},
      {"cluster:update_health_status", Check::kAdminOrMemberUser},
      {"cluster:update_all_projects", Check::kAdmin},
      {"cluster:resize", Check::kAdminOrMember},
      {"cluster:upgrade", Check::kAdminOrMember},
      {"cluster:upgrade_all_projects", Check::kAdmin},
      {"cluster:events", Check::kAdminOrReader},
      {"clustertemplate:create", Check::kAdminOrMember},
      {"clustertemplate:delete", Check::kAdminOrMember},
      {"clustertemplate:delete_all_projects", Check::kAdmin},
      {"clustertemplate:detail", Check::kAdminOrReader},
      {"clustertemplate:detail_all_projects", Check::kAdmin},
      {"clustertemplate:get", Check::kAdminOrReader},
      {"clustertemplate:get_one_all_projects", Check::kAdmin},
      {"clustertemplate:get_all", Check::kAdminOrReader},
      {"clustertemplate:get_all_all_projects", Check::kAdmin},
      {"clustertemplate:update", Check::kAdminOrMember},
      {"clustertemplate:update_all_projects", Check::kAdmin},
      {"clustertemplate:publish", Check::kAdmin},
      {"nodegroup:get", Check::kAdminOrReader},
      {"nodegroup:get_all", Check::kAdminOrReader},
      {"nodegroup:get_all_all_projects", Check::kAdmin},
      {"nodegroup:get_one_all_projects", Check::kAdmin},
      {"nodegroup:create", Check::kAdminOrMember},
      {"nodegroup:update", Check::kAdminOrMember},
      {"nodegroup:delete", Check::kAdminOrMember},
      {"certificate:get", Check::kAdminOrReaderUser},
      {"certificate:create", Check::kAdminOrMemberUser},
      {"certificate:rotate_ca", Check::kAdminOrMember},
      {"credential:rotate", Check::kProjectMember},
      {"magnum-service:get_all", Check::kAdmin},
      {"quota:create", Check::kAdmin},
      {"quota:update", Check::kAdmin},
      {"quota:delete", Check::kAdmin},
      {"quota:get_all", Check::kAdmin},
      {"quota:get", Check::kAdminOrReader},
      {"stats:get_all", Check::kAdminOrReader},
      {"federation:create", Check::kAdminOrMember},
      {"federation:update", Check::kAdminOrMember},
      {"federation:delete", Check::kAdminOrMember},
      {"federation:get", Check::kAdminOrReader},
      {"federation:get_all", Check::kAdminOrReader},
      {"federation:detail", Check::kAdminOrReader},
  };
  return rules;
}

}  // namespace

bool PolicyAllows(const auth::RequestContext& ctx, std::string_view rule,
                  const std::optional<PolicyTarget>& target) {
  auto it = Rules().find(rule);
  if (it == Rules().end()) {
    spdlog::error("policy: unknown rule '{}' denied", rule);
    return false;
  }
  const bool admin = ctx.is_admin || ctx.HasRole("admin");
  const std::string& project = target ? target->project_id : ctx.project_id;
  const std::string& user = target ? target->user_id : ctx.user_id;
  const bool same_project = !ctx.project_id.empty() && project == ctx.project_id;
  const bool same_user = !ctx.user_id.empty() && user == ctx.user_id;
  const bool reader = HasRole(ctx, "reader") && same_project;
  const bool member = HasRole(ctx, "member") && same_project;
  switch (it->second) {
    case Check::kAdmin: return admin;
    case Check::kAdminOrReader: return admin || reader;
    case Check::kAdminOrMember: return admin || member;
    case Check::kAdminOrMemberUser: return admin || (member && same_user);
    case Check::kAdminOrReaderUser: return admin || (reader && same_user);
    case Check::kProjectMember: return member;
  }
  return false;
}

Result<void> EnforcePolicy(const auth::RequestContext& ctx, std::string_view rule,
                           const std::optional<PolicyTarget>& target) {
  if (PolicyAllows(ctx, rule, target)) return {};
  return Fail(Error::PermissionDenied("Policy doesn't allow " + std::string(rule) +
                                      " to be performed."));
}

}  // namespace magnum::api
