// JSON columns: the fast flat reader and the nlohmann fallback agree with what the API
// stores; encoding is nlohmann's compact dump.
#include "magnum/objects/json_columns.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace magnum::objects::json_columns {
namespace {

using Json = nlohmann::json;

TEST(JsonColumnsTest, FlatObjectsWithEscapesAndUnicode) {
  auto m = DecodeStringMap(R"( { "a" : "1", "b\"c" : "\\\/\b\f\n\r\t", "\u00e9" : "\ud83d\ude00" } )");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at("a"), "1");
  EXPECT_EQ(m->at("b\"c"), "\\/\b\f\n\r\t");
  EXPECT_EQ(m->at("\xc3\xa9"), "\xf0\x9f\x98\x80");
  EXPECT_EQ(DecodeStringMap("{}"), StringMap{});
}

TEST(JsonColumnsTest, NonStringValuesKeepTheirJsonText) {
  auto m = DecodeStringMap(R"({"n": 1, "b": true, "s": "x", "o": {"k": 1}})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at("n"), "1");
  EXPECT_EQ(m->at("b"), "true");
  EXPECT_EQ(m->at("s"), "x");
  EXPECT_EQ(m->at("o"), R"({"k":1})");
}

TEST(JsonColumnsTest, NullableMaps) {
  auto m = DecodeNullableStringMap(R"({"a": null, "b": "x"})");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->at("a"), std::nullopt);
  EXPECT_EQ(m->at("b"), std::optional<std::string>("x"));
}

TEST(JsonColumnsTest, WrongShapesAndInvalidTextDecodeToNothing) {
  EXPECT_EQ(DecodeStringMap("[]"), std::nullopt);
  EXPECT_EQ(DecodeStringMap("{\"a\": \"b\""), std::nullopt);
  EXPECT_EQ(DecodeStringMap(""), std::nullopt);
  EXPECT_EQ(DecodeStringList("{}"), std::nullopt);
  EXPECT_EQ(DecodeStringList("[\"a\", ]"), std::nullopt);
  EXPECT_EQ(DecodeTaints("[1]"), std::nullopt);
  EXPECT_EQ(DecodeStringMap("{\"a\": \"\\ud800\"}"), std::nullopt);  // lone surrogate
}

TEST(JsonColumnsTest, Lists) {
  EXPECT_EQ(DecodeStringList(" [ ] "), StringList{});
  EXPECT_EQ(DecodeStringList(R"(["a","b\n"])"), (StringList{"a", "b\n"}));
  EXPECT_EQ(DecodeStringList(R"(["a",2])"), (StringList{"a", "2"}));
}

TEST(JsonColumnsTest, EncodingIsNlohmannsCompactDump) {
  StringMap m = {{"z", "1"}, {"a", "\"\x01\xc3\xa9"}};
  Json j = {{"z", "1"}, {"a", "\"\x01\xc3\xa9"}};
  EXPECT_EQ(Encode(m), j.dump());
  EXPECT_EQ(Encode(StringList{"x", "y"}), R"(["x","y"])");
  EXPECT_EQ(Encode(NullableStringMap{{"a", std::nullopt}}), R"({"a":null})");
  TaintList t = {{"k", std::nullopt, "NoSchedule"},
                 {"k2", std::optional<std::string>(), "NoExecute"}};
  EXPECT_EQ(Encode(t),
            R"([{"effect":"NoSchedule","key":"k"},{"effect":"NoExecute","key":"k2","value":null}])");
  // Invalid UTF-8 is replaced, never thrown.
  EXPECT_EQ(Encode(StringList{"a\xff"}), "[\"a\xef\xbf\xbd\"]");
}

TEST(JsonColumnsTest, DecodeOfEncodeIsIdentity) {
  StringMap m = {{"k\x01", "v\\\"\n"}, {"\xe2\x82\xac", ""}};
  EXPECT_EQ(DecodeStringMap(Encode(m)), m);
  TaintList t = {{"k", std::optional<std::string>("v"), "NoSchedule"}};
  EXPECT_EQ(DecodeTaints(Encode(t)), t);
}

// DecodeStringMapInto refills a map: keys in the map's order keep their nodes (the value
// strings are reused); other keys, repeats and other shapes give what DecodeStringMap gives.
TEST(JsonColumnsTest, DecodeIntoReusesTheMapsNodes) {
  std::optional<StringMap> m;
  ASSERT_TRUE(DecodeStringMapInto(R"({"a":"1","b":"2"})", m));
  const std::string* a = &m->at("a");
  const std::string* b = &m->at("b");
  ASSERT_TRUE(DecodeStringMapInto(R"({"a":"x","b":"y"})", m));
  EXPECT_EQ(*m, (StringMap{{"a", "x"}, {"b", "y"}}));
  EXPECT_EQ(&m->at("a"), a);  // the same nodes
  EXPECT_EQ(&m->at("b"), b);
  for (const char* text :
       {R"({"a":"1"})", R"({"b":"2","a":"1"})", R"({"a":"1","a":"2"})", R"({"c":"1","a":"2"})",
        R"({})", R"( { "\u00e9" : "\n" , "a":"1" } )", R"({"a":{"k":1},"b":"2"})",
        R"({"a":"1","b":"2","c":"3"})"}) {
    ASSERT_TRUE(DecodeStringMapInto(text, m)) << text;
    EXPECT_EQ(m, DecodeStringMap(text)) << text;
  }
  EXPECT_FALSE(DecodeStringMapInto("[]", m));
  EXPECT_FALSE(DecodeStringMapInto(R"({"a":"1")", m));
  EXPECT_FALSE(DecodeStringMapInto("{\"a\":\"\x01\"}", m));  // a raw control character
}

}  // namespace
}  // namespace magnum::objects::json_columns
