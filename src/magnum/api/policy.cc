#include "magnum/api/policy.h"

#include "magnum/api/api_types.h"
#include "magnum/policy/enforcer.h"

namespace magnum::api {
namespace {

bool Allows(const policy::Enforcer& enforcer, const auth::RequestContext& ctx,
            std::string_view rule, const std::optional<PolicyTarget>& target) {
  if (target) return enforcer.Allows(ctx, rule, *target);
  return enforcer.Allows(ctx, rule, PolicyTarget{ctx.project_id, ctx.user_id});
}

Result<void> Enforce(bool allowed, std::string_view rule) {
  if (allowed) return {};
  return Fail(
      Error::PermissionDenied("Policy doesn't allow " + std::string(rule) + " to be performed."));
}

const policy::Enforcer& EnforcerOf(const ApiRequest& req) {
  return req.policy ? *req.policy : policy::DefaultEnforcer();
}

}  // namespace

bool PolicyAllows(const auth::RequestContext& ctx, std::string_view rule,
                  const std::optional<PolicyTarget>& target) {
  return Allows(policy::DefaultEnforcer(), ctx, rule, target);
}

Result<void> EnforcePolicy(const auth::RequestContext& ctx, std::string_view rule,
                           const std::optional<PolicyTarget>& target) {
  return Enforce(PolicyAllows(ctx, rule, target), rule);
}

bool PolicyAllows(const ApiRequest& req, std::string_view rule,
                  const std::optional<PolicyTarget>& target) {
  return Allows(EnforcerOf(req), req.ctx, rule, target);
}

Result<void> EnforcePolicy(const ApiRequest& req, std::string_view rule,
                           const std::optional<PolicyTarget>& target) {
  return Enforce(PolicyAllows(req, rule, target), rule);
}

}  // namespace magnum::api
