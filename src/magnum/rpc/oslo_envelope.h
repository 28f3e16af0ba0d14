// The oslo.messaging message format (RabbitMQ driver, envelope version 2.0) for our
// Transport's (method, JSON payload) requests and their replies.
//
// Every AMQP body is {"oslo.version": "2.0", "oslo.message": "<message as JSON text>"}.
// A request message is {"method": m, "args": {...}, "version": v, "_unique_id": hex,
// "_context_<k>": ...} plus "_msg_id", "_reply_q" and "_timeout" for a call. Our payload
// (a JSON object) maps onto it: its "context" member becomes the flattened _context_* keys,
// every other member an argument; decoding does the reverse (so a request from a Python
// oslo.messaging client reaches our handlers with its context as payload["context"]).
//
// A reply is {"result": r, "failure": null | "<JSON text>", "ending": true, "_msg_id": id,
// "_unique_id": hex}. A failure carries oslo's serialised exception (class, module,
// message, tb, args, kwargs) plus our error code as "magnum_code", so an Error comes back
// from a call with its code; failures from Python servers map by exception class name.
// Stateless and thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "magnum/common/error.h"

namespace magnum::rpc {

inline constexpr const char* kOsloEnvelopeVersion = "2.0";

// A random 32-hex-digit id (oslo's uuid4().hex), for _msg_id, _unique_id and reply queues.
std::string NewOsloId();

struct OsloRequest {
  std::string method;
  std::string payload;     // our JSON object text: the args plus "context"
  std::string version;     // the target version ("" when absent)
  std::string namespace_;  // "" when absent or null
  std::string unique_id;   // "" when absent
  std::string msg_id;      // set for a call
  std::string reply_q;     // set for a call
};

// The envelope text of a request. `payload` must be a JSON object (else kInvalidArgument).
// For a cast leave msg_id and reply_q empty; a call also gets "_timeout": null (as
// upstream without a call monitor; the call's timeout travels as the AMQP expiration).
Result<std::string> EncodeOsloRequest(const std::string& method, const std::string& payload,
                                      const std::string& version, const std::string& msg_id,
                                      const std::string& reply_q);

// A request from an envelope (or a bare message without the envelope, oslo's 1.0 form).
// kInvalidArgument when it is not a request.
Result<OsloRequest> DecodeOsloRequest(std::string_view body);

// The envelope text of a reply to call `msg_id`: the handler's result or its Error.
std::string EncodeOsloReply(const Result<std::string>& outcome, const std::string& msg_id);

// An Error that a Python oslo.messaging client re-raises as upstream Magnum's
// magnum.common.exception.<cls> (the module a Python magnum-api allows; a plain client
// gets a RemoteError whose exc_type is <cls>). The class travels as a prefix of the
// message, "[magnum.common.exception.<cls>] ", which EncodeOsloReply takes off again.
// Other Errors fail as module magnum.rpc.errors, class by code.
Error AsUpstreamException(const Error& e, std::string_view cls);

struct OsloReply {
  std::string msg_id;
  bool ending = true;       // false: an older server's partial reply; the final one follows
  bool has_result = false;  // a result or failure member was present
  Result<std::string> outcome = std::string("null");  // result JSON text or the Error
};

// A reply from an envelope; kInvalidArgument when the body is not one.
Result<OsloReply> DecodeOsloReply(std::string_view body);

}  // namespace magnum::rpc
