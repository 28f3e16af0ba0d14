// libFuzzer target: what RabbitMQ and the configuration hand the RabbitMQ transport
// (rpc/transport_url.h, rpc/oslo_envelope.h). Input: one selector byte, then the text.
//   0: a transport_url. It parses or fails with kInvalidArgument; a failure's message never
//      holds the URL's password (a parsed URL's first password, checked by re-parsing the
//      URL with that password replaced by a marker); Redacted() parses again with the same
//      users and hosts and "***" for every password.
//   1: an AMQP body taken from a topic queue (DecodeOsloRequest); a decoded request's
//      payload is a JSON object that encodes again.
//   2: an AMQP body taken from a reply queue (DecodeOsloReply).
// Nothing may crash or throw.
#include <stdint.h>
#include <stdlib.h>

#include <string>

#include "magnum/rpc/oslo_envelope.h"
#include "magnum/rpc/transport_url.h"

namespace {

constexpr const char* kMarker = "Pw0rdMark3r";

void CheckUrl(const std::string& text) {
  auto url = magnum::rpc::ParseTransportUrl(text);
  if (!url) {
    if (url.error().code() != magnum::ErrorCode::kInvalidArgument) abort();
    // The same URL with a marker as the first password: the error must not show it.
    size_t scheme = text.find("://");
    size_t at = text.rfind('@');
    if (scheme == std::string::npos || at == std::string::npos || at < scheme) return;
    size_t colon = text.find(':', scheme + 3);
    if (colon == std::string::npos || colon > at) return;
    std::string marked = text.substr(0, colon + 1) + kMarker + text.substr(at);
    auto again = magnum::rpc::ParseTransportUrl(marked);
    if (!again && again.error().message().find(kMarker) != std::string::npos) abort();
    return;
  }
  if (url->hosts.empty()) abort();
  // Redacted() is a URL again, with the same hosts and "***" for every password.
  auto redacted = magnum::rpc::ParseTransportUrl(url->Redacted());
  if (!redacted || redacted->hosts.size() != url->hosts.size()) abort();
  for (size_t i = 0; i < url->hosts.size(); ++i) {
    if (redacted->hosts[i].password != "***") abort();
    if (redacted->hosts[i].username != url->hosts[i].username) abort();
    if (redacted->hosts[i].host != url->hosts[i].host) abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 64 * 1024) return -1;
  std::string text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 3) {
    case 0:
      CheckUrl(text);
      break;
    case 1: {
      auto r = magnum::rpc::DecodeOsloRequest(text);
      if (r) {
        if (r->method.empty()) abort();
        if (!magnum::rpc::EncodeOsloRequest(r->method, r->payload, r->version, r->msg_id,
                                            r->reply_q)) {
          abort();
        }
      }
      break;
    }
    default: {
      auto r = magnum::rpc::DecodeOsloReply(text);
      if (r && r->msg_id.empty()) abort();
      break;
    }
  }
  return 0;
}
