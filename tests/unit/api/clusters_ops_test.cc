// The clusters/nodegroups controllers in-process (ApiApp::Handle) over a real SQLite file,
// the real driver registry with the fake driver, and a recording ConductorApi: the
// conductor is the one boundary replaced, so these tests pin what the API writes before it
// calls the conductor, what it passes, and what it does when the conductor refuses or is
// missing (cases magnumd over HTTP cannot produce).
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "magnum/api/api_types.h"
#include "magnum/api/app.h"
#include "magnum/conductor/conductor_api.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"
#include "magnum/drivers/fake/fake_driver.h"
#include "unit/api/api_app_fixture.h"

namespace magnum::api {
namespace {

using db::Condition;

struct Call {
  std::string method;
  std::string cluster;
  std::string nodegroup;
  int64_t count = 0;
  bool rollback = false;
  std::vector<std::string> remove;
  std::string template_uuid;
};

// Records every call; answers `refusal` when set.
class RecordingConductor final : public conductor::ConductorApi {
 public:
  std::vector<Call> calls;
  std::optional<Error> refusal;

  Result<void> ClusterCreate(const conductor::Caller&, const std::string& c) override {
    return Record({"ClusterCreate", c});
  }
  Result<void> ClusterUpdate(const conductor::Caller&, const std::string& c, int64_t n,
                             bool rollback) override {
    Call call{"ClusterUpdate", c};
    call.count = n;
    call.rollback = rollback;
    return Record(call);
  }
  Result<void> ClusterResize(const conductor::Caller&, const std::string& c, const std::string& ng,
                             int64_t n, const std::vector<std::string>& remove) override {
    Call call{"ClusterResize", c, ng, n};
    call.remove = remove;
    return Record(call);
  }
  Result<void> ClusterUpgrade(const conductor::Caller&, const std::string& c, const std::string& t,
                              int64_t batch, const std::string& ng) override {
    Call call{"ClusterUpgrade", c, ng, batch};
    call.template_uuid = t;
    return Record(call);
  }
  Result<void> ClusterDelete(const conductor::Caller&, const std::string& c) override {
    return Record({"ClusterDelete", c});
  }
  Result<void> NodeGroupCreate(const conductor::Caller&, const std::string& c,
                               const std::string& ng) override {
    return Record({"NodeGroupCreate", c, ng});
  }
  Result<void> NodeGroupUpdate(const conductor::Caller&, const std::string& c,
                               const std::string& ng) override {
    return Record({"NodeGroupUpdate", c, ng});
  }
  Result<void> NodeGroupDelete(const conductor::Caller&, const std::string& c,
                               const std::string& ng) override {
    return Record({"NodeGroupDelete", c, ng});
  }
  Result<std::string> GetCaCertificate(const conductor::Caller&, const std::string&,
                                       const std::string&) override {
    return Fail(Error::Internal("not used"));
  }
  Result<std::string> SignCertificate(const conductor::Caller&, const std::string&,
                                      const std::string&, const std::string&) override {
    return Fail(Error::Internal("not used"));
  }
  Result<void> RotateCaCertificate(const conductor::Caller&, const std::string&) override {
    return Fail(Error::Internal("not used"));
  }
  Result<void> RotateCredential(const conductor::Caller&, const std::string&) override {
    return Fail(Error::Internal("not used"));
  }
  Result<void> Ping() override { return {}; }

