#include "magnum/rpc/amqp_connection.h"

#include <amqp.h>
#include <poll.h>
#include <sys/time.h>

#include <cerrno>
#include <cstring>

#include "magnum/rpc/amqp_tls_socket.h"

namespace magnum::rpc {
namespace {

constexpr amqp_channel_t kMain = 1;
constexpr amqp_channel_t kCheck = 2;

amqp_bytes_t Bytes(const std::string& s) {
  amqp_bytes_t b;
  b.len = s.size();
  b.bytes = const_cast<char*>(s.data());
  return b;
}

std::string Text(amqp_bytes_t b) {
  return b.len == 0 ? std::string() : std::string(static_cast<const char*>(b.bytes), b.len);
}

timeval ToTimeval(std::chrono::milliseconds d) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(d.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((d.count() % 1000) * 1000);
  return tv;
}

// The reason of a failed synchronous method, in words (never any credential).
std::string Reason(const amqp_rpc_reply_t& r) {
  switch (r.reply_type) {
    case AMQP_RESPONSE_NORMAL:
      return "ok";
    case AMQP_RESPONSE_NONE:
      return "no reply from the broker";
    case AMQP_RESPONSE_LIBRARY_EXCEPTION:
      return amqp_error_string2(r.library_error);
    case AMQP_RESPONSE_SERVER_EXCEPTION:
      if (r.reply.id == AMQP_CONNECTION_CLOSE_METHOD) {
        auto* m = static_cast<amqp_connection_close_t*>(r.reply.decoded);
        return "the broker closed the connection: " + std::to_string(m->reply_code) + " " +
               Text(m->reply_text);
      }
      if (r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
        auto* m = static_cast<amqp_channel_close_t*>(r.reply.decoded);
        return "the broker closed the channel: " + std::to_string(m->reply_code) + " " +
               Text(m->reply_text);
      }
      return "unexpected broker method " + std::to_string(r.reply.id);
  }
  return "unknown reply";
}

}  // namespace

struct AmqpConnection::State {
  amqp_connection_state_t conn = nullptr;
  bool usable = false;      // logged in, not broken
  bool check_open = false;  // channel 2 open
  int heartbeat = 0;

  ~State() {
    if (conn) amqp_destroy_connection(conn);
  }

  // A failure on the connection: from now on unusable.
  Error Broken(const std::string& what, const std::string& reason) {
    usable = false;
    return Error::Unavailable("RabbitMQ " + what + ": " + reason);
  }
  Result<void> Check(const char* what) {
    amqp_rpc_reply_t r = amqp_get_rpc_reply(conn);
    if (r.reply_type == AMQP_RESPONSE_NORMAL) return {};
    return Fail(Broken(what, Reason(r)));
  }
};

AmqpConnection::AmqpConnection(std::unique_ptr<State> s, std::string peer)
    : s_(std::move(s)), peer_(std::move(peer)) {}

AmqpConnection::~AmqpConnection() = default;

bool AmqpConnection::usable() const { return s_->usable; }

Result<std::unique_ptr<AmqpConnection>> AmqpConnection::Open(
    const BrokerHost& host, const std::string& vhost, int heartbeat,
    std::chrono::milliseconds connect_timeout, const AmqpTls& tls) {
  std::string peer =
      (host.host.find(':') != std::string::npos ? "[" + host.host + "]" : host.host) + ":" +
      std::to_string(host.port);
  auto s = std::make_unique<State>();
  s->heartbeat = heartbeat;
  s->conn = amqp_new_connection();
  if (!s->conn) return Fail(Error::Internal("cannot allocate an AMQP connection"));
  MAGNUM_ASSIGN_OR_RETURN(amqp_socket_t * sock, NewAmqpSocket(s->conn, tls));
  timeval tv = ToTimeval(connect_timeout);
  amqp_set_handshake_timeout(s->conn, &tv);
  amqp_set_rpc_timeout(s->conn, &tv);
  int rc = amqp_socket_open_noblock(sock, host.host.c_str(), host.port, &tv);
  if (rc != AMQP_STATUS_OK) {
    return Fail(Error::Unavailable("cannot connect to RabbitMQ at " + peer +
                                   (tls.enabled ? " over TLS: " : ": ") +
                                   amqp_error_string2(rc) + TlsFailureHint(rc, tls)));
  }
  amqp_rpc_reply_t r =
      amqp_login(s->conn, vhost.c_str(), 0, 131072, heartbeat, AMQP_SASL_METHOD_PLAIN,
                 host.username.c_str(), host.password.c_str());
  if (r.reply_type != AMQP_RESPONSE_NORMAL) {
    std::string reason = Reason(r);
    if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION &&
        (r.library_error == AMQP_STATUS_CONNECTION_CLOSED ||
         r.library_error == AMQP_STATUS_SOCKET_CLOSED)) {
      reason += " (login refused? check the user name, password and virtual host)";
    }
    return Fail(Error::Unavailable("RabbitMQ at " + peer + " refused the login of user '" +
                                   host.username + "': " + reason));
  }
  amqp_channel_open(s->conn, kMain);
  if (r = amqp_get_rpc_reply(s->conn); r.reply_type != AMQP_RESPONSE_NORMAL) {
    return Fail(
        Error::Unavailable("RabbitMQ at " + peer + ": cannot open a channel: " + Reason(r)));
  }
  s->usable = true;
  return std::unique_ptr<AmqpConnection>(new AmqpConnection(std::move(s), std::move(peer)));
}

