// The readers of Heat's v1 replies (clients/heat_replies.h) on bodies shaped like the ones
// heat-api writes (heat-notes.md; Heat 19's stacks/resources/events views), and on
// replies that are not that shape.
#include "magnum/clients/heat_replies.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace magnum::clients {
namespace {

constexpr const char* kStackId = "8f3c1a52-5d27-4f0e-9c3e-0b7e5b7d2a11";
constexpr const char* kStackBase = "http://127.0.0.1:8004/v1/6e5f0a0d1b6c4f7e9b0a3c2d1e0f9a8b";

TEST(HeatStatusTest, SplitsActionAndState) {
  struct Case {
    const char* text;
    const char* action;
    HeatState state;
  } cases[] = {
      {"CREATE_IN_PROGRESS", "CREATE", HeatState::kInProgress},
      {"CREATE_COMPLETE", "CREATE", HeatState::kComplete},
      {"CREATE_FAILED", "CREATE", HeatState::kFailed},
      {"UPDATE_IN_PROGRESS", "UPDATE", HeatState::kInProgress},
      {"UPDATE_FAILED", "UPDATE", HeatState::kFailed},
      {"DELETE_COMPLETE", "DELETE", HeatState::kComplete},
      {"ROLLBACK_IN_PROGRESS", "ROLLBACK", HeatState::kInProgress},
      {"ROLLBACK_COMPLETE", "ROLLBACK", HeatState::kComplete},
      {"INIT_COMPLETE", "INIT", HeatState::kComplete},
      {"CHECK_FAILED", "CHECK", HeatState::kFailed},
      {"SOMETHING_ELSE", "SOMETHING_ELSE", HeatState::kUnknown},
      {"_COMPLETE", "_COMPLETE", HeatState::kUnknown},
      {"", "", HeatState::kUnknown},
  };
  for (const auto& c : cases) {
    HeatStatus s = ParseHeatStatus(c.text);
    EXPECT_EQ(s.status, c.text);
    EXPECT_EQ(s.action, c.action) << c.text;
    EXPECT_EQ(s.state, c.state) << c.text;
  }
  EXPECT_TRUE(ParseHeatStatus("DELETE_FAILED").Failed());
  EXPECT_TRUE(ParseHeatStatus("UPDATE_IN_PROGRESS").InProgress());
  EXPECT_TRUE(ParseHeatStatus("UPDATE_COMPLETE").Complete());
}

TEST(HeatRepliesTest, CreateReplyGivesTheId) {
  const std::string body = std::string(R"({"stack": {"id": ")") + kStackId +
                           R"(", "links": [{"href": ")" + kStackBase + "/stacks/k8s-a/" + kStackId +
                           R"(", "rel": "self"}]}})";
  auto id = ParseHeatCreateReply(body);
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_EQ(*id, kStackId);
  for (const char* bad : {"", "[]", "{}", R"({"stack": []})", R"({"stack": {"id": ""}})",
                          R"({"stack": {"id": 7}})", R"({"stack": {"links": []}})"}) {
    auto r = ParseHeatCreateReply(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
}

// A failed cluster-like stack as "openstack stack show -f json" reads it from heat-api.
std::string FailedStackBody() {
  nlohmann::json stack = {
      {"parent", nullptr},
      {"disable_rollback", true},
      {"description", "Kubernetes cluster"},
      {"parameters",
       {{"OS::project_id", "6e5f0a0d1b6c4f7e9b0a3c2d1e0f9a8b"},
        {"OS::stack_id", kStackId},
        {"OS::stack_name", "k8s-a"},
        {"number_of_minions", "3"},
        {"minions_to_remove", "[]"}}},
      {"deletion_time", nullptr},
      {"stack_name", "k8s-a"},
      {"stack_user_project_id", "0d1f5a9c3b2e4d6f8a7c9e0b1d2f3a4c"},
      {"stack_status_reason",
       "Resource CREATE failed: ResourceInError: resources.kube_minions.resources[1]: Went to "
       "status ERROR due to \"Message: No valid host was found. , Code: 500\""},
      {"creation_time", "2026-12-05T04:50:01Z"},
      {"links", {{{"href", std::string(kStackBase) + "/stacks/k8s-a/" + kStackId}, {"rel", "self"}}}},
      {"capabilities", nlohmann::json::array()},
      {"notification_topics", nlohmann::json::array()},
      {"tags", nullptr},
      {"timeout_mins", 60},
      {"stack_status", "CREATE_FAILED"},
      {"stack_owner", nullptr},
      {"updated_time", nullptr},
      {"id", kStackId},
      {"outputs",
       {{{"output_value", "10.0.0.5"},
         {"output_key", "api_address"},
         {"description", "The API endpoint"}},
        {{"output_value", {"10.0.0.6", nullptr, "10.0.0.8"}},
         {"output_key", "kube_minions"},
         {"description", "No description given"}},
        {{"output_value", nullptr},
         {"output_key", "lb_address"},
         {"output_error", "The Referenced Attribute (api_lb vip_address) is incorrect."},
         {"description", ""}}}},
      {"template_description", "Kubernetes cluster"}};
  return nlohmann::json({{"stack", stack}}).dump();
}

TEST(HeatRepliesTest, StackShowOfAFailedCreate) {
  auto s = ParseHeatStack(FailedStackBody());
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->id, kStackId);
  EXPECT_EQ(s->name, "k8s-a");
  EXPECT_EQ(s->status.status, "CREATE_FAILED");
  EXPECT_EQ(s->status.action, "CREATE");
  EXPECT_TRUE(s->status.Failed());
  EXPECT_EQ(s->status_reason.find("Resource CREATE failed: ResourceInError: "
                                  "resources.kube_minions.resources[1]"),
            0u);
  EXPECT_EQ(s->creation_time, "2026-12-05T04:50:01Z");
  EXPECT_EQ(s->updated_time, "");
  EXPECT_EQ(s->parent, "");
  ASSERT_EQ(s->outputs.size(), 3u);
  EXPECT_EQ(s->outputs.at("api_address"), R"("10.0.0.5")");
  EXPECT_EQ(s->outputs.at("kube_minions"), R"(["10.0.0.6",null,"10.0.0.8"])");
  EXPECT_EQ(s->outputs.at("lb_address"), "null");
  ASSERT_EQ(s->output_errors.size(), 1u);
  EXPECT_EQ(s->output_errors.at("lb_address"),
            "The Referenced Attribute (api_lb vip_address) is incorrect.");
  EXPECT_EQ(s->parameters.at("number_of_minions"), "3");
  EXPECT_EQ(s->parameters.at("OS::stack_id"), kStackId);
}

