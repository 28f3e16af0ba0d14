// The k8s_fedora_coreos_v1 driver's plans over an in-memory Heat (a test double of Heat's
// REST API keeping stacks, parameters, outputs and statuses that the test moves on):
// create (cluster stack, then the worker stacks from its outputs), adoption of a stack a
// crashed call created, failure reasons from the failed resources, retries while Heat is
// unreachable, resize with named removal, upgrade, nodegroup create/delete, delete.
// The same driver against the real Heat: tests/integration/test_heat_driver.py.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "magnum/common/http_client.h"
#include "magnum/drivers/k8s_fedora_coreos/k8s_fedora_coreos_driver.h"

namespace magnum::drivers::k8s {
namespace {

using Json = nlohmann::json;
constexpr const char* kBase = "http://heat:8004/v1/p1";

const char* kPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
const char* kKey = "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n";

struct FakeStack {
  std::string id, name, status, reason, updated;
  Json parameters = Json::object();
  Json outputs = Json::object();
  Json created_with;  // the POST body
  std::vector<Json> patches;
  Json failed_resources = Json::array();
};

// Heat's REST API over a map of stacks; `down` = no answer at all.
class FakeHeat final : public HttpClient {
 public:
  Result<HttpClientReply> Send(const HttpClientRequest& req) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back(req.method + " " + req.url.substr(std::string(kBase).size()));
    if (down) return Fail(Error::Unavailable("connect to " + req.url + " failed: refused"));
    std::string path = req.url.substr(std::string(kBase).size());
    std::string query;
    if (auto q = path.find('?'); q != std::string::npos) {
      query = path.substr(q + 1);
      path = path.substr(0, q);
    }
    if (req.method == "POST" && path == "/stacks") return Create(Json::parse(req.body));
    std::vector<std::string> parts;
    for (size_t i = 1; i <= path.size();) {
      size_t j = path.find('/', i);
      if (j == std::string::npos) j = path.size();
      parts.push_back(path.substr(i, j - i));
      i = j + 1;
    }
    if (parts.size() < 2 || parts[0] != "stacks") return NotFound();
    auto it = stacks.find(parts[1]);
    if (it == stacks.end() || (parts.size() > 2 && parts[2] != it->second.id)) return NotFound();
    FakeStack& s = it->second;
    if (parts.size() == 4 && parts[3] == "events") {
      return Ok(Json{{"events", Json::array()}});
    }
    if (parts.size() == 4 && parts[3] == "resources") {
      return Ok(Json{{"resources", s.failed_resources}});
    }
    if (req.method == "GET") return Ok(Show(s));
    if (req.method == "PATCH") {
      Json body = Json::parse(req.body);
      s.patches.push_back(body);
      for (auto& [k, v] : body["parameters"].items()) s.parameters[k] = v;
      s.status = "UPDATE_IN_PROGRESS";
      s.updated = "2026-12-05T08:00:0" + std::to_string(s.patches.size()) + "Z";
      return HttpClientReply{202, {}, ""};
    }
    if (req.method == "DELETE") {
      s.status = "DELETE_IN_PROGRESS";
      return HttpClientReply{204, {}, ""};
    }
    return NotFound();
  }

  HttpClientReply Create(const Json& body) {
    std::string name = body["stack_name"];
    if (stacks.count(name)) {
      return HttpClientReply{409, {}, R"({"error": {"message": "Stack name taken"}})"};
    }
    FakeStack s;
    s.id = "id-" + std::to_string(++next_id);
    s.name = name;
    s.status = "CREATE_IN_PROGRESS";
    s.parameters = body["parameters"];
    s.created_with = body;
    stacks[name] = s;
    return Ok(Json{{"stack", {{"id", s.id}}}}, 201);
  }
  static Json Show(const FakeStack& s) {
    Json outputs = Json::array();
    for (auto& [k, v] : s.outputs.items()) {
      outputs.push_back({{"output_key", k}, {"output_value", v}});
    }
    return Json{{"stack",
                 {{"id", s.id},
                  {"stack_name", s.name},
                  {"stack_status", s.status},
                  {"stack_status_reason", s.reason},
                  {"updated_time", s.updated},
                  {"parameters", s.parameters},
                  {"outputs", outputs}}}};
  }
  static HttpClientReply Ok(const Json& j, long status = 200) {
    return HttpClientReply{status, {}, j.dump()};
  }
  static HttpClientReply NotFound() {
    return HttpClientReply{404, {}, R"({"error": {"message": "The Stack could not be found."}})"};
  }