Result<void> AmqpConnection::DeclareExchange(const ExchangeSpec& e) {
  amqp_exchange_declare(s_->conn, kMain, Bytes(e.name), Bytes(e.type), 0, e.durable, e.auto_delete,
                        0, amqp_empty_table);
  return s_->Check(("declaring exchange " + e.name).c_str());
}

Result<void> AmqpConnection::DeclareQueue(const QueueSpec& q) {
  amqp_table_entry_t expires;
  expires.key = amqp_cstring_bytes("x-expires");
  expires.value.kind = AMQP_FIELD_KIND_I32;
  expires.value.value.i32 = static_cast<int32_t>(q.expires_ms);
  amqp_table_t args = amqp_empty_table;
  if (q.expires_ms > 0) {
    args.num_entries = 1;
    args.entries = &expires;
  }
  amqp_queue_declare(s_->conn, kMain, Bytes(q.name), 0, q.durable, 0, q.auto_delete, args);
  return s_->Check(("declaring queue " + q.name).c_str());
}

Result<void> AmqpConnection::Bind(const std::string& queue, const std::string& exchange,
                                  const std::string& routing_key) {
  amqp_queue_bind(s_->conn, kMain, Bytes(queue), Bytes(exchange), Bytes(routing_key),
                  amqp_empty_table);
  return s_->Check(("binding queue " + queue + " to exchange " + exchange).c_str());
}

Result<void> AmqpConnection::Qos(uint16_t prefetch_count) {
  amqp_basic_qos(s_->conn, kMain, 0, prefetch_count, 0);
  return s_->Check("setting the prefetch count");
}

Result<std::string> AmqpConnection::Consume(const std::string& queue, bool no_ack) {
  amqp_basic_consume_ok_t* ok = amqp_basic_consume(s_->conn, kMain, Bytes(queue), amqp_empty_bytes,
                                                   0, no_ack, 0, amqp_empty_table);
  MAGNUM_RETURN_IF_ERROR(s_->Check(("consuming from queue " + queue).c_str()));
  if (!ok) return Fail(s_->Broken("consuming from queue " + queue, "no consumer tag"));
  return Text(ok->consumer_tag);
}

Result<void> AmqpConnection::Cancel(const std::string& consumer_tag) {
  amqp_basic_cancel(s_->conn, kMain, Bytes(consumer_tag));
  return s_->Check("cancelling a consumer");
}