TEST(HeatRepliesTest, StackShowWithoutResolvedOutputsAndOfANestedStack) {
  // resolve_outputs=False: outputs carry only key and description.
  auto s = ParseHeatStack(R"({"stack": {"id": "n1", "stack_name": "k8s-a-kube_minions-x",
      "stack_status": "UPDATE_IN_PROGRESS", "stack_status_reason": "Stack UPDATE started",
      "parent": "8f3c", "updated_time": "2026-12-05T05:01:00Z",
      "outputs": [{"output_key": "refs", "description": "No description given"}],
      "parameters": {"count": 3, "list": ["a"]}}})");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_TRUE(s->status.InProgress());
  EXPECT_EQ(s->status.action, "UPDATE");
  EXPECT_TRUE(s->outputs.empty());
  EXPECT_EQ(s->parent, "8f3c");
  EXPECT_EQ(s->parameters.at("count"), "3");  // not strings: their JSON text
  EXPECT_EQ(s->parameters.at("list"), R"(["a"])");
}

TEST(HeatRepliesTest, StackShowRefusesOtherShapes) {
  for (const char* bad : {
           "<html>502 Bad Gateway</html>", R"({"stacks": []})", R"({"stack": "x"})",
           R"({"stack": {"stack_status": "CREATE_COMPLETE"}})",     // no id
           R"({"stack": {"id": "s", "stack_status": null}})",       // no status
           R"({"stack": {"id": "s", "stack_status": 3}})",
           R"({"stack": {"id": "s", "stack_status": "CREATE_COMPLETE", "outputs": {}}})",
           R"({"stack": {"id": "s", "stack_status": "CREATE_COMPLETE", "outputs": [1]}})",
           R"({"stack": {"id": "s", "stack_status": "CREATE_COMPLETE",
                         "outputs": [{"output_value": 1}]}})",
           R"({"stack": {"id": "s", "stack_status": "CREATE_COMPLETE", "parameters": []}})",
           R"({"stack": {"id": "s", "stack_status": "CREATE_COMPLETE", "stack_name": {}}})",
       }) {
    auto r = ParseHeatStack(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(HeatRepliesTest, OutputShow) {
  auto o = ParseHeatOutput(R"({"output": {"output_key": "kube_masters",
      "output_value": ["10.0.0.3"], "description": "master addresses"}})");
  ASSERT_TRUE(o) << o.error().message();
  EXPECT_EQ(o->key, "kube_masters");
  EXPECT_EQ(o->value_json, R"(["10.0.0.3"])");
  EXPECT_EQ(o->description, "master addresses");
  EXPECT_EQ(o->error, "");
  o = ParseHeatOutput(R"({"output": {"output_key": "x", "output_error": "bad ref"}})");
  ASSERT_TRUE(o);
  EXPECT_EQ(o->value_json, "null");
  EXPECT_EQ(o->error, "bad ref");
  EXPECT_FALSE(ParseHeatOutput(R"({"output": {"output_value": 1}})"));
  EXPECT_FALSE(ParseHeatOutput(R"({"outputs": []})"));
}

