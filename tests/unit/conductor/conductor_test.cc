// The conductor's state machine, run against a real SQLite file with the fake driver and
// the gate test driver.
#include <latch>

#include "conductor_test_util.h"
#include "magnum/conductor/cluster_status.h"

namespace magnum::conductor::testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

class ConductorTest : public ConductorTestBase {};

std::vector<std::string> Steps(const std::vector<Row>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.GetString("step"));
  return out;
}

// ---- create ------------------------------------------------------------------------

TEST_F(ConductorTest, CreateSucceedsAndCompletesNodegroups) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.node_count = 2});
  auto row = Cluster(uuid);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->GetString("status"), "CREATE_COMPLETE");
  EXPECT_EQ(row->GetString("status_reason"), "Cluster create completed");
  EXPECT_EQ(row->GetString("stack_id"), "fake-" + uuid);
  EXPECT_EQ(row->GetString("api_address"), "https://192.0.2.11:6443");
  for (const auto& ng : NodeGroups(uuid)) {
    EXPECT_EQ(ng.GetString("status"), "CREATE_COMPLETE") << ng.GetString("name");
    EXPECT_FALSE(ng.GetString("stack_id").empty());
  }
  auto worker = NodeGroup(uuid, "default-worker");
  ASSERT_TRUE(worker);
  EXPECT_EQ(worker->GetString("node_addresses"), R"(["192.0.2.12","192.0.2.13"])");
  EXPECT_EQ(CountRows(db::kClusterLockTable), 0) << "lock released";
}

TEST_F(ConductorTest, CreateReturnsBeforeTheDriverRuns) {
  auto* c = StartConductor();
  std::string uuid = InsertCluster({.driver = "gate"});
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_OK(c->ClusterCreate(Caller{}, uuid));
  auto took = std::chrono::steady_clock::now() - t0;
  // The gate is closed: the driver cannot have finished, yet the call returned.
  EXPECT_LT(took, milliseconds(500));
  ASSERT_TRUE(WaitEntered(*gate_, 1));
  EXPECT_EQ(Status(uuid), "CREATE_IN_PROGRESS");
  auto lock =
      db_->GetOne(db::kClusterLockTable, Filter().Where(Condition::Eq("cluster_uuid", uuid)));
  ASSERT_TRUE(lock && *lock);
  EXPECT_EQ((*lock)->GetString("conductor_id"), "test-host");
  EXPECT_EQ((*lock)->GetString("operation"), "create");
  OpenGate(*gate_);
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_EQ(Status(uuid), "CREATE_COMPLETE");
}

TEST_F(ConductorTest, CreateFailureNamesStepNodeAndError) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.node_count = 1, .labels = {{"fake_fail", "create:node"}}});
  EXPECT_EQ(Status(uuid), "CREATE_FAILED");
  EXPECT_EQ(Reason(uuid),
            "create failed at step 'node' (node c1-default-master-0): fake driver: injected "
            "failure in create at step 'node'");
  for (const auto& ng : NodeGroups(uuid)) {
    EXPECT_EQ(ng.GetString("status"), "CREATE_FAILED");
    EXPECT_EQ(ng.GetString("status_reason"), Reason(uuid));
  }
  auto events = Events(uuid);
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.back().GetString("level"), "error");
  EXPECT_EQ(events.back().GetString("step"), "node");
  EXPECT_EQ(events.back().GetString("node"), "c1-default-master-0");
  EXPECT_EQ(CountRows(db::kClusterLockTable), 0);
}

