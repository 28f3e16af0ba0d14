#include "magnum/ctl/args.h"

#include <gtest/gtest.h>

#include "magnum/ctl/ctl.h"

namespace magnum::ctl {
namespace {

Result<ParsedCommand> Parse(std::vector<std::string> args) {
  return ParseCommandLine(args, GlobalOptions(), Commands());
}

TEST(ArgsTest, CommandPositionalsOptionsAndGlobalsAnywhere) {
  auto p =
      Parse({"--os-cloud", "dev", "cluster-create", "demo", "--cluster-template=tmpl",
             "--node-count", "3", "-f", "json", "--labels", "a=1", "--labels", "b=2", "--wait"});
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->command, "cluster-create");
  EXPECT_EQ(p->positionals, std::vector<std::string>{"demo"});
  EXPECT_EQ(p->Value("--cluster-template"), "tmpl");
  EXPECT_EQ(p->Value("--node-count"), "3");
  EXPECT_EQ(p->Global("--format"), "json");  // -f is an alias, after the command
  EXPECT_EQ(p->Global("--os-cloud"), "dev");
  EXPECT_EQ(p->Values("--labels"), (std::vector<std::string>{"a=1", "b=2"}));
  EXPECT_TRUE(p->Has("--wait"));
  EXPECT_FALSE(p->Has("--merge-labels"));
}

TEST(ArgsTest, AliasesMapToTheCanonicalName) {
  auto p = Parse({"cluster-template-create", "t", "--image-id", "img", "--keypair-id", "k",
                  "--os-endpoint", "http://x"});
  ASSERT_TRUE(p) << p.error().message();
  EXPECT_EQ(p->Value("--image"), "img");
  EXPECT_EQ(p->Value("--keypair"), "k");
  EXPECT_EQ(p->Global("--os-endpoint-override"), "http://x");
  auto b = Parse({"--bypass-url", "http://y", "bay-list"});
  ASSERT_TRUE(b);
  EXPECT_EQ(b->Global("--os-endpoint-override"), "http://y");
}

TEST(ArgsTest, VariadicPositionalsAndDoubleDash) {
  auto p = Parse({"cluster-delete", "a", "b", "c"});
  ASSERT_TRUE(p);
  EXPECT_EQ(p->positionals.size(), 3u);
  auto u = Parse({"cluster-update", "c1", "replace", "node_count=2", "--", "--odd=1"});
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->positionals, (std::vector<std::string>{"c1", "replace", "node_count=2", "--odd=1"}));
}

TEST(ArgsTest, Refusals) {
  struct Case {
    std::vector<std::string> args;
    std::string fragment;
  } cases[] = {
      {{"cluster-frobnicate"}, "unknown command 'cluster-frobnicate'"},
      {{"cluster-list", "--bogus"}, "unknown option --bogus for cluster-list"},
      {{"cluster-create", "x", "--node-count"}, "--node-count needs a value"},
      {{"cluster-show"}, "cluster-show: missing <cluster>"},
      {{"cluster-show", "a", "b"}, "unexpected argument 'b'"},
      {{"cluster-delete"}, "missing <cluster>"},
      {{"cluster-create", "--node-count", "1", "--node-count", "2"}, "more than once"},
      {{"cluster-delete", "x", "--wait=yes"}, "--wait takes no value"},
      {{"cluster-resize", "c"}, "missing <node-count>"},
  };
  for (const auto& c : cases) {
    auto p = Parse(c.args);
    ASSERT_FALSE(p) << c.args[0];
    EXPECT_EQ(p.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(p.error().message().find(c.fragment), std::string::npos)
        << p.error().message() << " lacks " << c.fragment;
  }
}

TEST(ArgsTest, EveryCommandOfTheSeedsAndOfToday) {
  std::vector<std::string> names;
  for (const auto& c : Commands()) names.push_back(c.name);
  for (const char* want : {"bay-create",
                           "bay-delete",
                           "bay-list",
                           "bay-show",
                           "bay-update",
                           "baymodel-create",
                           "baymodel-delete",
                           "baymodel-list",
                           "baymodel-show",
                           "baymodel-update",
                           "container-create",
                           "container-delete",
                           "container-execute",
                           "container-list",
                           "container-logs",
                           "container-pause",
                           "container-reboot",
                           "container-show",
                           "container-start",
                           "container-stop",
                           "container-unpause",
                           "cluster-create",
                           "cluster-delete",
                           "cluster-list",
                           "cluster-show",
                           "cluster-update",
                           "cluster-resize",
                           "cluster-upgrade",
                           "cluster-template-create",
                           "cluster-template-delete",
                           "cluster-template-list",
                           "cluster-template-show",
                           "cluster-template-update",
                           "nodegroup-create",
                           "nodegroup-delete",
                           "nodegroup-list",
                           "nodegroup-show",
                           "nodegroup-update",
                           "cluster-config",
                           "ca-show",
                           "ca-sign",
                           "completion",
                           "help"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), want), names.end()) << want;
  }
}

