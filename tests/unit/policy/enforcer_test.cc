#include "magnum/policy/enforcer.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>

#include "magnum/auth/context.h"
#include "magnum/config/config.h"
#include "magnum/policy/policy_file.h"
#include "magnum/policy/rules.h"
#include "testing/request_context.h"

namespace magnum::policy {
namespace {

namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "policy-test-XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  std::string Write(const std::string& name, const std::string& text) const {
    fs::path p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p.string();
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

using testing_util::Ctx;

const auth::RequestContext kAdmin = Ctx("p1", "u1", {"admin"});
const auth::RequestContext kMember = Ctx("p1", "u1", {"member"});
const auth::RequestContext kReader = Ctx("p1", "u1", {"reader"});
const Target kOwn{"p1", "u1"};

std::unique_ptr<Enforcer> Make(const std::string& file, bool new_defaults = true,
                               bool scope = true) {
  EnforcerOptions o;
  o.policy_file = file;
  o.enforce_new_defaults = new_defaults;
  o.enforce_scope = scope;
  auto e = NewEnforcer(o);
  EXPECT_TRUE(e) << (e ? "" : e.error().message());
  return e ? std::move(*e) : nullptr;
}

// Captures what the enforcer logs while alive.
class LogCapture {
 public:
  LogCapture() : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(64)) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~LogCapture() { spdlog::default_logger()->sinks().pop_back(); }
  std::string Text() const {
    std::string all;
    for (const auto& l : sink_->last_formatted()) all += l;
    return all;
  }

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
};

TEST(PolicyEnforcerTest, YamlFileOverridesDefaultsOfTheSameName) {
  TempDir dir;
  std::string path = dir.Write("policy.yaml",
                               "# operator overrides\n"
                               "\"clustertemplate:create\": \"rule:context_is_admin\"\n"
                               "cluster:get_all: \"role:reader and project_id:%(project_id)s\"\n"
                               "project_reader: \"role:auditor and project_id:%(project_id)s\"\n"
                               "my_helper: \"role:auditor\"\n"
                               "quota:get_all: \"rule:my_helper or rule:context_is_admin\"\n");
  LogCapture logs;
  auto e = Make(path);
  ASSERT_TRUE(e);
  EXPECT_FALSE(e->Allows(kMember, "clustertemplate:create", kOwn));  // was admin-or-member
  EXPECT_TRUE(e->Allows(kAdmin, "clustertemplate:create", kOwn));
  EXPECT_TRUE(e->Allows(kMember, "cluster:create", kOwn));  // untouched default
  // A base rule replaced changes every rule built on it.
  auto auditor = Ctx("p1", "u1", {"auditor"});
  EXPECT_TRUE(e->Allows(auditor, "cluster:get", kOwn));
  EXPECT_FALSE(e->Allows(kReader, "cluster:get", kOwn));
  EXPECT_TRUE(e->Allows(auditor, "quota:get_all", kOwn));
  EXPECT_FALSE(e->Allows(kMember, "quota:get_all", kOwn));
  EXPECT_NE(logs.Text().find("rule 'my_helper' is not one of Magnum's rules"), std::string::npos)
      << logs.Text();
  EXPECT_NE(logs.Text().find(path + ":5"), std::string::npos) << logs.Text();
}

TEST(PolicyEnforcerTest, JsonFileAndReadersAllowedToCreate) {
  TempDir dir;
  std::string path =
      dir.Write("policy.json",
                "{\n  \"clustertemplate:create\": \"role:reader and project_id:%(project_id)s\",\n"
                "  \"cluster:delete\": \"\",\n  \"cluster:update\": \"!\"\n}\n");
  auto e = Make(path);
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->Allows(kReader, "clustertemplate:create", kOwn));
  EXPECT_TRUE(e->Allows(Ctx("p9", "u9", {}), "cluster:delete", kOwn));  // "" = always
  EXPECT_FALSE(e->Allows(kAdmin, "cluster:update", kOwn));              // ! = never
}