TEST_F(ConductorTest, CreateTimesOutWithFractionalLabel) {
  // Simulated time: the fake driver's 5 s step delay is a poll, the deadline a timer.
  ManualClock clock(SystemClock().Now());
  ConductorOptions o = Options();
  o.run_timer_thread = false;
  auto* c = StartConductor(o, nullptr, &clock);
  std::string uuid =
      InsertCluster({.labels = {{"fake_delay_ms", "5000"}, {"create_timeout_seconds", "0.3"}}});
  ASSERT_OK(c->ClusterCreate(Caller{}, uuid));
  clock.Advance(std::chrono::milliseconds(300));
  c->RunDueTasks();
  ASSERT_TRUE(c->WaitIdle(seconds(20)));
  EXPECT_EQ(Status(uuid), "CREATE_FAILED");
  EXPECT_NE(Reason(uuid).find("create timed out after 0.3 seconds"), std::string::npos)
      << Reason(uuid);
  for (const auto& ng : NodeGroups(uuid)) EXPECT_EQ(ng.GetString("status"), "CREATE_FAILED");
  EXPECT_EQ(CountRows(db::kClusterLockTable), 0);
}

TEST_F(ConductorTest, TimeoutMarksFailedEvenIfTheDriverIgnoresCancellation) {
  gate_->ignore_cancel = true;
  // Simulated time: the deadline passes when the test moves the clock, however long the CA
  // generation before the driver takes.
  ManualClock clock(SystemClock().Now());
  ConductorOptions o = Options();
  o.run_timer_thread = false;
  auto* c = StartConductor(o, nullptr, &clock);
  std::string uuid =
      InsertCluster({.driver = "gate", .labels = {{"create_timeout_seconds", "2"}}});
  ASSERT_OK(c->ClusterCreate(Caller{}, uuid));
  ASSERT_TRUE(WaitEntered(*gate_, 1));
  // The driver still blocks, but the deadline passed: the conductor gives up on it.
  clock.Advance(std::chrono::seconds(2));
  c->RunDueTasks();
  ASSERT_EQ(Status(uuid), "CREATE_FAILED");
  EXPECT_NE(Reason(uuid).find("timed out after 2 seconds"), std::string::npos) << Reason(uuid);
  EXPECT_EQ(c->ActiveOperations(), 1u) << "the driver call is still running";
  // Its late success is discarded.
  OpenGate(*gate_);
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_EQ(Status(uuid), "CREATE_FAILED");
  EXPECT_EQ(CountRows(db::kClusterLockTable), 0);
  auto events = Events(uuid);
  ASSERT_FALSE(events.empty());
  EXPECT_NE(events.back().GetString("message").find("result discarded"), std::string::npos);
}

TEST_F(ConductorTest, CreateRefusedUnlessCreateInProgress) {
  auto* c = StartConductor();
  std::string uuid = InsertCluster({.status = "CREATE_COMPLETE"});
  auto r = c->ClusterCreate(Caller{}, uuid);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.error().message(),
            "Creating a cluster when status is \"CREATE_COMPLETE\" is not supported.");
  auto missing = c->ClusterCreate(Caller{}, GenerateUuid());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

TEST_F(ConductorTest, DuplicateCreateIsBusy) {
  auto* c = StartConductor();
  std::string uuid = InsertCluster({.driver = "gate"});
  ASSERT_OK(c->ClusterCreate(Caller{}, uuid));
  auto again = c->ClusterCreate(Caller{}, uuid);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(again.error().message(),
            "Cluster c1 is busy: CREATE_IN_PROGRESS (create); try again when it finishes.");
}

// ---- events -------------------------------------------------------------------------

TEST_F(ConductorTest, EventsAreWrittenInOrder) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.node_count = 2});
  auto events = Events(uuid);
  std::vector<std::string> expected = {"create", "certificates", "network", "node",
                                       "node",   "node",         "cluster", "create"};
  EXPECT_EQ(Steps(events), expected);
  EXPECT_EQ(events.front().GetString("message"), "create started (timeout 60 minutes)");
  EXPECT_EQ(events[3].GetString("node"), "c1-default-master-0");
  EXPECT_EQ(events[5].GetString("node"), "c1-default-worker-1");
  EXPECT_EQ(events.back().GetString("message"), "Cluster create completed");
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_LT(events[i - 1].GetInt("id"), events[i].GetInt("id"));
    EXPECT_LE(events[i - 1].GetString("created_at"), events[i].GetString("created_at"));
  }
}

