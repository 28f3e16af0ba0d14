// Error values and Result<T>: how every expected failure travels through Magnum.
//
// An Error carries a canonical code (the small set below, after absl::StatusCode) and a
// human-readable message that is shown to API users as-is. The mapping from code to HTTP
// status lives in exactly one place: api/errors.cc. Value type; thread-compatible.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include <tl/expected.hpp>

namespace magnum {

enum class ErrorCode {
  kInvalidArgument,     // malformed or invalid input (HTTP 400)
  kNotFound,            // the named thing does not exist or is not visible (404)
  kAlreadyExists,       // unique constraint: name/uuid taken (409)
  kConflict,            // ambiguous name, concurrent modification, state conflict (409)
  kPermissionDenied,    // policy or quota refusal (403)
  kUnauthenticated,     // no or bad credentials (401)
  kNotAcceptable,       // microversion not supported (406)
  kMethodNotAllowed,    // known resource, unsupported method (405)
  kPayloadTooLarge,     // request body above the limit (413)
  kUnsupportedMediaType,  // request body in a media type the API does not take (415)
  kFailedPrecondition,  // operation not allowed in the current state (400, "not supported")
  kUnavailable,         // a backend (database, broker, engine) is unreachable (503)
  kInternal,            // broken invariant or unexpected library failure (500)
};

// Returns the stable lower-case name of a code ("invalid_argument", ...), for logs.
std::string_view ErrorCodeName(ErrorCode code);

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

  static Error InvalidArgument(std::string m) { return {ErrorCode::kInvalidArgument, std::move(m)}; }
  static Error NotFound(std::string m) { return {ErrorCode::kNotFound, std::move(m)}; }
  static Error AlreadyExists(std::string m) { return {ErrorCode::kAlreadyExists, std::move(m)}; }
  static Error Conflict(std::string m) { return {ErrorCode::kConflict, std::move(m)}; }
  static Error PermissionDenied(std::string m) {
    return {ErrorCode::kPermissionDenied, std::move(m)};
  }
  static Error Unauthenticated(std::string m) {
    return {ErrorCode::kUnauthenticated, std::move(m)};
  }
  static Error NotAcceptable(std::string m) { return {ErrorCode::kNotAcceptable, std::move(m)}; }
  static Error MethodNotAllowed(std::string m) {
    return {ErrorCode::kMethodNotAllowed, std::move(m)};
  }
  static Error PayloadTooLarge(std::string m) {
    return {ErrorCode::kPayloadTooLarge, std::move(m)};
  }
  static Error UnsupportedMediaType(std::string m) {
    return {ErrorCode::kUnsupportedMediaType, std::move(m)};
  }
  static Error FailedPrecondition(std::string m) {
    return {ErrorCode::kFailedPrecondition, std::move(m)};
  }
  static Error Unavailable(std::string m) { return {ErrorCode::kUnavailable, std::move(m)}; }
  static Error Internal(std::string m) { return {ErrorCode::kInternal, std::move(m)}; }

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  bool Is(ErrorCode c) const { return code_ == c; }

  // Returns a copy whose message is "<prefix>: <message>" (for adding context on the way up).
  Error WithContext(std::string_view prefix) const;

 private:
  ErrorCode code_;
  std::string message_;
};

template <typename T>
using Result = tl::expected<T, Error>;

// Shorthand for returning an error from a function returning Result<T>.
inline tl::unexpected<Error> Fail(Error e) { return tl::unexpected<Error>(std::move(e)); }

// Returns early from the enclosing function with the error of `expr` (a Result) if any.
#define MAGNUM_RETURN_IF_ERROR(expr)                                 \
  do {                                                               \
    auto magnum_status_ = (expr);                                    \
    if (!magnum_status_) return ::magnum::Fail(magnum_status_.error()); \
  } while (0)

// Declares `lhs` from the value of `expr` (a Result) or returns its error.
#define MAGNUM_CONCAT_INNER_(a, b) a##b
#define MAGNUM_CONCAT_(a, b) MAGNUM_CONCAT_INNER_(a, b)
#define MAGNUM_ASSIGN_OR_RETURN(lhs, expr)                                        \
  auto MAGNUM_CONCAT_(magnum_r_, __LINE__) = (expr);                              \
  if (!MAGNUM_CONCAT_(magnum_r_, __LINE__))                                       \
    return ::magnum::Fail(MAGNUM_CONCAT_(magnum_r_, __LINE__).error());           \
  lhs = std::move(*MAGNUM_CONCAT_(magnum_r_, __LINE__))

}  // namespace magnum
