#include "magnum/ctl/progress.h"

#include <gtest/gtest.h>

namespace magnum::ctl {
namespace {

TEST(ProgressBarTest, Layout) {
  ProgressView v{"CREATE_IN_PROGRESS", 0.45, "node: node started (c-default-worker-0)", 12};
  EXPECT_EQ(RenderProgressBar(v, 200),
            "[#########-----------]  45% CREATE_IN_PROGRESS 12s node: node started "
            "(c-default-worker-0)");
  v.fraction = 1;
  v.status = "CREATE_COMPLETE";
  v.message = "";
  EXPECT_EQ(RenderProgressBar(v, 200), "[####################] 100% CREATE_COMPLETE 12s");
  v.fraction = 0;
  EXPECT_EQ(RenderProgressBar(v, 200), "[--------------------]   0% CREATE_COMPLETE 12s");
}

TEST(ProgressBarTest, FitsTheWidthCuttingTheMessageFirst) {
  ProgressView v{"UPDATE_IN_PROGRESS", 0.5, "a long message about nodes\nand lines", 3};
  std::string head = "[##########----------]  50% UPDATE_IN_PROGRESS 3s";
  EXPECT_EQ(RenderProgressBar(v, 60), head + " a long me\u2026");
  EXPECT_EQ(RenderProgressBar(v, static_cast<int>(head.size()) + 2), head + " \u2026");
  EXPECT_EQ(RenderProgressBar(v, static_cast<int>(head.size())), head);
  EXPECT_EQ(RenderProgressBar(v, 10), "[#########");
  // Line breaks in an event never break the line.
  EXPECT_EQ(RenderProgressBar(v, 200), head + " a long message about nodes and lines");
  // Multi-byte messages are cut on code points.
  v.message = "\u00e9\u00e9\u00e9\u00e9\u00e9";
  EXPECT_EQ(RenderProgressBar(v, static_cast<int>(head.size()) + 4), head + " \u00e9\u00e9\u2026");
}

TEST(ProgressLineTest, Plain) {
  EXPECT_EQ(RenderProgressLine({"DELETE_IN_PROGRESS", 0.333, "delete: started", 7}),
            "DELETE_IN_PROGRESS 33% 7s: delete: started");
  EXPECT_EQ(RenderProgressLine({"CREATE_COMPLETE", 1, "", 9}), "CREATE_COMPLETE 100% 9s");
}

TEST(ProgressEstimateTest, FractionsStayBelowOneUntilFinished) {
  EXPECT_EQ(ExpectedEventCount("create", 0, 3, 2), 6);
  EXPECT_EQ(ExpectedEventCount("resize", 2, 5, 2), 5);
  EXPECT_EQ(ExpectedEventCount("resize", 5, 2, 2), 5);
  EXPECT_EQ(ExpectedEventCount("delete", 3, 0, 2), 3);
  EXPECT_DOUBLE_EQ(ProgressFraction(0, 6, false), 0.0);
  EXPECT_DOUBLE_EQ(ProgressFraction(3, 6, false), 0.5);
  // More events than expected: still short of done.
  EXPECT_LT(ProgressFraction(10, 6, false), 1.0);
  EXPECT_GT(ProgressFraction(10, 6, false), 0.9);
  EXPECT_DOUBLE_EQ(ProgressFraction(0, 6, true), 1.0);
}

}  // namespace
}  // namespace magnum::ctl