// resources?nested_depth=2&status=FAILED on a stack whose second worker failed, plus the
// DELETE_COMPLETE member a scale-down left behind.
TEST(HeatRepliesTest, ResourceListWithNestedMembers) {
  const std::string nested = std::string(kStackBase) + "/stacks/k8s-a-kube_minions-r2d2/4a1b";
  const std::string top = std::string(kStackBase) + "/stacks/k8s-a/" + kStackId;
  nlohmann::json body = {
      {"resources",
       {{{"resource_name", "kube_minions"},
         {"links",
          {{{"href", top + "/resources/kube_minions"}, {"rel", "self"}},
           {{"href", top}, {"rel", "stack"}},
           {{"href", nested}, {"rel", "nested"}}}},
         {"logical_resource_id", "kube_minions"},
         {"creation_time", "2026-12-05T04:50:03Z"},
         {"resource_status", "CREATE_FAILED"},
         {"updated_time", "2026-12-05T04:50:03Z"},
         {"required_by", {"api_lb"}},
         {"resource_status_reason", "ResourceInError: resources[1]: Went to status ERROR"},
         {"physical_resource_id", "4a1b"},
         {"resource_type", "OS::Heat::ResourceGroup"}},
        {{"resource_name", "1"},
         {"links",
          {{{"href", nested + "/resources/1"}, {"rel", "self"}},
           {{"href", nested}, {"rel", "stack"}}}},
         {"logical_resource_id", "1"},
         {"resource_status", "CREATE_FAILED"},
         {"resource_status_reason", "ResourceInError: Went to status ERROR"},
         {"physical_resource_id", ""},
         {"resource_type", "OS::Nova::Server"},
         {"parent_resource", "kube_minions"}},
        {{"resource_name", "0"},
         {"links", {{{"href", nested}, {"rel", "stack"}}}},
         {"resource_status", "DELETE_COMPLETE"},
         {"resource_status_reason", "state changed"},
         {"physical_resource_id", "srv-0"},
         {"resource_type", "OS::Nova::Server"},
         {"parent_resource", "kube_minions"}}}}};
  auto list = ParseHeatResources(body.dump());
  ASSERT_TRUE(list) << list.error().message();
  ASSERT_EQ(list->size(), 3u);
  const HeatResource& group = (*list)[0];
  EXPECT_EQ(group.name, "kube_minions");
  EXPECT_EQ(group.type, "OS::Heat::ResourceGroup");
  EXPECT_TRUE(group.status.Failed());
  EXPECT_EQ(group.stack_name, "k8s-a");
  EXPECT_EQ(group.stack_id, kStackId);
  EXPECT_EQ(group.nested_stack_id, "4a1b");
  EXPECT_EQ(group.parent_resource, "");
  EXPECT_EQ(group.updated_time, "2026-12-05T04:50:03Z");
  const HeatResource& member = (*list)[1];
  EXPECT_EQ(member.name, "1");
  EXPECT_EQ(member.status_reason, "ResourceInError: Went to status ERROR");
  EXPECT_EQ(member.physical_id, "");
  EXPECT_EQ(member.stack_name, "k8s-a-kube_minions-r2d2");
  EXPECT_EQ(member.stack_id, "4a1b");
  EXPECT_EQ(member.parent_resource, "kube_minions");
  EXPECT_EQ(member.nested_stack_id, "");
  EXPECT_EQ((*list)[2].status.action, "DELETE");

  EXPECT_TRUE(ParseHeatResources(R"({"resources": []})")->empty());
  for (const char* bad : {R"({"resources": {}})", R"({"resources": [1]})",
                          R"({"resources": [{"resource_status": "CREATE_COMPLETE"}]})",
                          R"({"resources": [{"resource_name": "a", "links": {}}]})",
                          R"({"resources": [{"resource_name": "a", "resource_type": 1}]})"}) {
    auto r = ParseHeatResources(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  }
}

TEST(HeatRepliesTest, EventListOldestFirst) {
  const std::string top = std::string(kStackBase) + "/stacks/k8s-a/" + kStackId;
  nlohmann::json body = {
      {"events",
       {{{"resource_name", "k8s-a"},
         {"event_time", "2026-12-05T04:50:01Z"},
         {"links",
          {{{"href", top + "/resources/k8s-a/events/e1"}, {"rel", "self"}},
           {{"href", top + "/resources/k8s-a"}, {"rel", "resource"}},
           {{"href", top}, {"rel", "stack"}}}},
         {"logical_resource_id", "k8s-a"},
         {"resource_status", "CREATE_IN_PROGRESS"},
         {"resource_status_reason", "Stack CREATE started"},
         {"physical_resource_id", kStackId},
         {"id", "e1"}},
        {{"resource_name", "kube_masters"},
         {"event_time", "2026-12-05T04:50:02Z"},
         {"links", {{{"href", top}, {"rel", "stack"}}}},
         {"resource_status", "CREATE_IN_PROGRESS"},
         {"resource_status_reason", "state changed"},
         {"resource_type", "OS::Heat::ResourceGroup"},
         {"physical_resource_id", nullptr},
         {"id", "e2"}}}}};
  auto list = ParseHeatEvents(body.dump());
  ASSERT_TRUE(list) << list.error().message();
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].id, "e1");
  EXPECT_EQ((*list)[0].resource_name, "k8s-a");
  EXPECT_EQ((*list)[0].status_reason, "Stack CREATE started");
  EXPECT_EQ((*list)[0].time, "2026-12-05T04:50:01Z");
  EXPECT_EQ((*list)[0].stack_name, "k8s-a");
  EXPECT_EQ((*list)[0].stack_id, kStackId);
  EXPECT_EQ((*list)[0].physical_id, kStackId);
  EXPECT_EQ((*list)[1].resource_type, "OS::Heat::ResourceGroup");
  EXPECT_EQ((*list)[1].physical_id, "");
  EXPECT_TRUE((*list)[1].status.InProgress());
  EXPECT_FALSE(ParseHeatEvents(R"({"events": [{"resource_name": "x"}]})"));  // no id
  EXPECT_FALSE(ParseHeatEvents(R"({"event": []})"));
}

