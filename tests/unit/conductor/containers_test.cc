// The conductor's container side (containers.h) inside a real ConductorService: a cluster
// delete takes its containers' rows with it, the Container* calls behave the same over the
// in-process bus (values, error codes and messages), the options come from the config, and
// a conductor without an engine refuses with 503.
#include "magnum/conductor/containers.h"

#include "conductor_test_util.h"
#include "magnum/conductor/rpc_client.h"
#include "magnum/conductor/rpc_server.h"
#include "magnum/config/config.h"
#include "magnum/objects/mappers.h"
#include "magnum/rpc/inproc_transport.h"
#include "unit/conductor/container_engine_double.h"

namespace magnum::conductor::testing {
namespace {

using objects::Container;
using objects::ContainerStatus;
using std::chrono::seconds;

class ConductorContainersTest : public ConductorTestBase {
 protected:
  // A created cluster of the fake driver, its template turned swarm-mode.
  std::string SwarmCluster(ConductorService* c, const std::string& name) {
    const std::string uuid = CreatedCluster(c, {.name = name});
    auto row = Cluster(uuid);
    EXPECT_TRUE(row);
    if (!row) return uuid;
    Row change;
    change.Set("coe", std::string("swarm-mode"));
    auto n = db_->Update(
        db::kClusterTemplateTable,
        Filter().Where(Condition::Eq("uuid", row->GetString("cluster_template_id"))), change);
    EXPECT_TRUE(n && *n == 1);
    return uuid;
  }

  static Container Request(const std::string& cluster, const std::string& name) {
    Container c;
    c.name = name;
    c.image = "busybox:1.36";
    c.command = "sleep 3600";
    c.bay_uuid = cluster;
    c.memory = "64m";
    c.environment = objects::StringMap{{"GREETING", "hello world"}};
    c.project_id = "p1";
    c.user_id = "u1";
    return c;
  }

  int64_t ContainersOf(const std::string& cluster) {
    return CountRows(db::kContainerTable, Filter().Where(Condition::Eq("bay_uuid", cluster)));
  }

