// The per-cluster periodic passes across several conductors (FleetShare, periodic_tasks.h):
// each live conductor polls and reconciles its share of the clusters, so a cluster is
// handled once per interval across the fleet; a conductor reported down leaves its share to
// the others.
#include <gtest/gtest.h>

#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "conductor_test_util.h"

namespace magnum::conductor {
namespace {

using testing::ConductorTestBase;
using db::Condition;
using db::Filter;
using db::Row;

// A driver that reconciles and records the clusters it was asked to.
class CountingReconciler final : public testing::NoOpDriver {
 public:
  CountingReconciler() : NoOpDriver("recon", "recon-os") {}
  bool Reconciles() const override { return true; }
  Result<void> Reconcile(drivers::OperationContext& op) override {
    std::lock_guard<std::mutex> lock(mu);
    calls.push_back(op.cluster().uuid);
    return {};
  }
  std::mutex mu;
  std::vector<std::string> calls;
};

class FleetShareTest : public ConductorTestBase {
 protected:
  void ForgetHealth() {
    Row unset;
    unset.SetNull("health_status");
    ASSERT_TRUE(db_->Update(db::kClusterTable, Filter(), unset));
  }

  std::set<std::string> Polled(const std::vector<std::string>& clusters) {
    std::set<std::string> out;
    for (const auto& c : clusters) {
      if (Cluster(c)->GetString("health_status") == "HEALTHY") out.insert(c);
    }
    return out;
  }
};

TEST_F(FleetShareTest, EachClusterIsPolledByOneLiveConductor) {
  auto* a = StartConductor(Options("host-a"));
  auto* b = StartConductor(Options("host-b"), OtherDatabase());
  std::vector<std::string> clusters;
  for (int i = 0; i < 24; ++i) {
    clusters.push_back(CreatedCluster(i % 2 ? a : b, {.name = "c" + std::to_string(i)}));
  }
  ForgetHealth();
  a->PollHealthOnce();
  const std::set<std::string> by_a = Polled(clusters);
  ForgetHealth();
  b->PollHealthOnce();
  const std::set<std::string> by_b = Polled(clusters);
  // Both have a share (24 random UUIDs all hashing to one side: 2^-23), they do not
  // overlap, and together they are every cluster.
  EXPECT_FALSE(by_a.empty());
  EXPECT_FALSE(by_b.empty());
  std::set<std::string> both = by_a;
  both.insert(by_b.begin(), by_b.end());
  EXPECT_EQ(both.size(), clusters.size());
  EXPECT_EQ(by_a.size() + by_b.size(), clusters.size());

  // host-b reported down (forced here; a dead one after service_down_time): host-a polls
  // every cluster.
  Row down;
  down.Set("forced_down", true);
  ASSERT_TRUE(db_->Update(db::kMagnumServiceTable,
                          Filter().Where(Condition::Eq("host", std::string("host-b"))), down));
  ForgetHealth();
  a->PollHealthOnce();
  EXPECT_EQ(Polled(clusters).size(), clusters.size());
}

TEST_F(FleetShareTest, EachClusterIsReconciledByOneLiveConductor) {
  auto driver = std::make_unique<CountingReconciler>();
  CountingReconciler* recon = driver.get();
  registry_.Register(std::move(driver));
  auto* a = StartConductor(Options("host-a"));
  auto* b = StartConductor(Options("host-b"), OtherDatabase());
  std::set<std::string> clusters;
  for (int i = 0; i < 24; ++i) {
    clusters.insert(InsertCluster(
        {.name = "r" + std::to_string(i), .driver = "recon", .status = "CREATE_COMPLETE"}));
  }
  a->ReconcileOnce();
  const size_t by_a = recon->calls.size();
  b->ReconcileOnce();
  EXPECT_GT(by_a, 0u);
  EXPECT_LT(by_a, clusters.size());
  EXPECT_EQ(recon->calls.size(), clusters.size());
  EXPECT_EQ(std::set<std::string>(recon->calls.begin(), recon->calls.end()), clusters);
}

}  // namespace
}  // namespace magnum::conductor
