// The policy enforcer: decides whether a request may perform a named rule on a target.
//
// The interface is what the API depends on; NewEnforcer builds the implementation from
// upstream Magnum's defaults (defaults.h) and an operator's policy file (policy_file.h),
// parsed by rules.h. Implementations are immutable once built and thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "magnum/common/error.h"
#include "magnum/policy/target.h"

namespace magnum {
namespace auth {
struct RequestContext;
}
namespace config {
struct Config;
}
}  // namespace magnum

namespace magnum::policy {

struct Credentials;

class Enforcer {
 public:
  virtual ~Enforcer() = default;

  // True when `ctx` passes `rule` for `target`. An unknown rule is false (and logged).
  virtual bool Allows(const auth::RequestContext& ctx, std::string_view rule,
                      const Target& target) const = 0;

  // The same decision for credentials given directly (system scope, domains...).
  virtual bool Check(const Credentials& creds, std::string_view rule,
                     const Target& target) const = 0;

  // Whether `rule` is defined (by default or by the policy file).
  virtual bool Knows(std::string_view rule) const = 0;
};

struct EnforcerOptions {
  std::string policy_file;  // "" = the defaults alone; else it must be readable
  // [oslo_policy] enforce_scope: a rule meant for project-scoped tokens refuses a system-
  // or domain-scoped token (false: allowed, logged).
  bool enforce_scope = true;
  // [oslo_policy] enforce_new_defaults: false also accepts each rule's deprecated
  // pre-2023.2 check (any role in the project).
  bool enforce_new_defaults = true;
};

// The credentials oslo.policy sees for `ctx`: its ids, is_admin ("True"/"False") and roles
// with Keystone's default implied roles added (admin => member => reader).
Credentials CredentialsOf(const auth::RequestContext& ctx);

// Defaults overridden by the policy file's rules of the same name (other names are kept,
// with a warning). Errors are InvalidArgument naming file, line, rule and position: an
// unreadable file, a syntax error, a `rule:` cycle.
Result<std::unique_ptr<Enforcer>> NewEnforcer(const EnforcerOptions& options);

// From [oslo_policy] of `config`: the file is ResolvePolicyFile's; a missing default
// policy.yaml means the defaults alone, a missing file that was set is an error.
Result<std::unique_ptr<Enforcer>> NewEnforcerFromConfig(const config::Config& config);

// Where [oslo_policy] policy_file is: an absolute path as is; a relative one (default
// "policy.yaml") is looked for beside each --config-file (the last first), then in
// [DEFAULT] state_path, then in /etc/magnum. None when not found.
std::optional<std::string> ResolvePolicyFile(const config::Config& config);

// The built-in defaults (new defaults, scope enforced), for callers given no enforcer.
const Enforcer& DefaultEnforcer();

}  // namespace magnum::policy
