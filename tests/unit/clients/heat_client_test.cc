// The Heat client (clients/heat_client.h) over a scripted HTTP seam: each call's method,
// URL, headers and body; Heat's 302 to /stacks/{name}/{id} re-sent with the same method and
// body; the endpoint from the catalog; token renewal; and the error answers.
#include "magnum/clients/heat_client.h"

#include <gtest/gtest.h>

#include <deque>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>

#include "magnum/auth/service_catalog.h"
#include "magnum/common/http_client.h"
#include "magnum/config/config.h"

namespace magnum::clients {
namespace {

using Json = nlohmann::json;

constexpr const char* kBase = "http://heat:8004/v1/p1";
constexpr const char* kId = "8f3c1a52-5d27-4f0e-9c3e-0b7e5b7d2a11";

// Answers by "METHOD url", each from its own queue (the last answer repeats); unknown
// requests are 404 in Heat's form. `down` = no answer at all.
class ScriptedHttp final : public HttpClient {
 public:
  Result<HttpClientReply> Send(const HttpClientRequest& req) override {
    std::lock_guard<std::mutex> lock(mu);
    sent.push_back(req);
    if (down) return Fail(Error::Unavailable("connect to " + req.url + " failed: refused"));
    auto it = replies.find(req.method + " " + req.url);
    if (it == replies.end()) {
      return HttpClientReply{404, {}, R"({"code": 404, "error": {"message": "no route"}})"};
    }
    HttpClientReply r = it->second.front();
    if (it->second.size() > 1) it->second.pop_front();
    return r;
  }
  void Reply(const std::string& method_url, long status, std::string body,
             http::Headers headers = {}) {
    replies[method_url].push_back(HttpClientReply{status, std::move(headers), std::move(body)});
  }
  void Redirect(const std::string& method_url, const std::string& location) {
    Reply(method_url, 302, "", {{"Location", location}});
  }
  std::string Header(size_t i, const std::string& name) const {
    for (const auto& h : sent.at(i).headers) {
      if (h.first == name) return h.second;
    }
    return "(absent)";
  }

  std::mutex mu;
  std::map<std::string, std::deque<HttpClientReply>> replies;
  std::vector<HttpClientRequest> sent;
  bool down = false;
};

std::string StackBody(const std::string& status, const std::string& reason) {
  return Json({{"stack",
                {{"id", kId},
                 {"stack_name", "k8s-a"},
                 {"stack_status", status},
                 {"stack_status_reason", reason},
                 {"outputs", {{{"output_key", "api_address"}, {"output_value", "10.0.0.5"}}}}}}})
      .dump();
}

class HeatClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auth_.token = "tok-1";
    auth_.project_id = "p1";
    auth_.endpoint = kBase;
    auth_.request_id = "req-9";
  }

  HeatClient Make() {
    return HeatClient(options_,
                      [this](bool renew) -> Result<HeatAuth> {
                        ++(renew ? renewals_ : asks_);
                        if (renew && !renewed_token_.empty()) auth_.token = renewed_token_;
                        if (renew && renewed_token_.empty()) {
                          return Fail(Error::Unauthenticated("cannot renew"));
                        }
                        return auth_;
                      },
                      std::shared_ptr<HttpClient>(http_, [](HttpClient*) {}));
  }

  ScriptedHttp* http_ = new ScriptedHttp;
  std::unique_ptr<ScriptedHttp> owner_{http_};
  HeatClientOptions options_;
  HeatAuth auth_;
  std::string renewed_token_;
  int asks_ = 0;
  int renewals_ = 0;
};

