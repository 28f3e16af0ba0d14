// The conductor's timer queue on simulated time.
#include "magnum/conductor/scheduler.h"

#include <gtest/gtest.h>

#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace magnum::conductor {
namespace {

using namespace std::chrono_literals;

TimePoint T0() { return TimePoint(std::chrono::microseconds(1'700'000'000'000'000)); }

TEST(SchedulerTest, RunsOnlyWhatIsDueInDueOrder) {
  ManualClock clock(T0());
  Scheduler s(&clock);
  std::vector<std::string> ran;
  s.At(T0() + 2s, [&] { ran.push_back("b"); });
  s.At(T0() + 1s, [&] { ran.push_back("a"); });
  s.At(T0() + 2s, [&] { ran.push_back("c"); });  // same time: after b
  EXPECT_EQ(s.RunDue(), 0u);
  EXPECT_EQ(s.NextDue(), T0() + 1s);
  clock.Advance(1s);
  EXPECT_EQ(s.RunDue(), 1u);
  clock.Advance(5s);
  EXPECT_EQ(s.RunDue(), 2u);
  EXPECT_EQ(ran, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(s.NextDue(), TimePoint::max());
}

TEST(SchedulerTest, TaskScheduledForNowByATaskRunsInTheSamePass) {
  ManualClock clock(T0());
  Scheduler s(&clock);
  int n = 0;
  s.At(T0(), [&] {
    ++n;
    s.At(clock.Now(), [&] { ++n; });
  });
  EXPECT_EQ(s.RunDue(), 2u);
  EXPECT_EQ(n, 2);
}

TEST(SchedulerTest, EveryRepeatsOneIntervalAfterEachRun) {
  ManualClock clock(T0());
  Scheduler s(&clock);
  int n = 0;
  s.Every(10s, [&] { ++n; });
  clock.Advance(9s);
  s.RunDue();
  EXPECT_EQ(n, 0);
  clock.Advance(1s);
  s.RunDue();
  EXPECT_EQ(n, 1);
  clock.Advance(10s);
  s.RunDue();
  EXPECT_EQ(n, 2);
  // A long gap runs it once, then every interval from then on.
  clock.Advance(1h);
  s.RunDue();
  EXPECT_EQ(n, 3);
  EXPECT_EQ(s.NextDue(), clock.Now() + 10s);
}

TEST(SchedulerTest, StopDropsPendingAndRefusesNew) {
  ManualClock clock(T0());
  Scheduler s(&clock);
  int n = 0;
  s.At(T0(), [&] { ++n; });
  s.Stop();
  s.At(T0(), [&] { ++n; });
  EXPECT_EQ(s.RunDue(), 0u);
  EXPECT_EQ(s.Pending(), 0u);
  EXPECT_EQ(n, 0);
}

TEST(SchedulerTest, ThreadRunsTasksWhenTheClockReachesThem) {
  ManualClock clock(T0());
  Scheduler s(&clock, 5ms);  // notices a moved simulated clock within 5 ms
  std::mutex mu;
  std::condition_variable ran;
  int n = 0;
  s.At(T0() + 1h, [&] {
    std::lock_guard<std::mutex> lock(mu);
    ++n;
    ran.notify_all();
  });
  s.Start();
  clock.Advance(1h);
  {
    std::unique_lock<std::mutex> lock(mu);
    EXPECT_TRUE(ran.wait_for(lock, 10s, [&] { return n > 0; }));
    EXPECT_EQ(n, 1);
  }
  s.Stop();
}

}  // namespace
}  // namespace magnum::conductor
