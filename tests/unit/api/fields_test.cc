// Request-body validation with wsme semantics (fields.h): ParsePythonLiteral, ConvertField,
// ValidateBody, the member bindings (ApplyFields/RenderBoundFields), and the small helpers
// around them.
#include "magnum/api/fields.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "magnum/common/clock.h"

namespace magnum::api {
namespace {

using Json = nlohmann::json;

// ---- ParsePythonLiteral ------------------------------------------------------------------

struct LiteralCase {
  std::string text;
  Json expected;
};

class ParsePythonLiteralOkTest : public ::testing::TestWithParam<LiteralCase> {};

TEST_P(ParsePythonLiteralOkTest, Parses) {
  auto r = ParsePythonLiteral(GetParam().text);
  ASSERT_TRUE(r.has_value()) << GetParam().text << ": " << r.error().message();
  EXPECT_EQ(*r, GetParam().expected) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Literals, ParsePythonLiteralOkTest,
    ::testing::Values(
        LiteralCase{"{'k': 'v'}", Json{{"k", "v"}}},
        LiteralCase{"{\"k\": \"v\"}", Json{{"k", "v"}}},  // JSON text is a Python literal too
        LiteralCase{"  {'a': 'b', 'c': 'd'}  ", Json{{"a", "b"}, {"c", "d"}}},
        LiteralCase{"{}", Json::object()}, LiteralCase{"[]", Json::array()},
        LiteralCase{"()", Json::array()},  // tuples become lists
        LiteralCase{"(1, 2)", Json::array({1, 2})},
        LiteralCase{"[1, 2, 3,]", Json::array({1, 2, 3})},  // trailing comma
        LiteralCase{"{'a': 1,}", Json{{"a", 1}}},
        LiteralCase{"{'t': True, 'f': False, 'n': None}",
                    Json{{"t", true}, {"f", false}, {"n", nullptr}}},
        LiteralCase{"[{'key': 'a', 'value': 'b', 'effect': 'NoSchedule'}]",
                    Json::array({{{"key", "a"}, {"value", "b"}, {"effect", "NoSchedule"}}})},
        LiteralCase{"{'outer': {'inner': [1, (2, 3)]}}",
                    Json{{"outer", {{"inner", Json::array({1, Json::array({2, 3})})}}}}},
        LiteralCase{"'single'", Json("single")}, LiteralCase{"\"double\"", Json("double")},
        LiteralCase{"'it\"s'", Json("it\"s")}, LiteralCase{"\"it's\"", Json("it's")},
        LiteralCase{"'a\\nb\\tc\\\\d\\'e'", Json("a\nb\tc\\d'e")},
        LiteralCase{"'\\u00e9\\u20ac'", Json("\xc3\xa9\xe2\x82\xac")},  // é €
        LiteralCase{"'\\q'", Json("\\q")},  // unknown escapes are kept, as Python does
        LiteralCase{"42", Json(42)}, LiteralCase{"-7", Json(-7)}, LiteralCase{"+3", Json(3)},
        LiteralCase{"1.5", Json(1.5)}, LiteralCase{"1e3", Json(1000.0)},
        LiteralCase{"1.", Json(1.0)}, LiteralCase{".5", Json(0.5)},
        LiteralCase{"{1: 'int key', 2.5: 'float key', True: 'bool key'}",
                    Json{{"1", "int key"}, {"2.5", "float key"}, {"True", "bool key"}}},
        LiteralCase{"{'k': 'v1', 'k': 'v2'}", Json{{"k", "v2"}}},  // last one wins
        LiteralCase{"{'x': 'x'}\n", Json{{"x", "x"}}}));

class ParsePythonLiteralErrorTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ParsePythonLiteralErrorTest, IsInvalidArgument) {
  auto r = ParsePythonLiteral(GetParam());
  ASSERT_FALSE(r.has_value()) << GetParam() << " parsed as " << r->dump();
  EXPECT_TRUE(r.error().Is(ErrorCode::kInvalidArgument));
  EXPECT_EQ(r.error().message().rfind("malformed literal at position ", 0), 0u)
      << r.error().message();
}

INSTANTIATE_TEST_SUITE_P(Malformed, ParsePythonLiteralErrorTest,
                         ::testing::Values("",                 // nothing
                                           "   ",              // only blanks
                                           "{'a': 'b'",        // unclosed dict
                                           "['a', 'b'",        // unclosed list
                                           "'unterminated",    // unclosed string
                                           "{'a' 'b'}",        // missing colon
                                           "{'a': 1 'b': 2}",  // missing comma
                                           "[1 2]", "{'a': 1} trailing",
                                           "true",  // JSON, not Python, keywords
                                           "null", "{'a': true}", "none", "k=v",
                                           "{None: 1}",  // keys must be scalars
                                           "{[1]: 1}", "1-2",
                                           "'\\u12'",  // short \u escape
                                           "'\\uzzzz'", "(1, 2", "[1, 2)"));

TEST(ParsePythonLiteralTest, RejectsNestingDeeperThanTheLimit) {
  std::string deep = std::string(70, '[') + std::string(70, ']');
  auto r = ParsePythonLiteral(deep);
  ASSERT_FALSE(r.has_value());
  EXPECT_NE(r.error().message().find("nesting too deep"), std::string::npos);
  std::string ok = std::string(20, '[') + std::string(20, ']');
  EXPECT_TRUE(ParsePythonLiteral(ok).has_value());
}

TEST(ParsePythonLiteralTest, ErrorNamesThePosition) {
  auto r = ParsePythonLiteral("{'a': x}");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message(), "malformed literal at position 6: unexpected token");
}

