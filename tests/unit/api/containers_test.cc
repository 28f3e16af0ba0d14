// /v1/containers in-process (ApiApp::Handle) over a real SQLite file, with the conductor's
// real ContainerService behind a ConductorApi double and an in-memory ContainerEngine (the
// one boundary replaced): routes and methods, the fields, the input rules, visibility,
// the state rules (409s), the quota (403), an unreachable Engine (503, nothing written)
// and a conductor without an engine (503).
#include "magnum/api/containers.h"

#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>

#include "magnum/api/app.h"
#include "magnum/common/clock.h"
#include "magnum/conductor/conductor_api.h"
#include "magnum/conductor/containers.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"
#include "unit/api/api_app_fixture.h"
#include "unit/api/unused_conductor.h"
#include "unit/conductor/container_engine_double.h"

namespace magnum::api {
namespace {

using conductor::testing::ContainerEngineDouble;
using objects::ContainerStatus;

// The conductor as the API sees it: cluster calls are not used here; container calls run
// the conductor's real ContainerService.
class ContainerConductor final : public UnusedConductor {
 public:
  explicit ContainerConductor(conductor::ContainerService* service) : service_(service) {}

  Result<objects::Container> ContainerCreate(const conductor::Caller& caller,
                                             const objects::Container& c) override {
    return service_->Create(caller, c);
  }
  Result<objects::Container> ContainerShow(const conductor::Caller& caller,
                                           const std::string& uuid) override {
    return service_->Show(caller, uuid);
  }
  Result<objects::Container> ContainerAct(const conductor::Caller& caller, const std::string& uuid,
                                          conductor::ContainerAction action) override {
    return service_->Act(caller, uuid, action);
  }
  Result<void> ContainerDelete(const conductor::Caller& caller, const std::string& uuid,
                               bool force) override {
    return service_->Delete(caller, uuid, force);
  }
  Result<conductor::CommandOutput> ContainerLogs(const conductor::Caller& caller,
                                                 const std::string& uuid) override {
    return service_->Logs(caller, uuid);
  }
  Result<conductor::CommandOutput> ContainerExecute(const conductor::Caller& caller,
                                                    const std::string& uuid,
                                                    const std::string& command) override {
    return service_->Execute(caller, uuid, command);
  }

