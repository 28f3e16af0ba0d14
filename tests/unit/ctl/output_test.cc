#include "magnum/ctl/output.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>

namespace magnum::ctl {
namespace {

using Json = nlohmann::json;

// YAML (as yaml-cpp reads it) back to JSON, strings staying strings: the round trip that
// proves JsonToYaml quoted what needs quoting.
Json FromYaml(const YAML::Node& n, const Json& like) {
  if (n.IsMap()) {
    Json o = Json::object();
    for (const auto& kv : n) {
      std::string k = kv.first.as<std::string>();
      o[k] = FromYaml(kv.second, like.is_object() && like.contains(k) ? like[k] : Json());
    }
    return o;
  }
  if (n.IsSequence()) {
    Json a = Json::array();
    for (size_t i = 0; i < n.size(); ++i) {
      a.push_back(FromYaml(n[i], like.is_array() && i < like.size() ? like[i] : Json()));
    }
    return a;
  }
  if (n.IsNull()) return nullptr;
  // yaml-cpp does not type scalars; check the tag: plain scalars are "?", quoted "!".
  std::string s = n.Scalar();
  if (n.Tag() == "!") return s;
  if (s == "true" || s == "false") return s == "true";
  if (s == "null" || s == "~") return nullptr;
  if (s == "{}") return Json::object();
  try {
    size_t used = 0;
    long long v = std::stoll(s, &used);
    if (used == s.size()) return v;
  } catch (...) {
  }
  return s;
}

TEST(TableTest, AlignsCellsAndSpansLines) {
  std::string t = RenderTable({"Field", "Value"}, {{"name", "demo"}, {"é", "a\nbb"}});
  EXPECT_EQ(t,
            "+-------+-------+\n"
            "| Field | Value |\n"
            "+-------+-------+\n"
            "| name  | demo  |\n"
            "| é     | a     |\n"
            "|       | bb    |\n"
            "+-------+-------+\n");
}

TEST(RenderObjectTest, FieldValueTableSortedWithPythonClientCells) {
  auto t = RenderObject(
      R"({"uuid":"u1","name":"c","labels":{"a":"1"},"node_count":2,"master_lb_enabled":false,
          "keypair":null,"node_addresses":["10.0.0.1","10.0.0.2"]})",
      OutputFormat::kTable, {});
  ASSERT_TRUE(t);
  EXPECT_EQ(*t,
            "+-------------------+--------------------+\n"
            "| Field             | Value              |\n"
            "+-------------------+--------------------+\n"
            "| keypair           | -                  |\n"
            "| labels            | {\"a\":\"1\"}          |\n"
            "| master_lb_enabled | False              |\n"
            "| name              | c                  |\n"
            "| node_addresses    | 10.0.0.1, 10.0.0.2 |\n"
            "| node_count        | 2                  |\n"
            "| uuid              | u1                 |\n"
            "+-------------------+--------------------+\n");
}

TEST(RenderObjectTest, SelectedFieldsInTheirOrder) {
  const char* obj = R"({"uuid":"u1","name":"c","status":"CREATE_COMPLETE"})";
  auto t = RenderObject(obj, OutputFormat::kTable, {"status", "name", "missing"});
  ASSERT_TRUE(t);
  EXPECT_EQ(*t,
            "+---------+-----------------+\n"
            "| Field   | Value           |\n"
            "+---------+-----------------+\n"
            "| status  | CREATE_COMPLETE |\n"
            "| name    | c               |\n"
            "| missing |                 |\n"
            "+---------+-----------------+\n");
  auto j = RenderObject(obj, OutputFormat::kJson, {"status", "missing"});
  ASSERT_TRUE(j);
  EXPECT_EQ(Json::parse(*j), Json({{"status", "CREATE_COMPLETE"}}));
  EXPECT_FALSE(RenderObject("[1]", OutputFormat::kTable, {}));
  EXPECT_FALSE(RenderObject("not json", OutputFormat::kJson, {}));
}

