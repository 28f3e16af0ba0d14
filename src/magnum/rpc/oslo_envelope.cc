#include "magnum/rpc/oslo_envelope.h"

#include <nlohmann/json.hpp>
#include <random>

#include "magnum/rpc/messages.h"

namespace magnum::rpc {
namespace {

using Json = nlohmann::json;

constexpr std::string_view kContextPrefix = "_context_";
constexpr const char* kFailureModule = "magnum.rpc.errors";
constexpr const char* kUpstreamModule = "magnum.common.exception";

std::string EnvelopeText(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

std::string Wrap(const Json& message) {
  return EnvelopeText(Json{{"oslo.version", kOsloEnvelopeVersion}, {"oslo.message", EnvelopeText(message)}});
}

// The message inside an envelope; a body without one is the message itself (oslo 1.0).
Result<Json> Unwrap(std::string_view body) {
  Json j = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Fail(Error::InvalidArgument("AMQP message body is not a JSON object"));
  }
  auto msg = j.find("oslo.message");
  if (msg == j.end()) return j;
  auto ver = j.find("oslo.version");
  if (ver == j.end() || !ver->is_string() || ver->get<std::string>().rfind("2.", 0) != 0) {
    return Fail(Error::InvalidArgument("unsupported oslo.messaging envelope version"));
  }
  if (!msg->is_string()) {
    return Fail(Error::InvalidArgument("oslo.message is not a string"));
  }
  Json inner = Json::parse(msg->get<std::string>(), nullptr, false);
  if (inner.is_discarded() || !inner.is_object()) {
    return Fail(Error::InvalidArgument("oslo.message is not a JSON object"));
  }
  return inner;
}

std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Exception class names for our codes (what a Python client sees as RemoteError.exc_type).
struct CodeClass {
  ErrorCode code;
  const char* cls;
};
constexpr CodeClass kClasses[] = {
    {ErrorCode::kInvalidArgument, "Invalid"},
    {ErrorCode::kNotFound, "NotFound"},
    {ErrorCode::kAlreadyExists, "Conflict"},
    {ErrorCode::kConflict, "Conflict"},
    {ErrorCode::kPermissionDenied, "NotAuthorized"},
    {ErrorCode::kUnauthenticated, "AuthorizationFailure"},
    {ErrorCode::kNotAcceptable, "NotAcceptable"},
    {ErrorCode::kMethodNotAllowed, "NotSupported"},
    {ErrorCode::kPayloadTooLarge, "RequestEntityTooLarge"},
    {ErrorCode::kUnsupportedMediaType, "InvalidContentType"},
    {ErrorCode::kFailedPrecondition, "OperationInProgress"},
    {ErrorCode::kUnavailable, "ServiceUnavailable"},
    {ErrorCode::kInternal, "MagnumException"},
};

const char* ClassFor(ErrorCode code) {
  for (const auto& c : kClasses) {
    if (c.code == code) return c.cls;
  }
  return "MagnumException";
}

// A failure from a server that is not ours: its code guessed from the exception class.
ErrorCode CodeForClass(const std::string& cls) {
  auto has = [&](const char* s) { return cls.find(s) != std::string::npos; };
  if (has("NotFound")) return ErrorCode::kNotFound;
  if (has("Conflict") || has("Duplicate") || has("AlreadyExists")) return ErrorCode::kConflict;
  if (has("NotAuthorized") || has("Forbidden")) return ErrorCode::kPermissionDenied;
  if (has("Invalid") || has("NoSuchMethod") || has("UnsupportedVersion")) {
    return ErrorCode::kInvalidArgument;
  }
  if (has("Unavailable") || has("Timeout")) return ErrorCode::kUnavailable;
  return ErrorCode::kInternal;
}

Error FailureToError(const Json& failure) {
  Json f = failure;
  if (failure.is_string()) f = Json::parse(failure.get<std::string>(), nullptr, false);
  if (f.is_discarded() || !f.is_object()) {
    return Error::Internal("the RPC server failed with an unreadable failure report");
  }
  std::string message = Str(f, "message");
  std::string cls = Str(f, "class");
  if (auto code = ErrorCodeFromName(Str(f, "magnum_code")); code) {
    return Error(*code, std::move(message));
  }
  if (message.empty()) message = cls.empty() ? "remote error" : cls;
  return Error(CodeForClass(cls), cls.empty() ? message : cls + ": " + message);
}

}  // namespace

std::string NewOsloId() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static const char* kHex = "0123456789abcdef";
  std::string id(32, '0');
  uint64_t a = rng(), b = rng();
  for (int i = 0; i < 16; ++i) {
    id[i] = kHex[(a >> (i * 4)) & 15];
    id[16 + i] = kHex[(b >> (i * 4)) & 15];
  }
  id[12] = '4';  // the uuid4 version digit, as oslo's uuid4().hex
  id[16] = kHex[8 + (b & 3)];
  return id;
}

