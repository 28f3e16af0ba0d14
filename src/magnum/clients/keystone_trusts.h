// Per-cluster Keystone trusts ([trust], as upstream Magnum): for a cluster whose driver
// calls OpenStack on the cluster's behalf (drivers::Driver::UsesTrust), the conductor
// creates a trustee user "<cluster_uuid>_<project_id>" with a random password in the trustee
// domain (as the trustee domain's admin) and a trust from the creating user to it on the
// cluster's project (with the creating user's own token); a trust-scoped token of the
// trustee is then what the driver uses. Both go when the cluster is deleted.
// docs/openstack.md "Trusts" has the lifecycle and what was verified against Keystone.
//
// Errors: Keystone unreachable, a 5xx or an unreadable reply → kUnavailable naming Keystone
// and what to do; credentials refused → kPermissionDenied (the [trust] domain admin) or
// kUnauthenticated / kPermissionDenied (the trustor's token, the trustee's password or
// trust), each saying which. Messages never hold a token or a password.
//
// TrustManager is thread-safe: it caches the domain admin's token (guarded by a mutex) until
// a minute before it expires, and logs in again once when Keystone answers 401 to it.
// Blocking: call it from worker threads, never inside a database transaction.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "magnum/common/clock.h"
#include "magnum/common/error.h"
#include "magnum/common/http_client.h"

namespace magnum::auth {
struct ServiceCatalog;
}
namespace magnum::config {
struct Config;
}

namespace magnum::clients {

struct TrustOptions {
  // [trust] (upstream names and defaults).
  std::string trustee_domain_id;
  std::string trustee_domain_name;
  std::string trustee_domain_admin_id;
  std::string trustee_domain_admin_name;
  std::string trustee_domain_admin_domain_id;    // "" = the trustee domain
  std::string trustee_domain_admin_domain_name;  // "" = the trustee domain
  std::string trustee_domain_admin_password;
  std::vector<std::string> roles;  // delegated roles; empty = the trustor's own roles
  bool cluster_user_trust = false;
  std::string trustee_keystone_interface = "public";
  std::string trustee_keystone_region_name;  // "" = [keystone_authtoken] region_name
  // Keystone ([keystone_authtoken] auth_url, else www_authenticate_uri; with or without /v3)
  // and how to reach it.
  std::string identity_url;
  std::string ca_file;
  bool insecure = false;
  int connect_timeout_s = 5;
  int request_timeout_s = 10;
};

// The options from the configuration. kInvalidArgument when [trust] is set only in part
// (a domain without its admin, an admin without a password, ...) or Keystone's URL is
// missing while [trust] is set; the message names the options to set.
Result<TrustOptions> TrustOptionsFromConfig(const config::Config& config);

// A trustee domain (id or name) and its admin (id or name) are set.
bool TrustsConfigured(const TrustOptions& options);

class TrustManager;
// The one TrustManager of a process (the conductor and the drivers share it, and so its
// token caches): nullptr unless auth_strategy = keystone and [trust] is set (logged either
// way); TrustOptionsFromConfig's refusals.
Result<std::shared_ptr<TrustManager>> TrustManagerFromConfig(const config::Config& config);

struct Trustee {
  std::string user_id, username, password;
};

struct TrustToken {
  std::string token;       // X-Auth-Token for the services; secret
  std::string project_id;  // the trust's project (the cluster's)
  std::string user_id;     // the trustor (impersonation)
  std::shared_ptr<const auth::ServiceCatalog> catalog;
  TimePoint expires_at;
};

class TrustManager {
 public:
  // `http` = nullptr: libcurl with the options' TLS settings.
  explicit TrustManager(TrustOptions options, std::shared_ptr<HttpClient> http = nullptr);
  ~TrustManager();
  TrustManager(const TrustManager&) = delete;
  TrustManager& operator=(const TrustManager&) = delete;

  const TrustOptions& options() const { return opt_; }

  // Creates the trustee user "<cluster_uuid>_<project_id>" in the trustee domain with a
  // fresh 32-character password; when it exists already (a create cut off after this step)
  // finds it by name and resets its password.
  Result<Trustee> CreateTrustee(const std::string& cluster_uuid,
                                const std::string& project_id) const;
  // POST /v3/OS-TRUST/trusts with the trustor's own token: impersonation, on `project_id`,
  // delegating [trust] roles or else `trustor_roles`. Returns the trust id.
  Result<std::string> CreateTrust(const std::string& trustor_token,
                                  const std::string& trustor_user_id, const std::string& project_id,
                                  const std::vector<std::string>& trustor_roles,
                                  const std::string& trustee_user_id) const;
  // A token of the trustee scoped to the trust (password by user id), with its catalog.
  Result<TrustToken> TrustScopedToken(const std::string& trustee_user_id,
                                      const std::string& password,
                                      const std::string& trust_id) const;
  // Removes the trust (if it still exists) and the trustee user, as the domain admin;
  // either one missing (404) is success, an empty id is skipped. Safe to repeat.
  Result<void> DeleteTrusteeAndTrust(const std::string& trustee_user_id,
                                     const std::string& trust_id) const;

 private:
  struct AdminToken {
    std::string token;
    std::string domain_id;  // the trustee domain's id (from the domain-scoped token)
  };
  Result<AdminToken> Admin(bool force_new) const;
  // `req` as the domain admin (its token added), logging in again once on a 401.
  Result<HttpClientReply> AsAdmin(HttpClientRequest req, const char* what) const;
  Result<HttpClientReply> Send(HttpClientRequest req, const char* what) const;
  Error KeystoneUnavailable(const std::string& doing) const;

  const TrustOptions opt_;
  const std::string v3_;
  const std::shared_ptr<HttpClient> http_;
  mutable std::mutex mu_;                // guards the three below
  mutable std::string admin_token_;      // "" = none yet
  mutable std::string admin_domain_id_;  // trustee domain id
  mutable TimePoint admin_expires_;
};

}  // namespace magnum::clients
