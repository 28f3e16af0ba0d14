// The librabbitmq socket for one connection, plain or TLS (rpc/amqp_tls.h). Internal to
// rpc/amqp_connection.cc and rpc/amqp_tls.cc: it names librabbitmq types.
#pragma once

#include <amqp.h>

#include "magnum/common/error.h"
#include "magnum/rpc/transport_url.h"

namespace magnum::rpc {

// A socket owned by `conn`: TCP when `tls.enabled` is false, else OpenSSL with the CA
// bundle, client certificate/key, version and verification of `tls`. kInvalidArgument
// naming the [oslo_messaging_rabbit] option whose file or value OpenSSL refuses.
Result<amqp_socket_t*> NewAmqpSocket(amqp_connection_state_t conn, const AmqpTls& tls);

// For a failed open (librabbitmq status `rc`) over `tls`: OpenSSL's reason and which
// option to check, in parentheses; "" when TLS is off or `rc` is no TLS failure. Call it on
// the thread that opened the socket (OpenSSL's error queue is per thread).
std::string TlsFailureHint(int rc, const AmqpTls& tls);

}  // namespace magnum::rpc