TEST(KeyValuesTest, PythonClientForms) {
  struct Case {
    std::vector<std::string> items;
    std::map<std::string, std::string> want;
  } cases[] = {
      {{"a=1,b=2"}, {{"a", "1"}, {"b", "2"}}},
      {{"a=1", "b=2"}, {{"a", "1"}, {"b", "2"}}},
      {{"a=1,2,3", "b=x=y"}, {{"a", "1,2,3"}, {"b", "x=y"}}},  // commas continue a value
      {{"a="}, {{"a", ""}}},
      {{"a=1", "a=2"}, {{"a", "2"}}},  // the last wins
  };
  for (const auto& c : cases) {
    auto r = ParseKeyValues(c.items, "--labels");
    ASSERT_TRUE(r) << r.error().message();
    EXPECT_EQ(*r, c.want);
  }
  auto bad = ParseKeyValues({"novalue"}, "--labels");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "--labels takes KEY=VALUE pairs, not 'novalue'");
  EXPECT_FALSE(ParseKeyValues({"=v"}, "--labels"));
}

TEST(HelpTest, UsageAndCommandHelpComeFromTheSpecs) {
  std::string usage = UsageText(GlobalOptions(), Commands());
  EXPECT_NE(usage.find("cluster-template-create"), std::string::npos);
  EXPECT_NE(usage.find("--os-auth-url"), std::string::npos);
  for (const auto& c : Commands()) {
    if (c.name != "cluster-create") continue;
    std::string help = CommandHelpText(c);
    EXPECT_NE(help.find("usage: magnumctl cluster-create [<name>] [options]"), std::string::npos);
    EXPECT_NE(help.find("--labels <KEY1=VALUE1,KEY2=VALUE2>"), std::string::npos);
  }
}

TEST(CompletionTest, BashScriptListsCommandsAndOptions) {
  std::string s = BashCompletionScript(GlobalOptions(), Commands());
  EXPECT_NE(s.find("complete -o default -F _magnumctl magnumctl"), std::string::npos);
  EXPECT_NE(s.find("cluster-create) opts=\""), std::string::npos);
  for (const auto& c : Commands()) EXPECT_NE(s.find(c.name), std::string::npos) << c.name;
  // The options of cluster-resize, and the valued ones listed as such.
  auto line_start = s.find("    cluster-resize) opts=\"");
  ASSERT_NE(line_start, std::string::npos);
  std::string line = s.substr(line_start, s.find('\n', line_start) - line_start);
  EXPECT_EQ(line, "    cluster-resize) opts=\"--nodegroup --nodes-to-remove --wait\" ;;");
  EXPECT_NE(s.find(" --node-count "), std::string::npos);
}

}  // namespace
}  // namespace magnum::ctl