Result<void> AmqpConnection::Publish(const std::string& exchange, const std::string& routing_key,
                                     const std::string& body, int64_t expiration_ms) {
  amqp_basic_properties_t props;
  std::memset(&props, 0, sizeof props);
  props._flags = AMQP_BASIC_CONTENT_TYPE_FLAG | AMQP_BASIC_CONTENT_ENCODING_FLAG |
                 AMQP_BASIC_DELIVERY_MODE_FLAG | AMQP_BASIC_PRIORITY_FLAG | AMQP_BASIC_HEADERS_FLAG;
  props.content_type = amqp_cstring_bytes("application/json");
  props.content_encoding = amqp_cstring_bytes("utf-8");
  props.delivery_mode = 2;  // persistent
  props.priority = 0;
  props.headers = amqp_empty_table;
  std::string expiration = std::to_string(expiration_ms);
  if (expiration_ms > 0) {
    props._flags |= AMQP_BASIC_EXPIRATION_FLAG;
    props.expiration = Bytes(expiration);
  }
  int rc = amqp_basic_publish(s_->conn, kMain, Bytes(exchange), Bytes(routing_key), 0, 0, &props,
                              Bytes(body));
  if (rc != AMQP_STATUS_OK) return Fail(s_->Broken("publishing", amqp_error_string2(rc)));
  return {};
}

Result<void> AmqpConnection::Ack(uint64_t delivery_tag) {
  int rc = amqp_basic_ack(s_->conn, kMain, delivery_tag, 0);
  if (rc != AMQP_STATUS_OK) return Fail(s_->Broken("acknowledging", amqp_error_string2(rc)));
  return {};
}

Result<void> AmqpConnection::Reject(uint64_t delivery_tag, bool requeue) {
  int rc = amqp_basic_reject(s_->conn, kMain, delivery_tag, requeue);
  if (rc != AMQP_STATUS_OK) return Fail(s_->Broken("rejecting", amqp_error_string2(rc)));
  return {};
}

Result<std::optional<uint32_t>> AmqpConnection::ConsumerCount(const std::string& queue) {
  if (!s_->check_open) {
    amqp_channel_open(s_->conn, kCheck);
    MAGNUM_RETURN_IF_ERROR(s_->Check("opening the check channel"));
    s_->check_open = true;
  }
  amqp_queue_declare_ok_t* ok =
      amqp_queue_declare(s_->conn, kCheck, Bytes(queue), 1, 0, 0, 0, amqp_empty_table);
  amqp_rpc_reply_t r = amqp_get_rpc_reply(s_->conn);
  if (r.reply_type == AMQP_RESPONSE_NORMAL && ok)
    return std::optional<uint32_t>(ok->consumer_count);
  if (r.reply_type == AMQP_RESPONSE_SERVER_EXCEPTION && r.reply.id == AMQP_CHANNEL_CLOSE_METHOD) {
    auto* m = static_cast<amqp_channel_close_t*>(r.reply.decoded);
    const int code = m->reply_code;
    amqp_channel_close_ok_t close_ok{};
    if (amqp_send_method(s_->conn, kCheck, AMQP_CHANNEL_CLOSE_OK_METHOD, &close_ok) !=
        AMQP_STATUS_OK) {
      return Fail(s_->Broken("checking queue " + queue, "cannot acknowledge a channel close"));
    }
    s_->check_open = false;
    if (code == AMQP_NOT_FOUND) return std::optional<uint32_t>();
    return Fail(Error::Unavailable("RabbitMQ: checking queue " + queue + ": " + Reason(r)));
  }
  return Fail(s_->Broken("checking queue " + queue, Reason(r)));
}