// ---- PythonStr, MatchesNamePattern, InvalidField ------------------------------------------

TEST(PythonStrTest, RendersScalarsAsPythonStrDoes) {
  EXPECT_EQ(PythonStr(Json("text")), "text");
  EXPECT_EQ(PythonStr(Json(true)), "True");
  EXPECT_EQ(PythonStr(Json(false)), "False");
  EXPECT_EQ(PythonStr(Json(nullptr)), "None");
  EXPECT_EQ(PythonStr(Json(12)), "12");
  EXPECT_EQ(PythonStr(Json(-3)), "-3");
  EXPECT_EQ(PythonStr(Json(1.5)), "1.5");
  EXPECT_EQ(PythonStr(Json(2.0)), "2.0");
  EXPECT_EQ(PythonStr(Json(1e20)), "1e+20");
}

TEST(MatchesNamePatternTest, FollowsTheClusterNamePattern) {
  for (const char* ok : {"a", "k8s", "My_cluster-1.prod", "Z9"}) {
    EXPECT_TRUE(MatchesNamePattern(ok)) << ok;
  }
  for (const char* bad : {"", "1abc", "-abc", "_abc", ".abc", "a b", "a/b", "a@b", "é"}) {
    EXPECT_FALSE(MatchesNamePattern(bad)) << bad;
  }
}

TEST(InvalidFieldTest, FormatsTheWsmeMessage) {
  Error e = InvalidField("node_count", Json("abc"), "Wrong type. Expected an integer.");
  EXPECT_TRUE(e.Is(ErrorCode::kInvalidArgument));
  EXPECT_EQ(e.message(),
            "Invalid input for field/attribute node_count. Value: 'abc'. Wrong type. Expected "
            "an integer.");
  EXPECT_EQ(InvalidField("x", nullptr, "Mandatory field missing.").message(),
            "Invalid input for field/attribute x. Value: 'None'. Mandatory field missing.");
  EXPECT_EQ(InvalidField("b", Json(true), "why").message(),
            "Invalid input for field/attribute b. Value: 'True'. why");
}

TEST(InvalidFieldTest, TruncatesLongValues) {
  std::string msg = InvalidField("csr", Json(std::string(500, 'x')), "why").message();
  EXPECT_NE(msg.find(std::string(200, 'x') + "...'"), std::string::npos);
  EXPECT_EQ(msg.find(std::string(201, 'x')), std::string::npos);
}

// ---- ConvertField ------------------------------------------------------------------------

struct ConvertCase {
  std::string label;
  FieldSpec spec;
  Json input;
  Json expected;      // when ok
  std::string error;  // non-empty: expected error message (exact)
};

