// AutoscalerTask (autoscaler_task.h) through a ConductorService on simulated time, with a
// test driver that returns a scripted Workload and records the resizes it is asked for:
// growth, shrinking after the cool-down, a refusal while busy recorded once, autoscaling
// turned off by the option or the label, limits never crossed, no event repeated; the
// memory between passes in the database, so that another conductor carries on a cool-down.
#include "conductor_test_util.h"
#include "magnum/conductor/autoscaler_memory.h"

namespace magnum::conductor::testing {
namespace {

using namespace std::chrono_literals;
using drivers::PendingTask;
using drivers::Workload;
using drivers::WorkloadNode;

constexpr int64_t kGiB = int64_t{1} << 30;

// Returns the workload scripted for a cluster (by name; none scripted: not autoscaled) and
// records every resize: "<cluster>:<nodegroup name>:<node_count>:<nodes to remove>".
class WorkloadDriver final : public NoOpDriver {
 public:
  WorkloadDriver() : NoOpDriver("autoscale", "autoscale-os") {}

  std::optional<Result<Workload>> ObserveWorkload(const drivers::ClusterState& c) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++observed_[c.name];
    auto it = workloads_.find(c.name);
    if (it == workloads_.end()) return std::nullopt;
    return it->second;
  }
  Result<void> ResizeNodeGroup(drivers::OperationContext& op, const std::string& ng_uuid,
                               const std::vector<std::string>& remove) override {
    const drivers::NodeGroupState* ng = op.cluster().FindNodeGroup(ng_uuid);
    std::string r = op.cluster().name + ":" + (ng ? ng->name : "?") + ":" +
                    std::to_string(ng ? ng->node_count : -1) + ":";
    for (size_t i = 0; i < remove.size(); ++i) r += (i ? "," : "") + remove[i];
    std::lock_guard<std::mutex> lock(mu_);
    resizes_.push_back(r);
    return {};
  }

  void Script(const std::string& cluster, Result<Workload> w) {
    std::lock_guard<std::mutex> lock(mu_);
    workloads_.insert_or_assign(cluster, std::move(w));
  }
  std::vector<std::string> Resizes() {
    std::lock_guard<std::mutex> lock(mu_);
    return resizes_;
  }
  int Observed(const std::string& cluster) {
    std::lock_guard<std::mutex> lock(mu_);
    return observed_[cluster];
  }

 private:
  std::mutex mu_;
  std::map<std::string, Result<Workload>> workloads_;
  std::map<std::string, int> observed_;
  std::vector<std::string> resizes_;
};

WorkloadNode Node(const std::string& name, const std::string& ng, double cpus, double reserved,
                  bool master = false) {
  WorkloadNode n;
  n.name = name;
  n.nodegroup_uuid = ng;
  n.master = master;
  n.ready = true;
  n.schedulable = true;
  n.cpus = cpus;
  n.memory_bytes = 4 * kGiB;
  n.reserved_cpus = reserved;
  n.running_tasks = reserved > 0 ? 1 : 0;
  return n;
}

PendingTask Task(const std::string& id, double cpus, TimePoint since) {
  PendingTask t;
  t.id = id;
  t.service = "web";
  t.cpus = cpus;
  t.memory_bytes = kGiB / 4;
  t.lacks_resources = true;
  t.reason = "no suitable node (insufficient resources on 2 nodes)";
  t.since = since;
  return t;
}

class AutoscalerTaskTest : public ConductorTestBase {
 protected:
  void SetUp() override {
    ConductorTestBase::SetUp();
    auto d = std::make_unique<WorkloadDriver>();
    driver_ = d.get();
    registry_.Register(std::move(d));
  }

