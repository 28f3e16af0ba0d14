// The cluster state table: the sets of api-v1.md §3.2 and the one refusal per state that
// the API and the conductor both give.
#include "magnum/conductor/state_table.h"

#include <gtest/gtest.h>

#include <string>
#include <type_traits>
#include <vector>

#include "magnum/conductor/cluster_status.h"
#include "magnum/conductor/operation.h"
#include "magnum/objects/status.h"

namespace magnum::conductor {
namespace {

using Op = ClusterOperation;

const std::vector<Op>& AllOps() {
  static const std::vector<Op> ops = {Op::kCreate,          Op::kUpdate,          Op::kResize,
                                      Op::kUpgrade,         Op::kDelete,          Op::kNodeGroupCreate,
                                      Op::kNodeGroupUpdate, Op::kNodeGroupDelete, Op::kRotateCa,
                                      Op::kRotateCredential};
  return ops;
}

TEST(StateTableTest, EveryOperationHasItsOwnRow) {
  for (Op op : AllOps()) {
    const OperationRule& r = RuleOf(op);
    EXPECT_EQ(r.op, op) << r.name;
    EXPECT_FALSE(r.name.empty());
    EXPECT_TRUE(r.cluster_refusal.ends_with("status is")) << r.name;
    if (r.nodegroup != StatusSet::kAny) {
      EXPECT_FALSE(r.nodegroup_refusal.empty()) << r.name;
    }
  }
}

// One operation enum for the state table and the drivers, one health enum for the drivers
// and the stored cluster; a driver is handed an update as a resize.
TEST(StateTableTest, SharesTheDriversOperationAndHealthEnums) {
  static_assert(std::is_same_v<ClusterOperation, drivers::OperationKind>);
  static_assert(std::is_same_v<drivers::HealthStatus, objects::HealthStatus>);
  for (Op op : AllOps()) {
    EXPECT_EQ(DriverKindOf(op), op == Op::kUpdate ? Op::kResize : op) << RuleOf(op).name;
  }
}

TEST(StateTableTest, Sets) {
  struct Case {
    const char* status;
    bool in_progress, a, b;
  };
  const Case cases[] = {
      {"CREATE_COMPLETE", false, true, true},     {"UPDATE_COMPLETE", false, true, true},
      {"CHECK_COMPLETE", false, true, true},      {"DELETE_COMPLETE", false, false, false},
      {"CREATE_IN_PROGRESS", true, false, false}, {"UPDATE_IN_PROGRESS", true, false, true},
      {"DELETE_IN_PROGRESS", true, false, false}, {"UPDATE_FAILED", false, false, true},
      {"CREATE_FAILED", false, false, false},     {"RESUME_FAILED", false, false, false},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(status::IsInProgress(c.status), c.in_progress) << c.status;
    EXPECT_EQ(InStatusSet(StatusSet::kA, c.status), c.a) << c.status;
    EXPECT_EQ(InStatusSet(StatusSet::kB, c.status), c.b) << c.status;
    EXPECT_TRUE(InStatusSet(StatusSet::kAny, c.status));
    EXPECT_EQ(InStatusSet(StatusSet::kCreating, c.status),
              std::string(c.status) == "CREATE_IN_PROGRESS");
  }
}

// Every operation gets the same answer for a cluster being deleted, and every exclusive one
// the same busy answer while another operation runs (the nodegroup create during a cluster
// create used to say "Cluster API address is not available yet").
TEST(StateTableTest, BeingDeletedAndBusyAreTheSameForEveryOperation) {
  for (Op op : AllOps()) {
    auto deleting = RefuseByState(op, "c1", "DELETE_IN_PROGRESS", "delete");
    ASSERT_TRUE(deleting.has_value()) << RuleOf(op).name;
    EXPECT_TRUE(deleting->Is(ErrorCode::kConflict));
    EXPECT_EQ(deleting->message(), std::string(RuleOf(op).cluster_refusal) +
                                       " \"DELETE_IN_PROGRESS\" is not supported: Cluster c1 "
                                       "is being deleted.");
    if (!RuleOf(op).exclusive) continue;
    for (const char* s : {"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "ROLLBACK_IN_PROGRESS"}) {
      auto busy = RefuseByState(op, "c1", s, "resize", std::string_view("UPDATE_COMPLETE"));
      ASSERT_TRUE(busy.has_value()) << RuleOf(op).name << " " << s;
      EXPECT_TRUE(busy->Is(ErrorCode::kConflict));
      EXPECT_EQ(busy->message(), std::string(RuleOf(op).cluster_refusal) + " \"" + s +
                                     "\" is not supported: Cluster c1 is busy: " + s +
                                     " (resize); try again when it finishes.");
    }
  }
}

TEST(StateTableTest, OutsideTheSetIsNotSupported) {
  auto update = RefuseByState(Op::kUpdate, "c1", "CREATE_FAILED", "");
  ASSERT_TRUE(update.has_value());
  EXPECT_TRUE(update->Is(ErrorCode::kFailedPrecondition));
  EXPECT_EQ(update->message(), "Updating a cluster when status is \"CREATE_FAILED\" is not supported.");
  auto resize = RefuseByState(Op::kResize, "c1", "CREATE_FAILED", "");
  ASSERT_TRUE(resize.has_value());
  EXPECT_EQ(resize->message(), "Resizing a cluster when status is \"CREATE_FAILED\" is not supported.");
  EXPECT_FALSE(RefuseByState(Op::kResize, "c1", "UPDATE_FAILED", "").has_value());
  auto upgrade = RefuseByState(Op::kUpgrade, "c1", "UPDATE_FAILED", "");
  ASSERT_TRUE(upgrade.has_value());
  EXPECT_EQ(upgrade->message(), "Upgrading a cluster when status is \"UPDATE_FAILED\" is not supported.");
  auto creds = RefuseByState(Op::kRotateCredential, "c1", "CREATE_FAILED", "");
  ASSERT_TRUE(creds.has_value());
  EXPECT_EQ(creds->message(),
            "Rotating credentials when cluster status is \"CREATE_FAILED\" is not supported.");
  // Credential rotation runs beside another operation; create runs in its own status.
  EXPECT_FALSE(RefuseByState(Op::kRotateCredential, "c1", "UPDATE_IN_PROGRESS", "x").has_value());
  EXPECT_FALSE(RefuseByState(Op::kCreate, "c1", "CREATE_IN_PROGRESS", "create").has_value());
  auto create = RefuseByState(Op::kCreate, "c1", "CREATE_COMPLETE", "");
  ASSERT_TRUE(create.has_value());
  EXPECT_EQ(create->message(), "Creating a cluster when status is \"CREATE_COMPLETE\" is not supported.");
  // Delete: anything but a delete in progress.
  for (const char* s : {"CREATE_FAILED", "UPDATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "DELETE_FAILED"}) {
    EXPECT_FALSE(RefuseByState(Op::kDelete, "c1", s, "create").has_value()) << s;
  }
}

TEST(StateTableTest, NodegroupStatusIsCheckedAfterTheClusters) {
  auto ng = RefuseByState(Op::kNodeGroupUpdate, "c1", "UPDATE_COMPLETE", "",
                          std::string_view("CREATE_FAILED"));
  ASSERT_TRUE(ng.has_value());
  EXPECT_TRUE(ng->Is(ErrorCode::kFailedPrecondition));
  EXPECT_EQ(ng->message(), "Updating a nodegroup when status is \"CREATE_FAILED\" is not supported.");
  auto cluster = RefuseByState(Op::kNodeGroupUpdate, "c1", "CREATE_FAILED", "",
                               std::string_view("CREATE_FAILED"));
  ASSERT_TRUE(cluster.has_value());
  EXPECT_EQ(cluster->message(),
            "Updating a nodegroup of a cluster when status is \"CREATE_FAILED\" is not supported.");
  EXPECT_FALSE(RefuseByState(Op::kNodeGroupCreate, "c1", "UPDATE_COMPLETE", "",
                             std::string_view("CREATE_IN_PROGRESS"))
                   .has_value());
}

// Every failure's advice names an operation the API accepts from the status the failure
// leaves (issue 17: an interrupted upgrade said "retry the upgrade", which UPDATE_FAILED
// refuses).
TEST(StateTableTest, EveryFailureAdviceIsAcceptedFromTheFailedStatus) {
  for (Op op : AllOps()) {
    const OperationRule& r = RuleOf(op);
    EXPECT_FALSE(r.next_step.empty()) << r.name;
    if (r.in_progress.empty()) continue;  // synchronous: no failed status
    const std::string failed =
        std::string(r.in_progress.substr(0, r.in_progress.size() - 12)) + "_FAILED";
    auto refusal = RefuseByState(r.next_op, "c1", failed, "", std::string_view("UPDATE_FAILED"));
    EXPECT_FALSE(refusal.has_value())
        << r.name << " -> " << failed << ": '" << r.next_step << "' refused: "
        << (refusal ? refusal->message() : "");
  }
  EXPECT_EQ(OperationNamed("nodegroup_delete"), Op::kNodeGroupDelete);
  EXPECT_FALSE(OperationNamed("rollback").has_value());
}

}  // namespace
}  // namespace magnum::conductor