Result<std::optional<Delivery>> AmqpConnection::Next(std::chrono::milliseconds timeout,
                                                     int wake_fd) {
  if (!s_->usable) return Fail(Error::Unavailable("RabbitMQ connection is closed"));
  if (s_->heartbeat > 0) {
    timeout = std::min(timeout, std::chrono::milliseconds(s_->heartbeat * 1000 / 4));
  }
  if (!amqp_frames_enqueued(s_->conn) && !amqp_data_in_buffer(s_->conn)) {
    pollfd fds[2] = {{amqp_get_sockfd(s_->conn), POLLIN, 0}, {wake_fd, POLLIN, 0}};
    int n = poll(fds, wake_fd >= 0 ? 2 : 1, static_cast<int>(timeout.count()));
    if (n < 0 && errno != EINTR) {
      return Fail(s_->Broken("waiting for messages", std::strerror(errno)));
    }
  }
  amqp_maybe_release_buffers(s_->conn);
  amqp_envelope_t env;
  timeval zero{0, 0};
  amqp_rpc_reply_t r = amqp_consume_message(s_->conn, &env, &zero, 0);
  if (r.reply_type == AMQP_RESPONSE_NORMAL) {
    Delivery d;
    d.delivery_tag = env.delivery_tag;
    d.consumer_tag = Text(env.consumer_tag);
    d.exchange = Text(env.exchange);
    d.routing_key = Text(env.routing_key);
    d.body = Text(env.message.body);
    d.redelivered = env.redelivered != 0;
    amqp_destroy_envelope(&env);
    return std::optional<Delivery>(std::move(d));
  }
  if (r.reply_type == AMQP_RESPONSE_LIBRARY_EXCEPTION && r.library_error == AMQP_STATUS_TIMEOUT) {
    return std::optional<Delivery>();
  }
  if (r.reply_type != AMQP_RESPONSE_LIBRARY_EXCEPTION ||
      r.library_error != AMQP_STATUS_UNEXPECTED_STATE) {
    return Fail(s_->Broken("receiving", Reason(r)));
  }
  // A frame other than a delivery: a broker-side close or cancel ends this connection.
  amqp_frame_t frame;
  int rc = amqp_simple_wait_frame_noblock(s_->conn, &frame, &zero);
  if (rc == AMQP_STATUS_TIMEOUT) return std::optional<Delivery>();
  if (rc != AMQP_STATUS_OK) return Fail(s_->Broken("receiving", amqp_error_string2(rc)));
  if (frame.frame_type != AMQP_FRAME_METHOD) return std::optional<Delivery>();
  switch (frame.payload.method.id) {
    case AMQP_CHANNEL_CLOSE_METHOD: {
      auto* m = static_cast<amqp_channel_close_t*>(frame.payload.method.decoded);
      return Fail(s_->Broken("channel", "closed by the broker: " + std::to_string(m->reply_code) +
                                            " " + Text(m->reply_text)));
    }
    case AMQP_CONNECTION_CLOSE_METHOD: {
      auto* m = static_cast<amqp_connection_close_t*>(frame.payload.method.decoded);
      return Fail(s_->Broken(
          "connection",
          "closed by the broker: " + std::to_string(m->reply_code) + " " + Text(m->reply_text)));
    }
    case AMQP_BASIC_CANCEL_METHOD:
      return Fail(s_->Broken("consumer", "cancelled by the broker (queue deleted?)"));
    case AMQP_BASIC_RETURN_METHOD: {
      amqp_message_t message;
      amqp_rpc_reply_t rr = amqp_read_message(s_->conn, frame.channel, &message, 0);
      if (rr.reply_type != AMQP_RESPONSE_NORMAL) return Fail(s_->Broken("receiving", Reason(rr)));
      amqp_destroy_message(&message);
      return std::optional<Delivery>();
    }
    default:
      return std::optional<Delivery>();
  }
}

void AmqpConnection::Close() {
  if (!s_->usable) return;
  s_->usable = false;
  amqp_channel_close(s_->conn, kMain, AMQP_REPLY_SUCCESS);
  amqp_connection_close(s_->conn, AMQP_REPLY_SUCCESS);
}

}  // namespace magnum::rpc
