#include "magnum/drivers/docker/parallel.h"

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>
#include <vector>

#include "magnum/drivers/docker/driver_time.h"

namespace magnum::drivers::docker {

Result<void> BoundedParallelFor(size_t n, size_t max_parallel,
                                const std::function<Result<void>(size_t)>& fn) {
  if (n == 0) return {};
  size_t workers = std::min(n, std::max<size_t>(max_parallel, 1));
  std::vector<std::optional<Error>> errors(n);
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  auto work = [&] {
    while (!failed.load()) {
      size_t i = next.fetch_add(1);
      if (i >= n) return;
      auto r = fn(i);
      if (!r) {
        errors[i] = r.error();
        failed.store(true);
      }
    }
  };
  if (workers == 1) {
    work();
  } else {
    std::vector<std::thread> threads;
    threads.reserve(workers - 1);
    for (size_t t = 1; t < workers; ++t) threads.emplace_back(work);
    work();  // the calling thread is one of the workers
    for (auto& t : threads) t.join();
  }
  for (auto& e : errors) {
    if (e) return Fail(*e);
  }
  return {};
}

namespace {

class RealTime final : public DriverTime {
 public:
  Clock::time_point Now() override { return Clock::now(); }
  void Sleep(std::chrono::milliseconds d) override { std::this_thread::sleep_for(d); }
};

}  // namespace

std::shared_ptr<DriverTime> RealDriverTime() {
  static const std::shared_ptr<DriverTime> instance = std::make_shared<RealTime>();
  return instance;
}

}  // namespace magnum::drivers::docker