  ConductorOptions SimOptions() {
    ConductorOptions o = Options();
    o.run_timer_thread = false;
    o.report_interval = 10s;
    o.lease_ttl = 30s;
    o.service_down_time = 60s;
    o.autoscaler.interval = 30s;
    o.autoscaler.scale_down_cooldown = 600s;
    o.autoscaler.pending_grace = 10s;
    o.autoscaler.scale_down_utilization_threshold = 0.5;
    return o;
  }
  ConductorService* Start(ConductorOptions o) {
    return StartConductor(std::move(o), nullptr, &clock_);
  }

  // A settled cluster of the workload driver with `labels`.
  std::string Settled(const std::string& name, int64_t node_count,
                      std::map<std::string, std::string> labels) {
    return InsertCluster({.name = name,
                          .driver = "autoscale",
                          .status = "CREATE_COMPLETE",
                          .node_count = node_count,
                          .labels = std::move(labels)});
  }
  std::string WorkerUuid(const std::string& cluster) {
    return NodeGroup(cluster, "default-worker")->GetString("uuid");
  }
  int64_t WorkerCount(const std::string& cluster) {
    return NodeGroup(cluster, "default-worker")->GetInt("node_count");
  }
  std::vector<std::string> AutoscalerEvents(const std::string& cluster) {
    std::vector<std::string> out;
    for (const auto& e : Events(cluster)) {
      if (e.GetString("step") == "autoscaler") out.push_back(e.GetString("message"));
    }
    return out;
  }
  // One pass, then waits for the resize it may have started.
  void Pass(ConductorService* c) {
    c->AutoscaleOnce();
    ASSERT_TRUE(c->WaitIdle(10s));
  }
  // Advances simulated time by `by`, running the due timers (the scheduled autoscaler among
  // them) every 10 s of it, and waits for what they started.
  void Advance(ConductorService* c, std::chrono::seconds by) {
    for (auto left = by; left > 0s; left -= 10s) {
      clock_.Advance(std::min<std::chrono::seconds>(left, 10s));
      c->RunDueTasks();
      ASSERT_TRUE(c->WaitIdle(10s));
    }
  }

  // One full worker (2 CPUs) and a master; `pending` tasks of 1.5 CPUs waiting since 20 s.
  Workload Crowded(const std::string& worker_ng, int pending) {
    Workload w;
    w.nodes = {Node("m0", "", 1, 1, true), Node("w0", worker_ng, 2, 2)};
    for (int i = 0; i < pending; ++i) {
      w.pending.push_back(Task("web." + std::to_string(i + 1), 1.5, clock_.Now() - 20s));
    }
    return w;
  }

  std::optional<Row> StateRow(const std::string& cluster) {
    auto row = db_->GetOne(db::kAutoscalerStateTable,
                           Filter().Where(Condition::Eq("cluster_uuid", cluster)));
    EXPECT_TRUE(row) << row.error().message();
    return row ? *row : std::nullopt;
  }
  int64_t StateRows(const std::string& cluster) {
    auto n = db_->Count(db::kAutoscalerStateTable,
                        Filter().Where(Condition::Eq("cluster_uuid", cluster)));
    EXPECT_TRUE(n) << n.error().message();
    return n ? *n : -1;
  }
  TimePoint StartedAt() const { return started_; }

  ManualClock clock_{SystemClock().Now()};
  const TimePoint started_ = clock_.Now();
  WorkloadDriver* driver_ = nullptr;
};

TEST_F(AutoscalerTaskTest, GrowsThroughTheNormalResizeWithAReasonedEvent) {
  auto* c = Start(SimOptions());
  std::string uuid =
      Settled("grow", 1, {{"auto_scaling_enabled", "true"}, {"max_node_count", "3"}});
  // The driver does not attribute nodes: the only worker nodegroup gets them.
  driver_->Script("grow", Crowded("", 2));
  Pass(c);
  EXPECT_EQ(driver_->Resizes(), (std::vector<std::string>{"grow:default-worker:3:"}));
  EXPECT_EQ(Status(uuid), "UPDATE_COMPLETE");
  EXPECT_EQ(WorkerCount(uuid), 3);
  auto events = AutoscalerEvents(uuid);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("growing nodegroup default-worker: 2 tasks of service web (no "
                           "suitable node (insufficient resources on 2 nodes)), pending for up "
                           "to 20 s; 2 more nodes are needed"),
            std::string::npos)
      << events[0];
  EXPECT_NE(events[0].find("from 1 node to 3 nodes"), std::string::npos) << events[0];
  int resize_events = 0;
  for (const auto& e : Events(uuid)) resize_events += e.GetString("step") == "resize" ? 1 : 0;
  EXPECT_GE(resize_events, 2) << "the resize's own start and end";