FieldSpec Str(int64_t min = 1, int64_t max = 255, unsigned flags = kNone) {
  return MakeField("name", FieldType::kString, flags, min, max);
}
FieldSpec Enum() {
  FieldSpec f = MakeField("coe", FieldType::kString, kNone, 1, 255);
  f.choices = {"kubernetes", "swarm"};
  return f;
}
FieldSpec Int(int64_t min = 0, int64_t max = 10) {
  return MakeField("count", FieldType::kInt, kNone, min, max);
}
FieldSpec UnboundedInt() { return MakeField("n", FieldType::kInt); }
FieldSpec Bool() { return MakeField("flag", FieldType::kBool); }
FieldSpec Labels() { return MakeField("labels", FieldType::kLabels); }
FieldSpec StrDict() { return MakeField("reason", FieldType::kStrDict); }
FieldSpec List() { return MakeField("ids", FieldType::kStringList); }
FieldSpec Uuid() { return MakeField("uuid", FieldType::kUuid); }
FieldSpec AnyJson() { return MakeField("links", FieldType::kJson); }

std::string Bad(const std::string& name, const std::string& value, const std::string& why) {
  return "Invalid input for field/attribute " + name + ". Value: '" + value + "'. " + why;
}

class ConvertFieldTest : public ::testing::TestWithParam<ConvertCase> {};

TEST_P(ConvertFieldTest, Converts) {
  const ConvertCase& c = GetParam();
  auto r = ConvertField(c.spec, c.input);
  if (c.error.empty()) {
    ASSERT_TRUE(r.has_value()) << c.label << ": " << r.error().message();
    EXPECT_EQ(*r, c.expected) << c.label;
  } else {
    ASSERT_FALSE(r.has_value()) << c.label << " gave " << r->dump();
    EXPECT_TRUE(r.error().Is(ErrorCode::kInvalidArgument)) << c.label;
    EXPECT_EQ(r.error().message(), c.error) << c.label;
  }
}

const std::string kNotInt = "Wrong type. Expected an integer.";
const std::string kNotBool = "Wrong type. Expected a boolean.";

INSTANTIATE_TEST_SUITE_P(
    Strings, ConvertFieldTest,
    ::testing::Values(
        ConvertCase{"plain", Str(), Json("abc"), Json("abc"), ""},
        ConvertCase{"null passes", Str(), Json(nullptr), Json(nullptr), ""},
        ConvertCase{"int is not str",
                    Str(),
                    Json(5),
                    {},
                    Bad("name", "5", "Wrong type. Expected 'str', got 'int'")},
        ConvertCase{"bool is not str",
                    Str(),
                    Json(true),
                    {},
                    Bad("name", "True", "Wrong type. Expected 'str', got 'bool'")},
        ConvertCase{"dict is not str",
                    Str(),
                    Json::object(),
                    {},
                    Bad("name", "{}", "Wrong type. Expected 'str', got 'dict'")},
        ConvertCase{"list is not str",
                    Str(),
                    Json::array(),
                    {},
                    Bad("name", "[]", "Wrong type. Expected 'str', got 'list'")},
        ConvertCase{"too short",
                    Str(1),
                    Json(""),
                    {},
                    Bad("name", "", "Value should have a minimum character requirement of 1")},
        ConvertCase{"too long",
                    Str(1, 3),
                    Json("abcd"),
                    {},
                    Bad("name", "abcd", "Value should have a maximum character requirement of 3")},
        ConvertCase{"at max", Str(1, 3), Json("abc"), Json("abc"), ""},
        // Lengths count code points: three two-byte characters fit in 3.
        ConvertCase{"utf-8 length", Str(1, 3), Json("\xc3\xa9\xc3\xa9\xc3\xa9"),
                    Json("\xc3\xa9\xc3\xa9\xc3\xa9"), ""},
        ConvertCase{"empty allowed with min 0", Str(0), Json(""), Json(""), ""},
        ConvertCase{"pattern ok", Str(1, 242, kNamePattern), Json("k8s-1.a_b"), Json("k8s-1.a_b"),
                    ""},
        ConvertCase{
            "pattern bad",
            Str(1, 242, kNamePattern),
            Json("1bad"),
            {},
            Bad("name", "1bad", "Value should match the pattern ^[a-zA-Z][a-zA-Z0-9_.-]*$")},
        ConvertCase{"enum ok", Enum(), Json("swarm"), Json("swarm"), ""},
        ConvertCase{"enum bad",
                    Enum(),
                    Json("mesos"),
                    {},
                    Bad("coe", "mesos", "Value should be one of: kubernetes, swarm")},
        ConvertCase{"enum is case-sensitive",
                    Enum(),
                    Json("Kubernetes"),
                    {},
                    Bad("coe", "Kubernetes", "Value should be one of: kubernetes, swarm")},
        ConvertCase{"uuid canonicalised", Uuid(), Json("E0A3B1C2D4F5467889ABCDEF01234567"),
                    Json("e0a3b1c2-d4f5-4678-89ab-cdef01234567"), ""},
        ConvertCase{"uuid bad",
                    Uuid(),
                    Json("not-a-uuid"),
                    {},
                    Bad("uuid", "not-a-uuid", "Expected a uuid but received not-a-uuid.")},
        ConvertCase{"uuid not a string",
                    Uuid(),
                    Json(7),
                    {},
                    Bad("uuid", "7", "Wrong type. Expected 'str', got 'int'")}));

