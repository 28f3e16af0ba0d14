#include "magnum/policy/enforcer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <unordered_map>
#include <vector>

#include "magnum/auth/context.h"
#include "magnum/config/config.h"
#include "magnum/policy/defaults.h"
#include "magnum/policy/policy_file.h"
#include "magnum/policy/rules.h"

namespace magnum::policy {
namespace {

// Rules from the built-in defaults and the policy file; scope types stay the defaults'.
class RuleEnforcer final : public Enforcer {
 public:
  RuleEnforcer(RuleSet rules, std::unordered_map<std::string, std::vector<std::string>> scopes,
               bool enforce_scope)
      : rules_(std::move(rules)), scopes_(std::move(scopes)), enforce_scope_(enforce_scope) {}

  bool Allows(const auth::RequestContext& ctx, std::string_view rule,
              const Target& target) const override {
    return Check(CredentialsOf(ctx), rule, target);
  }

  bool Check(const Credentials& creds, std::string_view rule, const Target& target) const override {
    if (!rules_.Contains(rule)) {
      spdlog::error("policy: unknown rule '{}' denied", rule);
      return false;
    }
    if (!ScopeAllowed(creds, rule)) return false;
    return rules_.Evaluate(rule, creds, target);
  }

  bool Knows(std::string_view rule) const override { return rules_.Contains(rule); }

 private:
  // A token is system-, domain- or project-scoped (no scope at all counts as project, as
  // under noauth). Rules without scope types accept every scope.
  bool ScopeAllowed(const Credentials& creds, std::string_view rule) const {
    auto it = scopes_.find(std::string(rule));
    if (it == scopes_.end() || it->second.empty()) return true;
    auto value = [&](const char* key) {
      auto v = creds.values.find(key);
      return v == creds.values.end() ? std::string_view() : std::string_view(v->second);
    };
    std::string_view scope = !value("system_scope").empty() ? "system"
                             : value("project_id").empty() && !value("domain_id").empty()
                                 ? "domain"
                                 : "project";
    if (std::find(it->second.begin(), it->second.end(), scope) != it->second.end()) return true;
    if (enforce_scope_) {
      spdlog::warn("policy: rule '{}' is not for {}-scoped tokens; denied", rule, scope);
      return false;
    }
    spdlog::warn("policy: rule '{}' is not for {}-scoped tokens (allowed: enforce_scope is off)",
                 rule, scope);
    return true;
  }

  RuleSet rules_;
  std::unordered_map<std::string, std::vector<std::string>> scopes_;
  bool enforce_scope_;
};

}  // namespace

Credentials CredentialsOf(const auth::RequestContext& ctx) {
  Credentials c;
  auto has = [&](const char* r) { return ctx.HasRole(r); };
  c.roles = ctx.roles;
  // Keystone's default implied roles: admin => member => reader.
  if (has("admin") && !has("member")) c.roles.push_back("member");
  if ((has("admin") || has("member")) && !has("reader")) c.roles.push_back("reader");
  c.values["user_id"] = ctx.user_id;
  c.values["project_id"] = ctx.project_id;
  c.values["domain_id"] = ctx.domain_id;
  c.values["is_admin"] = ctx.is_admin ? "True" : "False";
  return c;
}

Result<std::unique_ptr<Enforcer>> NewEnforcer(const EnforcerOptions& options) {
  RuleSet rules;
  std::unordered_map<std::string, std::vector<std::string>> scopes;
  for (const auto& d : DefaultRules()) {
    std::string check(d.check);
    if (!options.enforce_new_defaults && !d.deprecated.empty()) {
      check = "(" + check + ") or (" + std::string(d.deprecated) + ")";
    }
    MAGNUM_RETURN_IF_ERROR(rules.Set(d.name, check, "built-in default"));
    scopes[std::string(d.name)].assign(d.scope_types.begin(), d.scope_types.end());
  }
  if (!options.policy_file.empty()) {
    auto file = ReadPolicyFile(options.policy_file);
    if (!file) return Fail(file.error());
    for (const auto& r : *file) {
      const std::string origin = options.policy_file + ":" + std::to_string(r.line);
      if (!rules.Contains(r.name)) {
        spdlog::warn(
            "policy: {}: rule '{}' is not one of Magnum's rules (kept, for rule: "
            "references)",
            origin, r.name);
      }
      MAGNUM_RETURN_IF_ERROR(rules.Set(r.name, r.check, origin));
    }
    spdlog::info("policy: {} rule(s) from {} override the defaults", file->size(),
                 options.policy_file);
  }
  auto warnings = rules.Validate();
  if (!warnings) {
    return Fail(options.policy_file.empty() ? warnings.error()
                                            : warnings.error().WithContext(options.policy_file));
  }
  for (const auto& w : *warnings) spdlog::warn("policy: {}", w);
  return std::unique_ptr<Enforcer>(
      std::make_unique<RuleEnforcer>(std::move(rules), std::move(scopes), options.enforce_scope));
}

std::optional<std::string> ResolvePolicyFile(const config::Config& config) {
  namespace fs = std::filesystem;
  const fs::path name = config.policy_file.empty() ? "policy.yaml" : config.policy_file;
  std::error_code ec;
  if (name.is_absolute()) {
    if (fs::exists(name, ec)) return name.string();
    return std::nullopt;
  }
  std::vector<fs::path> dirs;
  for (auto it = config.config_files.rbegin(); it != config.config_files.rend(); ++it) {
    dirs.push_back(fs::path(*it).parent_path());
  }
  dirs.push_back(config.state_path);
  dirs.push_back("/etc/magnum");
  for (const auto& d : dirs) {
    fs::path p = d / name;
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return std::nullopt;
}

Result<std::unique_ptr<Enforcer>> NewEnforcerFromConfig(const config::Config& config) {
  EnforcerOptions options;
  options.enforce_scope = config.policy_enforce_scope;
  options.enforce_new_defaults = config.policy_enforce_new_defaults;
  auto path = ResolvePolicyFile(config);
  if (path) {
    options.policy_file = *path;
  } else if (!config.policy_file.empty()) {
    return Fail(Error::InvalidArgument("[oslo_policy] policy_file " + config.policy_file +
                                       " not found (looked beside the config files, in "
                                       "state_path and in /etc/magnum)"));
  } else {
    spdlog::info("policy: no policy.yaml found; the built-in defaults apply");
  }
  return NewEnforcer(options);
}

const Enforcer& DefaultEnforcer() {
  static const std::unique_ptr<Enforcer> enforcer = [] {
    auto made = NewEnforcer(EnforcerOptions{});
    if (!made) {  // the built-in defaults are a constant: a failure is a broken invariant
      spdlog::critical("policy: built-in defaults do not parse: {}", made.error().message());
      std::abort();
    }
    return std::move(*made);
  }();
  return *enforcer;
}

}  // namespace magnum::policy
