// The reply envelope every Transport uses, so that errors survive serialisation.
//
//   success: {"result": <JSON value of the handler's reply text>}
//   error:   {"error": {"code": "<ErrorCodeName>", "message": "<text>"}}
//
// A handler's reply must itself be JSON text ("" is treated as null). Stateless and
// thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "magnum/common/error.h"

namespace magnum::rpc {

// The envelope for a handler's outcome. A reply that is not valid JSON becomes a
// kInternal error envelope (a programming error in the handler).
std::string EncodeReply(const Result<std::string>& reply);

// The handler's outcome from an envelope: its reply JSON text (compact form) or its Error
// with the original code and message. A malformed envelope is kInternal.
Result<std::string> DecodeReply(std::string_view envelope);

// The code named by ErrorCodeName(), or std::nullopt for an unknown name.
std::optional<ErrorCode> ErrorCodeFromName(std::string_view name);

}  // namespace magnum::rpc
