// Checks every request passes before routing: the body's media type (415) and browser
// cross-origin requests (CORS as oslo.middleware's [cors] options describe it). Internal
// to the API module.
//
// Without authentication (noauth) a browser page on any other origin could otherwise
// create or delete clusters through a form POST or fetch(): a request carrying an Origin
// that is neither the API's own nor listed in [cors] allowed_origin is refused with 403.
// With Keystone the request proceeds (a browser attaches no token by itself) but gets no
// CORS headers, so the page cannot read the answer.
#pragma once

#include <optional>
#include <string>

#include "magnum/common/error.h"
#include "magnum/http/message.h"

namespace magnum::config {
struct Config;
}

namespace magnum::api {

// 415 for a POST/PUT/PATCH body that is not application/json (PATCH also takes
// application/json-patch+json); empty bodies pass.
Result<void> CheckMediaType(const http::Request& request);

class CorsGate {
 public:
  explicit CorsGate(const config::Config& config);

  // `own_origin`: "scheme://host[:port]" the request was addressed to. Returns the
  // response to send instead of routing (a preflight answer or the 403), or nullopt.
  std::optional<http::Response> Check(const http::Request& request,
                                      const std::string& own_origin) const;

  // Adds the CORS response headers when the request came from an allowed foreign origin.
  void Decorate(const http::Request& request, const std::string& own_origin,
                http::Response* response) const;

 private:
  enum class Verdict { kNoOrigin, kSameOrigin, kAllowed, kForeign };
  Verdict Classify(const http::Request& request, const std::string& own_origin,
                   std::string* origin) const;

  const config::Config& config_;
  bool noauth_;
  std::string public_origin_;  // of [api] public_endpoint, also our own; "" when unset
};

}  // namespace magnum::api
