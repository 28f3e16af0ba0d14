// The up/down rule of /v1/mservices (mservices.h, §2.6).
#include "magnum/api/mservices.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace magnum::api {
namespace {

TimePoint At(const std::string& db_form) {
  TimePoint t;
  EXPECT_TRUE(ParseDbTimestamp(db_form, &t)) << db_form;
  return t;
}

const TimePoint kNow = At("2026-06-01T12:00:00.000000");

db::Row Service(const char* last_seen_up, const char* updated_at, const char* created_at,
                bool forced_down = false) {
  db::Row r;
  auto set = [&r](const char* col, const char* v) {
    if (v) {
      r.Set(col, std::string(v));
    } else {
      r.SetNull(col);
    }
  };
  set("last_seen_up", last_seen_up);
  set("updated_at", updated_at);
  set("created_at", created_at);
  r.Set("forced_down", forced_down);
  return r;
}

struct StateCase {
  std::string label;
  db::Row row;
  std::string expected;
};

class MServiceStateTest : public ::testing::TestWithParam<StateCase> {};

TEST_P(MServiceStateTest, Computes) {
  EXPECT_EQ(MServiceState(GetParam().row, kNow, 180), GetParam().expected) << GetParam().label;
}

INSTANTIATE_TEST_SUITE_P(
    Rows, MServiceStateTest,
    ::testing::Values(
        StateCase{"fresh heartbeat", Service("2026-06-01T11:59:50", nullptr, nullptr), "up"},
        StateCase{"exactly the limit", Service("2026-06-01T11:57:00", nullptr, nullptr), "up"},
        StateCase{"just past the limit", Service("2026-06-01T11:56:59.5", nullptr, nullptr),
                  "down"},
        StateCase{"old heartbeat", Service("2026-06-01T10:00:00", nullptr, nullptr), "down"},
        StateCase{"clock skew within the limit", Service("2026-06-01T12:02:00", nullptr, nullptr),
                  "up"},
        StateCase{"far future counts as down", Service("2026-06-01T13:00:00", nullptr, nullptr),
                  "down"},
        StateCase{"last_seen_up wins over updated_at",
                  Service("2026-06-01T10:00:00", "2026-06-01T11:59:59", nullptr), "down"},
        StateCase{"updated_at when never seen", Service(nullptr, "2026-06-01T11:59:00", nullptr),
                  "up"},
        StateCase{"created_at as the last resort", Service(nullptr, nullptr, "2026-06-01T11:59:00"),
                  "up"},
        StateCase{"old created_at", Service(nullptr, nullptr, "2026-05-01T00:00:00"), "down"},
        StateCase{"no timestamps at all", Service(nullptr, nullptr, nullptr), "down"},
        StateCase{"unparsable timestamp", Service("yesterday", nullptr, nullptr), "down"},
        StateCase{"forced down", Service("2026-06-01T11:59:59", nullptr, nullptr, true), "down"}));

TEST(MServiceStateTest, HonoursTheConfiguredDownTime) {
  db::Row r = Service("2026-06-01T11:59:00", nullptr, nullptr);
  EXPECT_EQ(MServiceState(r, kNow, 60), "up");
  EXPECT_EQ(MServiceState(r, kNow, 59), "down");
}

}  // namespace
}  // namespace magnum::api