  // The new nodes have not joined yet (the scheduler still lists one): nothing more.
  Pass(c);
  Pass(c);
  EXPECT_EQ(driver_->Resizes().size(), 1u);
  EXPECT_EQ(AutoscalerEvents(uuid).size(), 1u);
}

TEST_F(AutoscalerTaskTest, ShrinksAfterTheCooldownOnTheScheduledPasses) {
  auto* c = Start(SimOptions());
  std::string uuid =
      Settled("shrink", 3,
              {{"auto_scaling_enabled", "true"}, {"min_node_count", "1"}, {"max_node_count", "3"}});
  const std::string ng = WorkerUuid(uuid);
  Workload w;
  w.nodes = {Node("m0", "", 1, 0, true), Node("w0", ng, 2, 1.5), Node("w1", ng, 2, 0),
             Node("w2", ng, 2, 0.2)};
  driver_->Script("shrink", w);
  // Passes every 30 s; the first one (at 30 s) sees w1 and w2 underused.
  Advance(c, 620s);
  EXPECT_TRUE(driver_->Resizes().empty()) << "underused for 590 s only";
  EXPECT_TRUE(AutoscalerEvents(uuid).empty());
  Advance(c, 10s);  // the pass at 630 s
  EXPECT_EQ(driver_->Resizes(), (std::vector<std::string>{"shrink:default-worker:1:w1,w2"}));
  EXPECT_EQ(WorkerCount(uuid), 1);
  auto events = AutoscalerEvents(uuid);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_NE(events[0].find("shrinking nodegroup default-worker"), std::string::npos) << events[0];
  EXPECT_NE(events[0].find("w1 idle since"), std::string::npos) << events[0];
  EXPECT_NE(events[0].find("w2 10% used since"), std::string::npos) << events[0];
  EXPECT_NE(events[0].find("removing w1 and w2"), std::string::npos) << events[0];
}

TEST_F(AutoscalerTaskTest, TheCooldownStartsOverWhenANodeIsUsedAgain) {
  auto* c = Start(SimOptions());
  std::string uuid = Settled("again", 2, {{"auto_scaling_enabled", "true"}});
  const std::string ng = WorkerUuid(uuid);
  Workload idle;
  idle.nodes = {Node("w0", ng, 2, 1.5), Node("w1", ng, 2, 0)};
  Workload used = idle;
  used.nodes[1].reserved_cpus = 1.5;
  used.nodes[1].running_tasks = 1;
  driver_->Script("again", idle);
  Advance(c, 300s);
  driver_->Script("again", used);
  Advance(c, 30s);  // the pass at 330 s sees w1 used
  driver_->Script("again", idle);
  Advance(c, 600s);  // underused since 30 s, but again only since 360 s: 570 s at 930 s
  EXPECT_TRUE(driver_->Resizes().empty());
  Advance(c, 30s);  // the pass at 960 s
  EXPECT_EQ(driver_->Resizes(), (std::vector<std::string>{"again:default-worker:1:w1"}));
}