Result<std::string> EncodeOsloRequest(const std::string& method, const std::string& payload,
                                      const std::string& version, const std::string& msg_id,
                                      const std::string& reply_q) {
  Json p = Json::parse(payload, nullptr, false);
  if (p.is_discarded() || !p.is_object()) {
    return Fail(Error::InvalidArgument("RPC payload for " + method + " is not a JSON object"));
  }
  Json msg = Json::object();
  msg["method"] = method;
  Json args = Json::object();
  Json context = Json::object();
  for (auto& [k, v] : p.items()) {
    if (k == "context" && v.is_object()) {
      context = v;
    } else {
      args[k] = v;
    }
  }
  msg["args"] = std::move(args);
  if (!version.empty()) msg["version"] = version;
  msg["_unique_id"] = NewOsloId();
  if (!msg_id.empty()) {
    msg["_msg_id"] = msg_id;
    msg["_reply_q"] = reply_q;
    msg["_timeout"] = nullptr;
  }
  for (auto& [k, v] : context.items()) msg[std::string(kContextPrefix) + k] = v;
  // oslo.context's older names, which Python services read as well.
  if (context.contains("user_id") && !context.contains("user")) {
    msg["_context_user"] = context["user_id"];
  }
  if (context.contains("project_id") && !context.contains("project")) {
    msg["_context_project"] = context["project_id"];
  }
  return Wrap(msg);
}

Result<OsloRequest> DecodeOsloRequest(std::string_view body) {
  MAGNUM_ASSIGN_OR_RETURN(Json msg, Unwrap(body));
  auto method = msg.find("method");
  if (method == msg.end() || !method->is_string() || method->get<std::string>().empty()) {
    return Fail(Error::InvalidArgument("the message names no method"));
  }
  OsloRequest r;
  r.method = method->get<std::string>();
  r.version = Str(msg, "version");
  r.namespace_ = Str(msg, "namespace");
  r.unique_id = Str(msg, "_unique_id");
  r.msg_id = Str(msg, "_msg_id");
  r.reply_q = Str(msg, "_reply_q");
  Json payload = Json::object();
  if (auto args = msg.find("args"); args != msg.end() && !args->is_null()) {
    if (!args->is_object()) return Fail(Error::InvalidArgument("args is not a JSON object"));
    payload = *args;
  }
  Json context = Json::object();
  for (auto& [k, v] : msg.items()) {
    if (k.size() > kContextPrefix.size() &&
        k.compare(0, kContextPrefix.size(), kContextPrefix) == 0) {
      context[k.substr(kContextPrefix.size())] = v;
    }
  }
  auto alias = [&](const char* name, std::initializer_list<const char*> olds) {
    if (context.contains(name) && !context[name].is_null()) return;
    for (const char* o : olds) {
      if (context.contains(o) && context[o].is_string()) {
        context[name] = context[o];
        return;
      }
    }
  };
  alias("user_id", {"user"});
  alias("project_id", {"project", "tenant"});
  if (!context.empty() && !payload.contains("context")) payload["context"] = std::move(context);
  r.payload = EnvelopeText(payload);
  return r;
}

Error AsUpstreamException(const Error& e, std::string_view cls) {
  return Error(e.code(), std::string("[") + kUpstreamModule + "." + std::string(cls) + "] " +
                             e.message());
}

std::string EncodeOsloReply(const Result<std::string>& outcome, const std::string& msg_id) {
  Json msg = Json::object();
  if (outcome) {
    Json value = nullptr;
    if (!outcome->empty()) {
      value = Json::parse(*outcome, nullptr, false);
      if (value.is_discarded()) {
        return EncodeOsloReply(Fail(Error::Internal("RPC handler returned a reply that is not "
                                                    "JSON")),
                               msg_id);
      }
    }
    msg["result"] = std::move(value);
    msg["failure"] = nullptr;
  } else {
    const Error& e = outcome.error();
    std::string cls = ClassFor(e.code());
    std::string module = kFailureModule;
    std::string message = e.message();
    const std::string tag = std::string("[") + kUpstreamModule + ".";
    if (message.rfind(tag, 0) == 0) {
      if (auto end = message.find("] ", tag.size()); end != std::string::npos) {
        cls = message.substr(tag.size(), end - tag.size());
        module = kUpstreamModule;
        message.erase(0, end + 2);
      }
    }
    Json failure = {{"class", cls},
                    {"module", module},
                    {"message", message},
                    {"tb", Json::array()},
                    {"args", Json::array({message})},
                    {"kwargs", Json::object()},
                    {"magnum_code", std::string(ErrorCodeName(e.code()))}};
    msg["result"] = nullptr;
    msg["failure"] = EnvelopeText(failure);
  }
  msg["ending"] = true;
  msg["_msg_id"] = msg_id;
  msg["_unique_id"] = NewOsloId();
  return Wrap(msg);
}

Result<OsloReply> DecodeOsloReply(std::string_view body) {
  MAGNUM_ASSIGN_OR_RETURN(Json msg, Unwrap(body));
  OsloReply r;
  r.msg_id = Str(msg, "_msg_id");
  if (r.msg_id.empty()) return Fail(Error::InvalidArgument("the reply has no _msg_id"));
  auto ending = msg.find("ending");
  r.ending = ending != msg.end() && ending->is_boolean() && ending->get<bool>();
  auto failure = msg.find("failure");
  if (failure != msg.end() && !failure->is_null()) {
    r.has_result = true;
    r.outcome = Fail(FailureToError(*failure));
    return r;
  }
  if (auto result = msg.find("result"); result != msg.end()) {
    r.has_result = true;
    r.outcome = EnvelopeText(*result);
  }
  return r;
}

}  // namespace magnum::rpc