INSTANTIATE_TEST_SUITE_P(
    Integers, ConvertFieldTest,
    ::testing::Values(
        ConvertCase{"int", Int(), Json(5), Json(5), ""},
        ConvertCase{"null passes", Int(), Json(nullptr), Json(nullptr), ""},
        ConvertCase{"int string", Int(), Json("7"), Json(7), ""},
        ConvertCase{"padded int string", Int(), Json("  7\t"), Json(7), ""},
        ConvertCase{"plus sign", Int(), Json("+7"), Json(7), ""},
        ConvertCase{"negative string", Int(-5, 5), Json("-5"), Json(-5), ""},
        ConvertCase{"integral float", Int(), Json(3.0), Json(3), ""},
        ConvertCase{"fraction", Int(), Json(3.5), {}, Bad("count", "3.5", kNotInt)},
        ConvertCase{"float string", Int(), Json("3.5"), {}, Bad("count", "3.5", kNotInt)},
        ConvertCase{"empty string", Int(), Json(""), {}, Bad("count", "", kNotInt)},
        ConvertCase{"blank string", Int(), Json("  "), {}, Bad("count", "  ", kNotInt)},
        ConvertCase{"word", Int(), Json("ten"), {}, Bad("count", "ten", kNotInt)},
        ConvertCase{"trailing junk", Int(), Json("5x"), {}, Bad("count", "5x", kNotInt)},
        ConvertCase{"bool",
                    Int(),
                    Json(true),
                    {},
                    Bad("count", "True", "Wrong type. Expected an integer, got 'bool'.")},
        ConvertCase{"list",
                    Int(),
                    Json::array({1}),
                    {},
                    Bad("count", "[1]", "Wrong type. Expected an integer, got 'list'.")},
        ConvertCase{"below min",
                    Int(1),
                    Json(0),
                    {},
                    Bad("count", "0", "Value should be greater or equal to 1")},
        ConvertCase{"above max",
                    Int(0, 10),
                    Json(11),
                    {},
                    Bad("count", "11", "Value should be lower or equal to 10")},
        ConvertCase{"string above max",
                    Int(0, 10),
                    Json("11"),
                    {},
                    Bad("count", "11", "Value should be lower or equal to 10")},
        ConvertCase{"at bounds", Int(0, 10), Json(10), Json(10), ""},
        ConvertCase{"huge string",
                    UnboundedInt(),
                    Json("99999999999999999999"),
                    {},
                    Bad("n", "99999999999999999999", "Value out of range.")},
        ConvertCase{"huge unsigned",
                    UnboundedInt(),
                    Json(18446744073709551615ull),
                    {},
                    Bad("n", "18446744073709551615", "Value out of range.")},
        ConvertCase{"huge float", UnboundedInt(), Json(1e300), {}, Bad("n", "1e+300", kNotInt)}));