 private:
  Result<void> Record(const Call& call) {
    calls.push_back(call);
    if (refusal) return Fail(*refusal);
    return {};
  }
};

class ClusterApiTest : public ApiAppFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ApiAppFixture::SetUp());
    config_.max_clusters_per_project = 3;
    registry_.Register(drivers::NewFakeDriver());
    Build(&conductor_);
  }

  void Build(conductor::ConductorApi* conductor) {
    ApiDependencies deps = Deps();
    deps.conductor = conductor;
    app_ = MakeApp(deps);
  }

  struct Reply {
    int status;
    Json body;
    std::string Detail() const {
      return body.is_object() && body.contains("errors")
                 ? body["errors"][0]["detail"].get<std::string>()
                 : "";
    }
  };

  Reply Call(const std::string& method, const std::string& target, const Json& body = nullptr,
             const std::string& version = "container-infra latest") {
    http::Request r;
    r.method = method;
    r.target = target;
    EXPECT_TRUE(http::ParseTarget(target, &r.path, &r.query));
    if (!body.is_null()) {
      r.body = body.dump();
      r.headers["Content-Type"] = "application/json";
    }
    r.headers["OpenStack-API-Version"] = version;
    r.headers["Host"] = "h:9511";
    r.request_id = "req-test";
    http::Response resp = app_->Handle(r);
    Json j = resp.body.empty() ? Json(nullptr) : Json::parse(resp.body, nullptr, false);
    return {resp.status, j};
  }

  std::string CreateTemplate(Json overrides = Json::object()) {
    Json body = {{"coe", "kubernetes"},       {"image_id", "fake-image"},
                 {"flavor_id", "m1.small"},   {"master_flavor_id", "m1.medium"},
                 {"master_lb_enabled", true}, {"labels", {{"kube_tag", "v1"}}}};
    for (const auto& [k, v] : overrides.items()) body[k] = v;
    Reply r = Call("POST", "/v1/clustertemplates", body);
    EXPECT_EQ(r.status, 201) << r.body.dump();
    return r.body.value("uuid", "");
  }

  std::string CreateCluster(const std::string& tmpl, Json extra = Json::object()) {
    Json body = {{"cluster_template_id", tmpl}, {"name", "c1"}};
    for (const auto& [k, v] : extra.items()) body[k] = v;
    Reply r = Call("POST", "/v1/clusters", body);
    EXPECT_EQ(r.status, 202) << r.body.dump();
    return r.body.value("uuid", "");
  }

  db::Row Cluster(const std::string& uuid) {
    auto row = db_->GetOne(db::kClusterTable, db::Filter().Where(Condition::Eq("uuid", uuid)));
    EXPECT_TRUE(row && *row);
    return row && *row ? **row : db::Row();
  }

  std::vector<db::Row> NodeGroups(const std::string& cluster) {
    db::ListQuery q;
    q.filter.Where(Condition::Eq("cluster_id", cluster));
    auto rows = db_->List(db::kNodeGroupTable, q);
    EXPECT_TRUE(rows);
    return rows ? *rows : std::vector<db::Row>();
  }

  // What the conductor would have done: the cluster is up and has an API address.
  void MarkComplete(const std::string& uuid) {
    db::Row done;
    done.Set("status", std::string("CREATE_COMPLETE"));
    done.Set("api_address", std::string("https://192.0.2.1:6443"));
    ASSERT_TRUE(
        db_->Update(db::kClusterTable, db::Filter().Where(Condition::Eq("uuid", uuid)), done));
    db::Row ng;
    ng.Set("status", std::string("CREATE_COMPLETE"));
    ASSERT_TRUE(db_->Update(db::kNodeGroupTable,
                            db::Filter().Where(Condition::Eq("cluster_id", uuid)), ng));
  }

  void SetStatus(const std::string& uuid, const std::string& status) {
    db::Row row;
    row.Set("status", status);
    ASSERT_TRUE(
        db_->Update(db::kClusterTable, db::Filter().Where(Condition::Eq("uuid", uuid)), row));
  }

  Json Labels(const std::string& uuid) {
    db::Row c = Cluster(uuid);
    return c.IsNull("labels") ? Json::object() : Json::parse(c.GetString("labels"));
  }

  RecordingConductor conductor_;
};

