// Authentication strategies: turn request headers into a RequestContext.
//
// noauth (embedded default, loopback only): identity from X-Project-Id, X-User-Id and
// X-Roles, with configured defaults when absent. keystone (keystone_auth.h): validates
// X-Auth-Token with Keystone v3. Implementations are thread-safe.
#pragma once

#include <memory>
#include <string>

#include "magnum/auth/context.h"
#include "magnum/common/error.h"
#include "magnum/http/message.h"

namespace magnum::config {
struct Config;
}

namespace magnum::auth {

class AuthStrategy {
 public:
  virtual ~AuthStrategy() = default;
  // The caller's context, or kUnauthenticated (no, invalid or expired credentials), or
  // kUnavailable (the identity service cannot be asked; never treated as success).
  virtual Result<RequestContext> Authenticate(const http::Request& request) const = 0;
  // The WWW-Authenticate value of a 401 answer: `Keystone uri="<where to get a token>"`.
  virtual std::string WwwAuthenticate() const { return "Keystone uri=''"; }
  // `token` was revoked through this process (the dashboard's sign-out): from now on
  // Authenticate refuses it without trusting a validation cached before the revocation.
  // Nothing to do for strategies that keep no validations.
  virtual void Forget(const std::string& token) const { (void)token; }
};

std::unique_ptr<AuthStrategy> NewNoAuth(std::string default_project, std::string default_user,
                                        std::string default_roles);

// The strategy named by [DEFAULT] auth_strategy.
Result<std::unique_ptr<AuthStrategy>> NewAuthStrategy(const config::Config& config);

}  // namespace magnum::auth
