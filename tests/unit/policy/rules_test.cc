#include "magnum/policy/rules.h"

#include <gtest/gtest.h>

namespace magnum::policy {
namespace {

Credentials Creds(std::vector<std::string> roles, std::string project = "p1",
                  std::string user = "u1", bool is_admin = false) {
  Credentials c;
  c.roles = std::move(roles);
  c.values["project_id"] = std::move(project);
  c.values["user_id"] = std::move(user);
  c.values["is_admin"] = is_admin ? "True" : "False";
  c.values["domain_id"] = "d1";
  return c;
}

Target Tgt(std::string project = "p1", std::string user = "u1",
           std::map<std::string, std::string, std::less<>> attrs = {}) {
  return Target{std::move(project), std::move(user), std::move(attrs)};
}

bool Eval(const std::string& check, const Credentials& c, const Target& t,
          const RuleSet& rules = RuleSet()) {
  auto r = EvaluateCheckString(rules, check, c, t);
  EXPECT_TRUE(r.has_value()) << check << ": " << (r ? "" : r.error().message());
  return r && *r;
}

// Every construct of the language, each a row: check string, expected for a member of p1
// (user u1, roles member+reader) on a target in p1 owned by u1 with attributes.
TEST(PolicyRulesTest, EveryConstruct) {
  RuleSet rules;
  ASSERT_TRUE(rules.Set("yes", "@"));
  ASSERT_TRUE(rules.Set("no", "!"));
  ASSERT_TRUE(rules.Set("member_here", "role:member and project_id:%(project_id)s"));
  const Credentials c = Creds({"member", "Reader"});
  const Target t = Tgt("p1", "u1",
                       {{"trustee_id", "u1"},
                        {"role.name", "member"},
                        {"enabled", "True"},
                        {"count", "3"},
                        {"pct", "50%"}});
  struct Case {
    const char* check;
    bool want;
  } cases[] = {
      {"", true},
      {"@", true},
      {"!", false},
      {"role:member", true},
      {"role:MEMBER", true},  // roles compare case-insensitively
      {"role:reader", true},  // ... both ways
      {"role:admin", false},
      {"role:%(role.name)s", true},  // a role taken from the target
      {"role:%(missing)s", false},
      {"project_id:%(project_id)s", true},
      {"project_id:%(target.project_id)s", true},  // target.<field> falls back to <field>
      {"project_id:p1", true},
      {"project_id:p2", false},
      {"user_id:%(user_id)s", true},
      {"user_id:%(trustee_id)s", true},
      {"user_id:%(missing)s", false},  // a missing target field is false
      {"domain_id:d1", true},
      {"is_admin:True", false},
      {"is_admin:False", true},
      {"roles:member", true},
      {"roles:admin", false},
      {"system_scope:all", false},  // an absent credential never matches
      {"'member':%(role.name)s", true},
      {"\"member\":%(role.name)s", true},
      {"'admin':%(role.name)s", false},
      {"True:%(enabled)s", true},
      {"3:%(count)s", true},
      {"pct:50%%", false},
      {"'50%':%(pct)s", true},
      {"rule:yes", true},
      {"rule:no", false},
      {"rule:member_here", true},
      {"rule:undefined", false},  // an undefined rule is false
      {"not rule:no", true},
      {"NOT rule:yes", false},
      {"not not rule:yes", true},
      {"rule:yes and rule:no", false},
      {"rule:yes AND rule:yes", true},
      {"rule:yes or rule:no", true},
      {"rule:no Or rule:no", false},
      {"(rule:yes)", true},
      {"((rule:no or rule:yes))", true},
      {"( rule:no or rule:yes )", true},
      {"rule:no or (rule:yes and role:member)", true},
      {"not (rule:yes and rule:no)", true},
  };
  for (const auto& cs : cases) EXPECT_EQ(Eval(cs.check, c, t, rules), cs.want) << cs.check;
}

// `not` binds tighter than `and`, which binds tighter than `or` (as oslo.policy).
TEST(PolicyRulesTest, Precedence) {
  RuleSet rules;
  ASSERT_TRUE(rules.Set("t", "@"));
  ASSERT_TRUE(rules.Set("f", "!"));
  const Credentials c = Creds({});
  const Target t = Tgt();
  struct Case {
    const char* check;
    bool want;
  } cases[] = {
      {"rule:t or rule:t and rule:f", true},  // t or (t and f); (t or t) and f = false
      {"rule:f and rule:t or rule:t", true},  // (f and t) or t
      {"rule:f and (rule:t or rule:t)", false},
      {"not rule:t and rule:f", false},  // (not t) and f
      {"not rule:f and rule:t", true},   // (not f) and t; not (f and t) also true
      {"not rule:t or rule:t", true},    // (not t) or t; not (t or t) = false
      {"not (rule:t or rule:t)", false},
      {"rule:f or not rule:f and rule:t", true},
      {"rule:f or rule:f or rule:t", true},
      {"rule:t and rule:t and rule:f", false},
      {"rule:t and rule:t or rule:f and rule:f", true},
      {"rule:f and rule:t or rule:t and rule:f", false},
  };
  for (const auto& cs : cases) EXPECT_EQ(Eval(cs.check, c, t, rules), cs.want) << cs.check;
}

TEST(PolicyRulesTest, SyntaxErrorsNamePositionAndWhat) {
  struct Case {
    const char* check;
    const char* message_part;
  } cases[] = {
      {"role:admin and", "expected a check, 'not' or '(', found the end at position 15"},
      {"or role:admin", "at position 1"},
      {"role:admin role:member", "expected 'and' or 'or', found 'role:member' at position 12"},
      {"(role:admin", "expected ')', found the end at position 12"},
      {"role:admin)", "')' without a matching '(', found ')' at position 11"},
      {"()", "expected a check, 'not' or '(', found ')' at position 2"},
      {"admin", "'admin' is not a check (kind:match, @ or !)"},
      {"'admin'", "a quoted string is not a check"},
      {":admin", "a check needs a kind before ':'"},
      {"rule:", "'rule:' needs a rule name"},
      {"http://example.com", "http checks are not supported"},
      {"project_id:%(project_id)", "a '%' must start '%(field)s' or be '%%' at position 12"},
      {"project_id:%s", "at position 12"},
      {"user_id:%()s", "a '%' must start"},
      {"not", "found the end"},
      {"   ", "a blank rule"},
  };
  for (const auto& cs : cases) {
    auto r = ParseCheckString(cs.check);
    ASSERT_FALSE(r) << cs.check;
    EXPECT_NE(r.error().message().find(cs.message_part), std::string::npos)
        << cs.check << " -> " << r.error().message();
  }
  RuleSet rules;
  auto r = rules.Set("cluster:create", "role:admin or", "policy.yaml:7");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(),
            "policy.yaml:7: rule 'cluster:create': expected a check, 'not' or '(', found the "
            "end at position 14 in 'role:admin or'");
  EXPECT_FALSE(rules.Contains("cluster:create"));
}

TEST(PolicyRulesTest, ReplacingAndListing) {
  RuleSet rules;
  ASSERT_TRUE(rules.Set("b", "role:x"));
  ASSERT_TRUE(rules.Set("a", "@"));
  ASSERT_TRUE(rules.Set("b", "!"));
  EXPECT_EQ(rules.Names(), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(rules.CheckString("b"), "!");
  EXPECT_FALSE(rules.Evaluate("b", Creds({"x"}), Tgt()));
  EXPECT_FALSE(rules.Evaluate("nope", Creds({"x"}), Tgt()));
  EXPECT_FALSE(rules.Set("", "@"));
}

TEST(PolicyRulesTest, CyclesAreRefusedAndNamed) {
  RuleSet rules;
  ASSERT_TRUE(rules.Set("a", "rule:b or role:x"));
  ASSERT_TRUE(rules.Set("b", "role:y and (rule:c)"));
  ASSERT_TRUE(rules.Set("c", "not rule:a"));
  ASSERT_TRUE(rules.Set("d", "rule:a"));
  auto v = rules.Validate();
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message().find("cycle: a -> b -> c -> a"), std::string::npos)
      << v.error().message();

  RuleSet self;
  ASSERT_TRUE(self.Set("s", "rule:s"));
  ASSERT_FALSE(self.Validate());
  // Even unvalidated, evaluation of a cycle ends (bounded depth) and denies.
  EXPECT_FALSE(self.Evaluate("s", Creds({}), Tgt()));
}

TEST(PolicyRulesTest, UndefinedReferencesAreWarnings) {
  RuleSet rules;
  ASSERT_TRUE(rules.Set("a", "rule:ghost or rule:b"));
  ASSERT_TRUE(rules.Set("b", "@"));
  auto v = rules.Validate();
  ASSERT_TRUE(v);
  ASSERT_EQ(v->size(), 1u);
  EXPECT_EQ((*v)[0], "rule 'a' refers to undefined rule 'ghost' (false)");
  EXPECT_TRUE(rules.Evaluate("a", Creds({}), Tgt()));
}

TEST(PolicyRulesTest, DeepButAcyclicChainsStopAtTheDepthBound) {
  RuleSet rules;
  const int n = kMaxRuleDepth + 5;
  for (int i = 0; i < n; ++i) {
    ASSERT_TRUE(rules.Set("r" + std::to_string(i), "rule:r" + std::to_string(i + 1)));
  }
  ASSERT_TRUE(rules.Set("r" + std::to_string(n), "@"));
  ASSERT_TRUE(rules.Validate());
  EXPECT_TRUE(rules.Evaluate("r10", Creds({}), Tgt()));  // within the bound
  EXPECT_FALSE(rules.Evaluate("r0", Creds({}), Tgt()));  // beyond: denied
}

TEST(PolicyRulesTest, DeepParenthesesAreAnErrorNotACrash) {
  std::string deep(100000, '(');
  deep += "@";
  deep += std::string(100000, ')');
  auto r = ParseCheckString(deep);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("nesting too deep"), std::string::npos);
  std::string nots;
  for (int i = 0; i < 100000; ++i) nots += "not ";
  EXPECT_FALSE(ParseCheckString(nots + "@"));
  EXPECT_TRUE(ParseCheckString("((((@))))"));
}

TEST(PolicyRulesTest, TargetLookup) {
  Target t{"p", "u", {{"name", "x"}, {"target.only", "y"}, {"project_id", "override"}}};
  EXPECT_EQ(t.Get("user_id").value(), "u");
  EXPECT_EQ(t.Get("project_id").value(), "override");  // attributes first
  EXPECT_EQ(t.Get("target.name").value(), "x");
  EXPECT_EQ(t.Get("target.only").value(), "y");
  EXPECT_EQ(t.Get("target.user_id").value(), "u");
  EXPECT_FALSE(t.Get("missing").has_value());
}

}  // namespace
}  // namespace magnum::policy