TEST_F(ClusterApiTest, CreateInsertsClusterAndDefaultNodegroupsThenCallsTheConductor) {
  const std::string tmpl = CreateTemplate();
  const std::string uuid = CreateCluster(tmpl, {{"master_count", 3},
                                                {"node_count", 2},
                                                {"labels", {{"min_node_count", "1"}}},
                                                {"merge_labels", true},
                                                {"keypair", "kp"}});
  ASSERT_EQ(conductor_.calls.size(), 1u);
  EXPECT_EQ(conductor_.calls[0].method, "ClusterCreate");
  EXPECT_EQ(conductor_.calls[0].cluster, uuid);

  db::Row c = Cluster(uuid);
  EXPECT_EQ(c.GetString("status"), "CREATE_IN_PROGRESS");
  EXPECT_EQ(c.GetString("driver"), "fake");
  EXPECT_EQ(c.GetString("cluster_template_id"), tmpl);
  EXPECT_EQ(c.GetString("project_id"), "p1");
  EXPECT_EQ(c.GetString("user_id"), "u1");
  EXPECT_EQ(c.GetString("keypair"), "kp");
  EXPECT_TRUE(c.GetBool("master_lb_enabled"));
  EXPECT_EQ(Json::parse(c.GetString("labels")),
            (Json{{"kube_tag", "v1"}, {"min_node_count", "1"}}));

  auto ngs = NodeGroups(uuid);
  ASSERT_EQ(ngs.size(), 2u);
  const db::Row& master = ngs[0].GetString("role") == "master" ? ngs[0] : ngs[1];
  const db::Row& worker = ngs[0].GetString("role") == "master" ? ngs[1] : ngs[0];
  EXPECT_EQ(master.GetString("name"), "default-master");
  EXPECT_EQ(master.GetInt("node_count"), 3);
  EXPECT_EQ(master.GetInt("min_node_count"), 0);
  EXPECT_EQ(master.GetString("flavor_id"), "m1.medium");
  EXPECT_EQ(worker.GetString("name"), "default-worker");
  EXPECT_EQ(worker.GetString("role"), "worker");
  EXPECT_EQ(worker.GetInt("node_count"), 2);
  EXPECT_EQ(worker.GetInt("min_node_count"), 1);
  EXPECT_EQ(worker.GetString("flavor_id"), "m1.small");
  for (const auto& ng : ngs) {
    EXPECT_TRUE(ng.GetBool("is_default"));
    EXPECT_EQ(ng.GetString("image_id"), "fake-image");
    EXPECT_EQ(ng.GetString("status"), "CREATE_IN_PROGRESS");
    EXPECT_EQ(ng.GetString("project_id"), "p1");
    EXPECT_TRUE(ng.IsNull("max_node_count"));
  }
}

TEST_F(ClusterApiTest, WithoutAConductorMutationsAre503AndNothingIsWritten) {
  const std::string tmpl = CreateTemplate();
  Build(nullptr);
  Reply r = Call("POST", "/v1/clusters", {{"cluster_template_id", tmpl}});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Detail(), "No conductor is available");
  EXPECT_EQ(*db_->Count(db::kClusterTable, db::Filter()), 0);
  EXPECT_EQ(*db_->Count(db::kNodeGroupTable, db::Filter()), 0);
  // Validation still comes first, and reads work.
  EXPECT_EQ(Call("POST", "/v1/clusters", {{"cluster_template_id", tmpl}, {"x", 1}}).status, 400);
  EXPECT_EQ(Call("GET", "/v1/clusters").status, 200);
}

TEST_F(ClusterApiTest, RefusedCreateLeavesAVisibleFailedCluster) {
  const std::string tmpl = CreateTemplate();
  conductor_.refusal = Error::Unavailable("The conductor is stopping; try again shortly.");
  Reply r = Call("POST", "/v1/clusters", {{"cluster_template_id", tmpl}, {"name", "c1"}});
  EXPECT_EQ(r.status, 503);
  auto rows = db_->List(db::kClusterTable, db::ListQuery());
  ASSERT_TRUE(rows);
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->front().GetString("status"), "CREATE_FAILED");
  EXPECT_EQ(rows->front().GetString("status_reason"),
            "Cluster create could not be started: The conductor is stopping; try again shortly.");
  for (const auto& ng : NodeGroups(rows->front().GetString("uuid"))) {
    EXPECT_EQ(ng.GetString("status"), "CREATE_FAILED");
  }
  // It counts against the quota and can be deleted.
  conductor_.refusal.reset();
  EXPECT_EQ(Call("DELETE", "/v1/clusters/c1").status, 204);
  EXPECT_EQ(conductor_.calls.back().method, "ClusterDelete");
}