  // Test controls.
  FakeStack& Stack(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu);
    return stacks.at(name);
  }
  void Finish(const std::string& name, const std::string& status, Json outputs = nullptr) {
    std::lock_guard<std::mutex> lock(mu);
    FakeStack& s = stacks.at(name);
    s.status = status;
    if (!outputs.is_null()) s.outputs = std::move(outputs);
  }
  void Gone(const std::string& name) {
    std::lock_guard<std::mutex> lock(mu);
    stacks.erase(name);
  }
  int Count(const std::string& call) {
    std::lock_guard<std::mutex> lock(mu);
    int n = 0;
    for (const auto& c : calls) n += c.rfind(call, 0) == 0;
    return n;
  }

  std::mutex mu;
  std::map<std::string, FakeStack> stacks;
  std::vector<std::string> calls;
  bool down = false;
  int next_id = 0;
};

struct Ev {
  std::string step, message;
  bool warning;
};

class Op final : public OperationContext {
 public:
  explicit Op(ClusterState c) : c_(std::move(c)) {}
  const ClusterState& cluster() const override { return c_; }
  void Event(std::string_view step, std::string_view m, std::string_view) override {
    events.push_back({std::string(step), std::string(m), false});
  }
  void Warning(std::string_view step, std::string_view m, std::string_view) override {
    events.push_back({std::string(step), std::string(m), true});
  }
  Result<void> Report(const ClusterReport& r) override {
    if (r.stack_id) stack_id = *r.stack_id;
    if (r.api_address) api_address = *r.api_address;
    if (r.coe_version) coe_version = *r.coe_version;
    return {};
  }
  Result<void> ReportNodeGroup(const NodeGroupReport& r) override {
    if (r.stack_id) ng_stack[r.uuid] = *r.stack_id;
    if (r.node_addresses) ng_addresses[r.uuid] = *r.node_addresses;
    if (r.version) ng_version[r.uuid] = *r.version;
    if (r.finished) ng_finished.insert(r.uuid);
    return {};
  }
  bool Cancelled() const override { return false; }
  TimePoint Deadline() const override { return deadline; }
  Result<IssuedCertificate> IssueServerCertificate(const std::string&,
                                                   const std::vector<std::string>&,
                                                   const std::vector<std::string>&) override {
    return IssuedCertificate{kPem, kKey, kPem};
  }
  Result<IssuedCertificate> IssueClientCertificate(const std::string&,
                                                   const std::string&) override {
    return IssuedCertificate{kPem, kKey, kPem};
  }
  Result<IssuedCertificate> ClusterCa() override { return IssuedCertificate{kPem, kKey, kPem}; }

  bool Said(const std::string& text, bool warning = false) const {
    for (const auto& e : events) {
      if (e.warning == warning && e.message.find(text) != std::string::npos) return true;
    }
    return false;
  }

  std::vector<Ev> events;
  std::string stack_id, api_address, coe_version;
  std::map<std::string, std::string> ng_stack, ng_version;
  std::map<std::string, std::vector<std::string>> ng_addresses;
  std::set<std::string> ng_finished;  // nodegroups reported done with their part
  TimePoint deadline = TimePoint::max();

 private:
  ClusterState c_;
};

