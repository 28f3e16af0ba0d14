// conductor/notifications.h: the CADF payload upstream Magnum sends about cluster operations,
// and when the conductor sends it — pending at acceptance, success/failure with the end's
// transaction, exactly one end per operation also when another conductor resumes it.
#include "magnum/conductor/notifications.h"

#include <nlohmann/json.hpp>
#include <regex>

#include "conductor_test_util.h"
#include "magnum/objects/cluster.h"
#include "magnum/objects/nodegroup.h"
#include "magnum/rpc/notifier.h"

namespace magnum::conductor::testing {
namespace {

using Json = nlohmann::json;
using namespace std::chrono_literals;

// Records what the conductor notifies (thread-safe: workers notify).
class RecordingNotifier final : public rpc::Notifier {
 public:
  struct Log {
    std::mutex mu;
    std::vector<rpc::Notification> sent;
  };
  explicit RecordingNotifier(std::shared_ptr<Log> log) : log_(std::move(log)) {}
  void Notify(const rpc::Notification& n) override {
    std::lock_guard<std::mutex> lock(log_->mu);
    log_->sent.push_back(n);
  }

 private:
  std::shared_ptr<Log> log_;
};

// "magnum.cluster.create pending", ... for the notifications about `uuid`.
std::vector<std::string> Summary(RecordingNotifier::Log& log, const std::string& uuid) {
  std::lock_guard<std::mutex> lock(log.mu);
  std::vector<std::string> out;
  for (const auto& n : log.sent) {
    Json p = Json::parse(n.payload);
    if (p["target"]["id"] != uuid) continue;
    out.push_back(n.event_type + " " + p["outcome"].get<std::string>() + " " + n.priority);
  }
  return out;
}

objects::Cluster SampleCluster() {
  objects::Cluster c;
  c.uuid = "5d12f6fd-a196-4bf0-ae4c-1f639a523a52";
  c.name = "k8s";
  c.project_id = "p-owner";
  c.status = objects::ClusterStatus::kCreateInProgress;
  c.labels = objects::StringMap{{"a", "b"}};
  c.docker_volume_size = 5;
  c.created_at = "2026-12-05T01:02:03.000000";
  c.health_status = objects::HealthStatus::kHealthy;
  return c;
}

std::vector<objects::NodeGroup> SampleNodeGroups() {
  objects::NodeGroup m, w, extra;
  m.role = "master";
  m.node_count = 1;
  m.node_addresses = objects::StringList{"10.0.0.1"};
  w.role = "worker";
  w.node_count = 2;
  w.node_addresses = objects::StringList{"10.0.0.2", "10.0.0.3"};
  extra.role = "gpu";
  extra.node_count = 3;
  return {m, w, extra};
}

TEST(ClusterNotificationTest, CadfEventAsUpstreamSendsIt) {
  Caller caller{"req-1", "p-alice", "alice", false, {"member", "reader"}};
  const TimePoint at = TimePoint(std::chrono::seconds(1796347593)) + 633765us;
  rpc::Notification n = ClusterNotification("ctl-1", SampleCluster(), SampleNodeGroups(),
                                            OpKind::kCreate, CadfOutcome::kPending, caller, at);
  EXPECT_EQ(n.publisher_id, "container-infra.ctl-1");
  EXPECT_EQ(n.event_type, "magnum.cluster.create");
  EXPECT_EQ(n.priority, "INFO");
  Json p = Json::parse(n.payload);
  const std::regex uuid("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}");
  EXPECT_EQ(p["typeURI"], "http://schemas.dmtf.org/cloud/audit/1.0/event");
  EXPECT_EQ(p["eventType"], "activity");
  EXPECT_TRUE(std::regex_match(p["id"].get<std::string>(), uuid));
  EXPECT_EQ(p["eventTime"], "2026-12-04T01:26:33.633765+0000");
  EXPECT_EQ(p["action"], "create");
  EXPECT_EQ(p["outcome"], "pending");
  EXPECT_EQ(p["observer"]["typeURI"], "service/magnum/cluster");
  EXPECT_TRUE(std::regex_match(p["observer"]["id"].get<std::string>(), uuid));
  EXPECT_EQ(p["initiator"]["typeURI"], "service/security/account/user");
  EXPECT_EQ(p["initiator"]["user_id"], "alice");
  EXPECT_EQ(p["initiator"]["project_id"], "p-alice");
  EXPECT_NE(p["initiator"]["id"], p["observer"]["id"]);
  EXPECT_EQ(p["target"]["typeURI"], "service/magnum/cluster");
  EXPECT_EQ(p["target"]["id"], "5d12f6fd-a196-4bf0-ae4c-1f639a523a52");
  EXPECT_EQ(p["target"]["name"], "k8s");
  ASSERT_EQ(p["target"]["attachments"].size(), 1u);
  Json a = p["target"]["attachments"][0];
  EXPECT_EQ(a["typeURI"], "service/magnum/cluster");
  EXPECT_EQ(a["name"], "cluster_data");
  Json c = a["content"];
  EXPECT_EQ(c["status"], "CREATE_IN_PROGRESS");
  EXPECT_EQ(c["project_id"], "p-owner");
  EXPECT_EQ(c["labels"], (Json{{"a", "b"}}));
  EXPECT_EQ(c["docker_volume_size:"], 5) << "upstream's key, colon included";
  EXPECT_EQ(c["created_at"], "2026-12-05T01:02:03.000000");
  EXPECT_TRUE(c["updated_at"].is_null());
  EXPECT_EQ(c["health_status"], "HEALTHY");
  EXPECT_EQ(c["master_count"], 1);
  EXPECT_EQ(c["node_count"], 5) << "every non-master nodegroup, as Cluster.node_count";
  EXPECT_EQ(c["master_addresses"], (Json{"10.0.0.1"}));
  EXPECT_EQ(c["node_addresses"], (Json{"10.0.0.2", "10.0.0.3"}));
  for (const char* k : {"status_reason", "cluster_template_id", "keypair", "master_flavor_id",
                        "flavor_id", "stack_id", "create_timeout", "api_address",
                        "discovery_url"}) {
    EXPECT_TRUE(c.contains(k)) << k;
  }
  Json ctx = Json::parse(n.context);
  EXPECT_EQ(ctx["user_id"], "alice");
  EXPECT_EQ(ctx["project_id"], "p-alice");
  EXPECT_EQ(ctx["request_id"], "req-1");
  EXPECT_EQ(ctx["is_admin"], false);
  EXPECT_EQ(ctx["roles"], (Json{"member", "reader"}));
  EXPECT_TRUE(ctx["auth_token"].is_null()) << "no secret leaves in a notification";
}

TEST(ClusterNotificationTest, FailureIsAnErrorAndAnUnknownCallerIsTheAdminContext) {
  rpc::Notification n = ClusterNotification("ctl-1", SampleCluster(), {}, OpKind::kResize,
                                            CadfOutcome::kFailure, Caller{}, TimePoint());
  EXPECT_EQ(n.event_type, "magnum.cluster.update");
  EXPECT_EQ(n.priority, "ERROR");
  Json p = Json::parse(n.payload);
  EXPECT_EQ(p["outcome"], "failure");
  EXPECT_FALSE(p["initiator"].contains("user_id"));
  EXPECT_EQ(p["initiator"]["project_id"], "p-owner") << "the cluster's project";
  Json ctx = Json::parse(n.context);
  EXPECT_EQ(ctx["is_admin"], true);
  EXPECT_TRUE(ctx["user_id"].is_null());
}

TEST(ClusterNotificationTest, ActionsOfOperations) {
  EXPECT_STREQ(CadfAction(OpKind::kCreate), "create");
  EXPECT_STREQ(CadfAction(OpKind::kDelete), "delete");
  for (OpKind k : {OpKind::kUpdate, OpKind::kResize, OpKind::kUpgrade, OpKind::kRotateCa,
                   OpKind::kNodeGroupCreate, OpKind::kNodeGroupUpdate,
                   OpKind::kNodeGroupDelete}) {
    EXPECT_STREQ(CadfAction(k), "update");
  }
}

class ConductorNotificationsTest : public ConductorTestBase {
 protected:
  ConductorService* StartNotifying(ConductorOptions o, std::shared_ptr<RecordingNotifier::Log> log,
                                   db::Database* d = nullptr, const Clock* clock = nullptr) {
    ConductorDeps deps;
    deps.db = d ? d : db_.get();
    deps.drivers = &registry_;
    deps.clock = clock ? clock : &SystemClock();
    deps.certificates = NewCertificates(deps.db);
    deps.notifier = std::make_unique<RecordingNotifier>(std::move(log));
    conductors_.push_back(std::make_unique<ConductorService>(std::move(deps), std::move(o)));
    auto started = conductors_.back()->Start();
    EXPECT_TRUE(started) << started.error().message();
    return conductors_.back().get();
  }

