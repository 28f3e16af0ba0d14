#include "magnum/conductor/cluster_trust.h"

#include <spdlog/spdlog.h>

#include <mutex>

#include "magnum/clients/keystone_trusts.h"
#include "magnum/conductor/cluster_state.h"
#include "magnum/conductor/conductor_core.h"
#include "magnum/conductor/operation.h"
#include "magnum/db/database.h"
#include "magnum/objects/mappers.h"

namespace magnum::conductor {
namespace {

using db::Condition;
using objects::Cluster;
using objects::ClusterStatus;

bool Set(const std::optional<std::string>& v) { return v && !v->empty(); }

// One trust set-up at a time in this process: two deliveries of one create would otherwise
// both reset the password of the one trustee user (found by name).
std::mutex& SetupMutex() {
  static std::mutex mu;
  return mu;
}

void Cleanup(ConductorCore& core, const std::string& uuid, const std::string& user_id,
             const std::string& trust_id) {
  auto r = core.trusts->DeleteTrusteeAndTrust(user_id, trust_id);
  if (!r) {
    spdlog::warn("cluster {}: trustee user {} (trust {}) left in Keystone: {}", uuid, user_id,
                 trust_id.empty() ? "none" : trust_id, r.error().message());
  }
}

}  // namespace

Result<void> EnsureClusterTrust(ConductorCore& core, const Caller& caller,
                                const std::string& uuid) {
  std::lock_guard<std::mutex> lock(SetupMutex());
  MAGNUM_ASSIGN_OR_RETURN(auto cluster, objects::GetOne<Cluster>(*core.db, ByUuid(uuid)));
  // No row, another status, or a trust already there: the accept phase decides.
  if (!cluster || cluster->status != ClusterStatus::kCreateInProgress) return {};
  if (Set(cluster->trust_id)) return {};
  auto tmpl = LoadTemplateState(*core.db, *cluster);
  if (!tmpl) return {};
  auto driver = core.DriverFor(cluster->driver.value_or(""), *tmpl);
  if (!driver || !(*driver)->UsesTrust()) return {};
  const std::string driver_name((*driver)->name());
  if (!core.trusts) {
    return Fail(Error::FailedPrecondition(
        "The " + driver_name +
        " driver creates clusters through a Keystone trust, but this Magnum has no trusts "
        "configured: the operator should set [DEFAULT] auth_strategy = keystone and the "
        "[trust] options trustee_domain_id (or trustee_domain_name), trustee_domain_admin_id "
        "(or trustee_domain_admin_name) and trustee_domain_admin_password."));
  }
  if (caller.auth_token.empty() || caller.user_id.empty()) {
    return Fail(Error::FailedPrecondition(
        "The " + driver_name +
        " driver creates clusters through a Keystone trust of the creating user, but the "
        "request carries no Keystone token to create it with."));
  }
  const std::string project = cluster->project_id.value_or(caller.project_id);
  auto trustee = core.trusts->CreateTrustee(uuid, project);
  if (!trustee) {
    return Fail(trustee.error().WithContext("Cannot create the cluster's trustee user"));
  }
  auto trust = core.trusts->CreateTrust(caller.auth_token, caller.user_id, project, caller.roles,
                                        trustee->user_id);
  if (!trust) {
    Cleanup(core, uuid, trustee->user_id, "");
    return Fail(trust.error().WithContext("Cannot create the cluster's trust"));
  }
  Cluster after = *cluster;
  after.trustee_username = trustee->username;
  after.trustee_password = trustee->password;
  after.trustee_user_id = trustee->user_id;
  after.trust_id = *trust;
  auto written = objects::Update(
      *core.db,
      ByUuid(uuid)
          .Where(Condition::Null("trust_id"))
          .Where(Condition::Eq("status",
                               std::string(objects::Name(ClusterStatus::kCreateInProgress)))),
      *cluster, after);
  if (!written) {
    Cleanup(core, uuid, trustee->user_id, *trust);
    return Fail(written.error());
  }
  if (*written == 0) {
    // Not recorded (the row changed or went): nothing may be left that no row names. A
    // trustee user the row names now (another conductor's delivery of this create) stays.
    auto now = objects::GetOne<Cluster>(*core.db, ByUuid(uuid));
    const bool named = now && *now && (*now)->trustee_user_id == trustee->user_id;
    Cleanup(core, uuid, named ? "" : trustee->user_id, *trust);
    return {};
  }
  spdlog::info("cluster {}: trustee user {} and trust {} created (request {})", uuid,
               trustee->user_id, *trust, caller.request_id);
  return {};
}

void RemoveClusterTrust(ConductorCore& core, const std::string& uuid,
                        const std::string& project_id) {
  auto cluster = objects::GetOne<Cluster>(*core.db, ByUuid(uuid));
  if (!cluster || !*cluster) return;
  const Cluster& c = **cluster;
  if (!Set(c.trustee_user_id) && !Set(c.trust_id)) return;
  const std::string user = c.trustee_user_id.value_or("");
  const std::string trust = c.trust_id.value_or("");
  std::string problem;
  if (!core.trusts) {
    problem = "no [trust] is configured to remove them with";
  } else if (auto r = core.trusts->DeleteTrusteeAndTrust(user, trust); !r) {
    problem = r.error().message();
  }
  if (problem.empty()) {
    spdlog::info("cluster {}: trustee user {} and trust {} deleted", uuid, user, trust);
    return;
  }
  const std::string text = "the cluster's trustee user " + user + " and trust " + trust +
                           " may be left in Keystone: " + problem;
  spdlog::warn("cluster {}: {}", uuid, text);
  core.events.Append(uuid, project_id, "delete", "", EventLevel::kWarning, text);
}

}  // namespace magnum::conductor
