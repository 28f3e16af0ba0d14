#include "magnum/rpc/rabbit_notify_publisher.h"

#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>

#include "magnum/rpc/amqp_connection.h"

namespace magnum::rpc {
namespace {

using SteadyClock = std::chrono::steady_clock;

struct Item {
  uint64_t seq = 0;
  std::string exchange;
  std::string routing_key;
  std::string body;
  int failures = 0;
};

class RabbitNotificationPublisher final : public NotificationPublisher {
 public:
  explicit RabbitNotificationPublisher(RabbitNotifyOptions o) : o_(std::move(o)) {
    if (o_.max_buffered == 0) o_.max_buffered = 1;
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    thread_ = std::thread([this] { Loop(); });
  }

  ~RabbitNotificationPublisher() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
      drain_until_ = SteadyClock::now() + o_.drain_timeout;
    }
    Wake();
    thread_.join();
    if (wake_fd_ >= 0) close(wake_fd_);
  }

  bool Publish(const std::string& exchange, const std::string& routing_key,
               std::string body) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stopping_) return false;
      if (queue_.size() >= o_.max_buffered) {
        queue_.pop_front();
        ++dropped_;
      }
      queue_.push_back(Item{++next_seq_, exchange, routing_key, std::move(body), 0});
    }
    Wake();
    return true;
  }

  size_t Pending() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return queue_.size();
  }

 private:
  void Wake() {
    uint64_t one = 1;
    cv_.notify_all();
    if (wake_fd_ >= 0) (void)!write(wake_fd_, &one, sizeof one);
  }

  void DrainWake() {
    uint64_t ignored = 0;
    while (wake_fd_ >= 0 && read(wake_fd_, &ignored, sizeof ignored) > 0) {
    }
  }

  void ReportDrops() {
    uint64_t dropped = 0;
    {
      std::lock_guard<std::mutex> lock(mu_);
      dropped = dropped_ - reported_;
      reported_ = dropped_;
    }
    if (dropped > 0) {
      spdlog::warn("{} notification(s) dropped: RabbitMQ at {} is unreachable and {} are "
                   "buffered at most",
                   dropped, o_.url.Redacted(), o_.max_buffered);
    }
  }

  void Loop() {
    while (true) {
      ReportDrops();
      std::optional<Item> next;
      {
        std::unique_lock<std::mutex> lock(mu_);
        if (stopping_ && (queue_.empty() || SteadyClock::now() >= drain_until_)) {
          if (!queue_.empty()) {
            spdlog::warn("{} notification(s) not sent at shutdown: RabbitMQ at {} did not "
                         "take them in time",
                         queue_.size(), o_.url.Redacted());
          }
          break;
        }
        if (!queue_.empty()) next = queue_.front();
        if (!next && !conn_) {
          cv_.wait_for(lock, std::chrono::seconds(1));
          continue;
        }
      }
      if (!next) {
        // Idle: service heartbeats and notice a broker-side close.
        auto r = conn_->Next(std::chrono::milliseconds(1000), wake_fd_);
        DrainWake();
        if (!r) Disconnect(r.error().message());
        continue;
      }
      if (!conn_ && !Connect()) {
        Failed(*next, "RabbitMQ unreachable");
        Backoff();
        continue;
      }
      auto sent = Send(*next);
      if (!sent) {
        Disconnect(sent.error().message());
        Failed(*next, sent.error().message());
        continue;
      }
      std::lock_guard<std::mutex> lock(mu_);
      if (!queue_.empty() && queue_.front().seq == next->seq) queue_.pop_front();
    }
    if (conn_) conn_->Close();
  }

  Result<void> Send(const Item& item) {
    const auto key = std::make_pair(item.exchange, item.routing_key);
    if (declared_.count(key) == 0) {
      MAGNUM_RETURN_IF_ERROR(
          conn_->DeclareExchange(ExchangeSpec{item.exchange, "topic", o_.durable, o_.auto_delete}));
      MAGNUM_RETURN_IF_ERROR(
          conn_->DeclareQueue(QueueSpec{item.routing_key, o_.durable, o_.auto_delete, 0}));
      MAGNUM_RETURN_IF_ERROR(conn_->Bind(item.routing_key, item.exchange, item.routing_key));
      declared_.insert(key);
    }
    return conn_->Publish(item.exchange, item.routing_key, item.body, 0);
  }

  // A failed attempt at `item`: with a retry limit, dropped once it is used up.
  void Failed(const Item& item, const std::string& why) {
    std::lock_guard<std::mutex> lock(mu_);
    if (queue_.empty() || queue_.front().seq != item.seq) return;
    if (stopping_) {
      spdlog::warn("{} notification(s) not sent at shutdown: {}", queue_.size(), why);
      queue_.clear();
      return;
    }
    Item& front = queue_.front();
    ++front.failures;
    if (o_.retry >= 0 && front.failures > o_.retry) {
      spdlog::warn("notification to {} dropped after {} attempt(s): {}", front.routing_key,
                   front.failures, why);
      queue_.pop_front();
    }
  }

  bool Connect() {
    const auto& hosts = o_.url.hosts;
    for (size_t i = 0; i < hosts.size(); ++i) {
      const BrokerHost& h = hosts[next_host_++ % hosts.size()];
      auto c = AmqpConnection::Open(h, o_.url.virtual_host, o_.heartbeat, o_.connect_timeout,
                                    o_.url.tls);
      if (!c) {
        if (failed_rounds_ == 0) spdlog::warn("notifications: {}", c.error().message());
        continue;
      }
      conn_ = std::move(*c);
      declared_.clear();
      spdlog::info("notifications: connected to RabbitMQ at {}{}", conn_->peer(),
                   failed_rounds_ ? " again" : "");
      failed_rounds_ = 0;
      return true;
    }
    if (failed_rounds_ == 0) {
      spdlog::warn("notifications: RabbitMQ unreachable at {}; they are buffered (at most {}) "
                   "and sent when it is back",
                   o_.url.Redacted(), o_.max_buffered);
    }
    ++failed_rounds_;
    return false;
  }

  void Disconnect(const std::string& why) {
    spdlog::warn("notifications: RabbitMQ connection to {} lost: {}", conn_->peer(), why);
    conn_.reset();
    declared_.clear();
  }

  void Backoff() {
    const int wait_s = std::min(o_.interval_max,
                                o_.retry_interval + (failed_rounds_ - 1) * o_.retry_backoff);
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(std::max(0, wait_s)), [this] { return stopping_; });
  }

  RabbitNotifyOptions o_;
  int wake_fd_ = -1;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_.
  std::deque<Item> queue_;
  uint64_t next_seq_ = 0;
  uint64_t dropped_ = 0;
  uint64_t reported_ = 0;
  bool stopping_ = false;
  SteadyClock::time_point drain_until_{};

  // The publishing thread's own.
  std::unique_ptr<AmqpConnection> conn_;
  std::set<std::pair<std::string, std::string>> declared_;
  size_t next_host_ = 0;
  int failed_rounds_ = 0;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace

std::unique_ptr<NotificationPublisher> NewRabbitNotificationPublisher(RabbitNotifyOptions o) {
  return std::make_unique<RabbitNotificationPublisher>(std::move(o));
}

}  // namespace magnum::rpc
