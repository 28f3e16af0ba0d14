// The Transport a service's configuration names: the in-process bus for "" / inproc://,
// RabbitMQ (rabbit_transport.h) for rabbit:// with [oslo_messaging_rabbit] options.
#pragma once

#include <memory>

#include "magnum/common/error.h"
#include "magnum/config/config.h"
#include "magnum/rpc/transport.h"

namespace magnum::rpc {

// kInvalidArgument for an unsupported or malformed transport_url (the message never holds
// the URL's credentials). Connecting to a broker happens in the background: a broker that
// is away does not make this fail.
Result<std::unique_ptr<Transport>> OpenTransport(const config::Config& cfg);

// transport_url for logs: credentials replaced by "***" ("" stays "").
std::string RedactedTransportUrl(const std::string& url);

}  // namespace magnum::rpc
