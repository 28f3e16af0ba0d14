// Upstream Magnum's default policy (magnum/common/policies/*.py, 2023.2+ "new defaults"),
// as data. Immutable; thread-safe.
#pragma once

#include <string_view>
#include <vector>

namespace magnum::policy {

struct RuleDefault {
  std::string_view name;
  std::string_view check;
  // The pre-2023.2 check, honoured as `(check) or (deprecated)` when
  // [oslo_policy] enforce_new_defaults = false; "" = none.
  std::string_view deprecated;
  // Token scopes the rule is meant for ("project"); empty = any.
  std::vector<std::string_view> scope_types;
};

// Every default, base rules first. Names are unique.
const std::vector<RuleDefault>& DefaultRules();

}  // namespace magnum::policy