NodeGroupState Group(const std::string& uuid, const std::string& name, const std::string& role,
                     int64_t count) {
  NodeGroupState ng;
  ng.uuid = uuid;
  ng.name = name;
  ng.role = role;
  ng.is_default = true;
  ng.node_count = count;
  ng.flavor_id = role == "master" ? "m1.medium" : "m1.small";
  ng.image_id = "fedora-coreos";
  return ng;
}

ClusterState Cluster() {
  ClusterState c;
  c.uuid = "c0ffee00-0000-4000-8000-000000000001";
  c.name = "My Cluster!";
  c.project_id = "p1";
  c.keypair = "demokey";
  c.master_flavor_id = "m1.medium";
  c.flavor_id = "m1.small";
  c.create_timeout_minutes = 30;
  c.trust_id = "trust-1";
  c.trustee_user_id = "trustee-1";
  c.cluster_template.image_id = "fedora-coreos";
  c.cluster_template.coe = "kubernetes";
  c.cluster_template.external_network_id = "public";
  c.cluster_template.network_driver = "flannel";
  c.cluster_template.labels = {{"kube_tag", "v1.28.3"}};
  c.nodegroups = {Group("ng-m", "default-master", "master", 1),
                  Group("ng-w", "default-worker", "worker", 3)};
  return c;
}

const Json kClusterOutputs = {{"api_address", "172.24.4.10"},
                              {"api_port", "6443"},
                              {"master_addresses", {"172.24.4.10"}},
                              {"network", "net-1"},
                              {"subnet", "sub-1"},
                              {"worker_security_group", "sg-w"}};

class K8sDriverTest : public ::testing::Test {
 protected:
  K8sDriverTest() {
    K8sFedoraCoreosOptions o;
    o.wait_interval = std::chrono::milliseconds(100);
    o.environment_files = {{"standin-env.yaml", "resource_registry: {}\n"}};
    o.template_files = {{"standin-server.yaml", "heat_template_version: 2018-08-31\n"}};
    auto auth = [this](const ClusterState& c, bool) -> Result<clients::HeatAuth> {
      ++auth_calls;
      if (c.trust_id.empty()) return Fail(Error::FailedPrecondition("no trust"));
      clients::HeatAuth a;
      a.token = "trust-token";
      a.project_id = "p1";
      a.endpoint = kBase;
      return a;
    };
    driver = NewK8sFedoraCoreosDriver(o, auth, heat);
  }

  Result<Step> Advance(Op& op, const OperationSpec& spec) {
    return driver->Advance(op, spec, progress);
  }
  // Runs Advance until it is done or `steps` calls were made.
  Result<bool> RunUntilDone(Op& op, const OperationSpec& spec, int steps = 10) {
    for (int i = 0; i < steps; ++i) {
      MAGNUM_ASSIGN_OR_RETURN(Step s, Advance(op, spec));
      if (s.done) return true;
    }
    return false;
  }

  std::shared_ptr<FakeHeat> heat = std::make_shared<FakeHeat>();
  std::unique_ptr<Driver> driver;
  std::string progress;
  int auth_calls = 0;
  const std::string cluster_stack = ClusterStackName(Cluster());
  const std::string worker_stack = NodeGroupStackName(Cluster(), Cluster().nodegroups[1]);
};

TEST_F(K8sDriverTest, Identity) {
  EXPECT_EQ(driver->name(), "k8s_fedora_coreos_v1");
  ASSERT_EQ(driver->provides().size(), 1u);
  EXPECT_EQ(driver->provides()[0].os, "fedora-coreos");
  EXPECT_EQ(driver->provides()[0].server_type, "vm");
  EXPECT_TRUE(driver->UsesTrust());
  EXPECT_TRUE(driver->Resumable(OperationKind::kCreate));
  EXPECT_TRUE(driver->Resumable(OperationKind::kDelete));
}

