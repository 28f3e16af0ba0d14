// Notifications in oslo.messaging's format: what a Python service's
// `oslo_messaging.Notifier` sends, so that consumers of a Python Magnum's notifications
// (Ceilometer, audit pipelines, `oslo_messaging.get_notification_listener`) read ours.
//
// A notification is (publisher_id, event_type, priority, payload, context). Every driver
// named by [oslo_messaging_notifications] driver gets it:
//   messagingv2  for each topic T (`topics`, default "notifications"): the message
//                {"message_id": uuid4, "publisher_id", "event_type", "priority": "INFO",
//                "payload", "timestamp": "YYYY-MM-DD HH:MM:SS.ffffff", "_unique_id": hex,
//                "_context_<k>": ...} inside the envelope {"oslo.version": "2.0",
//                "oslo.message": "<message as JSON text>"}, published to the control
//                exchange (topic type) with routing key `T.<priority in lower case>`; the
//                queue of that name is declared and bound first (as oslo does, so nothing
//                is lost before a consumer comes);
//   messaging    the same message without the envelope (oslo's format 1.0);
//   log          one log line per notification (the message as JSON);
//   noop         nothing.
//
// Notify() never blocks on I/O and never fails: a broker publisher (NotificationPublisher)
// queues the bodies and sends them from its own thread; when the broker is away it keeps
// at most `max_buffered` of them (the oldest are dropped, with a warning) and retries as
// `retry` says. Implementations are thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "magnum/common/error.h"

namespace magnum::config {
struct Config;
}

namespace magnum::rpc {

struct Notification {
  std::string publisher_id;  // "container-infra.<host>" for Magnum
  std::string event_type;    // "magnum.cluster.create"
  std::string priority;      // "INFO", "ERROR", ... (upper case, as oslo sends it)
  std::string payload;       // JSON text
  std::string context;       // JSON object text; each member becomes "_context_<name>"
};

class Notifier {
 public:
  virtual ~Notifier() = default;
  // Hands the notification to every driver. Never blocks on the broker; never fails.
  virtual void Notify(const Notification& n) = 0;
};

// Where broker-bound bodies go: queued, then published from the publisher's own thread.
class NotificationPublisher {
 public:
  virtual ~NotificationPublisher() = default;
  // Queues one body for `exchange` (topic type) with `routing_key`; the queue named
  // `routing_key` is declared and bound before the first publish on a connection. Never
  // blocks; false when it was dropped (stopped).
  virtual bool Publish(const std::string& exchange, const std::string& routing_key,
                       std::string body) = 0;
  // Bodies queued and not yet sent.
  virtual size_t Pending() const { return 0; }
};

struct NotifierOptions {
  std::vector<std::string> drivers;                   // messagingv2, messaging, log, noop
  std::vector<std::string> topics = {"notifications"};
  std::string exchange = "magnum";                    // [DEFAULT] control_exchange
};

// The driver names Notify understands.
bool IsKnownNotificationDriver(const std::string& name);
// Whether `drivers` needs a broker (messaging or messagingv2).
bool NeedsBroker(const std::vector<std::string>& drivers);

// A notifier over `publisher` (required when NeedsBroker(o.drivers); may be null else).
// kInvalidArgument for an unknown driver.
Result<std::unique_ptr<Notifier>> NewNotifier(NotifierOptions o,
                                              std::unique_ptr<NotificationPublisher> publisher);

// The notifier [oslo_messaging_notifications] configures; nullptr when no driver sends
// anything (none configured, or only noop). The broker is [oslo_messaging_notifications]
// transport_url, else [DEFAULT] transport_url; kInvalidArgument when a messaging driver
// has no rabbit:// URL to use (the in-process bus carries no notifications) or the URL is
// malformed. Connecting happens in the background: a broker that is away does not fail.
Result<std::unique_ptr<Notifier>> OpenNotifier(const config::Config& cfg);

// The oslo message (format 1.0) of `n` as JSON text; kInvalidArgument when the payload is
// not JSON or the context not a JSON object.
Result<std::string> EncodeNotificationMessage(const Notification& n,
                                              const std::string& message_id,
                                              const std::string& timestamp,
                                              const std::string& unique_id);
// The same message inside the 2.0 envelope.
Result<std::string> EncodeNotificationEnvelope(const Notification& n,
                                               const std::string& message_id,
                                               const std::string& timestamp,
                                               const std::string& unique_id);
// oslo's `str(timeutils.utcnow())`: "2026-12-05 01:26:33.634233" (no fraction when the
// microseconds are 0, as Python prints it).
std::string NotificationTimestamp(std::chrono::system_clock::time_point t);
// A random dashed UUID (version 4), as `str(uuid.uuid4())`.
std::string NewMessageId();

}  // namespace magnum::rpc