TEST(PolicyEnforcerTest, FileErrorsNameFileLineAndRule) {
  TempDir dir;
  struct Case {
    std::string text;
    std::string message;
  } cases[] = {
      {"a: \"@\"\ncluster:create: \"role:admin or\"\n",
       ":2: rule 'cluster:create': expected a check, 'not' or '(', found the end at position 14"},
      {"cluster:create:\n", ":1: rule 'cluster:create' has no check string"},
      {"cluster:create:\n  - [\"role:admin\"]\n", ":1: rule 'cluster:create': the list form"},
      {"- role:admin\n", ":1: a policy file must map rule names to check strings"},
      {"a: \"@\"\na: \"!\"\n", ":2: rule 'a' is given twice"},
      {"a: [unclosed\n", ": not valid YAML or JSON"},
      {"a: \"rule:b\"\nb: \"rule:a\"\n", "cycle: a -> b -> a"},
  };
  for (const auto& c : cases) {
    std::string path = dir.Write("bad.yaml", c.text);
    auto e = NewEnforcer(EnforcerOptions{path, true, true});
    ASSERT_FALSE(e) << c.text;
    EXPECT_NE(e.error().message().find(c.message), std::string::npos)
        << c.text << " -> " << e.error().message();
    EXPECT_NE(e.error().message().find(path), std::string::npos) << e.error().message();
  }
  auto missing = NewEnforcer(EnforcerOptions{(dir.path() / "nope.yaml").string(), true, true});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("cannot read policy file"), std::string::npos);
}

TEST(PolicyEnforcerTest, EmptyFileMeansDefaults) {
  TempDir dir;
  auto e = Make(dir.Write("policy.yaml", "# nothing overridden\n"));
  ASSERT_TRUE(e);
  EXPECT_TRUE(e->Allows(kMember, "cluster:create", kOwn));
  EXPECT_FALSE(e->Allows(kReader, "cluster:create", kOwn));
}

TEST(PolicyEnforcerTest, OldDefaultsWhenNewDefaultsAreNotEnforced) {
  auto any_role = Ctx("p1", "u1", {"heat_stack_owner"});
  auto strict = Make("", /*new_defaults=*/true);
  auto old = Make("", /*new_defaults=*/false);
  ASSERT_TRUE(strict && old);
  // Deprecated admin_or_owner: any role in the project suffices.
  EXPECT_FALSE(strict->Allows(any_role, "cluster:create", kOwn));
  EXPECT_TRUE(old->Allows(any_role, "cluster:create", kOwn));
  EXPECT_FALSE(old->Allows(any_role, "cluster:create", Target{"p2", "u1"}));
  // Deprecated admin_or_user: the same user suffices.
  EXPECT_TRUE(old->Allows(any_role, "certificate:get", Target{"p2", "u1"}));
  EXPECT_FALSE(strict->Allows(any_role, "certificate:get", Target{"p2", "u1"}));
  // Admin-only rules have no deprecated form.
  EXPECT_FALSE(old->Allows(any_role, "quota:create", kOwn));
}

TEST(PolicyEnforcerTest, ScopeTypesWithEnforceScope) {
  Credentials system_admin;
  system_admin.roles = {"admin"};
  system_admin.values["system_scope"] = "all";
  system_admin.values["user_id"] = "u1";
  auto enforced = Make("", true, /*scope=*/true);
  auto relaxed = Make("", true, /*scope=*/false);
  ASSERT_TRUE(enforced && relaxed);
  // cluster:create is for project-scoped tokens; quota:create has no scope types.
  EXPECT_FALSE(enforced->Check(system_admin, "cluster:create", kOwn));
  EXPECT_TRUE(relaxed->Check(system_admin, "cluster:create", kOwn));
  EXPECT_TRUE(enforced->Check(system_admin, "quota:create", kOwn));
  Credentials project_admin = CredentialsOf(kAdmin);
  EXPECT_TRUE(enforced->Check(project_admin, "cluster:create", kOwn));
}

TEST(PolicyEnforcerTest, CredentialsAddKeystoneImpliedRoles) {
  EXPECT_EQ(CredentialsOf(Ctx("p", "u", {"admin"})).roles,
            (std::vector<std::string>{"admin", "member", "reader"}));
  EXPECT_EQ(CredentialsOf(Ctx("p", "u", {"member"})).roles,
            (std::vector<std::string>{"member", "reader"}));
  EXPECT_EQ(CredentialsOf(Ctx("p", "u", {"reader", "x"})).roles,
            (std::vector<std::string>{"reader", "x"}));
  auto c = CredentialsOf(Ctx("p", "u", {"admin"}));
  EXPECT_EQ(c.values["is_admin"], "True");
  EXPECT_EQ(c.values["project_id"], "p");
  EXPECT_EQ(c.values["user_id"], "u");
}

