// oslo.messaging transport URLs for the RabbitMQ driver:
//
//   rabbit://[user[:password]@]host[:port][,[user[:password]@]host[:port]...]/[vhost][?query]
//
// Several comma-separated hosts are tried in order (failover). User, password and virtual
// host are %-decoded; IPv6 hosts are written in brackets ([::1]:5672). The port defaults
// to 5672, the virtual host to "/" (an empty path). A host without credentials uses those
// of the first host that has some, else guest/guest (as kombu). Query options are kept;
// rpc/amqp_tls.h reads the ssl ones.
//
// Parse errors say what is wrong and where, but never echo the URL's credentials (nor any
// text from the part of the URL that may hold them). Stateless and thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"

namespace magnum::rpc {

struct BrokerHost {
  std::string host;
  uint16_t port = 5672;
  std::string username = "guest";
  std::string password = "guest";
};

// TLS settings of the connections to the broker (rpc/amqp_tls.h fills them from the
// [oslo_messaging_rabbit] ssl options and the URL's query; the parser leaves them off).
struct AmqpTls {
  bool enabled = false;
  std::string ca_file;    // "" = the system's trust store
  std::string cert_file;  // client certificate ("" = none)
  std::string key_file;   // "" = the key is in cert_file
  std::string version;    // "" = negotiate; "tlsv1", "tlsv1_1" or "tlsv1_2" = only that one
  bool verify_hostname = false;
};

struct TransportUrl {
  std::string scheme;             // "rabbit"
  std::vector<BrokerHost> hosts;  // at least one
  std::string virtual_host = "/";
  std::map<std::string, std::string> query;
  AmqpTls tls;

  // The URL with every password replaced by "***" (for logs).
  std::string Redacted() const;
};

// True if `url` names the RabbitMQ driver (scheme "rabbit").
bool IsRabbitTransportUrl(std::string_view url);

// Parses a rabbit:// URL; kInvalidArgument with a credential-free message otherwise.
Result<TransportUrl> ParseTransportUrl(std::string_view url);

}  // namespace magnum::rpc