INSTANTIATE_TEST_SUITE_P(
    Booleans, ConvertFieldTest,
    ::testing::Values(
        ConvertCase{"true", Bool(), Json(true), Json(true), ""},
        ConvertCase{"false", Bool(), Json(false), Json(false), ""},
        ConvertCase{"null passes", Bool(), Json(nullptr), Json(nullptr), ""},
        ConvertCase{"True", Bool(), Json("True"), Json(true), ""},
        ConvertCase{"yes", Bool(), Json("YES"), Json(true), ""},
        ConvertCase{"on", Bool(), Json("on"), Json(true), ""},
        ConvertCase{"y", Bool(), Json("y"), Json(true), ""},
        ConvertCase{"t", Bool(), Json("T"), Json(true), ""},
        ConvertCase{"1 string", Bool(), Json("1"), Json(true), ""},
        ConvertCase{"1 int", Bool(), Json(1), Json(true), ""},
        ConvertCase{"False", Bool(), Json("False"), Json(false), ""},
        ConvertCase{"no", Bool(), Json("no"), Json(false), ""},
        ConvertCase{"off", Bool(), Json("OFF"), Json(false), ""},
        ConvertCase{"n", Bool(), Json("n"), Json(false), ""},
        ConvertCase{"f", Bool(), Json("f"), Json(false), ""},
        ConvertCase{"0 string", Bool(), Json("0"), Json(false), ""},
        ConvertCase{"0 int", Bool(), Json(0), Json(false), ""},
        ConvertCase{"2", Bool(), Json(2), {}, Bad("flag", "2", kNotBool)},
        ConvertCase{"maybe", Bool(), Json("maybe"), {}, Bad("flag", "maybe", kNotBool)},
        ConvertCase{"empty", Bool(), Json(""), {}, Bad("flag", "", kNotBool)},
        ConvertCase{"padded", Bool(), Json(" true"), {}, Bad("flag", " true", kNotBool)},
        ConvertCase{"float", Bool(), Json(1.0), {}, Bad("flag", "1.0", kNotBool)},
        ConvertCase{"dict", Bool(), Json::object(), {}, Bad("flag", "{}", kNotBool)}));

INSTANTIATE_TEST_SUITE_P(
    Collections, ConvertFieldTest,
    ::testing::Values(
        ConvertCase{"labels stringified", Labels(),
                    Json{{"a", true}, {"b", 1}, {"c", "x"}, {"d", 1.5}, {"e", false}},
                    Json{{"a", "True"}, {"b", "1"}, {"c", "x"}, {"d", "1.5"}, {"e", "False"}}, ""},
        ConvertCase{"labels null value", Labels(), Json{{"a", nullptr}}, Json{{"a", "None"}}, ""},
        ConvertCase{"labels empty", Labels(), Json::object(), Json::object(), ""},
        ConvertCase{"labels null passes", Labels(), Json(nullptr), Json(nullptr), ""},
        ConvertCase{"labels nested dict",
                    Labels(),
                    Json{{"a", {{"b", "c"}}}},
                    {},
                    Bad("labels", "{\"a\":{\"b\":\"c\"}}",
                        "Value of 'a' must be a string, number or boolean.")},
        ConvertCase{
            "labels nested list",
            Labels(),
            Json{{"a", Json::array()}},
            {},
            Bad("labels", "{\"a\":[]}", "Value of 'a' must be a string, number or boolean.")},
        ConvertCase{"labels not a dict",
                    Labels(),
                    Json::array({"a"}),
                    {},
                    Bad("labels", "[\"a\"]", "Wrong type. Expected 'dict', got 'list'")},
        ConvertCase{"labels string",
                    Labels(),
                    Json("a=b"),
                    {},
                    Bad("labels", "a=b", "Wrong type. Expected 'dict', got 'str'")},
        ConvertCase{"strdict keeps null", StrDict(), Json{{"api", nullptr}, {"n", 1}},
                    Json{{"api", nullptr}, {"n", "1"}}, ""},
        ConvertCase{"strdict bool", StrDict(), Json{{"ok", true}}, Json{{"ok", "True"}}, ""},
        ConvertCase{"strdict not a dict",
                    StrDict(),
                    Json(3),
                    {},
                    Bad("reason", "3", "Wrong type. Expected 'dict', got 'int'")},
        ConvertCase{"list ok", List(), Json::array({"a", "b"}), Json::array({"a", "b"}), ""},
        ConvertCase{"list empty", List(), Json::array(), Json::array(), ""},
        ConvertCase{"list null passes", List(), Json(nullptr), Json(nullptr), ""},
        ConvertCase{"list of ints",
                    List(),
                    Json::array({1}),
                    {},
                    Bad("ids", "[1]", "Wrong type. Expected a list of strings.")},
        ConvertCase{"list of nulls",
                    List(),
                    Json::array({nullptr}),
                    {},
                    Bad("ids", "[null]", "Wrong type. Expected a list of strings.")},
        ConvertCase{"list not a list",
                    List(),
                    Json("a"),
                    {},
                    Bad("ids", "a", "Wrong type. Expected 'list', got 'str'")},
        ConvertCase{"json passes anything", AnyJson(), Json{{"x", Json::array({1, 2})}},
                    Json{{"x", Json::array({1, 2})}}, ""}));

// ---- ValidateBody ------------------------------------------------------------------------

