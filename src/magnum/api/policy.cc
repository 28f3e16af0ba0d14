#include "magnum/api/policy.h"

#include "magnum/policy/enforcer.h"

namespace magnum::api {
namespace {

thread_local const policy::Enforcer* current_enforcer = nullptr;

const policy::Enforcer& Current() {
  return current_enforcer ? *current_enforcer : policy::DefaultEnforcer();
}

}  // namespace

ScopedPolicyEnforcer::ScopedPolicyEnforcer(const policy::Enforcer* enforcer)
    : previous_(current_enforcer) {
  current_enforcer = enforcer;
}

ScopedPolicyEnforcer::~ScopedPolicyEnforcer() { current_enforcer = previous_; }

bool PolicyAllows(const auth::RequestContext& ctx, std::string_view rule,
                  const std::optional<PolicyTarget>& target) {
  if (target) return Current().Allows(ctx, rule, *target);
  return Current().Allows(ctx, rule, PolicyTarget{ctx.project_id, ctx.user_id});
}

Result<void> EnforcePolicy(const auth::RequestContext& ctx, std::string_view rule,
                           const std::optional<PolicyTarget>& target) {
  if (PolicyAllows(ctx, rule, target)) return {};
  return Fail(
      Error::PermissionDenied("Policy doesn't allow " + std::string(rule) + " to be performed."));
}

}  // namespace magnum::api