TEST_F(HeatClientTest, CreatePostsTheStackWithTheTemplateAsAnObject) {
  http_->Reply("POST http://heat:8004/v1/p1/stacks", 201,
               std::string(R"({"stack": {"id": ")") + kId + R"(", "links": []}})");
  HeatCreateRequest r;
  r.name = "k8s-a";
  r.template_json = R"({"heat_template_version": "2021-04-16", "resources": {}})";
  r.files = {{"server.yaml", "heat_template_version: '2021-04-16'\n"}};
  r.environment_json = R"({"resource_registry": {"OS::Nova::Server": "server.yaml"}})";
  r.environment_files = {"env.yaml"};
  r.parameters = {{"number_of_minions", "3"}, {"keypair", "kp"}};
  r.timeout_mins = 60;
  r.disable_rollback = true;
  auto id = Make().CreateStack(r);
  ASSERT_TRUE(id) << id.error().message();
  EXPECT_EQ(*id, kId);
  ASSERT_EQ(http_->sent.size(), 1u);
  const HttpClientRequest& req = http_->sent[0];
  EXPECT_EQ(req.method, "POST");
  EXPECT_EQ(req.url, "http://heat:8004/v1/p1/stacks");
  EXPECT_EQ(http_->Header(0, "X-Auth-Token"), "tok-1");
  EXPECT_EQ(http_->Header(0, "Accept"), "application/json");
  EXPECT_EQ(http_->Header(0, "Content-Type"), "application/json");
  EXPECT_EQ(http_->Header(0, "X-OpenStack-Request-ID"), "req-9");
  EXPECT_EQ(req.timeout, std::chrono::seconds(60));
  Json body = Json::parse(req.body);
  EXPECT_EQ(body["stack_name"], "k8s-a");
  ASSERT_TRUE(body["template"].is_object());
  EXPECT_EQ(body["template"]["heat_template_version"], "2021-04-16");  // still a string
  EXPECT_EQ(body["files"]["server.yaml"], "heat_template_version: '2021-04-16'\n");
  EXPECT_EQ(body["environment"]["resource_registry"]["OS::Nova::Server"], "server.yaml");
  EXPECT_EQ(body["environment_files"], Json::array({"env.yaml"}));
  EXPECT_EQ(body["parameters"], Json({{"number_of_minions", "3"}, {"keypair", "kp"}}));
  EXPECT_EQ(body["timeout_mins"], 60);
  EXPECT_EQ(body["disable_rollback"], true);

  // The minimal create leaves out what it does not set.
  HeatCreateRequest bare;
  bare.name = "s2";
  bare.template_json = R"({"heat_template_version": "2021-04-16"})";
  bare.disable_rollback = false;
  ASSERT_TRUE(Make().CreateStack(bare));
  body = Json::parse(http_->sent.back().body);
  EXPECT_FALSE(body.contains("files"));
  EXPECT_FALSE(body.contains("environment"));
  EXPECT_FALSE(body.contains("environment_files"));
  EXPECT_FALSE(body.contains("timeout_mins"));
  EXPECT_EQ(body["disable_rollback"], false);
}

TEST_F(HeatClientTest, CreateRefusalsCarryHeatsMessage) {
  HeatCreateRequest r;
  r.name = "k8s-a";
  r.template_json = R"({"heat_template_version": "2021-04-16"})";
  http_->Reply("POST http://heat:8004/v1/p1/stacks", 409,
               R"({"explanation": "There was a conflict when trying to complete your request.",
                   "code": 409, "error": {"message": "The Stack (k8s-a) already exists.",
                   "traceback": null, "type": "StackExists"}, "title": "Conflict"})");
  http_->Reply("POST http://heat:8004/v1/p1/stacks", 400,
               R"({"explanation": "The server could not comply with the request.", "code": 400,
                   "error": {"message": "Property error: resources.kube_masters.properties.flavor: The Flavor ID (m1.huge) could not be found.",
                   "traceback": null, "type": "StackValidationFailed"}, "title": "Bad Request"})");
  auto client = Make();
  auto dup = client.CreateStack(r);
  ASSERT_FALSE(dup);
  EXPECT_EQ(dup.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(dup.error().message(), "The Stack (k8s-a) already exists.");
  auto invalid = client.CreateStack(r);
  ASSERT_FALSE(invalid);
  EXPECT_EQ(invalid.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(invalid.error().message(),
            "Property error: resources.kube_masters.properties.flavor: The Flavor ID (m1.huge) "
            "could not be found.");

  // Not JSON objects: refused before anything is sent.
  const size_t before = http_->sent.size();
  for (const char* t : {"", "heat_template_version: 2021-04-16", "[]", "{"}) {
    r.template_json = t;
    auto e = client.CreateStack(r);
    ASSERT_FALSE(e) << t;
    EXPECT_EQ(e.error().code(), ErrorCode::kInvalidArgument);
  }
  r.template_json = "{}";
  r.environment_json = "[1]";
  EXPECT_EQ(client.CreateStack(r).error().code(), ErrorCode::kInvalidArgument);
  r.name = "";
  EXPECT_EQ(client.CreateStack(r).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(http_->sent.size(), before);
}

TEST_F(HeatClientTest, ShowFollowsTheRedirectToNameAndId) {
  // Heat's Location is built from its own view of the host; only the path is taken.
  http_->Redirect("GET http://heat:8004/v1/p1/stacks/k8s-a",
                  std::string("http://10.1.2.3:8004/v1/p1/stacks/k8s-a/") + kId);
  http_->Reply(std::string("GET http://heat:8004/v1/p1/stacks/k8s-a/") + kId, 200,
               StackBody("CREATE_FAILED", "Resource CREATE failed: Timed out"));
  auto s = Make().GetStack("k8s-a");
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->id, kId);
  EXPECT_TRUE(s->status.Failed());
  EXPECT_EQ(s->status.action, "CREATE");
  EXPECT_EQ(s->status_reason, "Resource CREATE failed: Timed out");
  EXPECT_EQ(s->outputs.at("api_address"), R"("10.0.0.5")");
  ASSERT_EQ(http_->sent.size(), 2u);
  EXPECT_EQ(http_->sent[1].method, "GET");
  EXPECT_EQ(http_->sent[1].url, std::string(kBase) + "/stacks/k8s-a/" + kId);
  EXPECT_EQ(http_->Header(1, "X-Auth-Token"), "tok-1");
  EXPECT_EQ(asks_, 1);

  // resolve_outputs=False travels in the query, which the Location repeats.
  http_->Redirect("GET http://heat:8004/v1/p1/stacks/k8s-b?resolve_outputs=False",
                  "/v1/p1/stacks/k8s-b/id-b?resolve_outputs=False");
  http_->Reply("GET http://heat:8004/v1/p1/stacks/k8s-b/id-b?resolve_outputs=False", 200,
               R"({"stack": {"id": "id-b", "stack_status": "CREATE_COMPLETE"}})");
  auto b = Make().GetStack("k8s-b", /*resolve_outputs=*/false);
  ASSERT_TRUE(b) << b.error().message();
  EXPECT_TRUE(b->outputs.empty());

  // "name/id" goes straight to the stack; names are escaped.
  http_->Reply("GET http://heat:8004/v1/p1/stacks/a%20b/i1", 200,
               R"({"stack": {"id": "i1", "stack_status": "DELETE_COMPLETE"}})");
  auto direct = Make().GetStack("a b/i1");
  ASSERT_TRUE(direct) << direct.error().message();
  EXPECT_EQ(http_->sent.back().url, "http://heat:8004/v1/p1/stacks/a%20b/i1");
  for (const char* bad : {"", "/x", "x/", "a/b/c", "../x", "a/.."}) {
    EXPECT_EQ(Make().GetStack(bad).error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST_F(HeatClientTest, UpdateAndDeleteAreResentWithTheSameMethodAndBody) {
  const std::string canonical = std::string(kBase) + "/stacks/k8s-a/" + kId;
  http_->Redirect("PATCH http://heat:8004/v1/p1/stacks/k8s-a", canonical);
  http_->Reply("PATCH " + canonical, 202, "");
  HeatUpdateRequest u;
  u.parameters = {{"number_of_minions", "2"}, {"minions_to_remove", "1,3"}};
  u.clear_parameters = {"kube_tag"};
  u.timeout_mins = 30;
  auto updated = Make().UpdateStack("k8s-a", u);
  ASSERT_TRUE(updated) << updated.error().message();
  ASSERT_EQ(http_->sent.size(), 2u);
  EXPECT_EQ(http_->sent[1].method, "PATCH");
  EXPECT_EQ(http_->sent[1].url, canonical);
  EXPECT_EQ(http_->sent[1].body, http_->sent[0].body);
  EXPECT_EQ(http_->Header(1, "Content-Type"), "application/json");
  Json body = Json::parse(http_->sent[1].body);
  EXPECT_EQ(body, Json({{"parameters", {{"number_of_minions", "2"}, {"minions_to_remove", "1,3"}}},
                        {"clear_parameters", {"kube_tag"}},
                        {"timeout_mins", 30}}));

  // With a new template and environment (an upgrade).
  u = {};
  u.template_json = R"({"heat_template_version": "2021-04-16"})";
  u.environment_json = R"({"parameter_defaults": {}})";
  u.files = {{"f", "x"}};
  ASSERT_TRUE(Make().UpdateStack("k8s-a", u));
  body = Json::parse(http_->sent.back().body);
  EXPECT_TRUE(body["template"].is_object());
  EXPECT_TRUE(body["environment"].is_object());
  EXPECT_EQ(body["files"]["f"], "x");
  EXPECT_EQ(body["parameters"], Json::object());

  http_->sent.clear();
  http_->Redirect("DELETE http://heat:8004/v1/p1/stacks/k8s-a", canonical);
  http_->Reply("DELETE " + canonical, 204, "");
  ASSERT_TRUE(Make().DeleteStack("k8s-a"));
  ASSERT_EQ(http_->sent.size(), 2u);
  EXPECT_EQ(http_->sent[1].method, "DELETE");
  EXPECT_EQ(http_->sent[1].url, canonical);
  EXPECT_EQ(http_->sent[1].body, "");
}

TEST_F(HeatClientTest, DeleteOfAStackThatIsGoneSucceeds) {
  http_->Reply("DELETE http://heat:8004/v1/p1/stacks/gone", 404,
               R"({"code": 404, "error": {"message": "The Stack (gone) could not be found.",
                   "type": "EntityNotFound"}, "title": "Not Found"})");
  EXPECT_TRUE(Make().DeleteStack("gone"));
  http_->Reply("DELETE http://heat:8004/v1/p1/stacks/busy", 409,
               R"({"code": 409, "error": {"message": "Stack busy is in progress."}})");
  auto busy = Make().DeleteStack("busy");
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code(), ErrorCode::kConflict);
  // Show keeps 404 as kNotFound, with Heat's message.
  http_->Reply("GET http://heat:8004/v1/p1/stacks/gone", 404,
               R"({"code": 404, "error": {"message": "The Stack (gone) could not be found."}})");
  auto show = Make().GetStack("gone");
  ASSERT_FALSE(show);
  EXPECT_EQ(show.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(show.error().message(), "The Stack (gone) could not be found.");
}

TEST_F(HeatClientTest, ResourcesWithFiltersAndWithoutDeletedLeftovers) {
  const std::string canonical = std::string(kBase) + "/stacks/k8s-a/" + kId;
  const std::string query = "/resources?nested_depth=2&status=FAILED";
  http_->Redirect("GET http://heat:8004/v1/p1/stacks/k8s-a" + query, canonical + query);
  Json list = {{"resources",
                {{{"resource_name", "1"},
                  {"resource_status", "CREATE_FAILED"},
                  {"resource_status_reason", "Went to status ERROR"},
                  {"resource_type", "OS::Nova::Server"},
                  {"physical_resource_id", "srv-1"},
                  {"parent_resource", "kube_minions"},
                  {"links", {{{"href", std::string(kBase) + "/stacks/k8s-a-minions/n1"},
                              {"rel", "stack"}}}}},
                 {{"resource_name", "0"},
                  {"resource_status", "DELETE_COMPLETE"},
                  {"resource_type", "OS::Nova::Server"}}}}};
  http_->Reply("GET " + canonical + query, 200, list.dump());
  HeatResourceQuery q;
  q.nested_depth = 2;
  q.status = {"FAILED"};
  auto r = Make().ListResources("k8s-a", q);
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].name, "1");
  EXPECT_EQ((*r)[0].status_reason, "Went to status ERROR");
  EXPECT_EQ((*r)[0].stack_name, "k8s-a-minions");
  EXPECT_EQ((*r)[0].parent_resource, "kube_minions");
  EXPECT_EQ(http_->sent.back().url, canonical + query);
  q.skip_deleted = false;
  EXPECT_EQ(Make().ListResources("k8s-a", q)->size(), 2u);

  http_->Reply("GET " + canonical + "/resources", 200, R"({"resources": []})");
  EXPECT_TRUE(Make().ListResources(std::string("k8s-a/") + kId)->empty());
}

