#include "magnum/rpc/notifier.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <random>

#include "magnum/common/strings.h"
#include "magnum/config/config.h"
#include "magnum/rpc/amqp_tls.h"
#include "magnum/rpc/inproc_transport.h"
#include "magnum/rpc/oslo_envelope.h"
#include "magnum/rpc/rabbit_notify_publisher.h"
#include "magnum/rpc/transport_url.h"

namespace magnum::rpc {
namespace {

using Json = nlohmann::json;

constexpr const char* kDrivers[] = {"messagingv2", "messaging", "log", "noop"};

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string Joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

Result<Json> MessageOf(const Notification& n, const std::string& message_id,
                       const std::string& timestamp, const std::string& unique_id) {
  Json payload = Json::parse(n.payload, nullptr, false);
  if (payload.is_discarded()) {
    return Fail(Error::InvalidArgument("notification " + n.event_type + ": payload is not JSON"));
  }
  Json context = n.context.empty() ? Json::object() : Json::parse(n.context, nullptr, false);
  if (context.is_discarded() || !context.is_object()) {
    return Fail(Error::InvalidArgument("notification " + n.event_type +
                                       ": context is not a JSON object"));
  }
  Json msg = Json::object();
  msg["message_id"] = message_id;
  msg["publisher_id"] = n.publisher_id;
  msg["event_type"] = n.event_type;
  msg["priority"] = n.priority;
  msg["payload"] = std::move(payload);
  msg["timestamp"] = timestamp;
  if (!unique_id.empty()) msg["_unique_id"] = unique_id;
  for (auto& [k, v] : context.items()) msg["_context_" + k] = v;
  return msg;
}

class DriverNotifier final : public Notifier {
 public:
  DriverNotifier(NotifierOptions o, std::unique_ptr<NotificationPublisher> publisher)
      : o_(std::move(o)), publisher_(std::move(publisher)) {}

  void Notify(const Notification& n) override {
    const std::string message_id = NewMessageId();
    const std::string timestamp = NotificationTimestamp(std::chrono::system_clock::now());
    for (const auto& driver : o_.drivers) {
      if (driver == "log") {
        Log(n, message_id, timestamp);
      } else if (driver == "messagingv2" || driver == "messaging") {
        for (const auto& topic : o_.topics) {
          const std::string unique_id = NewOsloId();
          auto body = driver == "messagingv2"
                          ? EncodeNotificationEnvelope(n, message_id, timestamp, unique_id)
                          : EncodeNotificationMessage(n, message_id, timestamp, unique_id);
          if (!body) {
            spdlog::error("notification not sent: {}", body.error().message());
            return;
          }
          publisher_->Publish(o_.exchange, topic + "." + AsciiLower(n.priority),
                              std::move(*body));
        }
      }
    }
  }

 private:
  static void Log(const Notification& n, const std::string& message_id,
                  const std::string& timestamp) {
    auto msg = EncodeNotificationMessage(n, message_id, timestamp, "");
    const std::string text = msg ? *msg : msg.error().message();
    const std::string p = AsciiLower(n.priority);
    const auto level = p == "error" || p == "critical" ? spdlog::level::err
                       : p == "warn" || p == "warning" ? spdlog::level::warn
                       : p == "debug"                  ? spdlog::level::debug
                                                       : spdlog::level::info;
    spdlog::log(level, "notification {}: {}", n.event_type, text);
  }

