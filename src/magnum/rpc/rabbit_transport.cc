#include "magnum/rpc/rabbit_transport.h"

#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <exception>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>
#include <vector>

#include "magnum/rpc/amqp_connection.h"
#include "magnum/rpc/oslo_envelope.h"
#include "magnum/rpc/rabbit_topology.h"

namespace magnum::rpc {
namespace {

using Clock = std::chrono::steady_clock;
using Done = std::shared_ptr<std::promise<Result<void>>>;

// Work for the I/O thread.
struct Command {
  enum Kind { kPublish, kFinish, kReject, kSubscribe, kUnsubscribe } kind = kPublish;
  // kPublish: the request; check_topic: refuse when nobody consumes that queue.
  std::string exchange, routing_key, body, check_topic;
  int64_t expiration_ms = 0;
  bool needs_reply_queue = false;
  // kFinish / kReject: the delivery; kFinish also sends reply_body to reply_q first.
  uint64_t generation = 0, tag = 0;
  std::string unique_id, reply_q, reply_body;
  // kSubscribe / kUnsubscribe
  std::string topic;
  Done done;  // may be null
  Clock::time_point deadline = Clock::time_point::max();
};

// A request taken from a queue, waiting for a dispatcher thread.
struct Work {
  uint64_t generation = 0, tag = 0;
  std::string topic;
  OsloRequest request;
};

struct PendingCall {
  std::shared_ptr<std::promise<Result<std::string>>> reply;
  std::optional<Result<std::string>> partial;  // an older server's non-final reply
};

// Requests already seen, by _unique_id (I/O thread only).
struct Seen {
  bool done = false;
  std::string reply_q, reply_body;
  std::vector<std::pair<uint64_t, uint64_t>> extra;  // (generation, tag) of duplicates
};
constexpr size_t kSeenLimit = 4096;

void Settle(const Done& d, Result<void> r) {
  if (d) d->set_value(std::move(r));
}

class RabbitTransport final : public Transport {
 public:
  explicit RabbitTransport(RabbitOptions o) : o_(std::move(o)) {
    if (o_.dispatcher_threads < 1) o_.dispatcher_threads = 1;
    wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    io_ = std::thread([this] { IoLoop(); });
    for (int i = 0; i < o_.dispatcher_threads; ++i) workers_.emplace_back([this] { WorkLoop(); });
  }

  ~RabbitTransport() override {
    Shutdown();
    if (wake_fd_ >= 0) close(wake_fd_);
  }

  Result<std::string> Call(const std::string& topic, const std::string& method,
                           const std::string& payload, std::chrono::milliseconds timeout) override {
    const auto deadline = Clock::now() + timeout;
    const std::string msg_id = NewOsloId();
    MAGNUM_ASSIGN_OR_RETURN(std::string body,
                            EncodeOsloRequest(method, payload, "", msg_id, reply_q_));
    auto reply = std::make_shared<std::promise<Result<std::string>>>();
    auto reply_future = reply->get_future();
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shut_) return Fail(Error::Unavailable("the RabbitMQ transport is shut down"));
      calls_[msg_id] = PendingCall{reply, std::nullopt};
    }
    Command c;
    c.exchange = o_.control_exchange;
    c.routing_key = c.check_topic = topic;
    c.body = std::move(body);
    c.expiration_ms = std::max<int64_t>(1, timeout.count());
    c.needs_reply_queue = true;
    c.deadline = deadline;
    Result<void> sent = Submit(std::move(c), std::min(deadline, Clock::now() + o_.publish_timeout));
    if (sent && reply_future.wait_until(deadline) == std::future_status::ready) {
      return reply_future.get();
    }
    std::lock_guard<std::mutex> lock(mu_);
    calls_.erase(msg_id);
    if (!sent) return Fail(sent.error());
    return Fail(Error::Unavailable("no reply to " + method + " on topic " + topic + " within " +
                                   std::to_string(timeout.count()) + " ms"));
  }