 private:
  conductor::ContainerService* service_;
};

struct Who {
  std::string project;
  std::string user;
  std::string roles;
};
const Who kContainerOwner{"p1", "u1", "member,reader"};
const Who kContainerOutsider{"p2", "u3", "member,reader"};

constexpr char kSwarm[] = "5a000000-0000-4000-8000-000000000001";
constexpr char kKube[] = "5a000000-0000-4000-8000-000000000002";
constexpr char kOtherProject[] = "5a000000-0000-4000-8000-000000000003";
constexpr char kCreating[] = "5a000000-0000-4000-8000-000000000004";
constexpr char kSwarmTemplate[] = "7e000000-0000-4000-8000-000000000001";
constexpr char kKubeTemplate[] = "7e000000-0000-4000-8000-000000000002";

class ContainersAppTest : public ApiAppFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ApiAppFixture::SetUp());
    conductor::ContainerServiceOptions o;
    o.limits.execute_timeout = std::chrono::seconds(7);
    o.limits.max_output_bytes = 4096;
    o.max_containers_per_project = 5;
    service_ = std::make_unique<conductor::ContainerService>(db_.get(), &SystemClock(), o);
    engine_ = std::make_shared<ContainerEngineDouble>();
    service_->SetEngine(engine_);
    conductor_ = std::make_unique<ContainerConductor>(service_.get());
    Build(conductor_.get());
    InsertTemplate(kSwarmTemplate, "swarm-mode");
    InsertTemplate(kKubeTemplate, "kubernetes");
    InsertCluster(kSwarm, "swarm1", kSwarmTemplate, "p1", "CREATE_COMPLETE");
    InsertCluster(kKube, "kube1", kKubeTemplate, "p1", "CREATE_COMPLETE");
    InsertCluster(kOtherProject, "theirs", kSwarmTemplate, "p2", "CREATE_COMPLETE");
    InsertCluster(kCreating, "young", kSwarmTemplate, "p1", "CREATE_IN_PROGRESS");
  }

  void Build(conductor::ConductorApi* conductor) {
    ApiDependencies deps = Deps();
    deps.conductor = conductor;
    app_ = MakeApp(deps);
  }

  void InsertTemplate(const std::string& uuid, const std::string& coe) {
    db::Row t;
    t.Set("uuid", uuid);
    t.Set("name", "tmpl-" + coe);
    t.Set("project_id", std::string("p1"));
    t.Set("coe", coe);
    t.Set("public", true);
    auto row = db_->Insert(db::kClusterTemplateTable, t);
    ASSERT_TRUE(row) << row.error().message();
  }

  void InsertCluster(const std::string& uuid, const std::string& name, const std::string& tmpl,
                     const std::string& project, const std::string& status) {
    db::Row c;
    c.Set("uuid", uuid);
    c.Set("name", name);
    c.Set("project_id", project);
    c.Set("user_id", std::string("u1"));
    c.Set("cluster_template_id", tmpl);
    c.Set("status", status);
    auto row = db_->Insert(db::kClusterTable, c);
    ASSERT_TRUE(row) << row.error().message();
  }

  void SetClusterStatus(const std::string& uuid, const std::string& status) {
    db::Row change;
    change.Set("status", status);
    auto n =
        db_->Update(db::kClusterTable, db::Filter().Where(db::Condition::Eq("uuid", uuid)), change);
    ASSERT_TRUE(n) << n.error().message();
  }

  int64_t ContainerRows() {
    auto n = db_->Count(db::kContainerTable, db::Filter());
    EXPECT_TRUE(n) << n.error().message();
    return n ? *n : -1;
  }

  struct Reply {
    int status;
    Json body;
    http::Headers headers;
    std::string Detail() const {
      return body.is_object() && body.contains("errors")
                 ? body["errors"][0]["detail"].get<std::string>()
                 : "";
    }
  };

  Reply Call(const std::string& method, const std::string& target, const Json& body = nullptr,
             const Who& who = kContainerOwner) {
    http::Request r;
    r.method = method;
    r.target = target;
    EXPECT_TRUE(http::ParseTarget(target, &r.path, &r.query));
    if (!body.is_null()) {
      r.body = body.dump();
      r.headers["Content-Type"] = "application/json";
    }
    r.headers["Host"] = "h:9511";
    r.headers["X-Project-Id"] = who.project;
    r.headers["X-User-Id"] = who.user;
    r.headers["X-Roles"] = who.roles;
    r.request_id = "req-test";
    http::Response resp = app_->Handle(r);
    Json j = resp.body.empty() ? Json(nullptr) : Json::parse(resp.body, nullptr, false);
    return {resp.status, j, resp.headers};
  }

  // Creates a container on swarm1; returns its uuid.
  std::string Create(const std::string& name, Json extra = Json::object()) {
    Json body = {{"name", name}, {"image", "nginx:1.25"}, {"cluster_uuid", "swarm1"}};
    for (const auto& [k, v] : extra.items()) body[k] = v;
    Reply r = Call("POST", "/v1/containers", body);
    EXPECT_EQ(r.status, 201) << r.body.dump();
    return r.body.value("uuid", "");
  }

  std::unique_ptr<conductor::ContainerService> service_;
  std::shared_ptr<ContainerEngineDouble> engine_;
  std::unique_ptr<ContainerConductor> conductor_;
};

// ---- create, show, list ------------------------------------------------------------------

