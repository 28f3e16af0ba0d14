// A fixed pool of worker threads for long operations, keyed by cluster: jobs with the same
// key run one at a time in submission order; jobs with different keys run concurrently
// (up to the number of workers).
//
// Thread-safe. Stop() (also run by the destructor) drops the jobs not yet started, calling
// their on_drop callbacks, and joins the workers once the running jobs return.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace magnum::conductor {

class OperationRunner {
 public:
  explicit OperationRunner(int workers);
  ~OperationRunner();
  OperationRunner(const OperationRunner&) = delete;
  OperationRunner& operator=(const OperationRunner&) = delete;

  // Queues `job` behind the other jobs of `key`. False (nothing queued, on_drop not
  // called) once Stop() has begun.
  bool Submit(const std::string& key, std::function<void()> job,
              std::function<void()> on_drop = nullptr);

  // Stops taking jobs, drops the queued ones (calling on_drop on this thread), waits up to
  // `grace` for the running jobs, calls `on_overdue` if some are still running then, and
  // finally joins every worker (which waits for those jobs to return). Idempotent.
  void Stop(std::chrono::milliseconds grace = std::chrono::milliseconds(0),
            const std::function<void()>& on_overdue = nullptr);

  // Waits until no job is queued or running; false on timeout.
  bool WaitIdle(std::chrono::milliseconds timeout);

  // Jobs queued or running for `key`.
  size_t Pending(const std::string& key) const;

 private:
  struct Job {
    std::function<void()> run;
    std::function<void()> on_drop;
  };
  void WorkerLoop();

  mutable std::mutex mu_;
  std::condition_variable work_cv_;  // a key became ready, or stopping
  std::condition_variable idle_cv_;  // a job finished
  // Guarded by mu_.
  bool stopping_ = false;
  std::map<std::string, std::deque<Job>> queues_;  // per key: front = running or next
  std::deque<std::string> ready_;                  // keys whose front job may start
  std::set<std::string> running_;                  // keys with a job running
  size_t jobs_ = 0;                                // queued + running
  // Started in the constructor.
  std::vector<std::thread> workers_;
};

}  // namespace magnum::conductor
