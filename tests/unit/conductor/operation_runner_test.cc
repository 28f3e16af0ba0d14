#include "magnum/conductor/operation_runner.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <string>
#include <vector>

namespace magnum::conductor {
namespace {

using std::chrono::seconds;

TEST(OperationRunnerTest, SameKeyRunsInOrderOneAtATime) {
  OperationRunner runner(4);
  std::mutex mu;
  std::vector<int> order;
  std::atomic<int> running{0};
  std::atomic<bool> overlap{false};
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(runner.Submit("k", [&, i] {
      if (running.fetch_add(1) != 0) overlap = true;
      {
        std::lock_guard<std::mutex> lock(mu);
        order.push_back(i);
      }
      running.fetch_sub(1);
    }));
  }
  ASSERT_TRUE(runner.WaitIdle(seconds(10)));
  EXPECT_FALSE(overlap);
  ASSERT_EQ(order.size(), 20u);
  for (int i = 0; i < 20; ++i) EXPECT_EQ(order[i], i);
}

TEST(OperationRunnerTest, DifferentKeysRunConcurrently) {
  OperationRunner runner(3);
  std::mutex mu;
  std::condition_variable cv;
  int inside = 0;
  std::atomic<int> saw_all{0};
  for (const char* key : {"a", "b", "c"}) {
    ASSERT_TRUE(runner.Submit(key, [&] {
      std::unique_lock<std::mutex> lock(mu);
      ++inside;
      cv.notify_all();
      // Run one at a time, these would time out instead of meeting.
      if (cv.wait_for(lock, seconds(5), [&] { return inside == 3; })) saw_all++;
    }));
  }
  ASSERT_TRUE(runner.WaitIdle(seconds(20)));
  EXPECT_EQ(saw_all.load(), 3);
}

TEST(OperationRunnerTest, StopDropsQueuedJobsAndReportsThem) {
  OperationRunner runner(1);
  std::mutex mu;
  std::condition_variable cv;
  bool started = false, release = false;
  ASSERT_TRUE(runner.Submit("a", [&] {
    std::unique_lock<std::mutex> lock(mu);
    started = true;
    cv.notify_all();
    cv.wait(lock, [&] { return release; });
  }));
  std::atomic<int> ran{0}, dropped{0};
  ASSERT_TRUE(runner.Submit(
      "a", [&] { ran++; }, [&] { dropped++; }));
  ASSERT_TRUE(runner.Submit(
      "b", [&] { ran++; }, [&] { dropped++; }));
  {
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return started; });
  }
  std::atomic<bool> overdue{false};
  std::thread stopper([&] {
    runner.Stop(std::chrono::milliseconds(50), [&] {
      overdue = true;
      std::lock_guard<std::mutex> lock(mu);
      release = true;
      cv.notify_all();
    });
  });
  stopper.join();
  EXPECT_TRUE(overdue);
  EXPECT_EQ(ran.load(), 0);
  EXPECT_EQ(dropped.load(), 2);
  EXPECT_FALSE(runner.Submit("c", [] {}));
}

}  // namespace
}  // namespace magnum::conductor
