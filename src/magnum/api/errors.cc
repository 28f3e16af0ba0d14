#include "magnum/api/api_types.h"

namespace magnum::api {

int HttpStatusFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return 400;
    case ErrorCode::kFailedPrecondition: return 400;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kAlreadyExists: return 409;
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kPermissionDenied: return 403;
    case ErrorCode::kUnauthenticated: return 401;
    case ErrorCode::kNotAcceptable: return 406;
    case ErrorCode::kMethodNotAllowed: return 405;
    case ErrorCode::kPayloadTooLarge: return 413;
    case ErrorCode::kUnsupportedMediaType: return 415;
    case ErrorCode::kUnavailable: return 503;
    case ErrorCode::kInternal: return 500;
  }
  return 500;
}

std::string ErrorBody(int status, const std::string& message) {
  // title = detail up to (not including) the first '.', as upstream computes it.
  std::string title = message.substr(0, message.find('.'));
  Json err = {{"request_id", ""},
              {"code", status >= 500 ? "server" : "client"},
              {"status", status},
              {"title", title},
              {"detail", message},
              {"links", Json::array()}};
  Json body = {{"errors", Json::array({err})}};
  // Messages quote user input, which may not be valid UTF-8: replace, never throw.
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

http::Response ErrorToResponse(const Error& error) {
  http::Response r;
  r.status = HttpStatusFor(error.code());
  r.SetHeader("Content-Type", "application/json");
  r.body = ErrorBody(r.status, error.message());
  return r;
}

Result<Json> ParseJsonBody(const std::string& body) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Fail(Error::InvalidArgument("Request is not in valid JSON format"));
  }
  return j;
}

}  // namespace magnum::api