TEST_F(ContainersAppTest, CreateAnswersTheDetailOfAStoppedContainer) {
  Reply r = Call("POST", "/v1/containers",
                 {{"name", "web"},
                  {"image", "nginx:1.25"},
                  {"cluster_uuid", "swarm1"},
                  {"command", "sleep 600"},
                  {"memory", "512m"},
                  {"environment", {{"MODE", "test"}}}});
  ASSERT_EQ(r.status, 201) << r.body.dump();
  const std::string uuid = r.body["uuid"];
  EXPECT_EQ(r.headers["Location"], "http://h:9511/v1/containers/" + uuid);
  EXPECT_EQ(r.body["name"], "web");
  EXPECT_EQ(r.body["image"], "nginx:1.25");
  EXPECT_EQ(r.body["command"], "sleep 600");
  EXPECT_EQ(r.body["memory"], "512m");
  EXPECT_EQ(r.body["environment"], Json({{"MODE", "test"}}));
  EXPECT_EQ(r.body["status"], "Stopped");  // created, not started (upstream)
  EXPECT_EQ(r.body["bay_uuid"], kSwarm);
  EXPECT_EQ(r.body["cluster_uuid"], kSwarm);
  EXPECT_EQ(r.body["project_id"], "p1");
  EXPECT_EQ(r.body["user_id"], "u1");
  EXPECT_TRUE(r.body["created_at"].is_string());
  EXPECT_TRUE(r.body.contains("status_reason"));
  EXPECT_EQ(r.body["links"][0]["href"], "http://h:9511/v1/containers/" + uuid);
  // On the Engine, labelled by our uuid; the row knows the Engine's id.
  ASSERT_TRUE(engine_->Find(uuid));
  EXPECT_EQ(engine_->Find(uuid)->cluster, kSwarm);
  EXPECT_EQ(ContainerRows(), 1);

  // bay_uuid (upstream's key) works too, by uuid; a name is generated when absent.
  Reply bay = Call("POST", "/v1/containers", {{"image", "busybox"}, {"bay_uuid", kSwarm}});
  ASSERT_EQ(bay.status, 201) << bay.body.dump();
  EXPECT_TRUE(bay.body["name"].get<std::string>().ends_with("-container")) << bay.body.dump();
  EXPECT_EQ(bay.body["cluster_uuid"], kSwarm);
}

TEST_F(ContainersAppTest, ListDetailAndShow) {
  const std::string a = Create("a");
  const std::string b = Create("b");
  Reply list = Call("GET", "/v1/containers");
  ASSERT_EQ(list.status, 200) << list.body.dump();
  ASSERT_EQ(list.body["containers"].size(), 2u);
  const Json& item = list.body["containers"][0];
  EXPECT_EQ(item["uuid"], a);
  for (const char* k : {"uuid", "name", "bay_uuid", "cluster_uuid", "image", "command", "status",
                        "memory", "environment", "links"}) {
    EXPECT_TRUE(item.contains(k)) << k << " " << item.dump();
  }
  for (const char* k : {"created_at", "updated_at", "status_reason", "project_id", "user_id"}) {
    EXPECT_FALSE(item.contains(k)) << k << " " << item.dump();
  }
  Reply detail = Call("GET", "/v1/containers/detail");
  ASSERT_EQ(detail.status, 200);
  ASSERT_EQ(detail.body["containers"].size(), 2u);
  EXPECT_TRUE(detail.body["containers"][1].contains("created_at"));
  EXPECT_EQ(detail.body["containers"][1]["project_id"], "p1");

  // Pagination and the cluster filters (bay_ident upstream, cluster_ident ours).
  Reply page = Call("GET", "/v1/containers?limit=1");
  ASSERT_EQ(page.status, 200);
  ASSERT_EQ(page.body["containers"].size(), 1u);
  EXPECT_NE(page.body["next"].get<std::string>().find("marker=" + a), std::string::npos);
  Reply next = Call("GET", "/v1/containers?limit=1&marker=" + a);
  ASSERT_EQ(next.status, 200);
  EXPECT_EQ(next.body["containers"][0]["uuid"], b);
  EXPECT_EQ(Call("GET", "/v1/containers?cluster_ident=swarm1").body["containers"].size(), 2u);
  EXPECT_EQ(
      Call("GET", std::string("/v1/containers?bay_ident=") + kSwarm).body["containers"].size(), 2u);
  EXPECT_EQ(Call("GET", "/v1/containers?cluster_ident=nope").status, 404);
  EXPECT_EQ(Call("GET", "/v1/containers?colour=blue").status, 400);

  Reply byname = Call("GET", "/v1/containers/b");
  ASSERT_EQ(byname.status, 200) << byname.body.dump();
  EXPECT_EQ(byname.body["uuid"], b);
  EXPECT_TRUE(byname.body.contains("created_at"));
  EXPECT_EQ(Call("GET", "/v1/containers/" + a).body["name"], "a");
  EXPECT_EQ(Call("GET", "/v1/containers/zzz").status, 404);
}