  const Caller alice_{"req-a", "p-alice", "alice", false};
  std::shared_ptr<RecordingNotifier::Log> log_ = std::make_shared<RecordingNotifier::Log>();
};

TEST_F(ConductorNotificationsTest, CreateUpdateDeleteStartAndEnd) {
  auto* c = StartNotifying(Options(), log_);
  std::string uuid = InsertCluster({.node_count = 1});
  ASSERT_OK(c->ClusterCreate(alice_, uuid));
  ASSERT_TRUE(c->WaitIdle(20s));
  ASSERT_EQ(Status(uuid), "CREATE_COMPLETE");
  ASSERT_OK(c->ClusterUpdate(alice_, uuid, 2, false));
  ASSERT_TRUE(c->WaitIdle(20s));
  ASSERT_EQ(Status(uuid), "UPDATE_COMPLETE");
  ASSERT_OK(c->ClusterDelete(alice_, uuid));
  ASSERT_TRUE(c->WaitIdle(20s));
  ASSERT_FALSE(Cluster(uuid));
  EXPECT_EQ(Summary(*log_, uuid),
            (std::vector<std::string>{
                "magnum.cluster.create pending INFO", "magnum.cluster.create success INFO",
                "magnum.cluster.update pending INFO", "magnum.cluster.update success INFO",
                "magnum.cluster.delete pending INFO", "magnum.cluster.delete success INFO"}));
  std::lock_guard<std::mutex> lock(log_->mu);
  Json created = Json::parse(log_->sent[1].payload);
  EXPECT_EQ(created["initiator"]["user_id"], "alice");
  EXPECT_EQ(created["initiator"]["project_id"], "p-alice");
  EXPECT_EQ(created["target"]["attachments"][0]["content"]["status"], "CREATE_COMPLETE");
  Json updated = Json::parse(log_->sent[3].payload);
  EXPECT_EQ(updated["target"]["attachments"][0]["content"]["node_count"], 2);
  Json deleted = Json::parse(log_->sent[5].payload);
  EXPECT_EQ(deleted["target"]["attachments"][0]["content"]["status"], "DELETE_COMPLETE");
  EXPECT_EQ(deleted["target"]["name"], "c1");
  EXPECT_EQ(Json::parse(log_->sent[5].context)["request_id"], "req-a");
}

TEST_F(ConductorNotificationsTest, FailedCreateIsAnErrorAndRefusalsSendNothing) {
  auto* c = StartNotifying(Options(), log_);
  std::string uuid = InsertCluster({.labels = {{"fake_fail", "create"}}});
  ASSERT_OK(c->ClusterCreate(alice_, uuid));
  ASSERT_TRUE(c->WaitIdle(20s));
  ASSERT_EQ(Status(uuid), "CREATE_FAILED");
  // Refused (not in a state an update starts from): nothing was accepted, nothing is sent.
  EXPECT_FALSE(c->ClusterUpdate(alice_, uuid, 3, false));
  EXPECT_EQ(Summary(*log_, uuid),
            (std::vector<std::string>{"magnum.cluster.create pending INFO",
                                      "magnum.cluster.create failure ERROR"}));
  std::lock_guard<std::mutex> lock(log_->mu);
  Json failed = Json::parse(log_->sent[1].payload);
  EXPECT_EQ(failed["target"]["attachments"][0]["content"]["status"], "CREATE_FAILED");
  EXPECT_NE(failed["target"]["attachments"][0]["content"]["status_reason"].get<std::string>().find(
                "injected failure"),
            std::string::npos);
}

// A resize stopped on host-a and resumed by host-b: one start (a), one end (b), the end
// naming the original caller (persisted with the operation).
TEST_F(ConductorNotificationsTest, AResumedOperationEndsOnceWithItsCaller) {
  ManualClock clock{SystemClock().Now()};
  ConductorOptions oa = Options("host-a");
  oa.run_timer_thread = false;
  auto log_b = std::make_shared<RecordingNotifier::Log>();
  auto* a = StartNotifying(oa, log_, nullptr, &clock);
  std::string uuid = InsertCluster({.node_count = 1});
  ASSERT_OK(a->ClusterCreate(alice_, uuid));
  ASSERT_TRUE(a->WaitIdle(20s));
  ASSERT_EQ(Status(uuid), "CREATE_COMPLETE");
  Row labels;
  labels.Set("labels", std::string(R"({"fake_delay_ms":"1000"})"));
  ASSERT_OK(db_->Update(db::kClusterTable, Filter().Where(Condition::Eq("uuid", uuid)), labels));
  ASSERT_OK(a->ClusterResize(alice_, uuid, "", 3, {}));
  ASSERT_TRUE(WaitUntil([&] {
    auto l = Lock(uuid);
    return l && l->GetString("progress") == R"({"step":0,"waited":true})";
  }));
  a->Stop();
  ASSERT_EQ(Status(uuid), "UPDATE_IN_PROGRESS");
  labels.Set("labels", std::string("{}"));
  ASSERT_OK(db_->Update(db::kClusterTable, Filter().Where(Condition::Eq("uuid", uuid)), labels));
  ConductorOptions ob = Options("host-b");
  ob.run_timer_thread = false;
  auto* b = StartNotifying(ob, log_b, OtherDatabase(), &clock);
  ASSERT_TRUE(b->WaitIdle(20s));
  ASSERT_EQ(Status(uuid), "UPDATE_COMPLETE") << Reason(uuid);
  EXPECT_EQ(Summary(*log_, uuid),
            (std::vector<std::string>{"magnum.cluster.create pending INFO",
                                      "magnum.cluster.create success INFO",
                                      "magnum.cluster.update pending INFO"}))
      << "host-a stopped before the end";
  EXPECT_EQ(Summary(*log_b, uuid),
            (std::vector<std::string>{"magnum.cluster.update success INFO"}));
  std::lock_guard<std::mutex> lock(log_b->mu);
  EXPECT_EQ(log_b->sent[0].publisher_id, "container-infra.host-b");
  Json p = Json::parse(log_b->sent[0].payload);
  EXPECT_EQ(p["initiator"]["user_id"], "alice") << "the persisted caller";
}

class SyncDriver final : public NoOpDriver {
 public:
  SyncDriver() : NoOpDriver("sync", "sync-os") {}
  Result<drivers::SyncReport> SyncStatus(const drivers::ClusterState&) override {
    return drivers::SyncReport{drivers::SyncReport::State::kComplete, ""};
  }
};

// Ends no operation of this conductor wrote: a status sync that finishes a cluster nobody
// runs (upstream's periodic task notifies the same), and a restart recovery that fails an
// orphan. Each is sent once, with the cluster's project as initiator.
TEST_F(ConductorNotificationsTest, StatusSyncAndRecoveryEndsAreSentOnce) {
  drivers::DriverRegistry reg;
  reg.Register(std::make_unique<SyncDriver>());
  ConductorDeps deps;
  deps.db = db_.get();
  deps.drivers = &reg;
  deps.clock = &SystemClock();
  deps.certificates = NewCertificates();
  deps.notifier = std::make_unique<RecordingNotifier>(log_);
  ConductorService c(std::move(deps), Options());
  std::string synced = InsertCluster({.name = "s", .driver = "sync", .status = "UPDATE_IN_PROGRESS"});
  Backdate(synced);
  c.SyncStatusOnce();
  c.SyncStatusOnce();
  ASSERT_EQ(Status(synced), "UPDATE_COMPLETE");
  EXPECT_EQ(Summary(*log_, synced),
            (std::vector<std::string>{"magnum.cluster.update success INFO"}));

  std::string orphan = InsertCluster({.name = "o", .driver = "sync"});
  Row lock;
  lock.Set("cluster_uuid", orphan);
  lock.Set("conductor_id", std::string("dead-host"));
  lock.Set("operation", std::string("create"));
  lock.Set("created_at", Now());
  ASSERT_OK(db_->Insert(db::kClusterLockTable, lock));
  c.RecoverOnce(true);
  c.RecoverOnce(true);
  ASSERT_EQ(Status(orphan), "CREATE_FAILED") << Reason(orphan);
  EXPECT_EQ(Summary(*log_, orphan),
            (std::vector<std::string>{"magnum.cluster.create failure ERROR"}));
  std::lock_guard<std::mutex> guard(log_->mu);
  Json p = Json::parse(log_->sent.back().payload);
  EXPECT_EQ(p["initiator"]["project_id"], "p1");
  EXPECT_FALSE(p["initiator"].contains("user_id"));
  EXPECT_EQ(Json::parse(log_->sent.back().context)["is_admin"], true);
}

}  // namespace
}  // namespace magnum::conductor::testing