TEST_F(ClusterApiTest, QuotaFromConfigThenFromTheQuotaRow) {
  const std::string tmpl = CreateTemplate();
  for (int i = 0; i < 3; ++i) CreateCluster(tmpl);
  Reply r = Call("POST", "/v1/clusters", {{"cluster_template_id", tmpl}});
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.Detail().find("maximum clusters per project, 3."), std::string::npos);
  db::Row quota;
  quota.Set("project_id", std::string("p1"));
  quota.Set("resource", std::string("Cluster"));
  quota.Set("hard_limit", int64_t{4});
  ASSERT_TRUE(db_->Insert(db::kQuotaTable, quota));
  EXPECT_EQ(Call("POST", "/v1/clusters", {{"cluster_template_id", tmpl}}).status, 202);
  EXPECT_EQ(Call("POST", "/v1/clusters", {{"cluster_template_id", tmpl}}).status, 403);
}

TEST_F(ClusterApiTest, PatchPassesTheDefaultWorkerCountAndWritesHealthItself) {
  const std::string uuid = CreateCluster(CreateTemplate(), {{"node_count", 2}});
  MarkComplete(uuid);
  conductor_.calls.clear();

  Reply r = Call("PATCH", "/v1/clusters/c1?rollback=True",
                 Json::array({{{"op", "replace"}, {"path", "/node_count"}, {"value", 4}}}));
  EXPECT_EQ(r.status, 202) << r.body.dump();
  EXPECT_EQ(r.body, (Json{{"uuid", uuid}}));
  ASSERT_EQ(conductor_.calls.size(), 1u);
  EXPECT_EQ(conductor_.calls[0].method, "ClusterUpdate");
  EXPECT_EQ(conductor_.calls[0].count, 4);
  EXPECT_TRUE(conductor_.calls[0].rollback);

  // Same count as the default worker has: nothing to do.
  r = Call("PATCH", "/v1/clusters/c1",
           Json::array({{{"op", "replace"}, {"path", "/node_count"}, {"value", 2}}}));
  EXPECT_EQ(r.status, 202);
  EXPECT_EQ(conductor_.calls.size(), 1u);

  // Health only: written by the API, no conductor call, status untouched.
  r = Call(
      "PATCH", "/v1/clusters/c1",
      Json::array(
          {{{"op", "replace"}, {"path", "/health_status"}, {"value", "UNHEALTHY"}},
           {{"op", "replace"}, {"path", "/health_status_reason"}, {"value", "{'api': 'down'}"}}}));
  EXPECT_EQ(r.status, 202) << r.body.dump();
  EXPECT_EQ(conductor_.calls.size(), 1u);
  db::Row c = Cluster(uuid);
  EXPECT_EQ(c.GetString("health_status"), "UNHEALTHY");
  EXPECT_EQ(Json::parse(c.GetString("health_status_reason")), (Json{{"api", "down"}}));
  EXPECT_EQ(c.GetString("status"), "CREATE_COMPLETE");

  // A conductor refusal passes through unchanged.
  conductor_.refusal = Error::Conflict("Cluster c1 is busy: UPDATE_IN_PROGRESS (update).");
  r = Call("PATCH", "/v1/clusters/c1",
           Json::array({{{"op", "replace"}, {"path", "/node_count"}, {"value", 5}}}));
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(r.Detail(), "Cluster c1 is busy: UPDATE_IN_PROGRESS (update).");
}

TEST_F(ClusterApiTest, PatchOutsideSetAIsRefusedBeforeTheConductor) {
  const std::string uuid = CreateCluster(CreateTemplate());
  conductor_.calls.clear();
  // Still CREATE_IN_PROGRESS: another operation runs → 409 with the status.
  Reply r =
      Call("PATCH", "/v1/clusters/c1",
           Json::array({{{"op", "replace"}, {"path", "/health_status"}, {"value", "HEALTHY"}}}));
  EXPECT_EQ(r.status, 409);
  EXPECT_NE(r.Detail().find("\"CREATE_IN_PROGRESS\""), std::string::npos);
  EXPECT_TRUE(conductor_.calls.empty());
  EXPECT_TRUE(Cluster(uuid).IsNull("health_status"));
}