TEST_F(ContainersAppTest, StatusIsReadFromTheEngine) {
  const std::string uuid = Create("seen");
  engine_->SetStatus(uuid, ContainerStatus::kRunning);  // started outside Magnum
  EXPECT_EQ(Call("GET", "/v1/containers/" + uuid).body["status"], "Running");
  EXPECT_EQ(Call("GET", "/v1/containers").body["containers"][0]["status"], "Running");
  engine_->Forget(uuid);  // removed outside Magnum
  Reply gone = Call("GET", "/v1/containers/" + uuid);
  ASSERT_EQ(gone.status, 200);
  EXPECT_EQ(gone.body["status"], "Error");
  EXPECT_NE(gone.body["status_reason"].get<std::string>().find("removed outside Magnum"),
            std::string::npos)
      << gone.body.dump();
  // ... and stays deletable.
  EXPECT_EQ(Call("DELETE", "/v1/containers/" + uuid).status, 204);
  EXPECT_EQ(ContainerRows(), 0);
}

// ---- actions, logs, execute --------------------------------------------------------------

TEST_F(ContainersAppTest, ActionsAnswerTheStatusAfterThem) {
  const std::string uuid = Create("act");
  const std::string base = "/v1/containers/" + uuid + "/";
  struct Step {
    const char* action;
    const char* status;
  };
  for (const Step& s :
       {Step{"start", "Running"}, Step{"pause", "Paused"}, Step{"unpause", "Running"},
        Step{"reboot", "Running"}, Step{"stop", "Stopped"}}) {
    Reply r = Call("PUT", base + s.action);
    ASSERT_EQ(r.status, 200) << s.action << " " << r.body.dump();
    EXPECT_EQ(r.body["status"], s.status) << s.action;
    EXPECT_EQ(r.body["uuid"], uuid);
    EXPECT_TRUE(r.body.contains("created_at"));
  }
  // The stored status follows.
  EXPECT_EQ(Call("GET", "/v1/containers/act").body["status"], "Stopped");
  // pause needs Running, unpause Paused: 409 with why.
  Reply pause = Call("PUT", base + "pause");
  EXPECT_EQ(pause.status, 409);
  EXPECT_NE(pause.Detail().find("needs a Running container"), std::string::npos) << pause.Detail();
  EXPECT_EQ(Call("PUT", base + "unpause").status, 409);
}

