// RunUntilDone (drivers/driver.h), the blocking form of a resumable driver: polls until
// Done, waiting each Step's `after` on simulated time (no real sleeps), stopping early on a
// cancellation or a passed deadline. Then the blocking fake driver, which runs on it with
// the real waiter.
#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "fake_docker_driver.h"
#include "magnum/drivers/fake/fake_driver.h"

namespace magnum::drivers {
namespace {

using namespace std::chrono_literals;
using docker::fake::FakeOperation;

// Simulated time: Sleep() records the sleep and moves Now() at once; `after_sleep` runs
// after every sleep (e.g. to cancel the operation at a chosen time).
class RunUntilDoneSimWaiter final : public Waiter {
 public:
  TimePoint Now() override { return clock.Now(); }
  void Sleep(std::chrono::milliseconds d) override {
    sleeps.push_back(d);
    clock.Advance(d);
    if (after_sleep) after_sleep();
  }
  std::chrono::milliseconds Slept() const {
    std::chrono::milliseconds total{0};
    for (auto d : sleeps) total += d;
    return total;
  }

  const TimePoint start = SystemClock().Now();
  ManualClock clock{start};
  std::vector<std::chrono::milliseconds> sleeps;
  std::function<void()> after_sleep;
};

// An advance callback answering `script` in order (then Done), recording when it was
// called and with which progress; each call writes "poll <n>" as the new progress.
struct RunUntilDoneScript {
  std::vector<Result<Step>> script;
  RunUntilDoneSimWaiter* waiter = nullptr;
  std::vector<std::string> progress_seen;
  std::vector<std::chrono::milliseconds> called_at;  // since the waiter's start

  AdvanceFn Fn() {
    return [this](std::string& progress) -> Result<Step> {
      const size_t n = progress_seen.size();
      progress_seen.push_back(progress);
      called_at.push_back(
          std::chrono::duration_cast<std::chrono::milliseconds>(waiter->Now() - waiter->start));
      progress = "poll " + std::to_string(n + 1);
      return n < script.size() ? script[n] : Step::Done();
    };
  }
};

class RunUntilDoneTest : public ::testing::Test {
 protected:
  RunUntilDoneTest() {
    script_.waiter = &waiter_;
    op_.clock = &waiter_.clock;  // the operation's deadline is on the simulated clock
  }

  Result<void> Run() { return RunUntilDone(op_, script_.Fn(), waiter_); }

  FakeOperation op_{docker::fake::Cluster(1, 1)};
  RunUntilDoneSimWaiter waiter_;
  RunUntilDoneScript script_;
};

TEST_F(RunUntilDoneTest, DoneAfterNPollsHavingWaitedEachAfter) {
  script_.script = {Step::PollAfter(150ms), Step::PollAfter(45ms), Step::PollAfter(1s)};
  auto r = Run();
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(script_.progress_seen, (std::vector<std::string>{"", "poll 1", "poll 2", "poll 3"}))
      << "the progress is kept between polls";
  EXPECT_EQ(script_.called_at, (std::vector<std::chrono::milliseconds>{0ms, 150ms, 195ms, 1195ms}));
  EXPECT_EQ(waiter_.Slept(), 1195ms);
  for (auto d : waiter_.sleeps) {
    EXPECT_GT(d, 0ms);
    EXPECT_LE(d, kWaitSlice) << "waits in slices";
  }
}

TEST_F(RunUntilDoneTest, ZeroAfterDoesNotSleep) {
  script_.script = {Step::PollAfter(0ms), Step::PollAfter(0ms), Step::PollAfter(0ms)};
  auto r = Run();
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(script_.progress_seen.size(), 4u);
  EXPECT_TRUE(waiter_.sleeps.empty());
}

TEST_F(RunUntilDoneTest, DoneAtOnceNeitherSleepsNorPollsAgain) {
  auto r = Run();
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(script_.progress_seen.size(), 1u);
  EXPECT_TRUE(waiter_.sleeps.empty());
}

TEST_F(RunUntilDoneTest, CancellationDuringALongWaitReturnsPromptly) {
  script_.script = {Step::PollAfter(1h)};
  waiter_.after_sleep = [this] {
    if (waiter_.Now() - waiter_.start >= 100ms) op_.cancelled = true;
  };
  auto r = Run();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().Is(ErrorCode::kUnavailable));
  EXPECT_EQ(r.error().message(), "operation cancelled");
  EXPECT_GE(waiter_.Slept(), 100ms);
  EXPECT_LE(waiter_.Slept(), 100ms + kWaitSlice) << "noticed within one slice";
  EXPECT_EQ(script_.progress_seen.size(), 1u) << "not polled again";
}

TEST_F(RunUntilDoneTest, CancellationBetweenZeroWaitPollsStopsBeforeTheNextPoll) {
  script_.script = {Step::PollAfter(0ms), Step::PollAfter(0ms)};
  op_.cancelled = true;
  auto r = Run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "operation cancelled");
  EXPECT_EQ(script_.progress_seen.size(), 1u);
  EXPECT_TRUE(waiter_.sleeps.empty());
}

