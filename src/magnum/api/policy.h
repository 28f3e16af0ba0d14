// Policy checks for the controllers: rule name -> decision by a policy::Enforcer (rules as
// data, policy/enforcer.h). A request carries the enforcer ApiDependencies::policy gave
// ApiApp (ApiRequest::policy); where it has none, and for the forms taking only a context,
// the built-in defaults decide. Thread-safe.
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

struct ApiRequest;

// The object a rule is checked on: its project_id, user_id and attributes.
using PolicyTarget = policy::Target;

// True when `ctx` passes `rule` for `target` (none = the caller's own project and user).
// An unknown rule is denied (and logged), never allowed.
bool PolicyAllows(const auth::RequestContext& ctx, std::string_view rule,
                  const std::optional<PolicyTarget>& target = std::nullopt);

// 403 "Policy doesn't allow <rule> to be performed." unless allowed.
Result<void> EnforcePolicy(const auth::RequestContext& ctx, std::string_view rule,
                           const std::optional<PolicyTarget>& target = std::nullopt);

// The same decisions by the request's enforcer, for the request's caller.
bool PolicyAllows(const ApiRequest& req, std::string_view rule,
                  const std::optional<PolicyTarget>& target = std::nullopt);
Result<void> EnforcePolicy(const ApiRequest& req, std::string_view rule,
                           const std::optional<PolicyTarget>& target = std::nullopt);

}  // namespace magnum::api
