// Time as the docker driver sees it: a steady clock for deadlines and a sleep between polls.
// The seam lets unit tests run every wait on simulated time (a fake whose Sleep() advances
// Now()), so no test of the driver sleeps for real. Implementations are thread-safe.
#pragma once

#include <chrono>
#include <memory>

namespace magnum::drivers::docker {

class DriverTime {
 public:
  using Clock = std::chrono::steady_clock;
  virtual ~DriverTime() = default;
  virtual Clock::time_point Now() = 0;
  virtual void Sleep(std::chrono::milliseconds d) = 0;
};

// std::chrono::steady_clock and std::this_thread::sleep_for; a process-wide instance.
std::shared_ptr<DriverTime> RealDriverTime();

}  // namespace magnum::drivers::docker