// ---- update / resize / state checks --------------------------------------------------

TEST_F(ConductorTest, UpdateScalesDefaultWorker) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c);
  ASSERT_OK(c->ClusterUpdate(Caller{}, uuid, 3, false));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_EQ(Status(uuid), "UPDATE_COMPLETE");
  EXPECT_EQ(Reason(uuid), "Cluster update completed");
  auto worker = NodeGroup(uuid, "default-worker");
  EXPECT_EQ(worker->GetInt("node_count"), 3);
  EXPECT_EQ(worker->GetString("status"), "UPDATE_COMPLETE");
}

TEST_F(ConductorTest, UpdateWithUnchangedCountIsANoOp) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c);
  ASSERT_OK(c->ClusterUpdate(Caller{}, uuid, 1, false));
  EXPECT_EQ(c->ActiveOperations(), 0u);
  EXPECT_EQ(Status(uuid), "CREATE_COMPLETE");
}

TEST_F(ConductorTest, UpdateRefusedInFailedState) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.labels = {{"fake_fail", "create"}}});
  ASSERT_EQ(Status(uuid), "CREATE_FAILED");
  auto r = c->ClusterUpdate(Caller{}, uuid, 3, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.error().message(),
            "Updating a cluster when status is \"CREATE_FAILED\" is not supported.");
  auto resize = c->ClusterResize(Caller{}, uuid, "", 3, {});
  ASSERT_FALSE(resize);
  EXPECT_EQ(resize.error().message(),
            "Resizing a cluster when status is \"CREATE_FAILED\" is not supported.");
  EXPECT_EQ(NodeGroup(uuid, "default-worker")->GetInt("node_count"), 1) << "nothing written";
}

TEST_F(ConductorTest, StateTableOfTheAcceptPhase) {
  struct Case {
    std::string status;
    bool update_ok, resize_ok, upgrade_ok;
    ErrorCode refusal;  // for the refused ones
  };
  const std::vector<Case> cases = {
      {"CREATE_COMPLETE", true, true, true, ErrorCode::kFailedPrecondition},
      {"UPDATE_COMPLETE", true, true, true, ErrorCode::kFailedPrecondition},
      {"CHECK_COMPLETE", true, true, true, ErrorCode::kFailedPrecondition},
      {"UPDATE_FAILED", false, true, false, ErrorCode::kFailedPrecondition},
      {"CREATE_FAILED", false, false, false, ErrorCode::kFailedPrecondition},
      {"DELETE_FAILED", false, false, false, ErrorCode::kFailedPrecondition},
      {"ROLLBACK_FAILED", false, false, false, ErrorCode::kFailedPrecondition},
      {"UPDATE_IN_PROGRESS", false, false, false, ErrorCode::kConflict},
      {"CREATE_IN_PROGRESS", false, false, false, ErrorCode::kConflict},
      {"DELETE_IN_PROGRESS", false, false, false, ErrorCode::kConflict},
  };
  auto* c = StartConductor();
  std::string tmpl2 = InsertTemplate("fake", false, "fake-image-v2");
  for (const auto& tc : cases) {
    SCOPED_TRACE(tc.status);
    auto check = [&](const Result<void>& r, bool ok) {
      if (ok) {
        EXPECT_TRUE(r) << r.error().message();
      } else {
        ASSERT_FALSE(r);
        EXPECT_EQ(r.error().code(), tc.refusal) << r.error().message();
      }
      ASSERT_TRUE(c->WaitIdle(seconds(10)));
    };
    std::string u1 = InsertCluster({.name = "u", .status = tc.status});
    check(c->ClusterUpdate(Caller{}, u1, 2, false), tc.update_ok);
    std::string u2 = InsertCluster({.name = "r", .status = tc.status});
    check(c->ClusterResize(Caller{}, u2, "", 2, {}), tc.resize_ok);
    std::string u3 = InsertCluster({.name = "g", .status = tc.status});
    check(c->ClusterUpgrade(Caller{}, u3, tmpl2, 1, ""), tc.upgrade_ok);
  }
}

