// The [autoscaler] options (docs/configuration.md): defaults, parsing (fractional seconds,
// the utilisation threshold as a fraction) and refusals with the option's name.
#include <gtest/gtest.h>

#include "magnum/config/config.h"

namespace magnum::config {
namespace {

TEST(AutoscalerConfigTest, Defaults) {
  auto c = LoadFromString("");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->autoscaler_enabled);
  EXPECT_EQ(c->autoscaler_interval_ms, 30'000);
  EXPECT_EQ(c->autoscaler_scale_down_cooldown_ms, 600'000);
  EXPECT_DOUBLE_EQ(c->autoscaler_scale_down_utilization_threshold, 0.5);
  EXPECT_EQ(c->autoscaler_pending_grace_ms, 10'000);
}

TEST(AutoscalerConfigTest, ParsesEveryOption) {
  auto c = LoadFromString(R"(
[autoscaler]
enabled = false
interval = 2.5
scale_down_cooldown = 20
scale_down_utilization_threshold = 0.25
pending_grace = 0
)");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_FALSE(c->autoscaler_enabled);
  EXPECT_EQ(c->autoscaler_interval_ms, 2'500);
  EXPECT_EQ(c->autoscaler_scale_down_cooldown_ms, 20'000);
  EXPECT_DOUBLE_EQ(c->autoscaler_scale_down_utilization_threshold, 0.25);
  EXPECT_EQ(c->autoscaler_pending_grace_ms, 0);
  EXPECT_TRUE(c->warnings.empty());
  for (const char* t : {"0", "1", "1.0", ".75"}) {
    auto v = LoadFromString(std::string("[autoscaler]\nscale_down_utilization_threshold = ") + t);
    EXPECT_TRUE(v) << t << ": " << v.error().message();
  }
}

TEST(AutoscalerConfigTest, RefusesValuesOutOfRange) {
  struct Case {
    const char* text;
    const char* fragment;
  } cases[] = {
      {"[autoscaler]\nenabled = maybe\n", "[autoscaler] enabled: expected a boolean"},
      {"[autoscaler]\ninterval = 0\n", "[autoscaler] interval: expected a number of seconds"},
      {"[autoscaler]\ninterval = 0.05\n", "[autoscaler] interval"},
      {"[autoscaler]\nscale_down_cooldown = -1\n", "[autoscaler] scale_down_cooldown"},
      {"[autoscaler]\nscale_down_cooldown = 10m\n", "[autoscaler] scale_down_cooldown"},
      {"[autoscaler]\npending_grace = 86401\n", "[autoscaler] pending_grace"},
      {"[autoscaler]\nscale_down_utilization_threshold = 1.5\n",
       "[autoscaler] scale_down_utilization_threshold: expected a number between 0.0 and 1.0"},
      {"[autoscaler]\nscale_down_utilization_threshold = -0.1\n",
       "scale_down_utilization_threshold"},
      {"[autoscaler]\nscale_down_utilization_threshold = 50%\n",
       "scale_down_utilization_threshold"},
      {"[autoscaler]\nscale_down_utilization_threshold = nan\n",
       "scale_down_utilization_threshold"},
      {"[autoscaler]\nscale_down_utilization_threshold =\n", "scale_down_utilization_threshold"},
  };
  for (const auto& c : cases) {
    auto r = LoadFromString(c.text, "test.conf");
    ASSERT_FALSE(r) << c.text;
    EXPECT_TRUE(r.error().Is(ErrorCode::kInvalidArgument));
    EXPECT_NE(r.error().message().find(c.fragment), std::string::npos) << r.error().message();
  }
}

}  // namespace
}  // namespace magnum::config
