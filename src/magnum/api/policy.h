// Policy checks for the controllers: rule name -> decision by a policy::Enforcer (rules as
// data, policy/enforcer.h). The enforcer is the one ApiDependencies::policy gave ApiApp,
// installed on the handling thread for the request (ScopedPolicyEnforcer); where none is
// installed, the built-in defaults decide. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "magnum/auth/context.h"
#include "magnum/common/error.h"
#include "magnum/policy/target.h"

namespace magnum::policy {
class Enforcer;
}

namespace magnum::api {

// The object a rule is checked on: its project_id, user_id and attributes.
using PolicyTarget = policy::Target;

// True when `ctx` passes `rule` for `target` (none = the caller's own project and user).
// An unknown rule is denied (and logged), never allowed.
bool PolicyAllows(const auth::RequestContext& ctx, std::string_view rule,
                  const std::optional<PolicyTarget>& target = std::nullopt);

// 403 "Policy doesn't allow <rule> to be performed." unless allowed.
Result<void> EnforcePolicy(const auth::RequestContext& ctx, std::string_view rule,
                           const std::optional<PolicyTarget>& target = std::nullopt);

// While alive, PolicyAllows/EnforcePolicy on this thread ask `enforcer` (null: the
// built-in defaults). Scopes nest; the previous enforcer is restored on destruction.
class ScopedPolicyEnforcer {
 public:
  explicit ScopedPolicyEnforcer(const policy::Enforcer* enforcer);
  ~ScopedPolicyEnforcer();
  ScopedPolicyEnforcer(const ScopedPolicyEnforcer&) = delete;
  ScopedPolicyEnforcer& operator=(const ScopedPolicyEnforcer&) = delete;

 private:
  const policy::Enforcer* previous_;
};

}  // namespace magnum::api