// The object TestFields() is bound to.
struct TestObject {
  std::string uuid;
  std::optional<std::string> name;
  std::optional<std::string> coe;
  std::optional<int64_t> node_count;
  std::optional<bool> is_public;
  std::optional<objects::StringMap> labels;
  std::optional<std::string> project_id;
  std::optional<std::string> secret;
  std::optional<std::string> created_at;
  std::optional<int64_t> create_timeout;
};

const FieldList& TestFields() {
  static const FieldList fields = [] {
    using T = TestObject;
    FieldList f;
    f.push_back(Bound(MakeField("uuid", FieldType::kUuid), &T::uuid));
    f.push_back(Bound(MakeField("name", FieldType::kString, kNamePattern, 1, 242), &T::name));
    FieldSpec coe = MakeField("coe", FieldType::kString, kMandatory, 1, 255);
    coe.choices = {"kubernetes"};
    f.push_back(Bound(coe, &T::coe));
    FieldSpec count = MakeField("node_count", FieldType::kInt, kNone, 0, 100);
    count.default_value = 1;
    f.push_back(Bound(count, &T::node_count));
    FieldSpec flag = MakeField("public", FieldType::kBool);
    flag.default_value = false;
    f.push_back(Bound(flag, &T::is_public));
    FieldSpec labels = MakeField("labels", FieldType::kLabels);
    labels.default_value = Json::object();
    f.push_back(Bound(labels, &T::labels));
    f.push_back(Bound(MakeField("project_id", FieldType::kString, kReadOnly), &T::project_id));
    f.push_back(Bound(MakeField("secret", FieldType::kString, kHidden), &T::secret));
    f.push_back(MakeField("links", FieldType::kJson, kReadOnly | kNotStored));
    f.push_back(Bound(MakeField("created_at", FieldType::kTimestamp, kReadOnly), &T::created_at));
    // An API name bound to a member of another name.
    f.push_back(Bound(MakeField("bay_create_timeout", FieldType::kInt, kNone, 0),
                      &T::create_timeout));
    return f;
  }();
  return fields;
}

TEST(ValidateBodyTest, ConvertsValuesAndAppliesDefaults) {
  auto r = ValidateBody(TestFields(),
                        Json{{"coe", "kubernetes"}, {"node_count", "3"}, {"labels", {{"a", 1}}}},
                        "cluster", true);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(
      *r,
      (Json{
          {"coe", "kubernetes"}, {"node_count", 3}, {"labels", {{"a", "1"}}}, {"public", false}}));
}

// A field with a default has a value of its type: null for it is the type-mismatch 400
// (absence asks for the default), where it used to reach the controller as null (a 500,
// or a quota limit stored as 0). Nullable fields keep null.
TEST(ValidateBodyTest, ExplicitNullOfADefaultedFieldIsA400) {
  for (const char* name : {"node_count", "public", "labels"}) {
    auto r = ValidateBody(TestFields(), Json{{"coe", "kubernetes"}, {name, nullptr}}, "cluster",
                          true);
    ASSERT_FALSE(r.has_value()) << name;
    EXPECT_TRUE(r.error().Is(ErrorCode::kInvalidArgument));
    EXPECT_NE(r.error().message().find("Invalid input for field/attribute " + std::string(name) +
                                       ". Value: 'None'. Wrong type."),
              std::string::npos)
        << r.error().message();
  }
  auto kept = ValidateBody(TestFields(), Json{{"coe", "kubernetes"}, {"name", nullptr}},
                           "cluster", true);
  ASSERT_TRUE(kept.has_value()) << kept.error().message();
  EXPECT_TRUE((*kept)["name"].is_null());
  auto mandatory = ValidateBody(TestFields(), Json{{"coe", nullptr}}, "cluster", true);
  ASSERT_FALSE(mandatory.has_value());
  EXPECT_NE(mandatory.error().message().find("Mandatory field missing."), std::string::npos);
}