TEST(PolicyEnforcerTest, PolicyFileIsFoundBesideConfigFilesThenStatePath) {
  TempDir dir;
  config::Config cfg;
  cfg.config_files = {(dir.path() / "etc1/magnum.conf").string(),
                      (dir.path() / "etc2/magnum.conf").string()};
  cfg.state_path = (dir.path() / "state").string();
  EXPECT_FALSE(ResolvePolicyFile(cfg).has_value());
  // A missing default policy.yaml: the defaults alone.
  auto defaults = NewEnforcerFromConfig(cfg);
  ASSERT_TRUE(defaults);
  EXPECT_TRUE((*defaults)->Allows(kMember, "cluster:create", kOwn));

  std::string in_state = dir.Write("state/policy.yaml", "cluster:create: \"!\"\n");
  EXPECT_EQ(ResolvePolicyFile(cfg).value(), in_state);
  std::string in_etc1 = dir.Write("etc1/policy.yaml", "cluster:create: \"!\"\n");
  EXPECT_EQ(ResolvePolicyFile(cfg).value(), in_etc1);
  std::string in_etc2 = dir.Write("etc2/policy.yaml", "cluster:create: \"!\"\n");
  EXPECT_EQ(ResolvePolicyFile(cfg).value(), in_etc2);  // the last config file's dir first
  auto from_file = NewEnforcerFromConfig(cfg);
  ASSERT_TRUE(from_file);
  EXPECT_FALSE((*from_file)->Allows(kAdmin, "cluster:create", kOwn));

  cfg.policy_file = "custom.json";
  auto missing = NewEnforcerFromConfig(cfg);
  ASSERT_FALSE(missing);  // set explicitly and not found: an error at start
  EXPECT_NE(missing.error().message().find("[oslo_policy] policy_file custom.json not found"),
            std::string::npos);
  std::string custom = dir.Write("etc1/custom.json", "{\"cluster:create\": \"role:admin\"}");
  EXPECT_EQ(ResolvePolicyFile(cfg).value(), custom);
  cfg.policy_file = custom;  // absolute
  EXPECT_EQ(ResolvePolicyFile(cfg).value(), custom);
  auto made = NewEnforcerFromConfig(cfg);
  ASSERT_TRUE(made);
  EXPECT_FALSE((*made)->Allows(kMember, "cluster:create", kOwn));
  EXPECT_TRUE((*made)->Allows(kAdmin, "cluster:create", kOwn));
}

TEST(PolicyEnforcerTest, OsloPolicyOptionsParse) {
  auto cfg = config::LoadFromString(
      "[oslo_policy]\npolicy_file = /etc/magnum/p.yaml\nenforce_scope = false\n"
      "enforce_new_defaults = False\n");
  ASSERT_TRUE(cfg) << cfg.error().message();
  EXPECT_EQ(cfg->policy_file, "/etc/magnum/p.yaml");
  EXPECT_FALSE(cfg->policy_enforce_scope);
  EXPECT_FALSE(cfg->policy_enforce_new_defaults);
  EXPECT_TRUE(cfg->warnings.empty());
  config::Config defaults;
  EXPECT_TRUE(defaults.policy_enforce_scope);
  EXPECT_TRUE(defaults.policy_enforce_new_defaults);
  EXPECT_FALSE(config::LoadFromString("[oslo_policy]\nenforce_scope = maybe\n"));
}

TEST(PolicyEnforcerTest, ParsePolicyTextKeepsLines) {
  auto rules = ParsePolicyText("\n# c\n\"a\": \"@\"\n\nb: \"!\"\n", "x.yaml");
  ASSERT_TRUE(rules);
  ASSERT_EQ(rules->size(), 2u);
  EXPECT_EQ((*rules)[0].name, "a");
  EXPECT_EQ((*rules)[0].line, 3);
  EXPECT_EQ((*rules)[1].check, "!");
  EXPECT_EQ((*rules)[1].line, 5);
  auto empty = ParsePolicyText("", "e.yaml");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

}  // namespace
}  // namespace magnum::policy