TEST_F(ContainersAppTest, LogsAndExecute) {
  const std::string uuid = Create("run");
  const std::string base = "/v1/containers/" + uuid + "/";
  // execute on a stopped container: 409.
  Reply stopped = Call("PUT", base + "execute?command=ls");
  EXPECT_EQ(stopped.status, 409);
  EXPECT_NE(stopped.Detail().find("Stopped"), std::string::npos) << stopped.Detail();
  EXPECT_NE(stopped.Detail().find("start it first"), std::string::npos) << stopped.Detail();
  EXPECT_TRUE(engine_->Executed().empty());

  ASSERT_EQ(Call("PUT", base + "start").status, 200);
  engine_->SetOutput({"line 1\nline 2\n", true, 3});
  Reply logs = Call("GET", base + "logs");
  ASSERT_EQ(logs.status, 200) << logs.body.dump();
  EXPECT_EQ(logs.body, Json({{"output", "line 1\nline 2\n"}, {"truncated", true}}));
  EXPECT_EQ(engine_->LastLimits().max_output_bytes, 4096u);

  Reply q = Call("PUT", base + "execute?command=ls%20-l%20/");
  ASSERT_EQ(q.status, 200) << q.body.dump();
  EXPECT_EQ(q.body, Json({{"output", "line 1\nline 2\n"}, {"exit_code", 3}, {"truncated", true}}));
  Reply b = Call("PUT", base + "execute", {{"command", "cat /etc/hostname"}});
  ASSERT_EQ(b.status, 200) << b.body.dump();
  EXPECT_EQ(engine_->Executed(), (std::vector<std::string>{"ls -l /", "cat /etc/hostname"}));
  EXPECT_EQ(engine_->LastLimits().execute_timeout, std::chrono::seconds(7));

  // Bad forms: no command, two different ones, a wrong type, too long.
  EXPECT_EQ(Call("PUT", base + "execute").status, 400);
  EXPECT_EQ(Call("PUT", base + "execute?command=a", {{"command", "b"}}).status, 400);
  EXPECT_EQ(Call("PUT", base + "execute", {{"command", 5}}).status, 400);
  EXPECT_EQ(Call("PUT", base + "execute", {{"command", std::string(5000, 'x')}}).status, 400);
  EXPECT_EQ(engine_->Executed().size(), 2u);
}

TEST_F(ContainersAppTest, WrongMethodsAre405) {
  const std::string uuid = Create("m");
  const std::string base = "/v1/containers/" + uuid;
  for (const char* a : {"start", "stop", "reboot", "pause", "unpause", "execute"}) {
    EXPECT_EQ(Call("GET", base + "/" + a).status, 405) << a;
    EXPECT_EQ(Call("POST", base + "/" + a).status, 405) << a;
  }
  EXPECT_EQ(Call("PUT", base + "/logs").status, 405);
  EXPECT_EQ(Call("PATCH", base).status, 405);
  EXPECT_EQ(Call("PUT", base).status, 405);
  EXPECT_EQ(Call("DELETE", "/v1/containers").status, 405);
  EXPECT_EQ(Call("POST", "/v1/containers/detail", Json::object()).status, 405);
  EXPECT_EQ(Call("PUT", base + "/explode").status, 404);
  Reply r = Call("GET", base + "/start");
  EXPECT_NE(r.Detail().find("not allowed"), std::string::npos) << r.body.dump();
  EXPECT_EQ(engine_->Find(uuid)->status, ContainerStatus::kStopped);
}

// ---- delete ------------------------------------------------------------------------------

TEST_F(ContainersAppTest, DeleteARunningOneNeedsForce) {
  const std::string uuid = Create("del");
  ASSERT_EQ(Call("PUT", "/v1/containers/" + uuid + "/start").status, 200);
  Reply refused = Call("DELETE", "/v1/containers/" + uuid);
  EXPECT_EQ(refused.status, 409);
  EXPECT_NE(refused.Detail().find("stop it first or pass force=true"), std::string::npos)
      << refused.Detail();
  EXPECT_TRUE(engine_->Find(uuid));
  EXPECT_EQ(Call("DELETE", "/v1/containers/" + uuid + "?force=maybe").status, 400);
  EXPECT_EQ(Call("DELETE", "/v1/containers/" + uuid + "?force=true").status, 204);
  EXPECT_FALSE(engine_->Find(uuid));
  EXPECT_EQ(ContainerRows(), 0);
  EXPECT_EQ(Call("GET", "/v1/containers/" + uuid).status, 404);
  // A stopped one goes without force.
  const std::string other = Create("del2");
  EXPECT_EQ(Call("DELETE", "/v1/containers/del2").status, 204);
  EXPECT_FALSE(engine_->Find(other));
}