TEST_F(ConductorTest, BusyAndDeletingRefusalsAreConflicts) {
  auto* c = StartConductor();
  OpenGate(*gate_);
  std::string uuid = CreatedCluster(c, {.driver = "gate"});
  ASSERT_EQ(Status(uuid), "CREATE_COMPLETE");
  CloseGate(*gate_);
  ASSERT_OK(c->ClusterResize(Caller{}, uuid, "", 4, {}));
  auto busy = c->ClusterUpdate(Caller{}, uuid, 2, false);
  ASSERT_FALSE(busy);
  EXPECT_EQ(busy.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(busy.error().message(),
            "Updating a cluster when status is \"UPDATE_IN_PROGRESS\" is not supported: "
            "Cluster c1 is busy: UPDATE_IN_PROGRESS (resize); try again when it finishes.");
  ASSERT_OK(c->ClusterDelete(Caller{}, uuid));
  auto deleting = c->ClusterResize(Caller{}, uuid, "", 2, {});
  ASSERT_FALSE(deleting);
  EXPECT_EQ(deleting.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(deleting.error().message(),
            "Resizing a cluster when status is \"DELETE_IN_PROGRESS\" is not supported: "
            "Cluster c1 is being deleted.");
  auto twice = c->ClusterDelete(Caller{}, uuid);
  ASSERT_FALSE(twice);
  EXPECT_EQ(twice.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(twice.error().message(),
            "Deleting a cluster when status is \"DELETE_IN_PROGRESS\" is not supported: "
            "Cluster c1 is being deleted.");
  OpenGate(*gate_);
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_FALSE(Cluster(uuid));
}

TEST_F(ConductorTest, ConcurrentUpdatesExactlyOneWins) {
  auto* c = StartConductor();
  for (int round = 0; round < 5; ++round) {
    OpenGate(*gate_);
    std::string uuid =
        CreatedCluster(c, {.name = "race" + std::to_string(round), .driver = "gate"});
    ASSERT_EQ(Status(uuid), "CREATE_COMPLETE");
    CloseGate(*gate_);  // the winner's operation stays in progress during the race
    std::latch go(2);
    Result<void> results[2] = {Result<void>{}, Result<void>{}};
    std::thread t1([&] {
      go.arrive_and_wait();
      results[0] = c->ClusterUpdate(Caller{}, uuid, 3, false);
    });
    std::thread t2([&] {
      go.arrive_and_wait();
      results[1] = c->ClusterResize(Caller{}, uuid, "", 5, {});
    });
    t1.join();
    t2.join();
    int wins = (results[0] ? 1 : 0) + (results[1] ? 1 : 0);
    EXPECT_EQ(wins, 1);
    for (auto& r : results) {
      if (!r) {
        EXPECT_EQ(r.error().code(), ErrorCode::kConflict) << r.error().message();
      }
    }
    OpenGate(*gate_);
    ASSERT_TRUE(c->WaitIdle(seconds(10)));
    int64_t count = NodeGroup(uuid, "default-worker")->GetInt("node_count");
    EXPECT_EQ(count, results[0] ? 3 : 5);
    EXPECT_EQ(Status(uuid), "UPDATE_COMPLETE");
  }
}

TEST_F(ConductorTest, TwoConductorsOnOneDatabaseExactlyOneWins) {
  // Separate connections and separate in-process locks: only the database guard is shared.
  auto* a = StartConductor(Options("host-a"));
  auto* b = StartConductor(Options("host-b"), OtherDatabase());
  for (int round = 0; round < 5; ++round) {
    OpenGate(*gate_);
    std::string uuid = CreatedCluster(a, {.name = "two" + std::to_string(round), .driver = "gate"});
    ASSERT_EQ(Status(uuid), "CREATE_COMPLETE");
    CloseGate(*gate_);
    std::latch go(2);
    Result<void> ra, rb;
    std::thread t1([&] {
      go.arrive_and_wait();
      ra = a->ClusterUpdate(Caller{}, uuid, 2, false);
    });
    std::thread t2([&] {
      go.arrive_and_wait();
      rb = b->ClusterUpdate(Caller{}, uuid, 4, false);
    });
    t1.join();
    t2.join();
    EXPECT_EQ((ra ? 1 : 0) + (rb ? 1 : 0), 1);
    if (!ra) {
      EXPECT_EQ(ra.error().code(), ErrorCode::kConflict);
    }
    if (!rb) {
      EXPECT_EQ(rb.error().code(), ErrorCode::kConflict);
    }
    OpenGate(*gate_);
    ASSERT_TRUE(a->WaitIdle(seconds(10)));
    ASSERT_TRUE(b->WaitIdle(seconds(10)));
    EXPECT_EQ(Status(uuid), "UPDATE_COMPLETE");
    EXPECT_EQ(NodeGroup(uuid, "default-worker")->GetInt("node_count"), ra ? 2 : 4);
  }
}

TEST_F(ConductorTest, ResizeFailureRestoresCountAndMarksNodegroup) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.labels = {{"fake_fail", "resize:nodegroup"}}});
  ASSERT_EQ(Status(uuid), "CREATE_COMPLETE");
  ASSERT_OK(c->ClusterResize(Caller{}, uuid, "", 3, {}));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_EQ(Status(uuid), "UPDATE_FAILED");
  EXPECT_EQ(Reason(uuid),
            "resize failed at step 'nodegroup': fake driver: injected failure in resize at step "
            "'nodegroup'");
  auto worker = NodeGroup(uuid, "default-worker");
  EXPECT_EQ(worker->GetString("status"), "UPDATE_FAILED");
  EXPECT_EQ(worker->GetInt("node_count"), 1) << "count restored";
  EXPECT_EQ(worker->GetString("status_reason"), Reason(uuid));
  // UPDATE_FAILED is in set B: a resize may be retried (and now succeeds without the label?
  // the label stays, so it fails again, but it is accepted).
  EXPECT_OK(c->ClusterResize(Caller{}, uuid, "", 2, {}));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
}

