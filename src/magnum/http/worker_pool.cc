#include "magnum/http/worker_pool.h"

#include <pthread.h>

#include <utility>

namespace magnum::http::internal {
namespace {
// Set on io and worker threads: Stop() from one of them would join itself.
thread_local bool t_server_thread = false;
}  // namespace

void NameServerThread(const char* name) {
  pthread_setname_np(pthread_self(), name);  // best effort; names are for ps/gdb/tests
  t_server_thread = true;
}

bool OnServerThread() { return t_server_thread; }

bool WorkerPool::Submit(std::function<void()> task) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (shutdown_ || queue_.size() >= capacity_) return false;
    queue_.push_back(std::move(task));
  }
  cv_.notify_one();
  return true;
}

void WorkerPool::Shutdown() {
  std::deque<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    shutdown_ = true;
    dropped.swap(queue_);
  }
  cv_.notify_all();
  dropped.clear();  // outside the lock: tasks own sessions whose destructors lock elsewhere
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

void WorkerPool::Run() {
  NameServerThread("magnum-http-wk");
  for (;;) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return shutdown_ || !queue_.empty(); });
      if (queue_.empty()) return;  // shut down
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();  // tasks do not throw (BeastServer::Invoke catches)
  }
}

}  // namespace magnum::http::internal
