// TLS to the RabbitMQ broker: oslo.messaging's [oslo_messaging_rabbit] ssl options.
//
//   ssl                                 connect over TLS (also `?ssl=1` in the transport URL)
//   ssl_ca_file                         PEM CA bundle; the broker's chain must verify against it
//   ssl_cert_file / ssl_key_file        client certificate and key (the key may be in the
//                                       certificate file); a key without a certificate is refused
//   ssl_version                         "" or sslv23 = negotiate; tlsv1, tlsv1_1, tlsv1_2 pin one
//                                       version; sslv2/sslv3 (and anything else) are refused
//   ssl_enforce_hostname_verification   also match the broker's host name (needs ssl_ca_file)
//   ssl_enforce_fips_mode               refused when true (no FIPS provider switching here)
//
// As in oslo, each option may also be given as a query option of the transport URL
// (`rabbit://...?ssl=1&ssl_ca_file=/etc/ca.pem`), which overrides the configuration file.
// Peer verification: with ssl_ca_file the chain is verified against that bundle; without it
// against the system's trust store (what py-amqp's default client context does), so a
// broker with a private CA needs ssl_ca_file. The host name is checked only with
// ssl_enforce_hostname_verification and ssl_ca_file (as oslo). Stateless and thread-safe.
#pragma once

#include <string>

#include "magnum/common/error.h"
#include "magnum/config/config.h"
#include "magnum/rpc/transport_url.h"

namespace magnum::rpc {

// The [oslo_messaging_rabbit] ssl options merged with the transport URL's query options and
// checked: kInvalidArgument naming the option for an unknown or refused value, a file that
// cannot be read or that OpenSSL cannot load (CA bundle, certificate, key, or a key that
// does not match the certificate).
Result<AmqpTls> ResolveAmqpTls(const config::Config& cfg, const TransportUrl& url);

// Fills url->tls with ResolveAmqpTls (the transport and the notifications publisher both
// open their connections from a TransportUrl).
Result<void> ApplyAmqpTls(const config::Config& cfg, TransportUrl* url);

}  // namespace magnum::rpc