TEST_F(ConductorTest, UpgradeMovesTemplateAndImage) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c);
  std::string target = InsertTemplate("fake", false, "fake-image-v2");
  ASSERT_OK(c->ClusterUpgrade(Caller{}, uuid, target, 1, ""));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  auto row = Cluster(uuid);
  EXPECT_EQ(row->GetString("status"), "UPDATE_COMPLETE");
  EXPECT_EQ(row->GetString("cluster_template_id"), target);
  for (const auto& ng : NodeGroups(uuid)) {
    EXPECT_EQ(ng.GetString("image_id"), "fake-image-v2");
    EXPECT_EQ(ng.GetString("status"), "UPDATE_COMPLETE");
  }
  auto missing = c->ClusterUpgrade(Caller{}, uuid, GenerateUuid(), 1, "");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
}

// ---- delete -------------------------------------------------------------------------

TEST_F(ConductorTest, DeleteRemovesEverything) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c);
  ASSERT_GT(CountRows(db::kX509KeyPairTable), 0);
  ASSERT_OK(c->ClusterDelete(Caller{}, uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_FALSE(Cluster(uuid));
  EXPECT_TRUE(NodeGroups(uuid).empty());
  EXPECT_TRUE(Events(uuid).empty());
  EXPECT_EQ(CountRows(db::kX509KeyPairTable), 0);
  EXPECT_EQ(CountRows(db::kClusterLockTable), 0);
  auto again = c->ClusterDelete(Caller{}, uuid);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code(), ErrorCode::kNotFound);
}

