// The stored form of the autoscaler's memory of a cluster (autoscaler_memory.h): a round
// trip keeps everything; what is not the stored form decodes to the empty memory.
#include "magnum/conductor/autoscaler_memory.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace magnum::conductor {
namespace {

using namespace std::chrono_literals;

AutoscalerMemory SampleMemory() {
  const TimePoint t0 = TimePoint(std::chrono::microseconds(1796000000123456));
  AutoscalerMemory m;
  m.groups["ng-1"].state.underused_since = {{"w1", t0}, {"w2", t0 + 30s}};
  m.groups["ng-1"].hold_recorded = "nodegroup default-worker is at its maximum";
  m.groups["ng-2"].state.underused_since = {{"node \"quoted\" é", t0 - 1h}};
  m.refusal_recorded = true;
  m.observe_error_recorded = "swarm manager unreachable";
  return m;
}

TEST(AutoscalerMemoryTest, RoundTripKeepsEverything) {
  const AutoscalerMemory m = SampleMemory();
  EXPECT_FALSE(m.Empty());
  const std::string json = EncodeAutoscalerMemory(m);
  EXPECT_NE(json.find("\"version\":1"), std::string::npos) << json;
  const AutoscalerMemory back = DecodeAutoscalerMemory(json);
  EXPECT_EQ(back, m);
  EXPECT_EQ(back.groups.at("ng-1").state.underused_since.at("w1"),
            m.groups.at("ng-1").state.underused_since.at("w1"))
      << "microseconds kept";
  EXPECT_EQ(EncodeAutoscalerMemory(back), json) << "the same memory, the same text";

  // The empty memory, and a nodegroup with nothing to remember (left out).
  AutoscalerMemory empty;
  empty.groups["ng-3"];
  EXPECT_TRUE(empty.Empty());
  EXPECT_EQ(DecodeAutoscalerMemory(EncodeAutoscalerMemory(empty)), AutoscalerMemory());
  AutoscalerMemory flags;
  flags.refusal_recorded = true;
  EXPECT_FALSE(flags.Empty());
  EXPECT_EQ(DecodeAutoscalerMemory(EncodeAutoscalerMemory(flags)), flags);
}

TEST(AutoscalerMemoryTest, AnythingElseIsTheEmptyMemory) {
  const std::string good = EncodeAutoscalerMemory(SampleMemory());
  const std::vector<std::string> bad = {
      "",
      "not json",
      good.substr(0, good.size() / 2),  // truncated
      "null",
      "[]",
      "42",
      "\"text\"",
      "{}",                            // no version
      R"({"version":2,"groups":{}})",  // a version we do not know
      R"({"version":"1"})",            // of the wrong type
      R"({"version":1,"groups":[]})",
      R"({"version":1,"groups":{"ng":[]}})",
      R"({"version":1,"groups":{"ng":{"underused_since":[]}}})",
      R"({"version":1,"groups":{"ng":{"underused_since":{"w1":17}}}})",
      R"({"version":1,"groups":{"ng":{"underused_since":{"w1":"yesterday"}}}})",
      R"({"version":1,"groups":{"ng":{"hold_recorded":false}}})",
      R"({"version":1,"refusal_recorded":"yes"})",
      R"({"version":1,"observe_error_recorded":1})",
      std::string("{\"version\":1,\"observe_error_recorded\":\"\xff\xfe\"}"),  // bad UTF-8
  };
  for (const auto& json : bad) {
    SCOPED_TRACE(json);
    EXPECT_EQ(DecodeAutoscalerMemory(json), AutoscalerMemory());
  }
  // Unknown fields are ignored (a later version adding one keeps the version number only
  // when older readers may ignore it).
  AutoscalerMemory kept = DecodeAutoscalerMemory(
      R"({"version":1,"refusal_recorded":true,"extra":{"x":1},"groups":{}})");
  EXPECT_TRUE(kept.refusal_recorded);
}

TEST(AutoscalerMemoryTest, InvalidUtf8IsReplacedNotThrown) {
  AutoscalerMemory m;
  m.observe_error_recorded = std::string("bad \xff byte");
  const std::string json = EncodeAutoscalerMemory(m);
  const AutoscalerMemory back = DecodeAutoscalerMemory(json);
  EXPECT_FALSE(back.observe_error_recorded.empty()) << json;
  EXPECT_NE(back.observe_error_recorded, m.observe_error_recorded);
}

}  // namespace
}  // namespace magnum::conductor