  Result<void> Cast(const std::string& topic, const std::string& method,
                    const std::string& payload) override {
    MAGNUM_ASSIGN_OR_RETURN(std::string body, EncodeOsloRequest(method, payload, "", "", ""));
    Command c;
    c.exchange = o_.control_exchange;
    c.routing_key = c.check_topic = topic;
    c.body = std::move(body);
    c.deadline = Clock::now() + o_.publish_timeout;
    return Submit(std::move(c), c.deadline);
  }

  Result<void> Serve(const std::string& topic, Handler handler) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shut_) return Fail(Error::Unavailable("the RabbitMQ transport is shut down"));
      if (handlers_.count(topic) != 0) {
        return Fail(Error::AlreadyExists("topic " + topic + " is already served"));
      }
      handlers_[topic] = std::make_shared<Handler>(std::move(handler));
    }
    Command c;
    c.kind = Command::kSubscribe;
    c.topic = topic;
    // Returns once the consumer is there, so that what the caller does next (a conductor's
    // first heartbeat: "up" in mservices) means it takes calls; the wait covers the first
    // connection, usually made within milliseconds. A broker still unreachable after
    // connect_timeout does not hold the start up: the command stays queued until connected,
    // and SetUp subscribes every served topic then anyway.
    if (auto subscribed = Submit(std::move(c), Clock::now() + o_.connect_timeout); !subscribed) {
      spdlog::warn("RabbitMQ: topic {} not consumed yet ({}); consumed once connected", topic,
                   subscribed.error().message());
    }
    return {};
  }

  void StopServing(const std::string& topic) override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (handlers_.erase(topic) == 0 || shut_) return;
    }
    Command c;
    c.kind = Command::kUnsubscribe;
    c.topic = topic;
    (void)Submit(std::move(c), Clock::now() + o_.connect_timeout * 2);
    std::unique_lock<std::mutex> lock(mu_);
    idle_cv_.wait(lock, [&] { return running_[topic] == 0; });
  }

  void Shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shut_) return;
      shut_ = true;
      handlers_.clear();
    }
    work_cv_.notify_all();
    for (auto& t : workers_) {
      if (t.joinable()) t.join();
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (auto& w : work_) Push(RejectCommand(w.generation, w.tag));  // back to the queue
      work_.clear();
      stop_io_ = true;
    }
    Wake();
    if (io_.joinable()) io_.join();
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& [id, call] : calls_) {
      call.reply->set_value(Fail(Error::Unavailable("the RabbitMQ transport is shut down")));
    }
    calls_.clear();
  }

 private:
  // ---- any thread ----------------------------------------------------------------------
  void Wake() {
    uint64_t one = 1;
    if (wake_fd_ >= 0) (void)!write(wake_fd_, &one, sizeof one);
  }
  void Push(Command c) { commands_.push_back(std::move(c)); }  // mu_ held

  static Command RejectCommand(uint64_t generation, uint64_t tag) {
    Command c;
    c.kind = Command::kReject;
    c.generation = generation;
    c.tag = tag;
    return c;
  }

  // Queues `c` for the I/O thread and waits until it ran or `deadline` passed.
  Result<void> Submit(Command c, Clock::time_point deadline) {
    auto done = std::make_shared<std::promise<Result<void>>>();
    auto f = done->get_future();
    c.done = done;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (stop_io_) return Fail(Error::Unavailable("the RabbitMQ transport is shut down"));
      Push(std::move(c));
    }
    Wake();
    if (f.wait_until(deadline) != std::future_status::ready) {
      return Fail(Error::Unavailable("RabbitMQ is unreachable (" + LastError() + ")"));
    }
    return f.get();
  }

  std::string LastError() {
    std::lock_guard<std::mutex> lock(error_mu_);
    return last_error_.empty() ? "not connected yet" : last_error_;
  }

  // ---- dispatcher threads --------------------------------------------------------------
  void WorkLoop() {
    for (;;) {
      Work w;
      std::shared_ptr<Handler> handler;
      {
        std::unique_lock<std::mutex> lock(mu_);
        work_cv_.wait(lock, [&] { return shut_ || !work_.empty(); });
        if (shut_) return;
        w = std::move(work_.front());
        work_.pop_front();
        auto it = handlers_.find(w.topic);
        if (it == handlers_.end()) {  // no longer served here: back to the queue
          Push(RejectCommand(w.generation, w.tag));
          Wake();
          continue;
        }
        handler = it->second;
        ++running_[w.topic];
      }
      Result<std::string> result = Fail(Error::Internal("unset"));
      try {
        result = (*handler)(w.request.method, w.request.payload);
      } catch (const std::exception& e) {
        result =
            Fail(Error::Internal("RPC handler for " + w.request.method + " threw: " + e.what()));
      } catch (...) {
        result = Fail(Error::Internal("RPC handler for " + w.request.method + " threw"));
      }
      Command c;
      c.kind = Command::kFinish;
      c.generation = w.generation;
      c.tag = w.tag;
      c.unique_id = w.request.unique_id;
      if (!w.request.msg_id.empty() && !w.request.reply_q.empty()) {
        c.reply_q = w.request.reply_q;
        c.reply_body = EncodeOsloReply(result, w.request.msg_id);
      } else if (!result) {
        spdlog::warn("cast {} on topic {} failed: {}", w.request.method, w.topic,
                     result.error().message());
      }
      c.deadline = Clock::now() + std::chrono::seconds(o_.rabbit_transient_queues_ttl);
      {
        std::lock_guard<std::mutex> lock(mu_);
        Push(std::move(c));
        --running_[w.topic];
      }
      Wake();
      idle_cv_.notify_all();
    }
  }

  // ---- the I/O thread ------------------------------------------------------------------
  void IoLoop() {
    for (;;) {
      if (!conn_) {
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (stop_io_) break;
        }
        Connect();
        continue;
      }
      bool stop = false;
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (auto& c : commands_) waiting_.push_back(std::move(c));
        commands_.clear();
        stop = stop_io_;
      }
      RunWaiting();
      if (!conn_) continue;
      if (stop) break;
      auto next = conn_->Next(std::chrono::milliseconds(1000), wake_fd_);
      uint64_t ignored;
      while (read(wake_fd_, &ignored, sizeof ignored) > 0) {
      }
      if (!next) {
        Disconnect(next.error().message());
      } else if (*next) {
        OnDelivery(std::move(**next));
      }
    }
    if (conn_) conn_->Close();
    conn_.reset();
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& c : commands_) waiting_.push_back(std::move(c));
    commands_.clear();
    for (auto& c : waiting_)
      Settle(c.done, Fail(Error::Unavailable("the RabbitMQ transport is shut down")));
    waiting_.clear();
  }

  void SetLastError(const std::string& e) {
    std::lock_guard<std::mutex> lock(error_mu_);
    last_error_ = e;
  }

  void Disconnect(const std::string& why) {
    spdlog::warn("RabbitMQ connection to {} lost: {}; reconnecting", conn_->peer(), why);
    SetLastError(why);
    conn_.reset();
    topology_.Reset();
  }

  // One round over the hosts; on failure waits the back-off (commands expire meanwhile).
  void Connect() {
    const auto& hosts = o_.url.hosts;
    for (size_t i = 0; i < hosts.size(); ++i) {
      const BrokerHost& h = hosts[next_host_++ % hosts.size()];
      auto c = AmqpConnection::Open(h, o_.url.virtual_host, o_.heartbeat_timeout_threshold,
                                    o_.connect_timeout, o_.url.tls);
      if (!c) {
        SetLastError(c.error().message());
        if (failed_rounds_ == 0) spdlog::warn("{}", c.error().message());
        continue;
      }
      conn_ = std::move(*c);
      generation_++;
      std::vector<std::string> topics;
      {
        std::lock_guard<std::mutex> lock(mu_);
        for (auto& [t, h] : handlers_) topics.push_back(t);
      }
      if (auto set = topology_.SetUp(conn_.get(), topics); !set) {
        SetLastError(set.error().message());
        spdlog::warn("RabbitMQ at {}: {}", conn_->peer(), set.error().message());
        conn_.reset();
        continue;
      }
      spdlog::info("connected to RabbitMQ at {} (vhost {}){}", conn_->peer(), o_.url.virtual_host,
                   failed_rounds_ ? " again" : "");
      failed_rounds_ = 0;
      return;
    }
    const int wait_s =
        std::min(o_.rabbit_interval_max,
                 o_.rabbit_retry_interval + failed_rounds_ * o_.rabbit_retry_backoff);
    if (failed_rounds_ == 0) {
      spdlog::warn("RabbitMQ unreachable at {}; retrying every {}-{} s", o_.url.Redacted(),
                   o_.rabbit_retry_interval, o_.rabbit_interval_max);
    }
    ++failed_rounds_;
    const auto until = Clock::now() + std::chrono::seconds(std::max(0, wait_s));
    while (Clock::now() < until) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        if (stop_io_) return;
        for (auto& c : commands_) waiting_.push_back(std::move(c));
        commands_.clear();
      }
      ExpireWaiting();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }

  // Runs the queued commands in order while connected; those that need the broker stay
  // queued (until their deadline) when the connection fails.
  void RunWaiting() {
    while (conn_ && !waiting_.empty()) {
      Command c = std::move(waiting_.front());
      waiting_.pop_front();
      Result<void> r = Run(c);
      if (!r && conn_ && !conn_->usable()) {
        const std::string why = r.error().message();
        if (c.kind != Command::kReject) waiting_.push_front(std::move(c));
        Disconnect(why);
        break;
      }
      Settle(c.done, std::move(r));
    }
    ExpireWaiting();
  }

  // While disconnected: requests past their deadline fail; replies wait for the
  // connection until theirs (the reply queue outlives a connection, not a broker restart).
  void ExpireWaiting() {
    if (conn_) return;
    const auto now = Clock::now();
    for (auto it = waiting_.begin(); it != waiting_.end();) {
      const bool keep = it->kind == Command::kFinish
                            ? !it->reply_q.empty() && now < it->deadline
                            : it->kind != Command::kReject && now < it->deadline;
      if (keep) {
        ++it;
        continue;
      }
      if (it->kind == Command::kFinish) (void)MarkDone(*it);
      Settle(it->done, Fail(Error::Unavailable("RabbitMQ is unreachable (" + LastError() + ")")));
      it = waiting_.erase(it);
    }
  }

  Result<void> Run(const Command& c) {
    switch (c.kind) {
      case Command::kPublish: {
        if (Clock::now() >= c.deadline) return Fail(Error::Unavailable("timed out before sending"));
        if (!c.check_topic.empty()) {
          MAGNUM_ASSIGN_OR_RETURN(auto consumers, conn_->ConsumerCount(c.check_topic));
          if (!consumers || *consumers == 0) {
            return Fail(Error::Unavailable("no server is listening on topic " + c.check_topic));
          }
        }
        if (c.needs_reply_queue) MAGNUM_RETURN_IF_ERROR(topology_.EnsureReplyQueue(conn_.get()));
        return conn_->Publish(c.exchange, c.routing_key, c.body, c.expiration_ms);
      }
      case Command::kFinish: {
        if (!c.reply_q.empty())
          MAGNUM_RETURN_IF_ERROR(conn_->Publish("", c.reply_q, c.reply_body, 0));
        if (c.generation == generation_) MAGNUM_RETURN_IF_ERROR(conn_->Ack(c.tag));
        return MarkDone(c);
      }
      case Command::kReject:
        if (c.generation == generation_) return conn_->Reject(c.tag, /*requeue=*/true);
        return {};
      case Command::kSubscribe:
        return topology_.Subscribe(conn_.get(), c.topic);
      case Command::kUnsubscribe:
        return topology_.Unsubscribe(conn_.get(), c.topic);
    }
    return {};
  }

  // Records a finished request and acknowledges the duplicates that arrived meanwhile.
  Result<void> MarkDone(const Command& c) {
    if (c.unique_id.empty()) return {};
    auto it = seen_.find(c.unique_id);
    if (it == seen_.end()) return {};
    it->second.done = true;
    it->second.reply_q = c.reply_q;
    it->second.reply_body = c.reply_body;
    auto extra = std::move(it->second.extra);
    it->second.extra.clear();
    for (const auto& [gen, tag] : extra) {
      if (conn_ && gen == generation_) MAGNUM_RETURN_IF_ERROR(conn_->Ack(tag));
    }
    return {};
  }

  void OnDelivery(Delivery d) {
    if (topology_.IsReply(d.consumer_tag)) return OnReply(d);
    const std::string* topic = topology_.TopicOf(d.consumer_tag);
    if (!topic) {
      (void)conn_->Reject(d.delivery_tag, true);
      return;
    }
    auto request = DecodeOsloRequest(d.body);
    if (!request) {
      spdlog::warn("dropping a malformed message on {}: {}", d.routing_key,
                   request.error().message());
      (void)conn_->Ack(d.delivery_tag);
      return;
    }
    if (!request->unique_id.empty()) {
      auto [it, fresh] = seen_.try_emplace(request->unique_id);
      if (!fresh) {
        spdlog::info("request {} ({}) seen before: not run again", request->unique_id,
                     request->method);
        if (!it->second.done) {
          it->second.extra.emplace_back(generation_, d.delivery_tag);
          return;
        }
        if (!it->second.reply_q.empty()) {
          (void)conn_->Publish("", it->second.reply_q, it->second.reply_body, 0);
        }
        (void)conn_->Ack(d.delivery_tag);
        return;
      }
      seen_order_.push_back(request->unique_id);
      if (seen_order_.size() > kSeenLimit) {
        seen_.erase(seen_order_.front());
        seen_order_.pop_front();
      }
    }
    {
      std::lock_guard<std::mutex> lock(mu_);
      work_.push_back(Work{generation_, d.delivery_tag, *topic, std::move(*request)});
    }
    work_cv_.notify_one();
  }

  void OnReply(const Delivery& d) {
    auto reply = DecodeOsloReply(d.body);
    if (!reply) {
      spdlog::warn("dropping a malformed reply: {}", reply.error().message());
      return;
    }
    std::lock_guard<std::mutex> lock(mu_);
    auto it = calls_.find(reply->msg_id);
    if (it == calls_.end()) return;  // timed out already
    if (!reply->ending) {
      if (reply->has_result) it->second.partial = std::move(reply->outcome);
      return;
    }
    bool empty_final = reply->outcome && *reply->outcome == "null";
    if (it->second.partial && empty_final) {
      it->second.reply->set_value(std::move(*it->second.partial));
    } else {
      it->second.reply->set_value(std::move(reply->outcome));
    }
    calls_.erase(it);
  }

  RabbitOptions o_;
  const std::string reply_q_ = "reply_" + NewOsloId();
  int wake_fd_ = -1;

  std::mutex mu_;
  std::condition_variable work_cv_;  // work_ non-empty or shut_
  std::condition_variable idle_cv_;  // a handler finished
  // Guarded by mu_.
  bool shut_ = false;
  bool stop_io_ = false;
  std::deque<Command> commands_;
  std::deque<Work> work_;
  std::map<std::string, std::shared_ptr<Handler>> handlers_;
  std::map<std::string, int> running_;
  std::unordered_map<std::string, PendingCall> calls_;

  std::mutex error_mu_;
  std::string last_error_;  // guarded by error_mu_

  // The I/O thread's own state.
  std::unique_ptr<AmqpConnection> conn_;
  RabbitTopology topology_{o_, reply_q_};
  uint64_t generation_ = 0;
  size_t next_host_ = 0;
  int failed_rounds_ = 0;
  std::deque<Command> waiting_;
  std::unordered_map<std::string, Seen> seen_;
  std::deque<std::string> seen_order_;

  std::thread io_;
  std::vector<std::thread> workers_;
};

}  // namespace

std::unique_ptr<Transport> NewRabbitTransport(RabbitOptions options) {
  return std::make_unique<RabbitTransport>(std::move(options));
}

}  // namespace magnum::rpc