// Keys are data: an empty key (which used to crash the process), odd and very long keys are
// the usual unknown-attribute 400, alone or beside valid ones.
TEST(ValidateBodyTest, AnyUnknownKeyIsA400NeverACrash) {
  const std::string long_key(5000, 'k');
  for (const Json& body :
       {Json{{"", 1}}, Json{{"", nullptr}, {"coe", "kubernetes"}}, Json{{" ", 1}},
        Json{{"\u0000", {{"", {{"", 1}}}}}}, Json{{long_key, 1}}, Json{{"a", 1}, {"", 2}}}) {
    for (bool defaults : {true, false}) {
      auto r = ValidateBody(TestFields(), body, "cluster", defaults);
      ASSERT_FALSE(r.has_value()) << body.dump();
      EXPECT_TRUE(r.error().Is(ErrorCode::kInvalidArgument));
      EXPECT_EQ(r.error().message().rfind("Unknown attribute for argument cluster: ", 0), 0u)
          << r.error().message();
      EXPECT_LT(r.error().message().size(), 1024u);
    }
  }
  auto empty = ValidateBody(TestFields(), Json{{"", 1}}, "quota", true);
  ASSERT_FALSE(empty.has_value());
  EXPECT_EQ(empty.error().message(), "Unknown attribute for argument quota: ''");
}

TEST(ValidateBodyTest, WithoutDefaultsOnlyGivenKeysComeBack) {
  auto r = ValidateBody(TestFields(), Json{{"public", "yes"}}, "patch", false);
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ(*r, (Json{{"public", true}}));  // no mandatory check, no defaults
}

struct BodyErrorCase {
  std::string label;
  Json body;
  std::string error;
};

class ValidateBodyErrorTest : public ::testing::TestWithParam<BodyErrorCase> {};

TEST_P(ValidateBodyErrorTest, Is400) {
  auto r = ValidateBody(TestFields(), GetParam().body, "cluster", true);
  ASSERT_FALSE(r.has_value()) << GetParam().label;
  EXPECT_TRUE(r.error().Is(ErrorCode::kInvalidArgument)) << GetParam().label;
  EXPECT_EQ(r.error().message(), GetParam().error) << GetParam().label;
}

INSTANTIATE_TEST_SUITE_P(
    Bodies, ValidateBodyErrorTest,
    ::testing::Values(
        BodyErrorCase{"array body", Json::array({1}),
                      "Invalid input for argument cluster: expected a JSON object, got an array"},
        BodyErrorCase{"string body", Json("x"),
                      "Invalid input for argument cluster: expected a JSON object, got string"},
        BodyErrorCase{"null body", Json(nullptr),
                      "Invalid input for argument cluster: expected a JSON object, got null"},
        BodyErrorCase{"unknown keys listed together",
                      Json{{"coe", "kubernetes"}, {"zz", 1}, {"aa", 2}},
                      "Unknown attribute for argument cluster: aa, zz"},
        BodyErrorCase{"hidden field is unknown", Json{{"coe", "kubernetes"}, {"secret", "s"}},
                      "Unknown attribute for argument cluster: secret"},
        BodyErrorCase{"read-only", Json{{"coe", "kubernetes"}, {"project_id", "p"}},
                      Bad("project_id", "p", "Cannot set read only field.")},
        BodyErrorCase{"read-only even when null", Json{{"coe", "kubernetes"}, {"links", nullptr}},
                      Bad("links", "None", "Cannot set read only field.")},
        BodyErrorCase{"read-only timestamp", Json{{"coe", "kubernetes"}, {"created_at", "x"}},
                      Bad("created_at", "x", "Cannot set read only field.")},
        BodyErrorCase{"mandatory missing", Json::object(),
                      Bad("coe", "None", "Mandatory field missing.")},
        BodyErrorCase{"mandatory null", Json{{"coe", nullptr}},
                      Bad("coe", "None", "Mandatory field missing.")},
        BodyErrorCase{"type error", Json{{"coe", "kubernetes"}, {"node_count", "many"}},
                      Bad("node_count", "many", "Wrong type. Expected an integer.")},
        BodyErrorCase{"enum error", Json{{"coe", "mesos"}},
                      Bad("coe", "mesos", "Value should be one of: kubernetes")},
        BodyErrorCase{
            "name pattern", Json{{"coe", "kubernetes"}, {"name", "9x"}},
            Bad("name", "9x", "Value should match the pattern ^[a-zA-Z][a-zA-Z0-9_.-]*$")},
        BodyErrorCase{"uuid", Json{{"coe", "kubernetes"}, {"uuid", "123"}},
                      Bad("uuid", "123", "Expected a uuid but received 123.")}));

// ---- Member bindings (ApplyFields / RenderBoundFields) ---------------------------------

