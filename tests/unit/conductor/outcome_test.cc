// The node count a nodegroup keeps after a failed resize (issue 17: what the API says is
// what runs).
#include "magnum/conductor/outcome.h"

#include "conductor_test_util.h"

namespace magnum::conductor::testing {
namespace {

std::vector<std::string> Nodes(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("10.0.0." + std::to_string(i));
  return out;
}

TEST(NodeCountAfterFailedResizeTest, WithoutAReportTheOldCountIsRestored) {
  EXPECT_EQ(NodeCountAfterFailedResize(3, 1, std::nullopt), 3);
  EXPECT_EQ(NodeCountAfterFailedResize(1, 3, std::nullopt), 1);
}

TEST(NodeCountAfterFailedResizeTest, AShrinkThatStoppedPartWayKeepsTheNodesThatRemain) {
  EXPECT_EQ(NodeCountAfterFailedResize(3, 1, Nodes(2)), 2);
  EXPECT_EQ(NodeCountAfterFailedResize(3, 1, Nodes(3)), 3) << "nothing was removed";
  EXPECT_EQ(NodeCountAfterFailedResize(3, 0, std::vector<std::string>{}), 0);
}

TEST(NodeCountAfterFailedResizeTest, AGrowWhoseRollbackLeftNodesCountsThem) {
  EXPECT_EQ(NodeCountAfterFailedResize(1, 3, Nodes(1)), 1) << "rolled back";
  EXPECT_EQ(NodeCountAfterFailedResize(1, 3, Nodes(2)), 2) << "one node could not be removed";
}

TEST(NodeCountAfterFailedResizeTest, AReportOutsideTheResizeIsNotTrusted) {
  EXPECT_EQ(NodeCountAfterFailedResize(2, 3, Nodes(5)), 2);
  EXPECT_EQ(NodeCountAfterFailedResize(2, 3, Nodes(0)), 2);
  EXPECT_EQ(NodeCountAfterFailedResize(2, -1, Nodes(1)), 2);
}

// A driver whose resize reports two nodes of its nodegroup left, then fails (a shrink that
// stopped part-way).
class PartWayShrinkDriver final : public NoOpDriver {
 public:
  PartWayShrinkDriver() : NoOpDriver("partway", "partway-os") {}
  Result<void> ResizeNodeGroup(drivers::OperationContext& op, const std::string& ng_uuid,
                               const std::vector<std::string>&) override {
    drivers::NodeGroupReport r;
    r.uuid = ng_uuid;
    r.node_addresses = Nodes(2);
    MAGNUM_RETURN_IF_ERROR(op.ReportNodeGroup(r));
    return Fail(Error::Unavailable("engine gone"));
  }
};

// A conductor whose registry also has the driver D.
template <typename D>
class WithDriverTest : public ConductorTestBase {
 protected:
  void SetUp() override {
    ConductorTestBase::SetUp();
    registry_.Register(std::make_unique<D>());
  }
};

using FailedResizeTest = WithDriverTest<PartWayShrinkDriver>;

TEST_F(FailedResizeTest, AShrinkThatStoppedPartWayKeepsTheCountOfTheNodesLeft) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.name = "shrink", .driver = "partway", .node_count = 3});
  ASSERT_EQ(Status(uuid), "CREATE_COMPLETE");
  ASSERT_OK(c->ClusterResize(Caller{}, uuid, "", 1, {}));
  ASSERT_TRUE(c->WaitIdle(std::chrono::seconds(10)));
  EXPECT_EQ(Status(uuid), "UPDATE_FAILED");
  auto worker = NodeGroup(uuid, "default-worker");
  EXPECT_EQ(worker->GetInt("node_count"), 2) << "the API says what runs";
  EXPECT_EQ(worker->GetString("status"), "UPDATE_FAILED");
}

// A driver whose create finishes the masters' part (their own stack, as the Heat driver's
// cluster stack) and then fails on the workers'.
class MastersThenWorkersFailDriver final : public NoOpDriver {
 public:
  MastersThenWorkersFailDriver() : NoOpDriver("mastersfirst", "mastersfirst-os") {}
  Result<void> CreateCluster(drivers::OperationContext& op) override {
    for (const auto& ng : op.cluster().nodegroups) {
      if (!ng.IsMaster()) continue;
      drivers::NodeGroupReport r;
      r.uuid = ng.uuid;
      r.node_addresses = Nodes(1);
      r.finished = true;
      MAGNUM_RETURN_IF_ERROR(op.ReportNodeGroup(r));
    }
    return Fail(Error::Internal("worker stack CREATE_FAILED: server quota exceeded"));
  }
};

using FinishedNodeGroupTest = WithDriverTest<MastersThenWorkersFailDriver>;

TEST_F(FinishedNodeGroupTest, AFailureAfterANodegroupFinishedFailsOnlyTheOthers) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.name = "half", .driver = "mastersfirst", .node_count = 2});
  EXPECT_EQ(Status(uuid), "CREATE_FAILED");
  auto master = NodeGroup(uuid, "default-master");
  auto worker = NodeGroup(uuid, "default-worker");
  ASSERT_TRUE(master && worker);
  EXPECT_EQ(master->GetString("status"), "CREATE_COMPLETE");
  EXPECT_TRUE(master->IsNull("status_reason")) << master->GetString("status_reason");
  EXPECT_EQ(worker->GetString("status"), "CREATE_FAILED");
  EXPECT_NE(worker->GetString("status_reason").find("server quota exceeded"), std::string::npos);
}

}  // namespace
}  // namespace magnum::conductor::testing
