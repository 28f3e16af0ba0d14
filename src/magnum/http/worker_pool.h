// The HTTP server's worker threads: a fixed set of threads draining a bounded FIFO queue,
// and the marker that tells Stop() it is running on one of the server's own threads.
// Internal to http/. No Boost.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace magnum::http::internal {

// Names the calling thread (for ps/gdb/tests) and marks it as a server thread.
void NameServerThread(const char* name);
// True on a thread named by NameServerThread.
bool OnServerThread();

// A fixed set of threads draining a bounded FIFO queue. Thread-safe.
class WorkerPool {
 public:
  explicit WorkerPool(size_t capacity) : capacity_(capacity) {}
  ~WorkerPool() { Shutdown(); }
  WorkerPool(const WorkerPool&) = delete;
  WorkerPool& operator=(const WorkerPool&) = delete;

  void Start(int threads) {
    for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { Run(); });
  }

  // Queues `task`; false when the queue is full or the pool is shut down.
  bool Submit(std::function<void()> task);

  // Drops queued tasks, waits for running ones, joins the threads. Idempotent.
  void Shutdown();

 private:
  void Run();

  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;  // guarded by mu_
  bool shutdown_ = false;                    // guarded by mu_
  std::vector<std::thread> threads_;         // owner thread only
};

}  // namespace magnum::http::internal