TEST_F(ClusterApiTest, ResizeAndUpgradeArguments) {
  const std::string tmpl = CreateTemplate();
  const std::string target = CreateTemplate({{"image_id", "fake-image-v2"}});
  const std::string uuid = CreateCluster(tmpl, {{"node_count", 2}});
  MarkComplete(uuid);
  conductor_.calls.clear();
  std::string worker;
  for (const auto& ng : NodeGroups(uuid)) {
    if (ng.GetString("role") == "worker") worker = ng.GetString("uuid");
  }

  Reply r = Call("POST", "/v1/clusters/c1/actions/resize",
                 {{"node_count", 1}, {"nodes_to_remove", {"192.0.2.7"}}});
  EXPECT_EQ(r.status, 202) << r.body.dump();
  ASSERT_EQ(conductor_.calls.size(), 1u);
  EXPECT_EQ(conductor_.calls[0].method, "ClusterResize");
  EXPECT_EQ(conductor_.calls[0].nodegroup, worker);
  EXPECT_EQ(conductor_.calls[0].count, 1);
  EXPECT_EQ(conductor_.calls[0].remove, std::vector<std::string>{"192.0.2.7"});

  r = Call("POST", "/v1/clusters/c1/actions/upgrade",
           {{"cluster_template", target}, {"max_batch_size", 2}});
  EXPECT_EQ(r.status, 202) << r.body.dump();
  EXPECT_EQ(conductor_.calls.back().method, "ClusterUpgrade");
  EXPECT_EQ(conductor_.calls.back().template_uuid, target);
  EXPECT_EQ(conductor_.calls.back().count, 2);
  EXPECT_EQ(conductor_.calls.back().nodegroup, "");  // the whole cluster

  r = Call("POST", "/v1/clusters/c1/actions/upgrade",
           {{"cluster_template", target}, {"nodegroup", "default-worker"}});
  EXPECT_EQ(r.status, 202) << r.body.dump();
  EXPECT_EQ(conductor_.calls.back().nodegroup, worker);
  EXPECT_EQ(conductor_.calls.back().count, 1);  // max_batch_size default
}

