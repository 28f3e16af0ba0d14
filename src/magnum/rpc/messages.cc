#include "magnum/rpc/messages.h"

#include <nlohmann/json.hpp>

namespace magnum::rpc {
namespace {

using Json = nlohmann::json;

constexpr ErrorCode kAllCodes[] = {
    ErrorCode::kInvalidArgument,    ErrorCode::kNotFound,         ErrorCode::kAlreadyExists,
    ErrorCode::kConflict,           ErrorCode::kPermissionDenied, ErrorCode::kUnauthenticated,
    ErrorCode::kNotAcceptable,      ErrorCode::kMethodNotAllowed, ErrorCode::kPayloadTooLarge,
    ErrorCode::kFailedPrecondition, ErrorCode::kUnavailable,      ErrorCode::kInternal,
    ErrorCode::kUnsupportedMediaType,
};

std::string ErrorEnvelope(const Error& e) {
  Json j = {{"error", {{"code", std::string(ErrorCodeName(e.code()))}, {"message", e.message()}}}};
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

}  // namespace

std::optional<ErrorCode> ErrorCodeFromName(std::string_view name) {
  for (ErrorCode c : kAllCodes) {
    if (ErrorCodeName(c) == name) return c;
  }
  return std::nullopt;
}

std::string EncodeReply(const Result<std::string>& reply) {
  if (!reply) return ErrorEnvelope(reply.error());
  Json value = nullptr;
  if (!reply->empty()) {
    value = Json::parse(*reply, nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) {
      return ErrorEnvelope(Error::Internal("RPC handler returned a reply that is not JSON"));
    }
  }
  Json j = {{"result", std::move(value)}};
  return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

Result<std::string> DecodeReply(std::string_view envelope) {
  Json j = Json::parse(envelope, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail(Error::Internal("malformed RPC reply: not a JSON object"));
  }
  if (auto it = j.find("error"); it != j.end()) {
    if (!it->is_object() || !it->contains("code") || !(*it)["code"].is_string() ||
        !it->contains("message") || !(*it)["message"].is_string()) {
      return Fail(Error::Internal("malformed RPC reply: bad error object"));
    }
    std::string code_name = (*it)["code"].get<std::string>();
    std::string message = (*it)["message"].get<std::string>();
    auto code = ErrorCodeFromName(code_name);
    if (!code) {
      return Fail(Error::Internal("RPC error with unknown code '" + code_name + "': " + message));
    }
    return Fail(Error(*code, std::move(message)));
  }
  if (auto it = j.find("result"); it != j.end()) return it->dump();
  return Fail(Error::Internal("malformed RPC reply: neither result nor error"));
}

}  // namespace magnum::rpc
