// JSON-patch with upstream's rules (patch.h, §1.8): op/path validation, internal and
// mandatory paths, add-at-root rules, Python-literal values, remove defaults, and the
// re-validation of the patched document.
#include "magnum/api/patch.h"

#include <gtest/gtest.h>

#include <string>

namespace magnum::api {
namespace {

using Json = nlohmann::json;

const FieldList& Fields() {
  static const FieldList fields = [] {
    FieldList f;
    f.push_back(MakeField("uuid", FieldType::kUuid));
    f.push_back(MakeField("name", FieldType::kString, kNamePattern, 1, 242));
    FieldSpec coe = MakeField("coe", FieldType::kString, kMandatory, 1, 255);
    coe.choices = {"kubernetes"};
    f.push_back(coe);
    f.push_back(MakeField("node_count", FieldType::kInt, kNone, 0, 100));
    f.push_back(MakeField("public", FieldType::kBool));
    f.push_back(MakeField("labels", FieldType::kLabels));
    f.push_back(MakeField("health_status_reason", FieldType::kStrDict));
    f.push_back(MakeField("keypair", FieldType::kString, kNone, 1, 255));
    f.push_back(MakeField("member_ids", FieldType::kStringList));
    f.push_back(MakeField("image_id", FieldType::kString, kMandatory, 1, 255));
    f.push_back(MakeField("created_at", FieldType::kTimestamp, kReadOnly));
    return f;
  }();
  return fields;
}

Json Doc() {
  return {{"uuid", "e0a3b1c2-d4f5-4678-89ab-cdef01234567"},
          {"name", "k8s"},
          {"coe", "kubernetes"},
          {"node_count", 2},
          {"public", false},
          {"labels", {{"a", "1"}}},
          {"health_status_reason", nullptr},
          {"keypair", nullptr},
          {"member_ids", Json::array()},
          {"image_id", "fedora"},
          {"created_at", "2026-01-01T00:00:00+00:00"}};
}

PatchRules Rules() {
  PatchRules r;
  r.internal_paths = CommonInternalPaths();
  r.mandatory_paths = {"/coe", "/public"};
  r.literal_paths = {"/labels", "/health_status_reason", "/member_ids"};
  r.remove_defaults = {{"node_count", 1}, {"labels", Json::object()}};
  return r;
}

Result<Json> Apply(const Json& patch) { return ApplyJsonPatch(Doc(), patch, Fields(), Rules()); }

Json PatchOp(const std::string& op, const std::string& path) { return {{"op", op}, {"path", path}}; }
Json PatchOp(const std::string& op, const std::string& path, Json value) {
  return {{"op", op}, {"path", path}, {"value", std::move(value)}};
}

// ---- successful patches ------------------------------------------------------------------

TEST(ApplyJsonPatchTest, EmptyPatchReturnsTheDocument) {
  auto r = Apply(Json::array());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, Doc());
}

TEST(ApplyJsonPatchTest, ReplaceConvertsWithTheFieldType) {
  auto r = Apply(Json::array({PatchOp("replace", "/node_count", "5"), PatchOp("replace", "/public", "True"),
                              PatchOp("replace", "/name", "renamed")}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ((*r)["node_count"], 5);
  EXPECT_EQ((*r)["public"], true);
  EXPECT_EQ((*r)["name"], "renamed");
  EXPECT_EQ(ChangedFields(Doc(), *r), (std::set<std::string>{"node_count", "public", "name"}));
}

TEST(ApplyJsonPatchTest, OpsApplyInOrder) {
  auto r = Apply(Json::array({PatchOp("replace", "/node_count", 5), PatchOp("replace", "/node_count", 7)}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ((*r)["node_count"], 7);
}

TEST(ApplyJsonPatchTest, LiteralPathParsesPythonDict) {
  auto r = Apply(Json::array({PatchOp("replace", "/labels", "{'kube_tag': 'v1.30', 'n': 3}")}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ((*r)["labels"], (Json{{"kube_tag", "v1.30"}, {"n", "3"}}));  // values as strings
}

TEST(ApplyJsonPatchTest, LiteralPathParsesJsonTextToo) {
  auto r = Apply(Json::array({PatchOp("replace", "/health_status_reason", "{\"api\": \"ok\"}")}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ((*r)["health_status_reason"], (Json{{"api", "ok"}}));
}

TEST(ApplyJsonPatchTest, LiteralPathParsesLists) {
  auto r = Apply(Json::array({PatchOp("replace", "/member_ids", "['a', 'b']")}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ((*r)["member_ids"], Json::array({"a", "b"}));
}

TEST(ApplyJsonPatchTest, NonLiteralPathKeepsTheStringAsIs) {
  auto r = Apply(Json::array({PatchOp("replace", "/keypair", "{'not': 'parsed'}")}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ((*r)["keypair"], "{'not': 'parsed'}");
}

TEST(ApplyJsonPatchTest, AddOnANullRootAttributeSetsIt) {
  auto r = Apply(Json::array({PatchOp("add", "/keypair", "kp")}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ((*r)["keypair"], "kp");
}

TEST(ApplyJsonPatchTest, NestedAddAndReplaceChangeOneKey) {
  auto r = Apply(Json::array({PatchOp("add", "/labels/new", 5), PatchOp("replace", "/labels/a", true)}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ((*r)["labels"], (Json{{"a", "True"}, {"new", "5"}}));
}

TEST(ApplyJsonPatchTest, NestedAddIntoANullDictStartsFromEmpty) {
  auto r = Apply(Json::array({PatchOp("add", "/health_status_reason/api", "ok")}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ((*r)["health_status_reason"], (Json{{"api", "ok"}}));
}

TEST(ApplyJsonPatchTest, NestedRemoveDropsOneKey) {
  auto r = Apply(Json::array({PatchOp("add", "/labels/b", "2"), PatchOp("remove", "/labels/a")}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ((*r)["labels"], (Json{{"b", "2"}}));
}

TEST(ApplyJsonPatchTest, RemoveResetsToTheConfiguredDefault) {
  auto r = Apply(Json::array({PatchOp("remove", "/node_count"), PatchOp("remove", "/labels")}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ((*r)["node_count"], 1);
  EXPECT_EQ((*r)["labels"], Json::object());
}

TEST(ApplyJsonPatchTest, RemoveWithoutADefaultSetsNull) {
  auto r = Apply(Json::array({PatchOp("remove", "/name")}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_TRUE((*r)["name"].is_null());
}

TEST(ApplyJsonPatchTest, RemoveIgnoresAGivenValue) {
  auto r = Apply(Json::array({PatchOp("remove", "/node_count", 9)}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ((*r)["node_count"], 1);
}

TEST(ApplyJsonPatchTest, AppendToAListWithDash) {
  auto r = Apply(Json::array({PatchOp("add", "/member_ids/-", "x"), PatchOp("add", "/member_ids/-", "y")}));
  ASSERT_TRUE(r.has_value()) << r.error().message();
  EXPECT_EQ((*r)["member_ids"], Json::array({"x", "y"}));
}

TEST(ApplyJsonPatchTest, DoesNotModifyTheInput) {
  Json doc = Doc();
  auto r = ApplyJsonPatch(doc, Json::array({PatchOp("replace", "/name", "other")}), Fields(), Rules());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(doc, Doc());
}

// ---- refused patches ---------------------------------------------------------------------

struct PatchErrorCase {
  std::string label;
  Json patch;
  std::string error;  // exact message, or a prefix ending in "*"
};

class ApplyJsonPatchErrorTest : public ::testing::TestWithParam<PatchErrorCase> {};

TEST_P(ApplyJsonPatchErrorTest, Is400) {
  const PatchErrorCase& c = GetParam();
  auto r = Apply(c.patch);
  ASSERT_FALSE(r.has_value()) << c.label << " gave " << r->dump();
  EXPECT_TRUE(r.error().Is(ErrorCode::kInvalidArgument)) << c.label;
  if (!c.error.empty() && c.error.back() == '*') {
    std::string prefix = c.error.substr(0, c.error.size() - 1);
    EXPECT_EQ(r.error().message().substr(0, prefix.size()), prefix)
        << c.label << ": " << r.error().message();
  } else {
    EXPECT_EQ(r.error().message(), c.error) << c.label;
  }
}

std::string BadValue(const std::string& name, const std::string& value, const std::string& why) {
  return "Invalid input for field/attribute " + name + ". Value: '" + value + "'. " + why;
}

const std::string kPattern = "Value should match the pattern ^(/[\\w-]+)+$";

INSTANTIATE_TEST_SUITE_P(
    Shape, ApplyJsonPatchErrorTest,
    ::testing::Values(
        PatchErrorCase{"object body", Json{{"op", "replace"}},
                       "Invalid input for argument patch: expected a JSON array of patch "
                       "operations"},
        PatchErrorCase{"string body", Json("x"),
                       "Invalid input for argument patch: expected a JSON array of patch "
                       "operations"},
        PatchErrorCase{"op not an object", Json::array({"replace"}),
                       "Invalid input for argument patch: each operation must be an object with "
                       "'op' and 'path'"},
        PatchErrorCase{
            "unknown key",
            Json::array({{{"op", "replace"}, {"path", "/name"}, {"value", "a"}, {"from", "/x"}}}),
            "Unknown attribute for argument patch: from"},
        PatchErrorCase{"missing path", Json::array({{{"op", "remove"}}}),
                       BadValue("path", "None", "Mandatory field missing.")},
        PatchErrorCase{"path not a string", Json::array({{{"op", "remove"}, {"path", 1}}}),
                       BadValue("path", "1", "Mandatory field missing.")},
        PatchErrorCase{"missing op", Json::array({{{"path", "/name"}}}),
                       BadValue("op", "None", "Mandatory field missing.")},
        PatchErrorCase{"bad op", Json::array({PatchOp("move", "/name")}),
                       BadValue("op", "move", "Value should be one of: add, replace, remove")},
        PatchErrorCase{"test op", Json::array({PatchOp("test", "/name", "k8s")}),
                       BadValue("op", "test", "Value should be one of: add, replace, remove")}));

INSTANTIATE_TEST_SUITE_P(
    Paths, ApplyJsonPatchErrorTest,
    ::testing::Values(
        PatchErrorCase{"no slash", Json::array({PatchOp("remove", "name")}),
                       BadValue("path", "name", kPattern)},
        PatchErrorCase{"root", Json::array({PatchOp("remove", "/")}), BadValue("path", "/", kPattern)},
        PatchErrorCase{"empty", Json::array({PatchOp("remove", "")}), BadValue("path", "", kPattern)},
        PatchErrorCase{"double slash", Json::array({PatchOp("remove", "//name")}),
                       BadValue("path", "//name", kPattern)},
        PatchErrorCase{"trailing slash", Json::array({PatchOp("remove", "/name/")}),
                       BadValue("path", "/name/", kPattern)},
        PatchErrorCase{"space", Json::array({PatchOp("replace", "/na me", "x")}),
                       BadValue("path", "/na me", kPattern)},
        PatchErrorCase{"tilde escape", Json::array({PatchOp("replace", "/labels/a~1b", "x")}),
                       BadValue("path", "/labels/a~1b", kPattern)},
        PatchErrorCase{"internal uuid", Json::array({PatchOp("replace", "/uuid", "x")}),
                       "'/uuid' is an internal attribute and can not be updated"},
        PatchErrorCase{"internal nested", Json::array({PatchOp("add", "/links/x", "y")}),
                       "'/links' is an internal attribute and can not be updated"},
        PatchErrorCase{"internal remove", Json::array({PatchOp("remove", "/created_at")}),
                       "'/created_at' is an internal attribute and can not be updated"},
        PatchErrorCase{"internal project", Json::array({PatchOp("replace", "/project_id", "p")}),
                       "'/project_id' is an internal attribute and can not be updated"},
        PatchErrorCase{"mandatory remove", Json::array({PatchOp("remove", "/coe")}),
                       "'/coe' is a mandatory attribute and can not be removed"},
        PatchErrorCase{"non-removable remove", Json::array({PatchOp("remove", "/public")}),
                       "'/public' is a mandatory attribute and can not be removed"},
        // image_id is not in mandatory_paths but its field is mandatory: caught when the
        // result is re-validated.
        PatchErrorCase{"mandatory field removed", Json::array({PatchOp("remove", "/image_id")}),
                       "'/image_id' is a mandatory attribute and can not be removed"}));

INSTANTIATE_TEST_SUITE_P(
    Values, ApplyJsonPatchErrorTest,
    ::testing::Values(
        PatchErrorCase{"replace needs value", Json::array({PatchOp("replace", "/name")}),
                       "'add' and 'replace' operations needs value"},
        PatchErrorCase{"add needs value", Json::array({PatchOp("add", "/keypair")}),
                       "'add' and 'replace' operations needs value"},
        PatchErrorCase{"object value", Json::array({PatchOp("replace", "/labels", Json{{"a", "b"}})}),
                       BadValue("value", "{\"a\":\"b\"}",
                           "Wrong type. Expected a string, an integer or a boolean.")},
        PatchErrorCase{
            "array value", Json::array({PatchOp("replace", "/member_ids", Json::array())}),
            BadValue("value", "[]", "Wrong type. Expected a string, an integer or a boolean.")},
        PatchErrorCase{
            "float value", Json::array({PatchOp("replace", "/node_count", 1.5)}),
            BadValue("value", "1.5", "Wrong type. Expected a string, an integer or a boolean.")},
        PatchErrorCase{"bad literal", Json::array({PatchOp("replace", "/labels", "{'a': ")}),
                       "Couldn't apply patch '[{\"op\":\"replace\",\"path\":\"/labels\",\"value\":"
                       "\"{'a': \"}]'. Reason: malformed literal*"},
        PatchErrorCase{"literal of the wrong type", Json::array({PatchOp("replace", "/labels", "[1]")}),
                       BadValue("labels", "[1]", "Wrong type. Expected 'dict', got 'list'")},
        PatchErrorCase{"literal with a nested dict",
                       Json::array({PatchOp("replace", "/labels", "{'a': {'b': 1}}")}),
                       BadValue("labels", "{\"a\":{\"b\":1}}",
                           "Value of 'a' must be a string, number or boolean.")},
        PatchErrorCase{"type re-validated", Json::array({PatchOp("replace", "/node_count", "many")}),
                       BadValue("node_count", "many", "Wrong type. Expected an integer.")},
        PatchErrorCase{"range re-validated", Json::array({PatchOp("replace", "/node_count", 101)}),
                       BadValue("node_count", "101", "Value should be lower or equal to 100")},
        PatchErrorCase{"enum re-validated", Json::array({PatchOp("replace", "/coe", "swarm")}),
                       BadValue("coe", "swarm", "Value should be one of: kubernetes")},
        PatchErrorCase{
            "pattern re-validated", Json::array({PatchOp("replace", "/name", "-x")}),
            BadValue("name", "-x", "Value should match the pattern ^[a-zA-Z][a-zA-Z0-9_.-]*$")},
        PatchErrorCase{"bool re-validated", Json::array({PatchOp("replace", "/public", "maybe")}),
                       BadValue("public", "maybe", "Wrong type. Expected a boolean.")},
        PatchErrorCase{"nested value re-validated", Json::array({PatchOp("add", "/member_ids/-", 5)}),
                       BadValue("member_ids", "[5]", "Wrong type. Expected a list of strings.")}));

INSTANTIATE_TEST_SUITE_P(
    Structure, ApplyJsonPatchErrorTest,
    ::testing::Values(
        PatchErrorCase{"add unknown root", Json::array({PatchOp("add", "/foo", "x")}),
                       "Adding a new attribute /foo to the root of the resource is not allowed."},
        PatchErrorCase{"add existing root", Json::array({PatchOp("add", "/name", "x")}),
                       "The attribute /name has existed, please use 'replace' operation instead."},
        PatchErrorCase{"replace unknown root", Json::array({PatchOp("replace", "/foo", "x")}),
                       "Couldn't apply patch*"},
        PatchErrorCase{"remove unknown root", Json::array({PatchOp("remove", "/foo")}),
                       "Couldn't apply patch*"},
        PatchErrorCase{"remove missing nested key", Json::array({PatchOp("remove", "/labels/zzz")}),
                       "Couldn't apply patch*"},
        PatchErrorCase{"replace missing nested key",
                       Json::array({PatchOp("replace", "/labels/zzz", "1")}), "Couldn't apply patch*"},
        PatchErrorCase{"nested under a scalar", Json::array({PatchOp("add", "/name/x", "1")}),
                       "Couldn't apply patch*"},
        PatchErrorCase{"one bad op fails all",
                       Json::array({PatchOp("replace", "/name", "ok"), PatchOp("replace", "/uuid", "x")}),
                       "'/uuid' is an internal attribute and can not be updated"}));

// ---- ChangedFields -----------------------------------------------------------------------

TEST(ChangedFieldsTest, ReportsChangedAddedAndRemovedKeys) {
  Json before = {{"a", 1}, {"b", "x"}, {"c", {{"k", "v"}}}, {"gone", true}};
  Json after = {{"a", 1}, {"b", "y"}, {"c", {{"k", "w"}}}, {"new", nullptr}};
  EXPECT_EQ(ChangedFields(before, after), (std::set<std::string>{"b", "c", "gone", "new"}));
  EXPECT_TRUE(ChangedFields(before, before).empty());
}

TEST(ChangedFieldsTest, TypeMattersAndNullIsAValue) {
  EXPECT_EQ(ChangedFields(Json{{"n", 1}}, Json{{"n", "1"}}), (std::set<std::string>{"n"}));
  EXPECT_EQ(ChangedFields(Json{{"n", nullptr}}, Json{{"n", 0}}), (std::set<std::string>{"n"}));
}

TEST(CommonInternalPathsTest, AreTheUpstreamList) {
  EXPECT_EQ(CommonInternalPaths(),
            (std::set<std::string>{"/created_at", "/id", "/links", "/updated_at", "/uuid",
                                   "/project_id", "/user_id"}));
}

}  // namespace
}  // namespace magnum::api
