// The conductor's timer queue: tasks run at a time on the injected Clock. Periodic tasks
// (recovery, status sync, health, lease renewal, heartbeat), create deadlines and the next
// poll of a waiting operation are all entries here; nothing else in the conductor waits on
// time.
//
// RunDue() runs, on the calling thread, every task whose time has come (a task scheduled
// meanwhile for a time already reached runs in the same call). Start() adds a thread that
// calls RunDue() whenever something is due: it sleeps on the real steady clock for the gap
// the Clock reports (at most max_idle, so a simulated clock moved by a test is noticed).
// Tests on simulated time do not Start() it: they advance a ManualClock and call RunDue().
//
// Thread-safe. Stop() (also the destructor) joins the thread and drops what is pending.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <thread>

#include "magnum/common/clock.h"

namespace magnum::conductor {

class Scheduler {
 public:
  using Task = std::function<void()>;

  explicit Scheduler(const Clock* clock,
                     std::chrono::milliseconds max_idle = std::chrono::milliseconds(1000));
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Runs `task` once at `when` (or as soon after as the queue gets to it). Tasks due at
  // the same time run in the order they were scheduled. Ignored after Stop().
  void At(TimePoint when, Task task);
  // Runs `task` every `interval`, the first time one interval from now.
  void Every(std::chrono::milliseconds interval, Task task);

  // Runs every task due now, in due order; returns how many ran.
  size_t RunDue();
  // When the earliest pending task is due (TimePoint::max() when none).
  TimePoint NextDue() const;
  size_t Pending() const;

  void Start();
  void Stop();

 private:
  void Loop();

  const Clock* const clock_;
  const std::chrono::milliseconds max_idle_;
  mutable std::mutex mu_;
  std::condition_variable cv_;  // a new task, or stopping
  // Guarded by mu_.
  bool stopped_ = false;
  uint64_t seq_ = 0;
  std::multimap<std::pair<TimePoint, uint64_t>, Task> tasks_;
  std::mutex run_mu_;  // one RunDue at a time
  std::thread thread_;
};

}  // namespace magnum::conductor