TEST_F(AutoscalerTaskTest, ARefusalWhileBusyIsOneEventAndTheNextPassTriesAgain) {
  auto* c = Start(SimOptions());
  std::string uuid =
      Settled("busy", 1, {{"auto_scaling_enabled", "true"}, {"max_node_count", "2"}});
  driver_->Script("busy", Crowded(WorkerUuid(uuid), 1));
  // Another conductor holds the cluster (a reconciliation pass keeps its status settled).
  Row lock;
  lock.Set("cluster_uuid", uuid);
  lock.Set("conductor_id", std::string("other-host"));
  lock.Set("operation", std::string("reconcile"));
  lock.Set("lease_expires_at", FormatDbTimestamp(clock_.Now() + 1h));
  ASSERT_OK(db_->Insert(db::kClusterLockTable, lock));
  for (int i = 0; i < 3; ++i) Pass(c);
  EXPECT_TRUE(driver_->Resizes().empty());
  EXPECT_EQ(Status(uuid), "CREATE_COMPLETE");
  auto events = AutoscalerEvents(uuid);
  ASSERT_EQ(events.size(), 1u) << "recorded once, not every pass";
  EXPECT_NE(events[0].find("resizing nodegroup default-worker to 2 was refused"), std::string::npos)
      << events[0];
  EXPECT_NE(events[0].find("is busy"), std::string::npos) << events[0];
  EXPECT_NE(events[0].find("(reconcile)"), std::string::npos) << events[0];

  ASSERT_OK(
      db_->Delete(db::kClusterLockTable, Filter().Where(Condition::Eq("cluster_uuid", uuid))));
  Pass(c);
  EXPECT_EQ(driver_->Resizes(), (std::vector<std::string>{"busy:default-worker:2:"}));
  events = AutoscalerEvents(uuid);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[1].find("growing nodegroup default-worker"), std::string::npos) << events[1];
}

TEST_F(AutoscalerTaskTest, TurnedOffByTheOptionTheLabelOrTheDriver) {
  ConductorOptions off = SimOptions();
  off.autoscaler.enabled = false;
  auto* c = Start(off);
  std::string on = Settled("on", 1, {{"auto_scaling_enabled", "true"}, {"max_node_count", "3"}});
  driver_->Script("on", Crowded("", 2));
  Pass(c);
  Advance(c, 120s);
  EXPECT_EQ(driver_->Observed("on"), 0) << "[autoscaler] enabled = false";
  c->Stop();

  auto* c2 = Start(SimOptions());
  std::string no_label = Settled("no-label", 1, {{"max_node_count", "3"}});
  std::string label_off =
      Settled("label-off", 1, {{"auto_scaling_enabled", "false"}, {"max_node_count", "3"}});
  driver_->Script("no-label", Crowded("", 2));
  driver_->Script("label-off", Crowded("", 2));
  // The fake driver answers nullopt: its clusters are not autoscaled by Magnum.
  std::string other =
      InsertCluster({.name = "fake",
                     .status = "CREATE_COMPLETE",
                     .labels = {{"auto_scaling_enabled", "true"}, {"max_node_count", "3"}}});
  Pass(c2);
  EXPECT_EQ(driver_->Observed("no-label"), 0);
  EXPECT_EQ(driver_->Observed("label-off"), 0);
  EXPECT_EQ(driver_->Resizes(), (std::vector<std::string>{"on:default-worker:3:"}))
      << "only the enabled cluster grows once the option allows it";
  EXPECT_TRUE(AutoscalerEvents(other).empty());

  // An admin turns it off with a label update: the next passes leave the cluster alone.
  Row labels;
  labels.Set("labels", std::string(R"({"auto_scaling_enabled":"false","max_node_count":"5"})"));
  ASSERT_OK(db_->Update(db::kClusterTable, Filter().Where(Condition::Eq("uuid", on)), labels));
  const int observed = driver_->Observed("on");
  driver_->Script("on", Crowded("", 4));
  Pass(c2);
  EXPECT_EQ(driver_->Observed("on"), observed);
  EXPECT_EQ(driver_->Resizes().size(), 1u);
  (void)no_label;
  (void)label_off;
}

