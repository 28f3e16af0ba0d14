#include "magnum/api/request_gate.h"

#include <algorithm>
#include <cctype>

#include "magnum/api/api_types.h"
#include "magnum/common/strings.h"
#include "magnum/config/config.h"

namespace magnum::api {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// Origins compare case-insensitively (scheme and host are); a trailing '/' is ignored.
std::string NormalOrigin(std::string_view s) {
  std::string o = AsciiLower(TrimBlanks(s));
  while (!o.empty() && o.back() == '/') o.pop_back();
  return o;
}

}  // namespace

Result<void> CheckMediaType(const http::Request& request) {
  const std::string& m = request.method;
  if (request.body.empty() || (m != "POST" && m != "PUT" && m != "PATCH")) return {};
  auto type = request.Header("Content-Type");
  if (!type) {
    return Fail(Error::UnsupportedMediaType(
        "The request has a body but no Content-Type. Send it as application/json."));
  }
  std::string media = AsciiLower(TrimBlanks(std::string_view(*type).substr(0, type->find(';'))));
  if (media == "application/json") return {};
  if (m == "PATCH" && media == "application/json-patch+json") return {};
  return Fail(Error::UnsupportedMediaType(
      "The media type " + Printable(media, 200) +
      " is not supported. Send the body as application/json" +
      (m == "PATCH" ? " or application/json-patch+json." : ".")));
}

CorsGate::CorsGate(const config::Config& config)
    : config_(config), noauth_(config.auth_strategy == "noauth") {
  const std::string& pub = config.api_public_endpoint;
  if (size_t scheme = pub.find("://"); scheme != std::string::npos) {
    public_origin_ = NormalOrigin(pub.substr(0, pub.find('/', scheme + 3)));
  }
}

CorsGate::Verdict CorsGate::Classify(const http::Request& request, const std::string& own_origin,
                                     std::string* origin) const {
  auto o = request.Header("Origin");
  if (!o) return Verdict::kNoOrigin;
  *origin = NormalOrigin(*o);
  if (*origin == NormalOrigin(own_origin) || (!public_origin_.empty() && *origin == public_origin_)) {
    return Verdict::kSameOrigin;
  }
  for (const auto& allowed : config_.cors_allowed_origin) {
    if (allowed == "*" || NormalOrigin(allowed) == *origin) return Verdict::kAllowed;
  }
  return Verdict::kForeign;
}

std::optional<http::Response> CorsGate::Check(const http::Request& request,
                                              const std::string& own_origin) const {
  std::string origin;
  const Verdict v = Classify(request, own_origin, &origin);
  const bool preflight =
      request.method == "OPTIONS" && request.Header("Access-Control-Request-Method").has_value();
  if (v == Verdict::kForeign && (noauth_ || preflight)) {
    http::Response r = ErrorToResponse(Error::PermissionDenied(
        "Cross-origin request from " + Printable(origin, 200) + " refused" +
        (noauth_ ? ": this API runs without authentication" : "") +
        ". To allow a web application on that origin, list it in [cors] allowed_origin."));
    r.SetHeader("Vary", "Origin");
    return r;
  }
  if (!preflight || v == Verdict::kNoOrigin) return std::nullopt;
  // A preflight from our own or an allowed origin.
  const std::string method(TrimBlanks(*request.Header("Access-Control-Request-Method")));
  const auto& methods = config_.cors_allow_methods;
  http::Response r;
  r.status = 200;
  r.SetHeader("Vary", "Origin");
  if (std::find(methods.begin(), methods.end(), method) == methods.end()) return r;  // no grant
  r.SetHeader("Access-Control-Allow-Origin", std::string(*request.Header("Origin")));
  r.SetHeader("Access-Control-Allow-Methods", Join(methods));
  r.SetHeader("Access-Control-Allow-Headers", Join(config_.cors_allow_headers));
  r.SetHeader("Access-Control-Max-Age", std::to_string(config_.cors_max_age));
  if (config_.cors_allow_credentials) r.SetHeader("Access-Control-Allow-Credentials", "true");
  return r;
}

void CorsGate::Decorate(const http::Request& request, const std::string& own_origin,
                        http::Response* response) const {
  std::string origin;
  if (Classify(request, own_origin, &origin) != Verdict::kAllowed) return;
  response->SetHeader("Access-Control-Allow-Origin", std::string(*request.Header("Origin")));
  response->SetHeader("Vary", response->headers.count("Vary") != 0
                                  ? response->headers["Vary"] + ", Origin"
                                  : std::string("Origin"));
  if (config_.cors_allow_credentials) {
    response->SetHeader("Access-Control-Allow-Credentials", "true");
  }
  response->SetHeader("Access-Control-Expose-Headers", Join(config_.cors_expose_headers));
}

}  // namespace magnum::api
