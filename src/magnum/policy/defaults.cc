#include "magnum/policy/defaults.h"

namespace magnum::policy {
namespace {

// Check strings of the base rules, referenced by the per-resource rules below.
constexpr std::string_view kAdmin = "rule:context_is_admin";
constexpr std::string_view kAdminOrReader = "rule:admin_or_project_reader";
constexpr std::string_view kAdminOrMember = "rule:admin_or_project_member";
constexpr std::string_view kAdminOrMemberUser = "rule:admin_or_project_member_user";
constexpr std::string_view kAdminOrReaderUser = "rule:admin_or_project_reader_user";
constexpr std::string_view kAdminOrMemberUserOrClusterUser =
    "rule:admin_or_project_member_user_or_cluster_user";
constexpr std::string_view kMemberDenyClusterUser = "rule:project_member_deny_cluster_user";
constexpr std::string_view kAdminOrMemberDenyClusterUser =
    "rule:admin_or_project_member_deny_cluster_user";
constexpr std::string_view kAdminOrReaderDenyClusterUser =
    "rule:admin_or_project_reader_deny_cluster_user";

// The deprecated (pre-2023.2) forms the new base rules replace.
constexpr std::string_view kOldOwner = "is_admin:True or project_id:%(project_id)s";
constexpr std::string_view kOldUser = "(rule:context_is_admin) or (rule:is_user)";

}  // namespace

const std::vector<RuleDefault>& DefaultRules() {
  static const std::vector<RuleDefault> rules = {
      // Base rules.
      {"context_is_admin", "role:admin", "", {}},
      {"admin_or_owner", "is_admin:True or project_id:%(project_id)s", "", {}},
      {"admin_api", "rule:context_is_admin", "", {}},  // pre-2023.2 name, kept for overrides
      {"admin_or_user", "is_admin:True or user_id:%(user_id)s", "", {}},
      {"is_user", "user_id:%(user_id)s", "", {}},
      {"cluster_user", "user_id:%(trustee_user_id)s", "", {}},
      {"deny_cluster_user", "not domain_id:%(trustee_domain_id)s", "", {}},
      {"project_member", "role:member and project_id:%(project_id)s", "", {}},
      {"project_reader", "role:reader and project_id:%(project_id)s", "", {}},
      {"admin_or_project_reader",
       "(rule:context_is_admin) or (rule:project_reader)",
       kOldOwner,
       {}},
      {"admin_or_project_member",
       "(rule:context_is_admin) or (rule:project_member)",
       kOldOwner,
       {}},
      {"admin_or_project_member_user",
       "(rule:context_is_admin) or ((rule:project_member) and (rule:is_user))",
       kOldUser,
       {}},
      {"admin_or_project_member_user_or_cluster_user",
       "(rule:context_is_admin) or ((rule:project_member) and (rule:is_user))",
       kOldUser,
       {}},
      {"project_member_deny_cluster_user", "(rule:project_member)", kOldOwner, {}},
      {"admin_or_project_member_deny_cluster_user",
       "(rule:context_is_admin) or (rule:project_member)",
       kOldOwner,
       {}},
      {"project_reader_deny_cluster_user", "(rule:project_reader)", kOldOwner, {}},
      {"admin_or_project_reader_deny_cluster_user",
       "(rule:context_is_admin) or (rule:project_reader)",
       kOldOwner,
       {}},
      {"admin_or_project_reader_user",
       "(rule:context_is_admin) or ((rule:project_reader) and (rule:is_user))",
       kOldUser,
       {}},

      // Clusters (cluster.py).
      {"cluster:create", kAdminOrMemberDenyClusterUser, "", {"project"}},
      {"cluster:delete", kAdminOrMemberDenyClusterUser, "", {"project"}},
      {"cluster:delete_all_projects", kAdmin, "", {}},
      {"cluster:detail", kAdminOrReaderDenyClusterUser, "", {"project"}},
      {"cluster:detail_all_projects", kAdmin, "", {}},
      {"cluster:get", kAdminOrReaderDenyClusterUser, "", {"project"}},
      {"cluster:get_one_all_projects", kAdmin, "", {}},
      {"cluster:get_all", kAdminOrReaderDenyClusterUser, "", {"project"}},
      {"cluster:get_all_all_projects", kAdmin, "", {}},
      {"cluster:update", kAdminOrMemberDenyClusterUser, "", {"project"}},
      {"cluster:update_health_status", kAdminOrMemberUserOrClusterUser, "", {"project"}},
      {"cluster:update_all_projects", kAdmin, "", {}},
      {"cluster:resize", kAdminOrMemberDenyClusterUser, "", {"project"}},
      {"cluster:upgrade", kAdminOrMemberDenyClusterUser, "", {"project"}},
      {"cluster:upgrade_all_projects", kAdmin, "", {}},
      // Ours (not upstream): reading a cluster's events.
      {"cluster:events", kAdminOrReader, "", {"project"}},

      // Cluster templates (cluster_template.py).
      {"clustertemplate:create", kAdminOrMemberDenyClusterUser, "", {"project"}},
      {"clustertemplate:delete", kAdminOrMember, "", {"project"}},
      {"clustertemplate:delete_all_projects", kAdmin, "", {}},
      {"clustertemplate:detail_all_projects", kAdmin, "", {}},
      {"clustertemplate:detail", kAdminOrReaderDenyClusterUser, "", {"project"}},
      {"clustertemplate:get", kAdminOrReaderDenyClusterUser, "", {"project"}},
      {"clustertemplate:get_one_all_projects", kAdmin, "", {}},
      {"clustertemplate:get_all", kAdminOrReaderDenyClusterUser, "", {"project"}},
      {"clustertemplate:get_all_all_projects", kAdmin, "", {}},
      {"clustertemplate:update", kAdminOrMember, "", {"project"}},
      {"clustertemplate:update_all_projects", kAdmin, "", {}},
      {"clustertemplate:publish", kAdmin, "", {}},

      // Nodegroups (nodegroup.py).
      {"nodegroup:get", kAdminOrReader, "", {"project"}},
      {"nodegroup:get_all", kAdminOrReader, "", {"project"}},
      {"nodegroup:get_all_all_projects", kAdmin, "", {}},
      {"nodegroup:get_one_all_projects", kAdmin, "", {}},
      {"nodegroup:create", kAdminOrMember, "", {"project"}},
      {"nodegroup:delete", kAdminOrMember, "", {"project"}},
      {"nodegroup:update", kAdminOrMember, "", {"project"}},

      // Certificates, credentials (certificate.py, credential.py).
      {"certificate:create", kAdminOrMemberUser, "", {"project"}},
      {"certificate:get", kAdminOrReaderUser, "", {"project"}},
      {"certificate:rotate_ca", kAdminOrMember, "", {"project"}},
      {"credential:rotate", kMemberDenyClusterUser, "", {"project"}},

      // Services, quotas, stats (magnum_service.py, quota.py, stats.py).
      {"magnum-service:get_all", kAdmin, "", {}},
      {"quota:create", kAdmin, "", {}},
      {"quota:delete", kAdmin, "", {}},
      {"quota:get", kAdminOrReader, "", {"project"}},
      {"quota:get_all", kAdmin, "", {}},
      {"quota:update", kAdmin, "", {}},
      {"stats:get_all", kAdminOrReader, "", {"project"}},

      // Federations (federation.py).
      {"federation:create", kAdminOrMember, "", {"project"}},
      {"federation:delete", kAdminOrMember, "", {"project"}},
      {"federation:detail", kAdminOrReader, "", {"project"}},
      {"federation:get", kAdminOrReader, "", {"project"}},
      {"federation:get_all", kAdminOrReader, "", {"project"}},
      {"federation:update", kAdminOrMember, "", {"project"}},

      // Containers (container.py as upstream last had it, 2016; issue 15).
      {"container:create", kAdminOrMemberDenyClusterUser, "", {"project"}},
      {"container:delete", kAdminOrMemberDenyClusterUser, "", {"project"}},
      {"container:detail", kAdminOrReaderDenyClusterUser, "", {"project"}},
      {"container:get", kAdminOrReaderDenyClusterUser, "", {"project"}},
      {"container:get_all", kAdminOrReaderDenyClusterUser, "", {"project"}},
      {"container:start", kAdminOrMemberDenyClusterUser, "", {"project"}},
      {"container:stop", kAdminOrMemberDenyClusterUser, "", {"project"}},
      {"container:reboot", kAdminOrMemberDenyClusterUser, "", {"project"}},
      {"container:pause", kAdminOrMemberDenyClusterUser, "", {"project"}},
      {"container:unpause", kAdminOrMemberDenyClusterUser, "", {"project"}},
      {"container:logs", kAdminOrReaderDenyClusterUser, "", {"project"}},
      {"container:execute", kAdminOrMemberDenyClusterUser, "", {"project"}},
  };
  return rules;
}

}  // namespace magnum::policy