TEST_F(AutoscalerTaskTest, LimitsAreNeverCrossedAndAHoldIsRecordedOnce) {
  auto* c = Start(SimOptions());
  std::string uuid =
      Settled("limits", 1,
              {{"auto_scaling_enabled", "true"}, {"min_node_count", "2"}, {"max_node_count", "2"}});
  const std::string ng = WorkerUuid(uuid);
  driver_->Script("limits", Crowded(ng, 3));
  Pass(c);
  EXPECT_EQ(driver_->Resizes(), (std::vector<std::string>{"limits:default-worker:2:"}))
      << "3 nodes needed, max_node_count 2";

  // At the maximum with tasks still pending: one hold event over many passes, no resize.
  Workload full = Crowded(ng, 2);
  full.nodes.push_back(Node("w1", ng, 2, 2));
  driver_->Script("limits", full);
  for (int i = 0; i < 4; ++i) Pass(c);
  EXPECT_EQ(driver_->Resizes().size(), 1u);
  auto events = AutoscalerEvents(uuid);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_NE(events[1].find("is at its maximum (2 nodes of max_node_count 2)"), std::string::npos)
      << events[1];

  // Idle at the minimum for an hour: never below it.
  Workload idle;
  idle.nodes = {Node("w0", ng, 2, 0), Node("w1", ng, 2, 0)};
  driver_->Script("limits", idle);
  Advance(c, 3600s);
  EXPECT_EQ(driver_->Resizes().size(), 1u);
  EXPECT_EQ(WorkerCount(uuid), 2);
  EXPECT_EQ(AutoscalerEvents(uuid).size(), 2u);
}

TEST_F(AutoscalerTaskTest, AnUnreadableWorkloadIsOneWarning) {
  auto* c = Start(SimOptions());
  std::string uuid =
      Settled("blind", 1, {{"auto_scaling_enabled", "true"}, {"max_node_count", "3"}});
  driver_->Script("blind", Fail(Error::Unavailable("swarm manager unreachable")));
  for (int i = 0; i < 3; ++i) Pass(c);
  auto events = AutoscalerEvents(uuid);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0], "cannot observe the cluster's workload: swarm manager unreachable");
  EXPECT_TRUE(driver_->Resizes().empty());
}

// A conductor stopping half-way through a cool-down does not start it over: the conductor
// taking the cluster over (here: a second one on the same database, the first reported down)
// reads since when the node has been underused from the autoscaler_state row.
TEST_F(AutoscalerTaskTest, AnotherConductorCarriesOnTheCooldown) {
  ConductorOptions oa = SimOptions();
  oa.host = "host-a";
  auto* a = Start(oa);
  std::string uuid =
      Settled("takeover", 2,
              {{"auto_scaling_enabled", "true"}, {"min_node_count", "1"}, {"max_node_count", "3"}});
  const std::string ng = WorkerUuid(uuid);
  Workload w;
  w.nodes = {Node("w0", ng, 2, 1.5), Node("w1", ng, 2, 0)};
  driver_->Script("takeover", w);
  // Passes every 30 s; the first one (at 30 s) sees w1 idle. Half the cool-down on A.
  Advance(a, 300s);
  EXPECT_TRUE(driver_->Resizes().empty());
  auto row = StateRow(uuid);
  ASSERT_TRUE(row.has_value());
  EXPECT_NE(row->GetString("state").find("\"w1\":\"" + FormatDbTimestamp(StartedAt() + 30s)),
            std::string::npos)
      << row->GetString("state");
  a->Stop();
  EXPECT_EQ(StateRows(uuid), 1) << "a stopping conductor keeps the memory";
  Row down;
  down.Set("forced_down", true);
  ASSERT_OK(db_->Update(db::kMagnumServiceTable,
                        Filter().Where(Condition::Eq("host", std::string("host-a"))), down));

  ConductorOptions ob = SimOptions();
  ob.host = "host-b";
  auto* b = StartConductor(ob, OtherDatabase(), &clock_);
  Advance(b, 320s);  // B's passes at 330 s ... 600 s: w1 idle for 570 s
  EXPECT_TRUE(driver_->Resizes().empty()) << "underused for 590 s only";
  Advance(b, 10s);  // B's pass at 630 s: w1 idle for the whole cool-down (not only since 330 s)
  EXPECT_EQ(driver_->Resizes(), (std::vector<std::string>{"takeover:default-worker:1:w1"}));
  EXPECT_EQ(WorkerCount(uuid), 1);
}

