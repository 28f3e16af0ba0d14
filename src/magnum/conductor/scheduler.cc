#include "magnum/conductor/scheduler.h"

#include <algorithm>
#include <memory>

namespace magnum::conductor {

Scheduler::Scheduler(const Clock* clock, std::chrono::milliseconds max_idle)
    : clock_(clock), max_idle_(max_idle) {}

Scheduler::~Scheduler() { Stop(); }

void Scheduler::At(TimePoint when, Task task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    tasks_.emplace(std::make_pair(when, seq_++), std::move(task));
  }
  cv_.notify_all();
}

void Scheduler::Every(std::chrono::milliseconds interval, Task task) {
  // The repeating entry reschedules itself after each run.
  auto shared = std::make_shared<Task>(std::move(task));
  auto step = std::make_shared<std::function<void()>>();
  *step = [this, interval, shared, weak = std::weak_ptr<std::function<void()>>(step)] {
    (*shared)();
    if (auto again = weak.lock()) {
      At(clock_->Now() + std::chrono::duration_cast<std::chrono::microseconds>(interval),
         [again] { (*again)(); });
    }
  };
  At(clock_->Now() + std::chrono::duration_cast<std::chrono::microseconds>(interval),
     [step] { (*step)(); });
}

size_t Scheduler::RunDue() {
  std::lock_guard<std::mutex> running(run_mu_);
  size_t ran = 0;
  while (true) {
    Task task;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_ || tasks_.empty() || tasks_.begin()->first.first > clock_->Now()) break;
      task = std::move(tasks_.begin()->second);
      tasks_.erase(tasks_.begin());
    }
    task();
    ++ran;
  }
  return ran;
}

TimePoint Scheduler::NextDue() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tasks_.empty() ? TimePoint::max() : tasks_.begin()->first.first;
}

size_t Scheduler::Pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tasks_.size();
}

void Scheduler::Start() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_ || thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void Scheduler::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    tasks_.clear();
  }
  cv_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

void Scheduler::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopped_) {
    std::chrono::microseconds gap = max_idle_;
    if (!tasks_.empty()) {
      gap = std::clamp<std::chrono::microseconds>(
          std::chrono::duration_cast<std::chrono::microseconds>(tasks_.begin()->first.first -
                                                                clock_->Now()),
          std::chrono::microseconds(0), max_idle_);
    }
    if (gap.count() > 0) {
      cv_.wait_for(lock, gap);
      continue;  // re-read the clock and the queue
    }
    lock.unlock();
    RunDue();
    lock.lock();
  }
}

}  // namespace magnum::conductor