TEST_F(ClusterApiTest, RefusedNodegroupOperationsLeaveNoTrace) {
  const std::string uuid = CreateCluster(CreateTemplate());
  MarkComplete(uuid);
  conductor_.calls.clear();

  conductor_.refusal = Error::FailedPrecondition("Creating a nodegroup is not possible now.");
  Reply r = Call("POST", "/v1/clusters/c1/nodegroups", {{"name", "gpu"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(NodeGroups(uuid).size(), 2u);  // the inserted row was removed again

  conductor_.refusal.reset();
  r = Call("POST", "/v1/clusters/c1/nodegroups", {{"name", "gpu"}, {"node_count", 2}});
  ASSERT_EQ(r.status, 202) << r.body.dump();
  EXPECT_EQ(r.body["status"], "CREATE_IN_PROGRESS");
  EXPECT_EQ(r.body["project_id"], "p1");
  EXPECT_EQ(conductor_.calls.back().method, "NodeGroupCreate");
  EXPECT_EQ(conductor_.calls.back().nodegroup, r.body["uuid"]);
  MarkComplete(uuid);

  conductor_.refusal = Error::Conflict("Cluster c1 is busy.");
  r = Call("PATCH", "/v1/clusters/c1/nodegroups/gpu",
           Json::array({{{"op", "replace"}, {"path", "/max_node_count"}, {"value", 5}}}));
  EXPECT_EQ(r.status, 409);
  for (const auto& ng : NodeGroups(uuid)) {
    if (ng.GetString("name") == "gpu") EXPECT_TRUE(ng.IsNull("max_node_count"));
  }
  conductor_.refusal.reset();
  r = Call("PATCH", "/v1/clusters/c1/nodegroups/gpu",
           Json::array({{{"op", "replace"}, {"path", "/max_node_count"}, {"value", 5}}}));
  EXPECT_EQ(r.status, 202) << r.body.dump();
  EXPECT_EQ(r.body["max_node_count"], 5);
  EXPECT_EQ(conductor_.calls.back().method, "NodeGroupUpdate");

  r = Call("DELETE", "/v1/clusters/c1/nodegroups/gpu");
  EXPECT_EQ(r.status, 204);
  EXPECT_EQ(conductor_.calls.back().method, "NodeGroupDelete");
}

// The requests of the Kubernetes cluster-autoscaler's Magnum provider (docs/api.md,
// "Kubernetes cluster-autoscaler"), at the microversion it sends, and what it reads back.
constexpr const char* kProviderVersion = "container-infra 1.9";

TEST_F(ClusterApiTest, ClusterAutoscalerProviderRequestsAtMicroversion19) {
  const std::string uuid = CreateCluster(CreateTemplate(), {{"node_count", 1}});
  MarkComplete(uuid);
  std::string worker, master;
  for (const auto& ng : NodeGroups(uuid)) {
    (ng.GetString("role") == "master" ? master : worker) = ng.GetString("uuid");
  }
  db::Row bounds;
  bounds.Set("max_node_count", int64_t{3});
  bounds.Set("stack_id", std::string("stack-w"));
  ASSERT_TRUE(
      db_->Update(db::kNodeGroupTable, db::Filter().Where(Condition::Eq("uuid", worker)), bounds));
  conductor_.calls.clear();

  // Start-up: the cluster by name, for its uuid (and status, stack_id, node_count).
  Reply r = Call("GET", "/v1/clusters/c1", nullptr, kProviderVersion);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["uuid"], uuid);
  EXPECT_EQ(r.body["status"], "CREATE_COMPLETE");
  EXPECT_EQ(r.body["node_count"], 1);
  EXPECT_TRUE(r.body.contains("stack_id"));  // cluster_id only from 1.13
  EXPECT_FALSE(r.body.contains("cluster_id"));

  // Auto-discovery: the list (role, uuid, name, node_count), then each non-master group.
  r = Call("GET", "/v1/clusters/" + uuid + "/nodegroups", nullptr, kProviderVersion);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  ASSERT_EQ(r.body["nodegroups"].size(), 2u);
  for (const auto& ng : r.body["nodegroups"]) {
    for (const char* k : {"uuid", "name", "role", "node_count", "is_default", "status", "stack_id",
                          "flavor_id", "image_id"}) {
      EXPECT_TRUE(ng.contains(k)) << k << " in " << ng.dump();
    }
  }
  EXPECT_FALSE(r.body.contains("next"));
  r = Call("GET", "/v1/clusters/" + uuid + "/nodegroups/" + worker, nullptr, kProviderVersion);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["uuid"], worker);
  EXPECT_EQ(r.body["name"], "default-worker");
  EXPECT_EQ(r.body["role"], "worker");
  EXPECT_EQ(r.body["min_node_count"], 0);
  EXPECT_EQ(r.body["max_node_count"], 3);
  EXPECT_EQ(r.body["node_count"], 1);
  EXPECT_EQ(r.body["is_default"], true);
  EXPECT_EQ(r.body["stack_id"], "stack-w");
  EXPECT_EQ(r.body["status"], "CREATE_COMPLETE");
  EXPECT_EQ(r.body["flavor_id"], "m1.small");
  EXPECT_TRUE(r.body["labels"].is_object());
  // The provider's static --nodes spec names the group: by name too.
  EXPECT_EQ(
      Call("GET", "/v1/clusters/" + uuid + "/nodegroups/default-worker", nullptr, kProviderVersion)
          .body["uuid"],
      worker);
  // The master group has no max_node_count: not eligible (null, not absent).
  r = Call("GET", "/v1/clusters/" + uuid + "/nodegroups/" + master, nullptr, kProviderVersion);
  ASSERT_TRUE(r.body.contains("max_node_count"));
  EXPECT_TRUE(r.body["max_node_count"].is_null());

  // IncreaseSize: node_count and the group's uuid; 202 {"uuid"}.
  r = Call("POST", "/v1/clusters/" + uuid + "/actions/resize",
           {{"node_count", 2}, {"nodegroup", worker}}, kProviderVersion);
  EXPECT_EQ(r.status, 202) << r.body.dump();
  EXPECT_EQ(r.body, (Json{{"uuid", uuid}}));
  ASSERT_EQ(conductor_.calls.size(), 1u);
  EXPECT_EQ(conductor_.calls[0].method, "ClusterResize");
  EXPECT_EQ(conductor_.calls[0].nodegroup, worker);
  EXPECT_EQ(conductor_.calls[0].count, 2);
  EXPECT_TRUE(conductor_.calls[0].remove.empty());

  // DeleteNodes: the nodes to remove reach the driver as sent (system UUIDs, or a Heat
  // minion index for a node still being created).
  r = Call("POST", "/v1/clusters/" + uuid + "/actions/resize",
           {{"node_count", 1},
            {"nodes_to_remove", {"6f1b1e9e-6f6c-4b8e-9d6b-0a3f7b2c1d4e", "2"}},
            {"nodegroup", worker}},
           kProviderVersion);
  EXPECT_EQ(r.status, 202) << r.body.dump();
  EXPECT_EQ(conductor_.calls.back().remove,
            (std::vector<std::string>{"6f1b1e9e-6f6c-4b8e-9d6b-0a3f7b2c1d4e", "2"}));
  const size_t accepted = conductor_.calls.size();

  // Refusals, before the conductor: outside [min, max], the master group, unknown group.
  r = Call("POST", "/v1/clusters/" + uuid + "/actions/resize",
           {{"node_count", 4}, {"nodegroup", worker}}, kProviderVersion);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Detail(),
            "Resizing default-worker outside the allowed range: min_node_count = 0, "
            "max_node_count = 3");
  db::Row min;
  min.Set("min_node_count", int64_t{1});
  ASSERT_TRUE(
      db_->Update(db::kNodeGroupTable, db::Filter().Where(Condition::Eq("uuid", worker)), min));
  r = Call("POST", "/v1/clusters/" + uuid + "/actions/resize",
           {{"node_count", 0}, {"nodegroup", worker}}, "container-infra 1.10");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Detail(),
            "Resizing default-worker outside the allowed range: min_node_count = 1, "
            "max_node_count = 3");
  // Below 1.10 a count of 0 is refused whatever the bounds.
  r = Call("POST", "/v1/clusters/" + uuid + "/actions/resize",
           {{"node_count", 0}, {"nodegroup", worker}}, kProviderVersion);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Detail(),
            "Resizing a nodegroup to zero is not supported in the provided microversion.");
  r = Call("POST", "/v1/clusters/" + uuid + "/actions/resize",
           {{"node_count", 3}, {"nodegroup", master}}, kProviderVersion);
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Detail(), "Resizing the master nodegroup is not supported by this driver.");
  r = Call("POST", "/v1/clusters/" + uuid + "/actions/resize",
           {{"node_count", 1}, {"nodegroup", "no-such-group"}}, kProviderVersion);
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(conductor_.calls.size(), accepted);

  // The microversion gates: resize from 1.7, nodegroups from 1.9.
  EXPECT_EQ(Call("POST", "/v1/clusters/" + uuid + "/actions/resize", {{"node_count", 2}},
                 "container-infra 1.6")
                .status,
            406);
  EXPECT_EQ(
      Call("GET", "/v1/clusters/" + uuid + "/nodegroups", nullptr, "container-infra 1.8").status,
      406);
}