TEST_F(K8sDriverTest, StackNamesAreSanitisedAndDeterministic) {
  EXPECT_EQ(cluster_stack, "My-Cluster--c0ffee00-0000-4000-8000-000000000001");
  EXPECT_EQ(worker_stack, "My-Cluster--default-worker-ng-w");
  ClusterState c = Cluster();
  c.name = "9lives";
  EXPECT_EQ(ClusterStackName(c), "cluster-9lives-" + c.uuid);
  c.name = "";
  EXPECT_EQ(ClusterStackName(c), "cluster-" + c.uuid);
}

TEST_F(K8sDriverTest, CreateRunsClusterStackThenWorkerStacksFromItsOutputs) {
  Op op(Cluster());
  const OperationSpec spec = OperationSpec::Of(OperationKind::kCreate);
  auto s = Advance(op, spec);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_FALSE(s->done);
  ASSERT_TRUE(heat->stacks.count(cluster_stack));
  const FakeStack& cs = heat->Stack(cluster_stack);
  EXPECT_EQ(op.stack_id, cs.id);
  EXPECT_EQ(op.ng_stack["ng-m"], cs.id);
  // The extra environment and template files go with the stack, by base name.
  EXPECT_EQ(cs.created_with["environment_files"], Json::array({"standin-env.yaml"}));
  EXPECT_TRUE(cs.created_with["files"].contains("standin-server.yaml"));
  EXPECT_TRUE(cs.created_with["files"].contains("standin-env.yaml"));
  EXPECT_EQ(cs.created_with["timeout_mins"], 30);
  EXPECT_EQ(cs.parameters["kube_tag"], "v1.28.3");
  EXPECT_EQ(cs.parameters["master_count"], "1");
  EXPECT_EQ(cs.parameters["master_flavor"], "m1.medium");
  EXPECT_EQ(heat->Count("POST"), 1);
  // No worker stack while the cluster stack runs.
  ASSERT_TRUE(Advance(op, spec));
  EXPECT_FALSE(heat->stacks.count(worker_stack));
  EXPECT_EQ(heat->Count("POST"), 1);

  heat->Finish(cluster_stack, "CREATE_COMPLETE", kClusterOutputs);
  s = Advance(op, spec);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_FALSE(s->done);
  EXPECT_EQ(op.api_address, "https://172.24.4.10:6443");
  EXPECT_EQ(op.coe_version, "v1.28.3");
  EXPECT_EQ(op.ng_addresses["ng-m"], std::vector<std::string>{"172.24.4.10"});
  // The masters (the cluster stack's) are done whatever becomes of the workers.
  EXPECT_EQ(op.ng_finished, std::set<std::string>{"ng-m"});
  // The same call went on to the worker stack, on the cluster stack's network.
  s = Advance(op, spec);
  ASSERT_TRUE(s) << s.error().message();
  ASSERT_TRUE(heat->stacks.count(worker_stack));
  const FakeStack& ws = heat->Stack(worker_stack);
  EXPECT_EQ(ws.parameters["network"], "net-1");
  EXPECT_EQ(ws.parameters["security_group"], "sg-w");
  EXPECT_EQ(ws.parameters["api_address"], "172.24.4.10");
  EXPECT_EQ(ws.parameters["node_count"], "3");
  // The join token is the one derived for this cluster: the same in every call.
  EXPECT_EQ(ws.parameters["bootstrap_token"], cs.parameters["bootstrap_token"]);
  EXPECT_EQ(op.ng_stack["ng-w"], ws.id);

  heat->Finish(worker_stack, "CREATE_COMPLETE",
               {{"node_addresses", {"10.0.0.11", "10.0.0.12", "10.0.0.13"}}});
  auto done = RunUntilDone(op, spec);
  ASSERT_TRUE(done) << done.error().message();
  EXPECT_TRUE(*done);
  EXPECT_EQ(op.ng_addresses["ng-w"].size(), 3u);
  EXPECT_EQ(op.ng_finished, (std::set<std::string>{"ng-m", "ng-w"}));
  EXPECT_EQ(heat->Count("POST"), 2);
  EXPECT_TRUE(op.Said("stack " + cluster_stack + " CREATE_COMPLETE"));
}