TEST_F(RunUntilDoneTest, DeadlineDuringAWaitTimesOutAtTheDeadline) {
  op_.deadline = waiter_.start + 250ms;
  script_.script = {Step::PollAfter(100ms), Step::PollAfter(1h)};
  auto r = Run();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().Is(ErrorCode::kUnavailable));
  EXPECT_EQ(r.error().message(), "operation timed out: its deadline passed");
  EXPECT_EQ(waiter_.Slept(), 250ms) << "the wait is cut at the deadline";
  EXPECT_EQ(script_.progress_seen.size(), 2u);
}

TEST_F(RunUntilDoneTest, DeadlineAlreadyPassedTimesOutWithoutSleeping) {
  op_.deadline = waiter_.start - 1ms;
  op_.cancelled = true;  // as the conductor's context also reports after its deadline
  script_.script = {Step::PollAfter(0ms)};
  auto r = Run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "operation timed out: its deadline passed")
      << "the timeout is named, not a bare cancellation";
  EXPECT_TRUE(waiter_.sleeps.empty());
  EXPECT_EQ(script_.progress_seen.size(), 1u);
}

TEST_F(RunUntilDoneTest, TheDeadlineIsJudgedOnTheOperationsClockNotTheWaiters) {
  // A conductor on simulated time a month behind the real clock the waits run on: its
  // deadline, an hour ahead on its own clock, is long past on the waiter's.
  ManualClock conductor(waiter_.start - std::chrono::hours(24 * 30));
  op_.clock = &conductor;
  op_.deadline = conductor.Now() + 1h;
  script_.script = {Step::PollAfter(300ms), Step::PollAfter(300ms)};
  auto r = Run();
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(waiter_.Slept(), 600ms);

  // And when the operation's clock reaches its deadline, the run stops, whatever the waiter says.
  script_ = RunUntilDoneScript{};
  script_.waiter = &waiter_;
  script_.script = {Step::PollAfter(1h)};
  waiter_.after_sleep = [&conductor] { conductor.Advance(std::chrono::minutes(30)); };
  r = Run();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "operation timed out: its deadline passed");
}

TEST_F(RunUntilDoneTest, DeadlineLaterThanTheWorkDoesNotStopIt) {
  op_.deadline = waiter_.start + 1s;
  script_.script = {Step::PollAfter(300ms), Step::PollAfter(300ms)};
  auto r = Run();
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(waiter_.Slept(), 600ms);
}

TEST_F(RunUntilDoneTest, AdvanceErrorIsReturnedAsIs) {
  script_.script = {Step::PollAfter(10ms), Fail(Error::NotFound("stack vanished")),
                    Step::PollAfter(10ms)};
  auto r = Run();
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().Is(ErrorCode::kNotFound));
  EXPECT_EQ(r.error().message(), "stack vanished");
  EXPECT_EQ(script_.progress_seen.size(), 2u) << "no poll after the error";
  EXPECT_EQ(waiter_.Slept(), 10ms);
}

// The blocking fake driver runs its steps through RunUntilDone with the real waiter.
ClusterState BlockingFakeCluster(const std::string& delay_ms) {
  ClusterState c = docker::fake::Cluster(1, 1);
  c.labels["fake_delay_ms"] = delay_ms;
  return c;
}

TEST(BlockingFakeDriverTest, CreateClusterCompletesAfterItsDelays) {
  auto driver = NewBlockingFakeDriver();
  ASSERT_FALSE(driver->Resumable(OperationKind::kCreate));
  FakeOperation op(BlockingFakeCluster("5"));
  const auto t0 = std::chrono::steady_clock::now();
  auto r = driver->CreateCluster(op);
  const auto took = std::chrono::steady_clock::now() - t0;
  ASSERT_TRUE(r) << r.error().message();
  std::vector<std::string> steps;
  for (const auto& e : op.events) steps.push_back(e.step + ":" + e.node);
  EXPECT_EQ(steps, (std::vector<std::string>{"network:", "node:demo-default-master-0",
                                             "node:demo-default-worker-0", "cluster:"}));
  ASSERT_EQ(op.reports.size(), 1u);
  EXPECT_TRUE(op.reports[0].api_address.has_value());
  EXPECT_EQ(op.ng_reports.size(), 2u);
  EXPECT_GE(took, 4 * 5ms) << "each of the four steps waited its delay";
}

TEST(BlockingFakeDriverTest, CancelledCreateReturnsPromptlyFromALongDelay) {
  auto driver = NewBlockingFakeDriver();
  FakeOperation op(BlockingFakeCluster("600000"));  // ten minutes before each step
  std::thread canceller([&op] { op.cancelled = true; });
  const auto t0 = std::chrono::steady_clock::now();
  auto r = driver->CreateCluster(op);
  const auto took = std::chrono::steady_clock::now() - t0;
  canceller.join();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "operation cancelled");
  EXPECT_LT(took, 10s);
  EXPECT_TRUE(op.events.empty()) << "no step ran";
}

TEST(BlockingFakeDriverTest, PassedDeadlineStopsCreate) {
  auto driver = NewBlockingFakeDriver();
  FakeOperation op(BlockingFakeCluster("600000"));
  op.deadline = SystemClock().Now() - 1s;
  auto r = driver->CreateCluster(op);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "operation timed out: its deadline passed");
  EXPECT_TRUE(op.events.empty());
}

}  // namespace
}  // namespace magnum::drivers
