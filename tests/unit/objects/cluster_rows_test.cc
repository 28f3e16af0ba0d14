// MarkCreateNotStarted (cluster_rows.h): a create the conductor did not take up becomes a
// visible CREATE_FAILED; one whose lease a conductor holds (it accepted, but the API never
// heard back: a lost reply, a conductor killed after accepting) is left to that conductor or
// the one that resumes it.
#include "magnum/objects/cluster_rows.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "magnum/common/uuid.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"
#include "testing/temp_dir.h"

namespace magnum::objects {
namespace {

class MarkCreateNotStartedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = db::OpenDatabase("sqlite:///" + dir_.File("rows.sqlite"));
    ASSERT_TRUE(opened) << opened.error().message();
    db_ = std::move(*opened);
    ASSERT_TRUE(db_->Upgrade());
    cluster_.uuid = GenerateUuid();
    cluster_.name = "c";
    cluster_.project_id = "p";
    cluster_.status = ClusterStatus::kCreateInProgress;
    cluster_.created_at = "2026-01-01T00:00:00.000000";
    const NodeGroup master = DefaultNodeGroup(cluster_, "default-master", "master", 1, 1,
                                              std::nullopt, std::nullopt);
    const NodeGroup worker = DefaultNodeGroup(cluster_, "default-worker", "worker", 1, 0,
                                              std::nullopt, std::nullopt);
    ASSERT_TRUE(db_->Transaction([&](db::Database& tx) {
      return InsertClusterRows(tx, cluster_, master, worker);
    }));
  }

  std::vector<std::string> Statuses() {
    std::vector<std::string> out;
    auto c = db_->GetOne(db::kClusterTable,
                         db::Filter().Where(db::Condition::Eq("uuid", cluster_.uuid)));
    out.push_back(c && *c ? (*c)->GetString("status") : "?");
    db::ListQuery q;
    q.filter.Where(db::Condition::Eq("cluster_id", cluster_.uuid));
    auto ngs = db_->List(db::kNodeGroupTable, q);
    EXPECT_TRUE(ngs);
    for (const auto& ng : ngs ? *ngs : std::vector<db::Row>()) out.push_back(ng.GetString("status"));
    return out;
  }

  testing_util::TempDir dir_;
  std::unique_ptr<db::Database> db_;
  Cluster cluster_;
};

TEST_F(MarkCreateNotStartedTest, NoLeaseMeansNotStarted) {
  MarkCreateNotStarted(*db_, cluster_, "No conductor is available", "2026-01-01T00:00:01.000000");
  EXPECT_EQ(Statuses(), (std::vector<std::string>{"CREATE_FAILED", "CREATE_FAILED",
                                                  "CREATE_FAILED"}));
  auto c = db_->GetOne(db::kClusterTable,
                       db::Filter().Where(db::Condition::Eq("uuid", cluster_.uuid)));
  EXPECT_EQ((*c)->GetString("status_reason"),
            "Cluster create could not be started: No conductor is available");
}

TEST_F(MarkCreateNotStartedTest, ALeaseMeansAConductorRunsIt) {
  db::Row lock;
  lock.Set("cluster_uuid", cluster_.uuid);
  lock.Set("conductor_id", std::string("conductor-1"));
  lock.Set("operation", std::string("create"));
  ASSERT_TRUE(db_->Insert(db::kClusterLockTable, lock));
  MarkCreateNotStarted(*db_, cluster_, "timed out waiting for a reply",
                       "2026-01-01T00:00:01.000000");
  EXPECT_EQ(Statuses(), (std::vector<std::string>{"CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS",
                                                  "CREATE_IN_PROGRESS"}));
}

}  // namespace
}  // namespace magnum::objects