// ---- bad input ---------------------------------------------------------------------------

TEST_F(ContainersAppTest, CreateRefusesBadInputWith400) {
  auto create = [this](Json body) { return Call("POST", "/v1/containers", body); };
  const Json ok = {{"name", "good"}, {"image", "nginx"}, {"cluster_uuid", "swarm1"}};
  auto with = [&ok](const char* k, Json v) {
    Json b = ok;
    b[k] = std::move(v);
    return b;
  };
  auto without = [&ok](const char* k) {
    Json b = ok;
    b.erase(k);
    return b;
  };
  for (const char* name : {"-dash", "a b", "sl/ash", ".dot", "é"}) {
    Reply r = create(with("name", name));
    EXPECT_EQ(r.status, 400) << name << " " << r.body.dump();
  }
  EXPECT_EQ(create(with("name", std::string(256, 'a'))).status, 400);
  EXPECT_EQ(create(with("name", "")).status, 400);
  Reply no_image = create(without("image"));
  EXPECT_EQ(no_image.status, 400);
  EXPECT_NE(no_image.Detail().find("image"), std::string::npos) << no_image.Detail();
  for (const char* memory : {"3m", "12x", "m", "-5m", "1.5g", "4096"}) {
    Reply r = create(with("memory", memory));
    EXPECT_EQ(r.status, 400) << memory << " " << r.body.dump();
  }
  EXPECT_EQ(create(with("environment", {{"A=B", "x"}})).status, 400);
  EXPECT_EQ(create(with("environment", "A=B")).status, 400);
  EXPECT_EQ(create(with("uuid", "5a000000-0000-4000-8000-00000000000f")).status, 400);
  EXPECT_EQ(create(with("status", "Running")).status, 400);
  EXPECT_EQ(create(with("colour", "blue")).status, 400);
  EXPECT_EQ(create(without("cluster_uuid")).status, 400);
  Reply unknown = create(with("cluster_uuid", "nope"));
  EXPECT_EQ(unknown.status, 400);
  EXPECT_NE(unknown.Detail().find("nope"), std::string::npos) << unknown.Detail();
  // Another project's cluster is as unknown as a missing one.
  EXPECT_EQ(create(with("cluster_uuid", kOtherProject)).status, 400);
  Reply kube = create(with("cluster_uuid", "kube1"));
  EXPECT_EQ(kube.status, 400);
  EXPECT_NE(kube.Detail().find("has COE kubernetes; containers need a swarm cluster"),
            std::string::npos)
      << kube.Detail();
  Reply both = create(with("bay_uuid", kKube));
  EXPECT_EQ(both.status, 400) << both.body.dump();
  Reply young = create(with("cluster_uuid", kCreating));
  EXPECT_EQ(young.status, 409) << young.body.dump();
  EXPECT_EQ(ContainerRows(), 0);
  EXPECT_EQ(engine_->Size(), 0u);
  // The boundary values pass.
  EXPECT_EQ(create(with("memory", "4m")).status, 201);
  EXPECT_EQ(create(with("memory", "4194304")).status, 201);
  EXPECT_EQ(create(with("name", "A9_.-x")).status, 201);
}

TEST_F(ContainersAppTest, TheEngineRefusingTheCreateLeavesNoRow) {
  engine_->FailCreate(Error::InvalidArgument("image nosuch:latest not found; push it first"));
  Reply r =
      Call("POST", "/v1/containers", {{"image", "nosuch:latest"}, {"cluster_uuid", "swarm1"}});
  EXPECT_EQ(r.status, 400);
  EXPECT_NE(r.Detail().find("nosuch"), std::string::npos) << r.Detail();
  EXPECT_EQ(ContainerRows(), 0);
}

// ---- visibility, cluster state, quota ----------------------------------------------------