TEST_F(ConductorTest, DeleteDuringCreateCancelsItAndEndsDeleted) {
  auto* c = StartConductor();
  std::string uuid = InsertCluster({.driver = "gate"});
  ASSERT_OK(c->ClusterCreate(Caller{}, uuid));
  ASSERT_TRUE(WaitEntered(*gate_, 1));
  ASSERT_OK(c->ClusterDelete(Caller{}, uuid));
  EXPECT_EQ(Status(uuid), "DELETE_IN_PROGRESS");
  for (const auto& ng : NodeGroups(uuid)) EXPECT_EQ(ng.GetString("status"), "DELETE_IN_PROGRESS");
  // The gate stays closed: only cancellation lets the create return, and the delete then
  // reaches the gate itself.
  ASSERT_TRUE(WaitEntered(*gate_, 2));
  EXPECT_EQ(gate_->cancelled_seen.load(), 1);
  EXPECT_EQ(Status(uuid), "DELETE_IN_PROGRESS") << "the cancelled create changed nothing";
  OpenGate(*gate_);
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_FALSE(Cluster(uuid));
  EXPECT_EQ(CountRows(db::kClusterLockTable), 0);
}

TEST_F(ConductorTest, DeleteDuringSlowFakeCreate) {
  auto* c = StartConductor();
  std::string uuid = InsertCluster({.labels = {{"fake_delay_ms", "100"}}});
  ASSERT_OK(c->ClusterCreate(Caller{}, uuid));
  ASSERT_OK(c->ClusterDelete(Caller{}, uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(20)));
  EXPECT_FALSE(Cluster(uuid));
}

TEST_F(ConductorTest, DeleteDuringCreateIsSerialisedAfterIt) {
  gate_->ignore_cancel = true;  // the create keeps running after the delete cancels it
  auto* c = StartConductor();
  std::string uuid = InsertCluster({.driver = "gate"});
  ASSERT_OK(c->ClusterCreate(Caller{}, uuid));
  ASSERT_TRUE(WaitEntered(*gate_, 1));
  ASSERT_OK(c->ClusterDelete(Caller{}, uuid));
  {
    std::unique_lock<std::mutex> lock(gate_->mu);
    ASSERT_TRUE(gate_->cv.wait_for(lock, seconds(10),
                                   [&] { return gate_->cancelled_seen.load() == 1; }))
        << "the create saw Cancelled()";
  }
  OpenGate(*gate_);
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_FALSE(gate_->overlap) << "create and delete overlapped on one cluster";
  ASSERT_EQ(gate_->calls.size(), 2u);
  EXPECT_EQ(gate_->calls[0], "create:" + uuid);
  EXPECT_EQ(gate_->calls[1], "delete:" + uuid);
  EXPECT_FALSE(Cluster(uuid));
}

