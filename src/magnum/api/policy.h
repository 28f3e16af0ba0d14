// The default policy of §4 as code: rule name -> check. Thread-safe (immutable).
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "magnum/auth/context.h"
#include "magnum/common/error.h"

namespace magnum::api {

struct PolicyTarget {
  std::string project_id;
  std::string user_id;
};

// True when `ctx` passes `rule` for `target` (none = the caller's own project and user).
// An unknown rule is denied (and logged), never allowed.
bool PolicyAllows(const auth::RequestContext& ctx, std::string_view rule,
                  const std::optional<PolicyTarget>& target = std::nullopt);

// 403 "Policy doesn't allow <rule> to be performed." unless allowed.
Result<void> EnforcePolicy(const auth::RequestContext& ctx, std::string_view rule,
                           const std::optional<PolicyTarget>& target = std::nullopt);

}  // namespace magnum::api