  const NotifierOptions o_;
  const std::unique_ptr<NotificationPublisher> publisher_;
};

}  // namespace

bool IsKnownNotificationDriver(const std::string& name) {
  return std::find(std::begin(kDrivers), std::end(kDrivers), name) != std::end(kDrivers);
}

bool NeedsBroker(const std::vector<std::string>& drivers) {
  return std::any_of(drivers.begin(), drivers.end(), [](const std::string& d) {
    return d == "messagingv2" || d == "messaging";
  });
}

Result<std::unique_ptr<Notifier>> NewNotifier(NotifierOptions o,
                                              std::unique_ptr<NotificationPublisher> publisher) {
  for (const auto& d : o.drivers) {
    if (!IsKnownNotificationDriver(d)) {
      return Fail(Error::InvalidArgument("unknown notification driver '" + d +
                                         "' (one of: messagingv2, messaging, log, noop)"));
    }
  }
  if (NeedsBroker(o.drivers) && !publisher) {
    return Fail(Error::InvalidArgument("notification driver messaging needs a broker"));
  }
  return std::unique_ptr<Notifier>(new DriverNotifier(std::move(o), std::move(publisher)));
}

Result<std::unique_ptr<Notifier>> OpenNotifier(const config::Config& cfg) {
  NotifierOptions o;
  for (const auto& d : cfg.notification_drivers) {
    if (d != "noop" && std::find(o.drivers.begin(), o.drivers.end(), d) == o.drivers.end()) {
      o.drivers.push_back(d);
    }
  }
  if (o.drivers.empty()) return std::unique_ptr<Notifier>();
  o.topics = cfg.notification_topics;
  o.exchange = cfg.control_exchange;
  std::unique_ptr<NotificationPublisher> publisher;
  if (NeedsBroker(o.drivers)) {
    const std::string& url = cfg.notification_transport_url.empty()
                                 ? cfg.transport_url
                                 : cfg.notification_transport_url;
    if (IsInprocTransportUrl(url)) {
      return Fail(Error::InvalidArgument(
          "[oslo_messaging_notifications] driver messagingv2/messaging needs a message broker: "
          "set [oslo_messaging_notifications] transport_url (or [DEFAULT] transport_url) to a "
          "rabbit:// URL, or use driver = log; the in-process bus carries no notifications"));
    }
    auto parsed = ParseTransportUrl(url);
    if (!parsed) {
      return Fail(Error::InvalidArgument("notifications transport_url: " +
                                         parsed.error().message()));
    }
    MAGNUM_RETURN_IF_ERROR(ApplyAmqpTls(cfg, &*parsed));  // rpc/amqp_tls.h
    RabbitNotifyOptions r;
    r.url = std::move(*parsed);
    r.durable = cfg.amqp_durable_queues;
    r.auto_delete = cfg.amqp_auto_delete;
    r.retry = cfg.notification_retry;
    r.retry_interval = cfg.rabbit_retry_interval;
    r.retry_backoff = cfg.rabbit_retry_backoff;
    r.interval_max = cfg.rabbit_interval_max;
    r.heartbeat = cfg.heartbeat_timeout_threshold;
    spdlog::info("notifications: {} to {} (exchange {}, topics {})", Joined(o.drivers),
                 r.url.Redacted(), o.exchange, Joined(o.topics));
    publisher = NewRabbitNotificationPublisher(std::move(r));
  } else {
    spdlog::info("notifications: {}", Joined(o.drivers));
  }
  return NewNotifier(std::move(o), std::move(publisher));
}

Result<std::string> EncodeNotificationMessage(const Notification& n,
                                              const std::string& message_id,
                                              const std::string& timestamp,
                                              const std::string& unique_id) {
  MAGNUM_ASSIGN_OR_RETURN(Json msg, MessageOf(n, message_id, timestamp, unique_id));
  return Dump(msg);
}

Result<std::string> EncodeNotificationEnvelope(const Notification& n,
                                               const std::string& message_id,
                                               const std::string& timestamp,
                                               const std::string& unique_id) {
  MAGNUM_ASSIGN_OR_RETURN(Json msg, MessageOf(n, message_id, timestamp, unique_id));
  return Dump(Json{{"oslo.version", kOsloEnvelopeVersion}, {"oslo.message", Dump(msg)}});
}

std::string NotificationTimestamp(std::chrono::system_clock::time_point t) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch());
  std::time_t secs = static_cast<std::time_t>(us.count() / 1'000'000);
  long micros = static_cast<long>(us.count() % 1'000'000);
  if (micros < 0) {
    micros += 1'000'000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[48];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02d %02d:%02d:%02d", tm.tm_year + 1900,
                        tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  if (micros != 0) std::snprintf(buf + n, sizeof buf - n, ".%06ld", micros);
  return buf;
}

std::string NewMessageId() {
  const std::string hex = NewOsloId();  // 32 hex digits, version 4
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace magnum::rpc