TEST(HeatRepliesTest, ErrorMessages) {
  struct Case {
    const char* body;
    long status;
    const char* message;
    const char* type;
  } cases[] = {
      {R"({"explanation": "The server could not comply with the request since it is either
           malformed or otherwise incorrect.", "code": 400, "error": {"message": "Property
           error: resources.kube_masters.properties.flavor: The Flavor ID (m1.huge) could not
           be found.", "traceback": null, "type": "StackValidationFailed"},
           "title": "Bad Request"})",
       400, nullptr, "StackValidationFailed"},
      {R"({"explanation": "There was a conflict when trying to complete your request.",
           "code": 409, "error": {"message": "The Stack (k8s-a) already exists.",
           "traceback": null, "type": "StackExists"}, "title": "Conflict"})",
       409, "The Stack (k8s-a) already exists.", "StackExists"},
      // No message (an exception Heat does not deem safe): the explanation.
      {R"({"explanation": "The resource could not be found.", "code": 404,
           "error": {"traceback": null, "type": "NotFound"}, "title": "Not Found"})",
       404, "The resource could not be found.", "NotFound"},
      {R"({"title": "Forbidden"})", 403, "Forbidden", ""},
      // Not Heat's document: its start, on one line.
      {"<html>\n<h1>502 Bad Gateway</h1></html>", 502, "<html> <h1>502 Bad Gateway</h1></html>",
       ""},
      {"", 503, "HTTP 503", ""},
  };
  for (const auto& c : cases) {
    std::string body = c.body;
    // JSON strings may not hold raw newlines: the wrapped literals above are joined.
    for (auto& ch : body) {
      if (ch == '\n' && body.front() == '{') ch = ' ';
    }
    HeatErrorReply e = ParseHeatError(body, c.status);
    if (c.message) {
      EXPECT_EQ(e.message, c.message) << c.body;
    }
    EXPECT_EQ(e.type, c.type) << c.body;
  }
  HeatErrorReply flavor = ParseHeatError(
      R"({"code": 400, "error": {"message": "Property error: The Flavor ID (m1.huge) could not be found.", "type": "StackValidationFailed"}})",
      400);
  EXPECT_EQ(flavor.message, "Property error: The Flavor ID (m1.huge) could not be found.");

  // An engine failure in debug mode: the traceback is split off for the log.
  HeatErrorReply crash = ParseHeatError(
      R"({"code": 500, "title": "Internal Server Error", "error": {"type": "OperationalError",
          "message": "database is locked\nTraceback (most recent call last):\n  File \"x.py\"",
          "traceback": null}})",
      500);
  EXPECT_EQ(crash.message, "database is locked");
  EXPECT_EQ(crash.traceback.find("Traceback (most recent call last):"), 0u);
  HeatErrorReply with_tb = ParseHeatError(
      R"({"code": 500, "error": {"message": "boom", "traceback": "Traceback ...\n  File"}})", 500);
  EXPECT_EQ(with_tb.message, "boom");
  EXPECT_EQ(with_tb.traceback, "Traceback ...\n  File");
}

TEST(HeatRepliesTest, StackFromLink) {
  std::string name, id;
  StackFromLink(std::string(kStackBase) + "/stacks/k8s-a/" + kStackId + "/resources/0", &name, &id);
  EXPECT_EQ(name, "k8s-a");
  EXPECT_EQ(id, kStackId);
  StackFromLink("http://h/v1/p/stacks/a%20b/i%2Fd?x=1", &name, &id);
  EXPECT_EQ(name, "a b");
  EXPECT_EQ(id, "i/d");
  StackFromLink("http://h/v1/p/stacks/stacks/i2", &name, &id);
  EXPECT_EQ(name, "stacks");
  EXPECT_EQ(id, "i2");
  for (const char* bad : {"", "http://h/v1/p/stacks/only-name", "http://h/v1/p/stacks//id",
                          "http://h/v1/p/stacks/a/%zz", "http://h/v1/p/resources/a/b"}) {
    StackFromLink(bad, &name, &id);
    EXPECT_EQ(name, "") << bad;
    EXPECT_EQ(id, "") << bad;
  }
}

}  // namespace
}  // namespace magnum::clients