TEST_F(HeatClientTest, EventsOldestFirstFromAMarker) {
  const std::string url = std::string(kBase) + "/stacks/k8s-a/" + kId +
                          "/events?sort_dir=asc&marker=e%201&nested_depth=2&limit=50";
  http_->Reply("GET " + url, 200,
               R"({"events": [{"id": "e2", "resource_name": "kube_masters",
                   "resource_status": "CREATE_COMPLETE", "resource_status_reason":
                   "state changed", "event_time": "2026-12-05T04:50:09Z"}]})");
  HeatEventQuery q;
  q.marker = "e 1";
  q.nested_depth = 2;
  q.limit = 50;
  auto events = Make().ListEvents(std::string("k8s-a/") + kId, q);
  ASSERT_TRUE(events) << events.error().message();
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].id, "e2");
  EXPECT_EQ((*events)[0].resource_name, "kube_masters");
  EXPECT_TRUE((*events)[0].status.Complete());
  EXPECT_EQ((*events)[0].time, "2026-12-05T04:50:09Z");
  EXPECT_EQ(http_->sent.back().url, url);
  // Defaults: oldest first, nothing else.
  http_->Reply("GET http://heat:8004/v1/p1/stacks/s/i/events?sort_dir=asc", 200,
               R"({"events": []})");
  EXPECT_TRUE(Make().ListEvents("s/i")->empty());
}