TEST_F(ConductorTest, DeleteFailureIsDeleteFailedAndCanBeRetried) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.labels = {{"fake_fail", "delete:network"}}});
  ASSERT_OK(c->ClusterDelete(Caller{}, uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_EQ(Status(uuid), "DELETE_FAILED");
  EXPECT_EQ(Reason(uuid),
            "delete failed at step 'network': fake driver: injected failure in delete at step "
            "'network'");
  for (const auto& ng : NodeGroups(uuid)) EXPECT_EQ(ng.GetString("status"), "DELETE_FAILED");
  EXPECT_OK(c->ClusterDelete(Caller{}, uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
}

// ---- concurrency --------------------------------------------------------------------

TEST_F(ConductorTest, DifferentClustersRunConcurrently) {
  auto* c = StartConductor();
  std::vector<std::string> uuids;
  for (int i = 0; i < 3; ++i) {
    uuids.push_back(InsertCluster({.name = "p" + std::to_string(i), .driver = "gate"}));
    ASSERT_OK(c->ClusterCreate(Caller{}, uuids.back()));
  }
  // All three are inside the driver at once although none can finish.
  ASSERT_TRUE(WaitEntered(*gate_, 3));
  EXPECT_EQ(gate_->peak, 3);
  OpenGate(*gate_);
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  for (const auto& u : uuids) EXPECT_EQ(Status(u), "CREATE_COMPLETE");
}

// ---- nodegroups ---------------------------------------------------------------------

TEST_F(ConductorTest, NodeGroupLifecycle) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c);
  std::string ng = InsertNodeGroup(uuid, "gpu", "worker", false, 2, "CREATE_IN_PROGRESS");
  ASSERT_OK(c->NodeGroupCreate(Caller{}, uuid, ng));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_EQ(Status(uuid), "UPDATE_COMPLETE");
  EXPECT_EQ(Reason(uuid), "Nodegroup gpu created");
  EXPECT_EQ(NodeGroup(uuid, "gpu")->GetString("status"), "CREATE_COMPLETE");

  ASSERT_OK(c->NodeGroupUpdate(Caller{}, uuid, ng));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_EQ(NodeGroup(uuid, "gpu")->GetString("status"), "UPDATE_COMPLETE");

  auto default_delete =
      c->NodeGroupDelete(Caller{}, uuid, NodeGroup(uuid, "default-worker")->GetString("uuid"));
  ASSERT_FALSE(default_delete);
  EXPECT_EQ(default_delete.error().message(), "Deleting a default nodegroup is not supported.");

  ASSERT_OK(c->NodeGroupDelete(Caller{}, uuid, ng));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_FALSE(NodeGroup(uuid, "gpu"));
  EXPECT_EQ(Reason(uuid), "Nodegroup gpu deleted");
}

TEST_F(ConductorTest, NodeGroupCreateFailure) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.labels = {{"fake_fail", "nodegroup_create"}}});
  std::string ng = InsertNodeGroup(uuid, "gpu", "worker", false, 1, "CREATE_IN_PROGRESS");
  ASSERT_OK(c->NodeGroupCreate(Caller{}, uuid, ng));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_EQ(Status(uuid), "UPDATE_FAILED");
  EXPECT_EQ(NodeGroup(uuid, "gpu")->GetString("status"), "CREATE_FAILED");
  EXPECT_NE(Reason(uuid).find("nodegroup create failed at step 'node'"), std::string::npos)
      << Reason(uuid);
}

TEST_F(ConductorTest, RefusedNodeGroupCreateLeavesNoRow) {
  auto* c = StartConductor();
  std::string uuid = InsertCluster({.driver = "gate"});
  ASSERT_OK(c->ClusterCreate(Caller{}, uuid));
  std::string ng = InsertNodeGroup(uuid, "gpu", "worker", false, 1, "CREATE_IN_PROGRESS");
  auto r = c->NodeGroupCreate(Caller{}, uuid, ng);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kConflict);
  EXPECT_FALSE(NodeGroup(uuid, "gpu"));
}

TEST_F(ConductorTest, NodeGroupUpdateRefusedInFailedState) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c);
  std::string ng = InsertNodeGroup(uuid, "bad", "worker", false, 1, "CREATE_FAILED");
  auto r = c->NodeGroupUpdate(Caller{}, uuid, ng);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  // The state table's text, the one the API gives for the same state.
  EXPECT_EQ(r.error().message(),
            "Updating a nodegroup when status is \"CREATE_FAILED\" is not supported.");
}

// ---- status helpers -----------------------------------------------------------------

TEST(ClusterStatusTest, Sets) {
  EXPECT_TRUE(status::InSetA("CREATE_COMPLETE"));
  EXPECT_FALSE(status::InSetA("UPDATE_FAILED"));
  EXPECT_TRUE(status::InSetB("UPDATE_FAILED"));
  EXPECT_TRUE(status::InSetB("UPDATE_IN_PROGRESS"));
  EXPECT_FALSE(status::InSetB("CREATE_FAILED"));
  EXPECT_EQ(status::FailedOf("CREATE_IN_PROGRESS"), "CREATE_FAILED");
  EXPECT_EQ(status::CompleteOf("ROLLBACK_IN_PROGRESS"), "ROLLBACK_COMPLETE");
  EXPECT_TRUE(status::IsInProgress("DELETE_IN_PROGRESS"));
  EXPECT_FALSE(status::IsInProgress("DELETE_FAILED"));
}

}  // namespace
}  // namespace magnum::conductor::testing
