// Types shared by the API controllers (internal to src/magnum/api; includes nlohmann json,
// which only the API module adapts). Value types; thread-compatible.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "magnum/api/microversion.h"
#include "magnum/auth/context.h"
#include "magnum/common/error.h"
#include "magnum/http/message.h"

namespace magnum::policy {
class Enforcer;
}

namespace magnum::api {

using Json = nlohmann::json;

// One API call as the controllers see it.
struct ApiRequest {
  const http::Request* http = nullptr;
  auth::RequestContext ctx;
  Version version;
  std::string base_url;  // "http://host:port" without a trailing slash
  // Decides the policy checks (ApiDependencies::policy); null = the built-in defaults.
  const policy::Enforcer* policy = nullptr;

  const std::string& method() const { return http->method; }
  std::optional<std::string> Query(std::string_view name) const { return http->Query(name); }
};

struct ApiResponse {
  int status = 200;
  std::optional<Json> body;  // none = empty body (204), unless raw_body is set
  std::string raw_body;      // a body already encoded as JSON text (JsonWriter output)
  http::Headers headers;

  static ApiResponse Raw(std::string json, int status = 200) {
    ApiResponse r;
    r.status = status;
    r.raw_body = std::move(json);
    return r;
  }

  static ApiResponse Ok(Json body, int status = 200) {
    ApiResponse r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
  static ApiResponse NoContent() {
    ApiResponse r;
    r.status = 204;
    return r;
  }
};

using ApiResult = Result<ApiResponse>;

// Renders an error in the API error format (§1.4) with the status of its code.
http::Response ErrorToResponse(const Error& error);
// The HTTP status for an error code (the one place this mapping lives).
int HttpStatusFor(ErrorCode code);
// The error body for a status and message.
std::string ErrorBody(int status, const std::string& message);

// Parses a JSON request body. Malformed → 400 "Request is not in valid JSON format".
Result<Json> ParseJsonBody(const std::string& body);

}  // namespace magnum::api
