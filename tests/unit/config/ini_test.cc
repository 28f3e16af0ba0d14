#include "magnum/config/ini.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "magnum/config/config.h"

namespace magnum::config {
namespace {

struct Parsed {
  std::vector<IniEntry> entries;
  std::string error;
};

Parsed Parse(const std::string& text) {
  Parsed p;
  p.error = ParseIni(text, [&](const IniEntry& e) {
    p.entries.push_back(e);
    return true;
  });
  return p;
}

TEST(IniTest, SectionsKeysAndBothSeparators) {
  auto p = Parse("# a comment\n; another\n[DEFAULT]\ndebug = true\n[api]\nhost: 127.0.0.2\n"
                 "url = http://x:1/v3\nhp: a=b\n");
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.entries.size(), 4u);
  EXPECT_EQ(p.entries[0].section, "DEFAULT");
  EXPECT_EQ(p.entries[0].key, "debug");
  EXPECT_EQ(p.entries[0].value, "true");
  EXPECT_EQ(p.entries[0].line, 4);
  EXPECT_EQ(p.entries[1].section, "api");
  EXPECT_EQ(p.entries[1].value, "127.0.0.2");
  // Whichever of '=' and ':' comes first separates.
  EXPECT_EQ(p.entries[2].key, "url");
  EXPECT_EQ(p.entries[2].value, "http://x:1/v3");
  EXPECT_EQ(p.entries[3].key, "hp");
  EXPECT_EQ(p.entries[3].value, "a=b");
}

TEST(IniTest, LinesHaveNoLengthLimit) {
  // inih, used before, cut lines at 200 bytes: a long template_files list (three paths
  // under a deep checkout) became a syntax error.
  std::string path(5000, 'p');
  auto p = Parse("[cluster_heat]\ntemplate_files = /" + path + ",/" + path + "\n");
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.entries.size(), 1u);
  EXPECT_EQ(p.entries[0].value, "/" + path + ",/" + path);
  auto c = LoadFromString("[cluster_heat]\ntemplate_files = /" + path + ", /b\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->cluster_heat_template_files, (std::vector<std::string>{"/" + path, "/b"}));
}

TEST(IniTest, NoInlineCommentsAndQuotesStripped) {
  auto p = Parse("[a]\npassword = se;cr#et ;x\nq1 = \"quoted ; value\"\nq2 = 'x'\nq3 = \"x'\n"
                 "q4 = \"\n");
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.entries.size(), 5u);
  EXPECT_EQ(p.entries[0].value, "se;cr#et ;x");
  EXPECT_EQ(p.entries[1].value, "quoted ; value");
  EXPECT_EQ(p.entries[2].value, "x");
  EXPECT_EQ(p.entries[3].value, "\"x'");
  EXPECT_EQ(p.entries[4].value, "");
}

TEST(IniTest, ContinuationLinesJoinUntilABlankLine) {
  auto p = Parse("[a]\nlist = one,\n  two,\n\tthree\n\nnext = 1\n");
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.entries.size(), 2u);
  EXPECT_EQ(p.entries[0].value, "one,\ntwo,\nthree");
  EXPECT_EQ(p.entries[1].key, "next");
  EXPECT_EQ(p.entries[1].line, 6);
  auto c = LoadFromString("[cluster_heat]\nenvironment_files = /a,\n    /b\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->cluster_heat_environment_files, (std::vector<std::string>{"/a", "/b"}));
}

TEST(IniTest, CrLfBomEmptyValueAndRepeatedKeys) {
  auto p = Parse("\xEF\xBB\xBF[a]\r\nk = 1\r\nempty =\r\nk = 2\r\n");
  ASSERT_EQ(p.error, "");
  ASSERT_EQ(p.entries.size(), 3u);
  EXPECT_EQ(p.entries[0].section, "a");
  EXPECT_EQ(p.entries[0].value, "1");
  EXPECT_EQ(p.entries[1].value, "");
  EXPECT_EQ(p.entries[2].value, "2");
  auto c = LoadFromString("[api]\r\nport = 1111\r\nport = 2222\r\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->api_port, 2222);  // the last one wins, as upstream
}

TEST(IniTest, ErrorsNameTheLine) {
  struct Case {
    const char* text;
    const char* error;
  } cases[] = {
      {"[api\n", "line 1: invalid section (must end with ]): '[api'"},
      {"[]\n", "line 1: empty section name: '[]'"},
      {"[a]\njust words\n", "line 2: no ':' or '=' found in assignment: 'just words'"},
      {"[a]\n = 1\n", "line 2: unexpected continuation line: ' = 1'"},
      {"[a]\n= 1\n", "line 2: key cannot be empty: '= 1'"},
      {"k = 1\n", "line 1: section must be started before assignment: 'k = 1'"},
      {"[a]\n\n  cont\n", "line 3: unexpected continuation line: '  cont'"},
  };
  for (const auto& c : cases) {
    auto p = Parse(c.text);
    EXPECT_EQ(p.error, c.error) << c.text;
    EXPECT_TRUE(p.entries.empty()) << c.text;
  }
  // A long bad line is quoted in part.
  auto p = Parse("[a]\n" + std::string(500, 'x') + "\n");
  EXPECT_EQ(p.error, "line 2: no ':' or '=' found in assignment: '" + std::string(80, 'x') + "...'");
}

TEST(IniTest, StopsWhenTheCallerRefusesAnEntry) {
  int calls = 0;
  std::string error = ParseIni("[a]\nk = 1\nk = 2\n", [&](const IniEntry&) {
    ++calls;
    return false;
  });
  EXPECT_EQ(error, "");
  EXPECT_EQ(calls, 1);
  auto c = LoadFromString("[api]\nport = x\n[api\n", "t.conf");
  ASSERT_FALSE(c);
  EXPECT_EQ(c.error().message(),
            "t.conf: line 2: invalid value 'x' for [api] port: expected an integer between 0 "
            "and 65535");
}

TEST(IniTest, SectionNamesAreCaseInsensitive) {
  auto c = LoadFromString("[Default]\ndebug = true\n[API]\nport = 1234\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->debug);
  EXPECT_EQ(c->api_port, 1234);
}

}  // namespace
}  // namespace magnum::config