TEST_F(ContainersAppTest, AnotherProjectsContainerIs404) {
  const std::string uuid = Create("mine");
  const std::string base = "/v1/containers/" + uuid;
  EXPECT_EQ(Call("GET", base, nullptr, kContainerOutsider).status, 404);
  EXPECT_EQ(Call("GET", "/v1/containers/mine", nullptr, kContainerOutsider).status, 404);
  EXPECT_EQ(Call("DELETE", base + "?force=true", nullptr, kContainerOutsider).status, 404);
  EXPECT_EQ(Call("PUT", base + "/start", nullptr, kContainerOutsider).status, 404);
  EXPECT_EQ(Call("GET", base + "/logs", nullptr, kContainerOutsider).status, 404);
  EXPECT_EQ(Call("PUT", base + "/execute?command=id", nullptr, kContainerOutsider).status, 404);
  EXPECT_TRUE(Call("GET", "/v1/containers", nullptr, kContainerOutsider).body["containers"].empty());
  EXPECT_TRUE(engine_->Find(uuid));
  EXPECT_EQ(engine_->Find(uuid)->status, ContainerStatus::kStopped);
}

TEST_F(ContainersAppTest, AClusterBeingDeletedAnswers409ButToGets) {
  const std::string uuid = Create("late");
  ASSERT_EQ(Call("PUT", "/v1/containers/" + uuid + "/start").status, 200);
  SetClusterStatus(kSwarm, "DELETE_IN_PROGRESS");
  const std::string base = "/v1/containers/" + uuid;
  Reply start = Call("PUT", base + "/stop");
  EXPECT_EQ(start.status, 409);
  EXPECT_NE(start.Detail().find("is being deleted"), std::string::npos) << start.Detail();
  EXPECT_EQ(Call("DELETE", base + "?force=true").status, 409);
  EXPECT_EQ(Call("PUT", base + "/execute?command=id").status, 409);
  EXPECT_EQ(Call("POST", "/v1/containers", {{"image", "x"}, {"cluster_uuid", "swarm1"}}).status,
            409);
  EXPECT_EQ(Call("GET", base).status, 200);
  EXPECT_EQ(Call("GET", base + "/logs").status, 200);
  EXPECT_EQ(Call("GET", "/v1/containers").status, 200);
  EXPECT_EQ(ContainerRows(), 1);
  EXPECT_EQ(engine_->Find(uuid)->status, ContainerStatus::kRunning);
}