TEST(RenderListTest, TableOfColumnsAndJsonOfEverything) {
  const char* list = R"([{"uuid":"u1","name":"a","status":"X","extra":1},
                         {"uuid":"u2","name":"bbbb","status":null}])";
  auto t = RenderList(list, OutputFormat::kTable, {"uuid", "name", "status"}, false);
  ASSERT_TRUE(t);
  EXPECT_EQ(*t,
            "+------+------+--------+\n"
            "| uuid | name | status |\n"
            "+------+------+--------+\n"
            "| u1   | a    | X      |\n"
            "| u2   | bbbb | -      |\n"
            "+------+------+--------+\n");
  auto empty = RenderList("[]", OutputFormat::kTable, {"uuid", "name"}, false);
  EXPECT_EQ(*empty, "+------+------+\n| uuid | name |\n+------+------+\n");
  auto j = RenderList(list, OutputFormat::kJson, {"uuid"}, false);
  EXPECT_EQ(Json::parse(*j), Json::parse(list));
  auto only = RenderList(list, OutputFormat::kJson, {"uuid"}, true);
  EXPECT_EQ(Json::parse(*only), Json::parse(R"([{"uuid":"u1"},{"uuid":"u2"}])"));
}

TEST(YamlTest, BlockStyleAndExactLayout) {
  auto y =
      JsonToYaml(R"({"name":"c1","labels":{"a":"1","b":"x y"},"links":[{"href":"h","rel":"self"}],
                          "ips":["10.0.0.1"],"n":3,"ok":true,"none":null,"empty":{},"list":[]})");
  ASSERT_TRUE(y);
  EXPECT_EQ(*y,
            "empty: {}\n"
            "ips:\n"
            "  - \"10.0.0.1\"\n"
            "labels:\n"
            "  a: \"1\"\n"
            "  b: x y\n"
            "links:\n"
            "  - href: h\n"
            "    rel: self\n"
            "list: []\n"
            "\"n\": 3\n"  // YAML 1.1 reads a plain n as false
            "name: c1\n"
            "none: null\n"
            "ok: true\n");
}

TEST(YamlTest, StringsThatPlainYamlWouldMisreadRoundTrip) {
  Json doc = {{"s", Json::array({"true",      "no",       "null",
                                 "~",         "123",      "1.5",
                                 "0x1F",      "-3",       "2026-12-05T17:46:14+00:00",
                                 "a: b",      "a #b",     "#c",
                                 "- x",       "*ref",     "&a",
                                 "!t",        "{x}",      "[y]",
                                 "'q'",       "\"dq\"",   " lead",
                                 "trail ",    "",         "multi\nline",
                                 "tab\there", "é ü",      "@at",
                                 "%pct",      "`tick",    "key:",
                                 "ok:value",  "|",        ">",
                                 "?",         "c:\\path", "http://x:1/v1"})},
              {"weird key: x", "v"},
              {"123", "numeric key"}};
  auto y = JsonToYaml(doc.dump());
  ASSERT_TRUE(y);
  YAML::Node n = YAML::Load(*y);
  EXPECT_EQ(FromYaml(n, doc), doc) << *y;
}

TEST(YamlTest, ListOfObjectsAndNestedLists) {
  Json doc = Json::parse(R"([{"a":1,"b":[{"c":"d"},[1,2]]},{"e":{"f":{"g":"h"}}}])");
  auto y = JsonToYaml(doc.dump());
  ASSERT_TRUE(y);
  EXPECT_EQ(*y,
            "- a: 1\n"
            "  b:\n"
            "    - c: d\n"
            "    -\n"
            "      - 1\n"
            "      - 2\n"
            "- e:\n"
            "    f:\n"
            "      g: h\n");
  EXPECT_EQ(FromYaml(YAML::Load(*y), doc), doc);
}

TEST(OutputFormatTest, Names) {
  EXPECT_EQ(*ParseOutputFormat("table"), OutputFormat::kTable);
  EXPECT_EQ(*ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("yaml"), OutputFormat::kYaml);
  auto bad = ParseOutputFormat("xml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message(), "--format takes table, json or yaml, not 'xml'");
}

}  // namespace
}  // namespace magnum::ctl
