#include "magnum/rpc/inproc_transport.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "magnum/rpc/messages.h"

namespace magnum::rpc {
namespace {

struct Message {
  std::string topic;
  std::string method;
  std::string payload;
  std::shared_ptr<std::promise<std::string>> reply;  // null for a cast
};

class InprocTransport final : public Transport {
 public:
  InprocTransport(int threads, size_t max_queued) : max_queued_(max_queued) {
    if (threads < 1) threads = 1;
    for (int i = 0; i < threads; ++i) workers_.emplace_back([this] { DispatchLoop(); });
  }

  ~InprocTransport() override { Shutdown(); }

  Result<std::string> Call(const std::string& topic, const std::string& method,
                           const std::string& payload, std::chrono::milliseconds timeout) override {
    auto promise = std::make_shared<std::promise<std::string>>();
    std::future<std::string> future = promise->get_future();
    MAGNUM_RETURN_IF_ERROR(Enqueue(Message{topic, method, payload, promise}));
    if (future.wait_for(timeout) != std::future_status::ready) {
      return Fail(Error::Unavailable("no reply to " + method + " on topic " + topic + " within " +
                                     std::to_string(timeout.count()) + " ms"));
    }
    return DecodeReply(future.get());
  }

  Result<void> Cast(const std::string& topic, const std::string& method,
                    const std::string& payload) override {
    return Enqueue(Message{topic, method, payload, nullptr});
  }

  Result<void> Serve(const std::string& topic, Handler handler) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return Fail(Error::Unavailable("the in-process transport is shut down"));
    if (handlers_.count(topic) != 0) {
      return Fail(Error::AlreadyExists("topic " + topic + " is already served"));
    }
    handlers_[topic] = std::make_shared<Handler>(std::move(handler));
    return {};
  }

  void StopServing(const std::string& topic) override {
    std::unique_lock<std::mutex> lock(mu_);
    handlers_.erase(topic);
    // Requests of this topic still queued fail when dequeued; wait for the running ones.
    idle_cv_.wait(lock, [&] { return running_[topic] == 0; });
  }

  void Shutdown() override {
    std::deque<Message> dropped;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return;
      stopped_ = true;
      dropped.swap(queue_);
      handlers_.clear();
    }
    cv_.notify_all();
    for (auto& m : dropped) Reject(m, Error::Unavailable("the in-process transport is shut down"));
    for (auto& t : workers_) {
      if (t.joinable()) t.join();
    }
  }

 private:
  Result<void> Enqueue(Message m) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopped_) return Fail(Error::Unavailable("the in-process transport is shut down"));
      if (handlers_.count(m.topic) == 0) {
        return Fail(Error::Unavailable("no server is listening on topic " + m.topic));
      }
      if (queue_.size() >= max_queued_) {
        spdlog::warn("in-process bus: {} requests queued; refusing {} on topic {}",
                     queue_.size(), m.method, m.topic);
        return Fail(Error::Unavailable("The conductor is overloaded (" +
                                       std::to_string(queue_.size()) +
                                       " requests waiting); retry later."));
      }
      queue_.push_back(std::move(m));
    }
    cv_.notify_one();
    return {};
  }

  static void Reject(Message& m, const Error& e) {
    if (m.reply) m.reply->set_value(EncodeReply(Fail(e)));
  }

  void DispatchLoop() {
    for (;;) {
      Message m;
      std::shared_ptr<Handler> handler;
      {
        std::unique_lock<std::mutex> lock(mu_);
        cv_.wait(lock, [&] { return stopped_ || !queue_.empty(); });
        if (queue_.empty()) return;  // stopped and drained
        m = std::move(queue_.front());
        queue_.pop_front();
        auto it = handlers_.find(m.topic);
        if (it != handlers_.end()) {
          handler = it->second;
          ++running_[m.topic];
        }
      }
      if (!handler) {
        Reject(m, Error::Unavailable("no server is listening on topic " + m.topic));
        continue;
      }
      Result<std::string> result = Fail(Error::Internal("unset"));
      try {
        result = (*handler)(m.method, m.payload);
      } catch (const std::exception& e) {
        result = Fail(Error::Internal("RPC handler for " + m.method + " threw: " + e.what()));
      } catch (...) {
        result = Fail(Error::Internal("RPC handler for " + m.method + " threw"));
      }
      if (m.reply) {
        m.reply->set_value(EncodeReply(result));
      } else if (!result) {
        spdlog::warn("cast {} on topic {} failed: {}", m.method, m.topic, result.error().message());
      }
      {
        std::lock_guard<std::mutex> lock(mu_);
        --running_[m.topic];
      }
      idle_cv_.notify_all();
    }
  }

  std::mutex mu_;
  std::condition_variable cv_;       // queue_ non-empty or stopped_
  std::condition_variable idle_cv_;  // a handler finished
  // Guarded by mu_.
  bool stopped_ = false;
  std::deque<Message> queue_;  // at most max_queued_
  const size_t max_queued_;
  std::map<std::string, std::shared_ptr<Handler>> handlers_;
  std::map<std::string, int> running_;  // handlers running per topic
  // Started in the constructor, joined in Shutdown().
  std::vector<std::thread> workers_;
};

}  // namespace

bool IsInprocTransportUrl(const std::string& url) {
  return url.empty() || url.rfind("inproc://", 0) == 0 || url == "inproc:";
}

std::unique_ptr<Transport> NewInprocTransport(int dispatcher_threads, size_t max_queued) {
  return std::make_unique<InprocTransport>(dispatcher_threads, std::max<size_t>(1, max_queued));
}

}  // namespace magnum::rpc