TEST_F(HeatClientTest, OutputByKey) {
  http_->Reply("GET http://heat:8004/v1/p1/stacks/s/i/outputs/kube_masters", 200,
               R"({"output": {"output_key": "kube_masters", "output_value": ["10.0.0.3"]}})");
  auto o = Make().GetOutput("s/i", "kube_masters");
  ASSERT_TRUE(o) << o.error().message();
  EXPECT_EQ(o->value_json, R"(["10.0.0.3"])");
  http_->Reply("GET http://heat:8004/v1/p1/stacks/s/i/outputs/no%2Fsuch", 404,
               R"({"code": 404, "error": {"message": "Specified output key no/such not found."}})");
  auto missing = Make().GetOutput("s/i", "no/such");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(Make().GetOutput("s/i", "").error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(HeatClientTest, UnavailableHeatNamesTheServiceAndKeepsDetailsInTheLog) {
  http_->down = true;
  auto r = Make().GetStack("k8s-a");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().message(),
            "The orchestration service (Heat) cannot be reached. Try again later; if this "
            "persists, the operator should check that heat-api and heat-engine run and that "
            "[heat_client] region_name (any) and endpoint_type (publicURL) name its endpoint "
            "in the service catalog.");
  // A write that got no answer may have happened: the message says to read it back.
  HeatCreateRequest c;
  c.name = "k8s-a";
  c.template_json = "{}";
  auto created = Make().CreateStack(c);
  ASSERT_FALSE(created);
  EXPECT_NE(created.error().message().find("The stack may or may not have been changed: read "
                                           "it back before repeating the stack create."),
            std::string::npos);
  http_->down = false;

  http_->Reply("GET http://heat:8004/v1/p1/stacks/s/i", 500,
               R"({"code": 500, "title": "Internal Server Error", "error": {"type":
                   "OperationalError", "message": "(sqlite3.OperationalError) database is locked",
                   "traceback": "Traceback (most recent call last):\n  File \"/usr/lib/x.py\""}})");
  r = Make().GetStack("s/i");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().message().find("The orchestration service (Heat) answered 500. "), 0u);
  EXPECT_EQ(r.error().message().find("Traceback"), std::string::npos);
  EXPECT_EQ(r.error().message().find("http://"), std::string::npos);

  for (long status : {502L, 503L, 504L}) {
    http_->replies.clear();
    http_->Reply("GET http://heat:8004/v1/p1/stacks/s/i", status, "<html>gateway</html>");
    EXPECT_EQ(Make().GetStack("s/i").error().code(), ErrorCode::kUnavailable) << status;
  }
  // A 200 that is not a stack, a status Heat does not use.
  http_->replies.clear();
  http_->Reply("GET http://heat:8004/v1/p1/stacks/s/i", 200, "<html>captive portal</html>");
  r = Make().GetStack("s/i");
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().message().find("The orchestration service (Heat) gave an answer that "
                                     "cannot be read."),
            0u);
  http_->replies.clear();
  http_->Reply("GET http://heat:8004/v1/p1/stacks/s/i", 405, "");
  r = Make().GetStack("s/i");
  EXPECT_EQ(r.error().message().find("The orchestration service (Heat) refused the request "
                                     "(405)."),
            0u);
}

