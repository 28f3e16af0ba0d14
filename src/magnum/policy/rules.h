// A set of named policy rules in oslo.policy's rule language, parsed once, then evaluated
// against credentials and a target.
//
// Syntax (as oslo.policy): checks `kind:match` joined by `and`, `or`, `not` and parentheses
// (`not` binds tightest, then `and`, then `or`); `@` always, `!` never, "" (empty) always.
// Kinds: `rule:<name>` (another rule; an undefined one is false), `role:<name>` (case-
// insensitive), a quoted or Python literal (`'member':%(role)s`, `True:%(enabled)s`), and any
// other name compared with that credential (`project_id:%(project_id)s`, `is_admin:True`).
// `%(name)s` in the match reads the target (Target::Get); a missing field makes the check
// false. A credential that is absent or empty never matches.
//
// Not thread-safe while being built (Add); once built, const methods may be called
// concurrently. The parsed trees stay private to rules.cc.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/policy/target.h"

namespace magnum::policy {

// Who is asking. `values` holds the scalar credentials by oslo name: user_id, project_id,
// domain_id, user_domain_id, project_domain_id, system_scope, is_admin ("True"/"False").
struct Credentials {
  std::vector<std::string> roles;
  std::map<std::string, std::string, std::less<>> values;
};

// Rule evaluation stops (false, logged) beyond this many nested `rule:` references.
inline constexpr int kMaxRuleDepth = 32;

class RuleSet {
 public:
  RuleSet();
  ~RuleSet();
  RuleSet(RuleSet&&) noexcept;
  RuleSet& operator=(RuleSet&&) noexcept;

  // Parses `check` and adds it as `name`, replacing a rule of that name. `origin` says where
  // the text came from ("policy.yaml:12", "built-in default") for the error message:
  // InvalidArgument "<origin>: rule '<name>': <what> at position <n> in '<check>'".
  Result<void> Set(std::string_view name, std::string_view check, std::string_view origin = "");

  // After the last Set: a `rule:` cycle is InvalidArgument naming the rules in it. The
  // returned warnings name references to undefined rules (which evaluate false).
  Result<std::vector<std::string>> Validate() const;

  bool Contains(std::string_view name) const;
  // The check string of `name` as given to Set ("" when absent).
  std::string CheckString(std::string_view name) const;
  std::vector<std::string> Names() const;

  // Whether `name` passes. An undefined rule is false.
  bool Evaluate(std::string_view name, const Credentials& creds, const Target& target) const;

 private:
  friend Result<bool> EvaluateCheckString(const RuleSet&, std::string_view, const Credentials&,
                                          const Target&);
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Parses a check string alone ("" ok); the error names `position` (1-based) and what was
// expected. For validation and tests.
Result<void> ParseCheckString(std::string_view check);

// Evaluates a check string alone against `rules` (for `rule:` references); parse errors as
// ParseCheckString.
Result<bool> EvaluateCheckString(const RuleSet& rules, std::string_view check,
                                 const Credentials& creds, const Target& target);

}  // namespace magnum::policy