// The blocking entry points poll Advance through RunUntilDone: a stack that is still
// building is not waited for past the operation's deadline.
TEST_F(K8sDriverTest, BlockingCreateStopsAtTheOperationsDeadline) {
  Op op(Cluster());
  op.deadline = SystemClock().Now() - std::chrono::seconds(1);
  auto r = driver->CreateCluster(op);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().Is(ErrorCode::kUnavailable));
  EXPECT_EQ(r.error().message(), "operation timed out: its deadline passed");
  EXPECT_EQ(heat->Count("POST"), 1) << "the first poll created the cluster stack";
  EXPECT_FALSE(heat->stacks.count(worker_stack));
}

TEST_F(K8sDriverTest, CreateAdoptsTheStackACrashedCallMade) {
  Op op(Cluster());
  const OperationSpec spec = OperationSpec::Of(OperationKind::kCreate);
  ASSERT_TRUE(Advance(op, spec));
  const std::string id = heat->Stack(cluster_stack).id;
  // The progress record of that call was lost (a crash before it was persisted).
  progress.clear();
  Op again(Cluster());
  auto s = Advance(again, spec);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(heat->Count("POST"), 1);
  EXPECT_EQ(again.stack_id, id);
}

TEST_F(K8sDriverTest, FailedStackNamesTheFailedResourceAndHeatsReason) {
  Op op(Cluster());
  const OperationSpec spec = OperationSpec::Of(OperationKind::kCreate);
  ASSERT_TRUE(Advance(op, spec));
  FakeStack& cs = heat->Stack(cluster_stack);
  cs.status = "CREATE_FAILED";
  cs.reason = "Resource CREATE failed: Error: resources.masters.resources[0]";
  cs.failed_resources = Json::array(
      {{{"resource_name", "masters"},
        {"resource_type", "OS::Heat::ResourceGroup"},
        {"resource_status", "CREATE_FAILED"},
        {"resource_status_reason", "Error: resources[0]"},
        {"links", {{{"rel", "nested"}, {"href", std::string(kBase) + "/stacks/n/1"}}}}},
       {{"resource_name", "server"},
        {"resource_type", "OS::Nova::Server"},
        {"resource_status", "CREATE_FAILED"},
        {"resource_status_reason", "Error: Test Resource failed server"},
        {"links", {{{"rel", "stack"}, {"href", std::string(kBase) + "/stacks/m-0/2"}}}}}});
  auto s = Advance(op, spec);
  ASSERT_FALSE(s);
  const std::string& m = s.error().message();
  EXPECT_NE(m.find("Heat stack " + cluster_stack + " CREATE_FAILED"), std::string::npos) << m;
  EXPECT_NE(m.find("resource server (OS::Nova::Server) in m-0"), std::string::npos) << m;
  EXPECT_NE(m.find("Test Resource failed server"), std::string::npos) << m;
  EXPECT_EQ(m.find("masters"), std::string::npos) << m;  // the group only wraps the leaf
}