TEST(RowMappingTest, StoresTypedColumnsAndJsonText) {
  Json obj = {{"uuid", "e0a3b1c2-d4f5-4678-89ab-cdef01234567"},
              {"name", "k8s"},
              {"node_count", 3},
              {"public", true},
              {"labels", {{"a", "1"}}},
              {"links", Json::array()},  // not stored
              {"bay_create_timeout", 60},
              {"project_id", nullptr}};
  TestObject o;
  o.coe = "kept";
  o.project_id = "p";
  ApplyFields(TestFields(), obj, &o);
  EXPECT_EQ(o.name, "k8s");
  EXPECT_EQ(o.node_count, 3);
  EXPECT_EQ(o.is_public, true);
  EXPECT_EQ(o.labels, (objects::StringMap{{"a", "1"}}));
  EXPECT_EQ(o.coe, "kept");           // absent from the object: not written
  EXPECT_EQ(o.create_timeout, 60);    // bound under another name
  EXPECT_EQ(o.project_id, std::nullopt);  // null: NULL
}

TEST(RowMappingTest, RendersEveryVisibleFieldWithNullsAndApiTimestamps) {
  TestObject o;
  o.uuid = "e0a3b1c2-d4f5-4678-89ab-cdef01234567";
  o.name = "k8s";
  o.coe = "kubernetes";
  o.node_count = 2;
  o.is_public = false;
  o.labels = objects::StringMap{{"k", "v"}};
  o.secret = "never shown";
  o.created_at = "2026-01-02T03:04:05.123456";
  o.create_timeout = 30;
  Json out = RenderBoundFields(TestFields(), o);
  EXPECT_EQ(out["name"], "k8s");
  EXPECT_EQ(out["node_count"], 2);
  EXPECT_EQ(out["public"], false);
  EXPECT_EQ(out["labels"], (Json{{"k", "v"}}));
  EXPECT_EQ(out["created_at"], "2026-01-02T03:04:05+00:00");
  EXPECT_EQ(out["bay_create_timeout"], 30);
  EXPECT_TRUE(out.contains("project_id"));
  EXPECT_TRUE(out["project_id"].is_null());
  EXPECT_FALSE(out.contains("secret"));
  EXPECT_FALSE(out.contains("links"));
}

// A JSON column the mapper could not decode (objects/json_columns.h) is absent: null.
TEST(RowMappingTest, CorruptJsonColumnRendersAsNull) {
  TestObject o;
  EXPECT_TRUE(RenderBoundFields(TestFields(), o)["labels"].is_null());
}

TEST(RowMappingTest, RoundTrips) {
  Json obj = {{"uuid", "e0a3b1c2-d4f5-4678-89ab-cdef01234567"},
              {"name", "a"},
              {"coe", "kubernetes"},
              {"node_count", 0},
              {"public", false},
              {"labels", Json::object()},
              {"project_id", "p"},
              {"created_at", nullptr},
              {"bay_create_timeout", nullptr}};
  TestObject o;
  ApplyFields(TestFields(), obj, &o);
  EXPECT_EQ(RenderBoundFields(TestFields(), o), obj);
}

TEST(FindFieldTest, FindsByApiName) {
  ASSERT_NE(FindField(TestFields(), "bay_create_timeout"), nullptr);
  TestObject o;
  o.create_timeout = 5;
  std::string text;
  JsonWriter w(&text);
  FindField(TestFields(), "bay_create_timeout")->render(&o, w);  // the create_timeout member
  EXPECT_EQ(text, "5");
  EXPECT_EQ(FindField(TestFields(), "name")->name, "name");
  EXPECT_EQ(FindField(TestFields(), "create_timeout"), nullptr);
}

// The API form of storage timestamps: the fast path agrees with common/clock.h.
TEST(ApiTimestampTest, AgreesWithDbToApiTimestamp) {
  for (const char* ts : {"2026-01-02T03:04:05.123456", "2026-01-02T03:04:05", "2024-02-29 23:59:59",
                         "2023-02-29T00:00:00", "2026-13-01T00:00:00", "1969-12-31T23:59:59.5",
                         "0001-01-01T00:00:00", "2026-01-01T24:00:00", "garbage", "",
                         "2026-1-02T03:04:05", "2026-01-02T03:04:60"}) {
    std::string text;
    JsonWriter w(&text);
    WriteApiTimestamp(w, ts);
    EXPECT_EQ(Json::parse(text), DbToApiTimestamp(ts)) << ts;
  }
}

}  // namespace
}  // namespace magnum::api
