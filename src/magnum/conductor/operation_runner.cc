#include "magnum/conductor/operation_runner.h"

#include <spdlog/spdlog.h>

#include <exception>

namespace magnum::conductor {

OperationRunner::OperationRunner(int workers) {
  if (workers < 1) workers = 1;
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this] { WorkerLoop(); });
}

OperationRunner::~OperationRunner() { Stop(); }

bool OperationRunner::Submit(const std::string& key, std::function<void()> job,
                             std::function<void()> on_drop) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    auto& q = queues_[key];
    q.push_back(Job{std::move(job), std::move(on_drop)});
    ++jobs_;
    if (q.size() == 1) ready_.push_back(key);
  }
  work_cv_.notify_one();
  return true;
}

void OperationRunner::WorkerLoop() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    work_cv_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
    if (stopping_) return;
    std::string key = std::move(ready_.front());
    ready_.pop_front();
    running_.insert(key);
    std::function<void()> run = queues_[key].front().run;
    lock.unlock();
    try {
      run();
    } catch (const std::exception& e) {
      spdlog::error("operation on {} threw: {}", key, e.what());
    } catch (...) {
      spdlog::error("operation on {} threw", key);
    }
    lock.lock();
    running_.erase(key);
    auto it = queues_.find(key);
    if (it != queues_.end()) {
      it->second.pop_front();
      --jobs_;
      if (it->second.empty()) {
        queues_.erase(it);
      } else if (!stopping_) {
        ready_.push_back(key);
        work_cv_.notify_one();
      }
    }
    idle_cv_.notify_all();
  }
}

void OperationRunner::Stop(std::chrono::milliseconds grace,
                           const std::function<void()>& on_overdue) {
  std::vector<std::function<void()>> dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_ && workers_.empty()) return;
    stopping_ = true;
    ready_.clear();
    for (auto it = queues_.begin(); it != queues_.end();) {
      auto& q = it->second;
      // Keep the running job (front of a running key); drop everything else.
      size_t keep = running_.count(it->first) ? 1 : 0;
      while (q.size() > keep) {
        if (q.back().on_drop) dropped.push_back(std::move(q.back().on_drop));
        q.pop_back();
        --jobs_;
      }
      it = q.empty() ? queues_.erase(it) : std::next(it);
    }
  }
  work_cv_.notify_all();
  for (auto& d : dropped) d();
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!idle_cv_.wait_for(lock, grace, [this] { return running_.empty(); }) && on_overdue) {
      lock.unlock();
      on_overdue();
    }
  }
  for (auto& t : workers_) {
    if (t.joinable()) t.join();
  }
  std::lock_guard<std::mutex> lock(mu_);
  workers_.clear();
}

bool OperationRunner::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [this] { return jobs_ == 0; });
}

size_t OperationRunner::Pending(const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = queues_.find(key);
  return it == queues_.end() ? 0 : it->second.size();
}

}  // namespace magnum::conductor
