#include "magnum/common/error.h"

namespace magnum {

std::string_view ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument: return "invalid_argument";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kAlreadyExists: return "already_exists";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kPermissionDenied: return "permission_denied";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kNotAcceptable: return "not_acceptable";
    case ErrorCode::kMethodNotAllowed: return "method_not_allowed";
    case ErrorCode::kPayloadTooLarge: return "payload_too_large";
    case ErrorCode::kUnsupportedMediaType: return "unsupported_media_type";
    case ErrorCode::kFailedPrecondition: return "failed_precondition";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kInternal: return "internal";
  }
  return "unknown";
}

Error Error::WithContext(std::string_view prefix) const {
  std::string m(prefix);
  m += ": ";
  m += message_;
  return Error(code_, std::move(m));
}

}  // namespace magnum