TEST_F(K8sDriverTest, UnreachableHeatIsRetriedThenFailsAtTheDeadline) {
  Op op(Cluster());
  const OperationSpec spec = OperationSpec::Of(OperationKind::kCreate);
  heat->down = true;
  auto s = Advance(op, spec);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_FALSE(s->done);
  EXPECT_GE(s->after, std::chrono::milliseconds(100));
  EXPECT_TRUE(op.Said("retrying in", true));
  auto s2 = Advance(op, spec);
  ASSERT_TRUE(s2);
  EXPECT_GT(s2->after, s->after);  // back-off
  // Heat is back: the create goes on from where it was.
  heat->down = false;
  ASSERT_TRUE(Advance(op, spec));
  EXPECT_TRUE(heat->stacks.count(cluster_stack));
  // Down again with the deadline too near for another try: the operation fails, naming it.
  heat->down = true;
  op.deadline = SystemClock().Now() + std::chrono::milliseconds(50);
  auto s3 = Advance(op, spec);
  ASSERT_FALSE(s3);
  EXPECT_EQ(s3.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(s3.error().message().find("gave up at the operation's deadline"), std::string::npos)
      << s3.error().message();
}

TEST_F(K8sDriverTest, ADeleteWithoutDeadlineStopsRetryingAfterTheUnreachableTimeout) {
  K8sFedoraCoreosOptions o;
  o.wait_interval = std::chrono::milliseconds(50);
  o.unreachable_timeout = std::chrono::milliseconds(300);
  auto auth = [](const ClusterState&, bool) -> Result<clients::HeatAuth> {
    clients::HeatAuth a;
    a.token = "trust-token";
    a.project_id = "p1";
    a.endpoint = kBase;
    return a;
  };
  auto d = NewK8sFedoraCoreosDriver(o, auth, heat);
  ClusterState c = Cluster();
  c.stack_id = "id-1";
  Op op(c);  // no deadline (TimePoint::max), as a delete
  const OperationSpec spec = OperationSpec::Of(OperationKind::kDelete);
  heat->down = true;
  Result<Step> s = d->Advance(op, spec, progress);
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_FALSE(s->done);
  int tries = 1;
  while (s && tries < 50) {
    std::this_thread::sleep_for(s->after);
    s = d->Advance(op, spec, progress);
    ++tries;
  }
  ASSERT_FALSE(s) << "still retrying after " << tries << " tries";
  EXPECT_EQ(s.error().code(), ErrorCode::kUnavailable);
  const std::string& m = s.error().message();
  EXPECT_NE(m.find("unreachable_timeout"), std::string::npos) << m;
  EXPECT_NE(m.find("delete the cluster again"), std::string::npos) << m;
  EXPECT_NE(m.find("Heat) cannot be reached"), std::string::npos) << m;  // what failed
  EXPECT_GE(tries, 3);

  // A delete that works again in between starts the budget afresh.
  heat->down = false;
  heat->Create(Json{{"stack_name", cluster_stack}, {"parameters", Json::object()}});
  heat->Create(Json{{"stack_name", worker_stack}, {"parameters", Json::object()}});
  progress.clear();
  heat->down = true;
  ASSERT_TRUE(d->Advance(op, spec, progress));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  heat->down = false;
  ASSERT_TRUE(d->Advance(op, spec, progress));
  heat->down = true;
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  auto again = d->Advance(op, spec, progress);
  ASSERT_TRUE(again) << "the 300 ms count from the last good call: " << again.error().message();
  EXPECT_FALSE(again->done);
  EXPECT_EQ(heat->Stack(worker_stack).status, "DELETE_IN_PROGRESS");
}

TEST_F(K8sDriverTest, ResizeRemovesTheNamedNodesAndWaitsForItsOwnUpdate) {
  ClusterState c = Cluster();
  c.stack_id = "id-1";
  c.nodegroups[0].stack_id = "id-1";
  c.nodegroups[1].stack_id = "id-2";
  c.nodegroups[1].node_count = 2;
  heat->Create(Json{{"stack_name", cluster_stack}, {"parameters", Json::object()}});
  heat->Create(Json{{"stack_name", worker_stack}, {"parameters", {{"node_count", "3"}}}});
  heat->Finish(cluster_stack, "CREATE_COMPLETE", kClusterOutputs);
  heat->Finish(worker_stack, "CREATE_COMPLETE");
  Op op(c);
  const OperationSpec spec = OperationSpec::Resize("ng-w", {"1", "id-of-server"});
  ASSERT_TRUE(Advance(op, spec));
  FakeStack& ws = heat->Stack(worker_stack);
  ASSERT_EQ(ws.patches.size(), 1u);
  EXPECT_EQ(ws.patches[0]["parameters"]["node_count"], "2");
  EXPECT_EQ(ws.patches[0]["parameters"]["nodes_to_remove"], "1,id-of-server");
  EXPECT_FALSE(ws.patches[0]["parameters"].contains("bootstrap_token"));  // only what changes
  EXPECT_EQ(heat->Stack(cluster_stack).patches.size(), 0u);
  auto s = Advance(op, spec);
  ASSERT_TRUE(s);
  EXPECT_FALSE(s->done);
  heat->Finish(worker_stack, "UPDATE_COMPLETE", {{"node_addresses", {"10.0.0.11", "10.0.0.13"}}});
  auto done = RunUntilDone(op, spec);
  ASSERT_TRUE(done) << done.error().message();
  EXPECT_TRUE(*done);
  EXPECT_EQ(op.ng_addresses["ng-w"], (std::vector<std::string>{"10.0.0.11", "10.0.0.13"}));
}

TEST_F(K8sDriverTest, UpgradePatchesKubeTagClusterFirstThenWorkers) {
  ClusterState c = Cluster();
  c.stack_id = "id-1";
  c.nodegroups[1].stack_id = "id-2";
  heat->Create(Json{{"stack_name", cluster_stack}, {"parameters", Json::object()}});
  heat->Create(Json{{"stack_name", worker_stack}, {"parameters", Json::object()}});
  heat->Finish(cluster_stack, "CREATE_COMPLETE", kClusterOutputs);
  heat->Finish(worker_stack, "CREATE_COMPLETE");
  // The cluster's own labels carry the kube_tag of its create; the target's wins.
  c.labels = {{"kube_tag", "v1.28.3"}};
  TemplateState target = c.cluster_template;
  target.labels["kube_tag"] = "v1.29.1";
  target.image_id = "fedora-coreos-40";
  Op op(c);
  const OperationSpec spec = OperationSpec::Upgrade(target, 2, "");
  ASSERT_TRUE(Advance(op, spec));
  ASSERT_EQ(heat->Stack(cluster_stack).patches.size(), 1u);
  Json p = heat->Stack(cluster_stack).patches[0]["parameters"];
  EXPECT_EQ(p["kube_tag"], "v1.29.1");
  EXPECT_EQ(p["update_max_batch_size"], "2");
  EXPECT_EQ(p["master_image"], "fedora-coreos-40");
  EXPECT_EQ(heat->Stack(worker_stack).patches.size(), 0u);  // not before the masters
  heat->Finish(cluster_stack, "UPDATE_COMPLETE", kClusterOutputs);
  ASSERT_TRUE(Advance(op, spec));
  ASSERT_TRUE(Advance(op, spec));
  ASSERT_EQ(heat->Stack(worker_stack).patches.size(), 1u);
  EXPECT_EQ(heat->Stack(worker_stack).patches[0]["parameters"]["image"], "fedora-coreos-40");
  heat->Finish(worker_stack, "UPDATE_COMPLETE");
  auto done = RunUntilDone(op, spec);
  ASSERT_TRUE(done) << done.error().message();
  EXPECT_TRUE(*done);
  EXPECT_EQ(op.coe_version, "v1.29.1");
  EXPECT_EQ(op.ng_version["ng-w"], "v1.29.1");
}

TEST_F(K8sDriverTest, DeleteRemovesWorkerStacksBeforeTheClusterStack) {
  ClusterState c = Cluster();
  c.stack_id = "id-1";
  heat->Create(Json{{"stack_name", cluster_stack}, {"parameters", Json::object()}});
  heat->Create(Json{{"stack_name", worker_stack}, {"parameters", Json::object()}});
  Op op(c);
  const OperationSpec spec = OperationSpec::Of(OperationKind::kDelete);
  ASSERT_TRUE(Advance(op, spec));
  EXPECT_EQ(heat->Stack(worker_stack).status, "DELETE_IN_PROGRESS");  // found by name
  EXPECT_EQ(heat->Stack(cluster_stack).status, "CREATE_IN_PROGRESS");
  heat->Gone(worker_stack);
  ASSERT_TRUE(Advance(op, spec));
  ASSERT_TRUE(Advance(op, spec));
  EXPECT_EQ(heat->Stack(cluster_stack).status, "DELETE_IN_PROGRESS");
  heat->Finish(cluster_stack, "DELETE_COMPLETE");
  auto done = RunUntilDone(op, spec);
  ASSERT_TRUE(done) << done.error().message();
  EXPECT_TRUE(*done);
}

TEST_F(K8sDriverTest, DeleteWithoutTrustOrStackTouchesNothing) {
  ClusterState c = Cluster();
  c.trust_id.clear();
  Op op(c);
  auto s = Advance(op, OperationSpec::Of(OperationKind::kDelete));
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_TRUE(s->done);
  EXPECT_TRUE(heat->calls.empty());
  EXPECT_EQ(auth_calls, 0);
}

TEST_F(K8sDriverTest, NodeGroupCreateAndDeleteUseTheirOwnStack) {
  ClusterState c = Cluster();
  c.stack_id = "id-1";
  c.coe_version = "v1.29.1";  // upgraded since its create
  NodeGroupState extra = Group("ng-x", "gpu", "worker", 2);
  extra.is_default = false;
  c.nodegroups.push_back(extra);
  heat->Create(Json{{"stack_name", cluster_stack}, {"parameters", Json::object()}});
  heat->Finish(cluster_stack, "CREATE_COMPLETE", kClusterOutputs);
  const std::string gpu_stack = NodeGroupStackName(c, extra);
  {
    Op op(c);
    const OperationSpec spec = OperationSpec::Of(OperationKind::kNodeGroupCreate, "ng-x");
    ASSERT_TRUE(Advance(op, spec));
    ASSERT_TRUE(heat->stacks.count(gpu_stack));
    EXPECT_EQ(heat->Stack(gpu_stack).parameters["node_count"], "2");
    EXPECT_EQ(heat->Stack(gpu_stack).parameters["kube_tag"], "v1.29.1");
    heat->Finish(gpu_stack, "CREATE_COMPLETE", {{"node_addresses", {"10.0.0.21", "10.0.0.22"}}});
    auto done = RunUntilDone(op, spec);
    ASSERT_TRUE(done) << done.error().message();
    EXPECT_EQ(op.ng_stack["ng-x"], heat->Stack(gpu_stack).id);
    EXPECT_EQ(op.ng_addresses["ng-x"].size(), 2u);
  }
  progress.clear();
  {
    Op op(c);
    const OperationSpec spec = OperationSpec::Of(OperationKind::kNodeGroupDelete, "ng-x");
    ASSERT_TRUE(Advance(op, spec));
    EXPECT_EQ(heat->Stack(gpu_stack).status, "DELETE_IN_PROGRESS");
    EXPECT_EQ(heat->Stack(cluster_stack).status, "CREATE_COMPLETE");
    heat->Gone(gpu_stack);
    auto done = RunUntilDone(op, spec);
    ASSERT_TRUE(done) << done.error().message();
  }
}

TEST(K8sDescribe, EventsAndFailures) {
  clients::HeatEvent e;
  e.resource_name = "server";
  e.status = clients::ParseHeatStatus("CREATE_FAILED");
  e.status_reason = "Error: boom";
  EXPECT_EQ(DescribeEvent(e), "server CREATE_FAILED: Error: boom");
  e.status_reason = "state changed";
  EXPECT_EQ(DescribeEvent(e), "server CREATE_FAILED");
  std::vector<clients::HeatResource> failed(5);
  for (size_t i = 0; i < failed.size(); ++i) {
    failed[i].name = "r" + std::to_string(i);
    failed[i].status = clients::ParseHeatStatus("CREATE_FAILED");
  }
  EXPECT_EQ(DescribeFailedResources(failed, 2),
            "resource r0 CREATE_FAILED; resource r1 CREATE_FAILED; and 3 more");
}

}  // namespace
}  // namespace magnum::drivers::k8s