  const Caller caller_{"req-1", "p1", "u1", false};
};

// The replies of another process are checked, never trusted (fuzz/regressions/container_input).
TEST(ContainerWireTest, MalformedRepliesAreRefusedNotThrown) {
  auto ok = DecodeCommandOutput(R"({"output": "hi\n", "truncated": true, "exit_code": 3})");
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ(ok->output, "hi\n");
  EXPECT_TRUE(ok->truncated);
  EXPECT_EQ(ok->exit_code, 3);
  for (const char* bad :
       {R"({"output": "x", "truncated": 2})", R"({"output": "x", "truncated": "yes"})",
        R"({"output": "x", "exit_code": "1"})", R"({"output": "x", "exit_code": 1.5})",
        R"({"output": "x", "exit_code": 18446744073709551615})", R"({"output": 1})", R"([1])",
        "not json"}) {
    auto r = DecodeCommandOutput(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
  for (const char* bad : {R"({"status": "Sleeping"})", R"({"environment": {"A": 1}})", "[]"}) {
    auto r = DecodeContainer(bad);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST_F(ConductorContainersTest, AClusterDeleteRemovesItsContainerRows) {
  auto* c = StartConductor();
  auto engine = std::make_shared<ContainerEngineDouble>();
  c->SetContainerEngine(engine);
  const std::string doomed = SwarmCluster(c, "doomed");
  const std::string kept = SwarmCluster(c, "kept");
  ASSERT_TRUE(c->ContainerCreate(caller_, Request(doomed, "one")));
  ASSERT_TRUE(c->ContainerCreate(caller_, Request(doomed, "two")));
  ASSERT_TRUE(c->ContainerCreate(caller_, Request(kept, "three")));
  ASSERT_EQ(ContainersOf(doomed), 2);

  ASSERT_OK(c->ClusterDelete(caller_, doomed));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_FALSE(Cluster(doomed));
  EXPECT_EQ(ContainersOf(doomed), 0);
  EXPECT_EQ(ContainersOf(kept), 1);
}

TEST_F(ConductorContainersTest, AFailedClusterDeleteKeepsTheRows) {
  auto* c = StartConductor();
  c->SetContainerEngine(std::make_shared<ContainerEngineDouble>());
  const std::string uuid = SwarmCluster(c, "stays");
  ASSERT_TRUE(c->ContainerCreate(caller_, Request(uuid, "one")));
  // The fake driver fails the delete when labelled so.
  Row label;
  label.Set("labels", std::string(R"({"fake_fail":"delete"})"));
  ASSERT_TRUE(db_->Update(db::kClusterTable, Filter().Where(Condition::Eq("uuid", uuid)), label));
  ASSERT_OK(c->ClusterDelete(caller_, uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  ASSERT_TRUE(Cluster(uuid));
  EXPECT_EQ(Cluster(uuid)->GetString("status"), "DELETE_FAILED");
  EXPECT_EQ(ContainersOf(uuid), 1);
}

TEST_F(ConductorContainersTest, TheCallsBehaveTheSameOverTheBus) {
  auto* service = StartConductor();
  auto engine = std::make_shared<ContainerEngineDouble>();
  service->SetContainerEngine(engine);
  const std::string cluster = SwarmCluster(service, "bus");
  auto transport = rpc::NewInprocTransport(2);
  ASSERT_OK(ServeConductor(transport.get(), "magnum-conductor", service));
  auto client = NewRpcConductorClient(transport.get(), "magnum-conductor", seconds(10));

  auto created = client->ContainerCreate(caller_, Request(cluster, "web"));
  ASSERT_TRUE(created) << created.error().message();
  EXPECT_FALSE(created->uuid.empty());
  EXPECT_NE(created->id, 0);
  EXPECT_EQ(created->status, ContainerStatus::kStopped);
  EXPECT_EQ(created->bay_uuid, cluster);
  EXPECT_EQ(created->environment, (objects::StringMap{{"GREETING", "hello world"}}));
  EXPECT_EQ(created->memory, "64m");
  EXPECT_EQ(created->command, "sleep 3600");
  EXPECT_EQ(created->docker_id, engine->Find(created->uuid)->docker_id);
  const std::string uuid = created->uuid;

  auto shown = client->ContainerShow(caller_, uuid);
  ASSERT_TRUE(shown) << shown.error().message();
  EXPECT_EQ(*shown, *service->ContainerShow(caller_, uuid));

  // A refusal keeps its code and message.
  auto exec_stopped = client->ContainerExecute(caller_, uuid, "id");
  ASSERT_FALSE(exec_stopped);
  EXPECT_EQ(exec_stopped.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(exec_stopped.error().message(),
            service->ContainerExecute(caller_, uuid, "id").error().message());

  auto started = client->ContainerAct(caller_, uuid, ContainerAction::kStart);
  ASSERT_TRUE(started) << started.error().message();
  EXPECT_EQ(started->status, ContainerStatus::kRunning);
  engine->SetOutput({"uid=0(root)\n", false, 0});
  auto out = client->ContainerExecute(caller_, uuid, "id");
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(out->output, "uid=0(root)\n");
  EXPECT_EQ(out->exit_code, 0);
  EXPECT_EQ(engine->Executed(), std::vector<std::string>{"id"});
  auto logs = client->ContainerLogs(caller_, uuid);
  ASSERT_TRUE(logs) << logs.error().message();
  EXPECT_EQ(logs->exit_code, -1);

  auto refused = client->ContainerDelete(caller_, uuid, false);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kConflict);
  ASSERT_OK(client->ContainerDelete(caller_, uuid, true));
  EXPECT_EQ(ContainersOf(cluster), 0);
  auto gone = client->ContainerShow(caller_, uuid);
  ASSERT_FALSE(gone);
  EXPECT_EQ(gone.error().code(), ErrorCode::kNotFound);

  transport->Shutdown();
}

TEST_F(ConductorContainersTest, WithoutAnEngineEveryCallIs503) {
  auto* c = StartConductor();
  const std::string cluster = SwarmCluster(c, "bare");
  auto r = c->ContainerCreate(caller_, Request(cluster, "x"));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(r.error().message(),
            "containers are not available: no container engine in this conductor");
  EXPECT_EQ(ContainersOf(cluster), 0);
  EXPECT_EQ(c->ContainerLogs(caller_, "any").error().code(), ErrorCode::kUnavailable);
  // Wired later: the calls work from then on.
  c->SetContainerEngine(std::make_shared<ContainerEngineDouble>());
  EXPECT_TRUE(c->ContainerCreate(caller_, Request(cluster, "x")));
}

TEST_F(ConductorContainersTest, EngineFromDepsAndOptionsFromConfig) {
  config::Config config;
  config.containers_execute_timeout = 9;
  config.containers_max_output_bytes = 2048;
  config.max_containers_per_project = 1;
  ConductorOptions o = ConductorOptionsFromConfig(config);
  EXPECT_EQ(o.container_limits.execute_timeout, seconds(9));
  EXPECT_EQ(o.container_limits.max_output_bytes, 2048u);
  EXPECT_EQ(o.max_containers_per_project, 1);
  const ConductorOptions defaults = ConductorOptionsFromConfig(config::Config{});
  EXPECT_EQ(defaults.container_limits.execute_timeout, seconds(60));
  EXPECT_EQ(defaults.container_limits.max_output_bytes, size_t{1} << 20);
  EXPECT_EQ(defaults.max_containers_per_project, 100);

  ConductorOptions opts = Options();
  opts.max_containers_per_project = o.max_containers_per_project;
  opts.container_limits = o.container_limits;
  ConductorDeps deps;
  deps.db = db_.get();
  deps.drivers = &registry_;
  deps.clock = &SystemClock();
  deps.certificates = NewCertificates();
  auto engine = std::make_shared<ContainerEngineDouble>();
  deps.container_engine = engine;
  ConductorService service(std::move(deps), opts);
  ASSERT_OK(service.Start());
  const std::string cluster = SwarmCluster(&service, "cfg");
  auto first = service.ContainerCreate(caller_, Request(cluster, "one"));
  ASSERT_TRUE(first) << first.error().message();
  ASSERT_TRUE(service.ContainerAct(caller_, first->uuid, ContainerAction::kStart));
  ASSERT_TRUE(service.ContainerLogs(caller_, first->uuid));
  EXPECT_EQ(engine->LastLimits().execute_timeout, seconds(9));
  EXPECT_EQ(engine->LastLimits().max_output_bytes, 2048u);
  auto second = service.ContainerCreate(caller_, Request(cluster, "two"));
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().code(), ErrorCode::kPermissionDenied);
  service.Stop();
}

}  // namespace
}  // namespace magnum::conductor::testing
