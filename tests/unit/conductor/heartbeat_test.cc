#include "magnum/conductor/heartbeat.h"

#include "conductor_test_util.h"

namespace magnum::conductor::testing {
namespace {

class HeartbeatTest : public ConductorTestBase {
 protected:
  std::optional<Row> ServiceRow(const std::string& host, const std::string& binary) {
    auto r = db_->GetOne(
        db::kMagnumServiceTable,
        Filter().Where(Condition::Eq("host", host)).Where(Condition::Eq("binary", binary)));
    EXPECT_TRUE(r);
    return r ? *r : std::nullopt;
  }
};

TEST_F(HeartbeatTest, ReportCountGrowsAndLastSeenUpMoves) {
  ServiceHeartbeat hb(db_.get(), &SystemClock(), "h1", "magnum-api", std::chrono::hours(1));
  ASSERT_OK(hb.ReportOnce());
  auto first = ServiceRow("h1", "magnum-api");
  ASSERT_TRUE(first);
  EXPECT_EQ(first->GetInt("report_count"), 1);
  EXPECT_FALSE(first->GetString("last_seen_up").empty());
  EXPECT_TRUE(first->IsNull("updated_at"));
  ASSERT_OK(hb.ReportOnce());
  ASSERT_OK(hb.ReportOnce());
  auto third = ServiceRow("h1", "magnum-api");
  EXPECT_EQ(third->GetInt("report_count"), 3);
  EXPECT_GE(third->GetString("last_seen_up"), first->GetString("last_seen_up"));
  EXPECT_FALSE(third->GetString("updated_at").empty());
  EXPECT_EQ(CountRows(db::kMagnumServiceTable), 1);
}

TEST_F(HeartbeatTest, TwoProcessesOnOneRowAndBinariesApart) {
  ServiceHeartbeat a(db_.get(), &SystemClock(), "h1", "magnum-conductor", std::chrono::hours(1));
  ServiceHeartbeat b(OtherDatabase(), &SystemClock(), "h1", "magnum-conductor",
                     std::chrono::hours(1));
  ServiceHeartbeat api(db_.get(), &SystemClock(), "h1", "magnum-api", std::chrono::hours(1));
  std::thread t1([&] {
    for (int i = 0; i < 10; ++i) EXPECT_OK(a.ReportOnce());
  });
  std::thread t2([&] {
    for (int i = 0; i < 10; ++i) EXPECT_OK(b.ReportOnce());
  });
  t1.join();
  t2.join();
  ASSERT_OK(api.ReportOnce());
  EXPECT_EQ(ServiceRow("h1", "magnum-conductor")->GetInt("report_count"), 20);
  EXPECT_EQ(ServiceRow("h1", "magnum-api")->GetInt("report_count"), 1);
}

TEST_F(HeartbeatTest, BackgroundThreadKeepsReporting) {
  ServiceHeartbeat hb(db_.get(), &SystemClock(), "h2", "magnum-conductor",
                      std::chrono::milliseconds(20));
  hb.Start();
  ASSERT_TRUE(WaitUntil([&] {
    auto row = ServiceRow("h2", "magnum-conductor");
    return row && row->GetInt("report_count") >= 4;
  }));
  hb.Stop();
  int64_t stopped_at = ServiceRow("h2", "magnum-conductor")->GetInt("report_count");
  hb.Stop();  // idempotent
  EXPECT_EQ(ServiceRow("h2", "magnum-conductor")->GetInt("report_count"), stopped_at);
}

TEST_F(HeartbeatTest, ConductorRegistersItself) {
  auto* c = StartConductor(Options("cond-host"));
  auto row = ServiceRow("cond-host", "magnum-conductor");
  ASSERT_TRUE(row) << "reported at start";
  EXPECT_GE(row->GetInt("report_count"), 1);
  c->Stop();
}

}  // namespace
}  // namespace magnum::conductor::testing