TEST_F(HeatClientTest, ForbiddenAndRefusedTokens) {
  http_->Reply("GET http://heat:8004/v1/p1/stacks/s/i", 403,
               R"({"code": 403, "error": {"message": "You are not authorized to use show."},
                   "title": "Forbidden"})");
  auto r = Make().GetStack("s/i");
  EXPECT_EQ(r.error().code(), ErrorCode::kPermissionDenied);
  EXPECT_EQ(r.error().message(), "You are not authorized to use show.");

  // 401 with a provider that cannot renew (the caller's own token): one request.
  http_->sent.clear();
  http_->Reply("GET http://heat:8004/v1/p1/stacks/t/i", 401,
               R"({"code": 401, "title": "Unauthorized"})");
  r = Make().GetStack("t/i");
  EXPECT_EQ(r.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(r.error().message(),
            "The orchestration service (Heat) refused the token (401): it is invalid or has "
            "expired.");
  EXPECT_EQ(renewals_, 1);
  EXPECT_EQ(http_->sent.size(), 1u);

  // A provider that renews (a trust): the call is repeated once with the new token.
  renewed_token_ = "tok-2";
  http_->sent.clear();
  http_->Reply("GET http://heat:8004/v1/p1/stacks/t/i", 200,
               R"({"stack": {"id": "i", "stack_status": "CREATE_COMPLETE"}})");
  auto ok = Make().GetStack("t/i");
  ASSERT_TRUE(ok) << ok.error().message();
  ASSERT_EQ(http_->sent.size(), 2u);
  EXPECT_EQ(http_->Header(0, "X-Auth-Token"), "tok-1");
  EXPECT_EQ(http_->Header(1, "X-Auth-Token"), "tok-2");
  // Still 401 after renewing: no third try.
  http_->replies.clear();
  http_->sent.clear();
  auth_.token = "tok-1";
  http_->Reply("GET http://heat:8004/v1/p1/stacks/t/i", 401, "");
  EXPECT_EQ(Make().GetStack("t/i").error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(http_->sent.size(), 2u);

  // The provider's own failure is the call's error; nothing is sent.
  http_->sent.clear();
  HeatClient failing(options_, [](bool) -> Result<HeatAuth> {
    return Fail(Error::Unavailable("Keystone cannot be reached"));
  }, std::shared_ptr<HttpClient>(http_, [](HttpClient*) {}));
  EXPECT_EQ(failing.GetStack("t/i").error().message(), "Keystone cannot be reached");
  EXPECT_TRUE(http_->sent.empty());
}

TEST_F(HeatClientTest, RedirectsAreBoundedAndStayOnTheEndpoint) {
  http_->Redirect("GET http://heat:8004/v1/p1/stacks/loop", "/v1/p1/stacks/loop");
  auto r = Make().GetStack("loop");
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(http_->sent.size(), 4u);  // the request and three redirects

  for (const char* loc : {"http://evil/other", "", "/v1/p1/stacks/x\r\nX-Evil: 1",
                          "http://h/v1/p1?next=/stacks/x"}) {
    http_->sent.clear();
    http_->replies.clear();
    http_->Redirect("GET http://heat:8004/v1/p1/stacks/r", loc);
    auto e = Make().GetStack("r");
    ASSERT_FALSE(e) << loc;
    EXPECT_EQ(e.error().code(), ErrorCode::kUnavailable) << loc;
    EXPECT_EQ(http_->sent.size(), 1u) << loc;
  }
  // A 302 without Location is a status Heat does not use.
  http_->replies.clear();
  http_->Reply("GET http://heat:8004/v1/p1/stacks/r", 302, "");
  EXPECT_EQ(Make().GetStack("r").error().code(), ErrorCode::kUnavailable);
}

TEST_F(HeatClientTest, EndpointFromTheCatalog) {
  auto catalog = std::make_shared<auth::ServiceCatalog>();
  catalog->services = {
      {"s1", "orchestration", "heat",
       {{"public", "RegionOne", "http://h1:8004/v1/%(tenant_id)s"},
        {"internal", "RegionOne", "http://h1i:8004/v1/p1/"},
        {"public", "RegionTwo", "http://h2:8004/v1"}}}};
  auth_.endpoint = "";
  auth_.catalog = catalog;
  options_.default_region = "RegionOne";
  http_->Reply("GET http://h1:8004/v1/p1/stacks/s/i", 200,
               R"({"stack": {"id": "i", "stack_status": "CREATE_COMPLETE"}})");
  ASSERT_TRUE(Make().GetStack("s/i"));
  options_.service.endpoint_type = "internalURL";
  http_->Reply("GET http://h1i:8004/v1/p1/stacks/s/i", 200,
               R"({"stack": {"id": "i", "stack_status": "CREATE_COMPLETE"}})");
  ASSERT_TRUE(Make().GetStack("s/i"));
  options_.service.endpoint_type = "public";
  options_.service.region_name = "RegionTwo";  // no project segment: the token's is added
  http_->Reply("GET http://h2:8004/v1/p1/stacks/s/i", 200,
               R"({"stack": {"id": "i", "stack_status": "CREATE_COMPLETE"}})");
  ASSERT_TRUE(Make().GetStack("s/i"));
  EXPECT_EQ(http_->sent.size(), 3u);

  options_.service.region_name = "RegionThree";
  auto none = Make().GetStack("s/i");
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(none.error().message(),
            "The orchestration service (Heat) has no public endpoint in the service catalog, "
            "so nothing was changed. The operator should check [heat_client] region_name "
            "(RegionThree) and endpoint_type and the catalog's orchestration service.");
  auth_.catalog = nullptr;
  EXPECT_EQ(Make().GetStack("s/i").error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(http_->sent.size(), 3u);

  // The caller's context as the provider.
  auth::RequestContext ctx;
  ctx.auth_token = "user-token";
  ctx.project_id = "p1";
  ctx.service_catalog = catalog;
  options_.service.region_name = "";
  HeatClient as_caller(options_, CallerHeatAuth(ctx),
                       std::shared_ptr<HttpClient>(http_, [](HttpClient*) {}));
  ASSERT_TRUE(as_caller.GetStack("s/i"));
  EXPECT_EQ(http_->Header(http_->sent.size() - 1, "X-Auth-Token"), "user-token");
}

TEST(HeatClientOptionsTest, FromConfig) {
  auto cfg = config::LoadFromString(R"(
[keystone_authtoken]
region_name = RegionOne
http_connect_timeout = 7
[heat_client]
region_name = RegionTwo
endpoint_type = internalURL
ca_file = /etc/h.pem
insecure = true
)");
  ASSERT_TRUE(cfg) << cfg.error().message();
  auto o = HeatClientOptionsFromConfig(*cfg);
  ASSERT_TRUE(o) << o.error().message();
  EXPECT_EQ(o->service.region_name, "RegionTwo");
  EXPECT_EQ(o->service.endpoint_type, "internalURL");
  EXPECT_EQ(o->service.api_version, "1");
  EXPECT_EQ(o->service.ca_file, "/etc/h.pem");
  EXPECT_TRUE(o->service.insecure);
  EXPECT_EQ(o->default_region, "RegionOne");
  EXPECT_EQ(o->connect_timeout_s, 7);
  for (const char* bad : {"[heat_client]\napi_version = 2\n",
                          "[heat_client]\nendpoint_type = private\n"}) {
    auto c = config::LoadFromString(bad);
    ASSERT_TRUE(c) << bad;
    EXPECT_FALSE(HeatClientOptionsFromConfig(*c)) << bad;
  }
  EXPECT_FALSE(config::LoadFromString("[heat_client]\ninsecure = maybe\n"));
}

}  // namespace
}  // namespace magnum::clients