// Deleting the cluster deletes its row in the same transaction as its other rows.
TEST_F(AutoscalerTaskTest, DeletingTheClusterDeletesItsStateRow) {
  auto* c = Start(SimOptions());
  std::string uuid =
      Settled("deleted", 2, {{"auto_scaling_enabled", "true"}, {"min_node_count", "1"}});
  const std::string ng = WorkerUuid(uuid);
  Workload w;
  w.nodes = {Node("w0", ng, 2, 1.5), Node("w1", ng, 2, 0)};
  driver_->Script("deleted", w);
  Pass(c);
  ASSERT_EQ(StateRows(uuid), 1) << "w1 underused";
  ASSERT_OK(c->ClusterDelete(Caller{}, uuid));
  ASSERT_TRUE(c->WaitIdle(10s));
  EXPECT_FALSE(Cluster(uuid)) << "deleted";
  EXPECT_EQ(StateRows(uuid), 0);
}

// The row goes when the memory is forgotten: autoscaling turned off by the label, the
// cluster gone; a cluster with nothing to remember has none.
TEST_F(AutoscalerTaskTest, TheStateRowGoesWhenTheMemoryIsForgotten) {
  auto* c = Start(SimOptions());
  std::string uuid =
      Settled("forget", 2, {{"auto_scaling_enabled", "true"}, {"min_node_count", "1"}});
  std::string busy = Settled("busy-nodes", 1, {{"auto_scaling_enabled", "true"}});
  const std::string ng = WorkerUuid(uuid);
  Workload w;
  w.nodes = {Node("w0", ng, 2, 1.5), Node("w1", ng, 2, 0)};
  driver_->Script("forget", w);
  Workload used;
  used.nodes = {Node("w0", WorkerUuid(busy), 2, 1.5)};
  driver_->Script("busy-nodes", used);
  // The row of a cluster that no longer exists (deleted while another conductor's).
  Row orphan;
  orphan.Set("cluster_uuid", std::string("gone-cluster"));
  orphan.Set("state", EncodeAutoscalerMemory(AutoscalerMemory{.refusal_recorded = true}));
  ASSERT_OK(db_->Insert(db::kAutoscalerStateTable, orphan));

  Pass(c);
  EXPECT_EQ(StateRows(uuid), 1) << "w1 underused";
  EXPECT_EQ(StateRows(busy), 0) << "nothing to remember";
  EXPECT_EQ(StateRows("gone-cluster"), 0);
  const std::string state = StateRow(uuid)->GetString("state");
  Pass(c);
  EXPECT_EQ(StateRow(uuid)->GetString("state"), state) << "unchanged";

  Row labels;
  labels.Set("labels", std::string(R"({"auto_scaling_enabled":"false"})"));
  ASSERT_OK(db_->Update(db::kClusterTable, Filter().Where(Condition::Eq("uuid", uuid)), labels));
  Pass(c);
  EXPECT_EQ(StateRows(uuid), 0);
  // Turned on again later: the cool-down starts over.
  clock_.Advance(30s);
  labels.Set("labels", std::string(R"({"auto_scaling_enabled":"true"})"));
  ASSERT_OK(db_->Update(db::kClusterTable, Filter().Where(Condition::Eq("uuid", uuid)), labels));
  Pass(c);
  ASSERT_EQ(StateRows(uuid), 1);
  EXPECT_NE(StateRow(uuid)->GetString("state"), state);
}

}  // namespace
}  // namespace magnum::conductor::testing