TEST_F(ContainersAppTest, QuotaExceededIs403AsForClusters) {
  // The quota row of the project ("Container") wins over the configured default (5).
  db::Row q;
  q.Set("project_id", std::string("p1"));
  q.Set("resource", std::string("Container"));
  q.Set("hard_limit", int64_t{2});
  ASSERT_TRUE(db_->Insert(db::kQuotaTable, q));
  Create("q1");
  Create("q2");
  Reply r = Call("POST", "/v1/containers", {{"image", "x"}, {"cluster_uuid", "swarm1"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_NE(r.Detail().find("maximum containers per project, 2"), std::string::npos) << r.Detail();
  EXPECT_EQ(ContainerRows(), 2);
  EXPECT_EQ(engine_->Size(), 2u);
}

TEST_F(ContainersAppTest, TheDefaultQuotaApplies) {
  for (int i = 0; i < 5; ++i) Create("d" + std::to_string(i));
  EXPECT_EQ(Call("POST", "/v1/containers", {{"image", "x"}, {"cluster_uuid", "swarm1"}}).status,
            403);
}

// ---- the Engine or the engine missing ----------------------------------------------------

TEST_F(ContainersAppTest, AnUnreachableEngineIs503WithNothingWritten) {
  const std::string uuid = Create("before");
  engine_->FailAll(Error::Unavailable("the Docker Engine at 192.0.2.5:2376 did not answer"));
  Reply create = Call("POST", "/v1/containers", {{"image", "x"}, {"cluster_uuid", "swarm1"}});
  EXPECT_EQ(create.status, 503);
  EXPECT_NE(create.Detail().find("did not answer"), std::string::npos) << create.Detail();
  EXPECT_EQ(ContainerRows(), 1);  // only the earlier one
  EXPECT_EQ(Call("PUT", "/v1/containers/" + uuid + "/start").status, 503);
  EXPECT_EQ(Call("DELETE", "/v1/containers/" + uuid + "?force=true").status, 503);
  EXPECT_EQ(ContainerRows(), 1);
  // Reads are never an error: status Unknown, with why.
  Reply show = Call("GET", "/v1/containers/" + uuid);
  ASSERT_EQ(show.status, 200);
  EXPECT_EQ(show.body["status"], "Unknown");
  EXPECT_NE(show.body["status_reason"].get<std::string>().find("did not answer"),
            std::string::npos);
  Reply list = Call("GET", "/v1/containers/detail");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(list.body["containers"][0]["status"], "Unknown");
  // Unknown was not stored: the Engine back, the real status is seen again.
  engine_->FailAll(std::nullopt);
  EXPECT_EQ(Call("GET", "/v1/containers/" + uuid).body["status"], "Stopped");
}

TEST_F(ContainersAppTest, NoEngineInTheConductorIs503) {
  const std::string uuid = Create("orphan");
  service_->SetEngine(nullptr);
  Reply r = Call("POST", "/v1/containers", {{"image", "x"}, {"cluster_uuid", "swarm1"}});
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Detail(), "containers are not available: no container engine in this conductor");
  EXPECT_EQ(Call("GET", "/v1/containers/" + uuid).status, 503);
  // A conductor that never had container support answers the same (ConductorApi defaults).
  UnusedConductor engineless;  // container calls keep ConductorApi's defaults (no engine)
  Build(&engineless);
  Reply old = Call("PUT", "/v1/containers/" + uuid + "/start");
  EXPECT_EQ(old.status, 503);
  EXPECT_EQ(old.Detail(), "containers are not available: no container engine in this conductor");
  EXPECT_EQ(Call("GET", "/v1/containers").body["containers"][0]["status"], "Unknown");
  // And an API without any conductor.
  Build(nullptr);
  EXPECT_EQ(Call("POST", "/v1/containers", {{"image", "x"}, {"cluster_uuid", "swarm1"}}).status,
            503);
  EXPECT_EQ(ContainerRows(), 1);
}

// ---- the pure rules ----------------------------------------------------------------------

TEST(ContainerRulesTest, DockerMemory) {
  EXPECT_EQ(ParseDockerMemory("4m").value(), 4 << 20);
  EXPECT_EQ(ParseDockerMemory("512M").value(), int64_t{512} << 20);
  EXPECT_EQ(ParseDockerMemory("2g").value(), int64_t{2} << 30);
  EXPECT_EQ(ParseDockerMemory("4096k").value(), 4 << 20);
  EXPECT_EQ(ParseDockerMemory("4194304b").value(), 4 << 20);
  EXPECT_EQ(ParseDockerMemory("4194304").value(), 4 << 20);
  for (const char* bad : {"", "4095k", "3m", "m", "4 m", "4mb", "1.5g", "-4m", "4t",
                          "999999999999999g", "9999999999999999"}) {
    EXPECT_FALSE(ParseDockerMemory(bad)) << bad;
  }
}

TEST(ContainerRulesTest, DockerNames) {
  for (const char* good : {"a", "Z", "0", "web-1", "web_1.x", "9lives"}) {
    EXPECT_TRUE(ValidateContainerName(good)) << good;
  }
  for (const char* bad : {"", "-a", "_a", ".a", "a b", "a/b", "a:b"}) {
    EXPECT_FALSE(ValidateContainerName(bad)) << bad;
  }
  EXPECT_TRUE(ValidateContainerName(std::string(255, 'a')));
  EXPECT_FALSE(ValidateContainerName(std::string(256, 'a')));
}

}  // namespace
}  // namespace magnum::api