TEST_F(ClusterApiTest, AutoscalingLabelsChangeAsMetadataInSettledStatuses) {
  const std::string uuid = CreateCluster(
      CreateTemplate(), {{"node_count", 1}, {"labels", {{"auto_scaling_enabled", "true"}}}});
  auto patch = [&](const Json& ops) { return Call("PATCH", "/v1/clusters/c1", ops); };
  const Json off = Json::array(
      {{{"op", "replace"}, {"path", "/labels/auto_scaling_enabled"}, {"value", "false"}}});

  // While the create runs: the busy 409, nothing written.
  Reply r = patch(off);
  EXPECT_EQ(r.status, 409) << r.body.dump();
  EXPECT_EQ(Labels(uuid)["auto_scaling_enabled"], "true");

  MarkComplete(uuid);
  conductor_.calls.clear();
  r = patch(off);
  EXPECT_EQ(r.status, 202) << r.body.dump();
  EXPECT_EQ(r.body, (Json{{"uuid", uuid}}));
  EXPECT_TRUE(conductor_.calls.empty());
  EXPECT_EQ(Labels(uuid), (Json{{"auto_scaling_enabled", "false"}}));
  EXPECT_EQ(Cluster(uuid).GetString("status"), "CREATE_COMPLETE");
  EXPECT_EQ(Call("GET", "/v1/clusters/c1").body["labels"]["auto_scaling_enabled"], "false");

  // add / replace / remove of the bounds; a JSON integer or boolean is stored as text.
  r = patch(Json::array(
      {{{"op", "add"}, {"path", "/labels/min_node_count"}, {"value", 1}},
       {{"op", "add"}, {"path", "/labels/max_node_count"}, {"value", "3"}},
       {{"op", "replace"}, {"path", "/labels/auto_scaling_enabled"}, {"value", true}}}));
  EXPECT_EQ(r.status, 202) << r.body.dump();
  EXPECT_EQ(
      Labels(uuid),
      (Json{{"auto_scaling_enabled", "True"}, {"min_node_count", "1"}, {"max_node_count", "3"}}));

  // A failed cluster is settled: an admin can still turn the autoscaler off.
  SetStatus(uuid, "UPDATE_FAILED");
  r = patch(Json::array(
      {{{"op", "remove"}, {"path", "/labels/max_node_count"}},
       {{"op", "replace"}, {"path", "/labels/auto_scaling_enabled"}, {"value", "False"}}}));
  EXPECT_EQ(r.status, 202) << r.body.dump();
  EXPECT_EQ(Labels(uuid), (Json{{"auto_scaling_enabled", "False"}, {"min_node_count", "1"}}));
  EXPECT_EQ(Cluster(uuid).GetString("status"), "UPDATE_FAILED");
  EXPECT_TRUE(conductor_.calls.empty());

  // Refused, nothing written: invalid values, other labels, the whole dict, with node_count,
  // and while an operation runs.
  const Json kept = Labels(uuid);
  struct Case {
    Json ops;
    int status;
    std::string detail;
  };
  const std::vector<Case> refused = {
      {Json::array({{{"op", "add"}, {"path", "/labels/max_node_count"}, {"value", "0"}}}), 400,
       "Label min_node_count (1) should be less or equal to max_node_count (0)."},
      {Json::array(
           {{{"op", "replace"}, {"path", "/labels/auto_scaling_enabled"}, {"value", "maybe"}}}),
       400, "Label auto_scaling_enabled must be a boolean (true or false), got 'maybe'."},
      {Json::array({{{"op", "add"}, {"path", "/labels/kube_tag"}, {"value", "v2"}}}), 400,
       "cannot change cluster property(ies) labels."},
      {Json::array({{{"op", "replace"}, {"path", "/labels"}, {"value", "{}"}}}), 400,
       "cannot change cluster property(ies) labels."},
      {Json::array({{{"op", "replace"}, {"path", "/labels/min_node_count"}, {"value", "2"}},
                    {{"op", "replace"}, {"path", "/name"}, {"value", "other"}}}),
       400, "cannot change cluster property(ies) labels, name."},
  };
  for (const auto& c : refused) {
    r = patch(c.ops);
    EXPECT_EQ(r.status, c.status) << c.ops.dump() << " -> " << r.body.dump();
    EXPECT_EQ(r.Detail(), c.detail) << c.ops.dump();
  }
  MarkComplete(uuid);
  r = patch(Json::array({{{"op", "replace"}, {"path", "/labels/min_node_count"}, {"value", "2"}},
                         {{"op", "replace"}, {"path", "/node_count"}, {"value", 2}}}));
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Detail(),
            "The autoscaling labels cannot be changed in the same request as node_count.");
  SetStatus(uuid, "UPDATE_IN_PROGRESS");
  r = patch(off);
  EXPECT_EQ(r.status, 409) << r.body.dump();
  EXPECT_EQ(Labels(uuid), kept);
  EXPECT_TRUE(conductor_.calls.empty());
}

}  // namespace
}  // namespace magnum::api
