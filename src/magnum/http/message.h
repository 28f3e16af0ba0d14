// Transport-free HTTP request and response values, as the API layer sees them.
//
// The server adapter (beast_server.cc) converts from/to the wire; nothing above it
// includes Beast. Value types; thread-compatible.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace magnum::http {

// Case-insensitive header map (names compared ASCII-case-insensitively).
struct CaseInsensitiveLess {
  bool operator()(std::string_view a, std::string_view b) const;
  using is_transparent = void;
};
using Headers = std::map<std::string, std::string, CaseInsensitiveLess>;

struct Request {
  std::string method;   // "GET", "POST", ... (upper case)
  std::string target;   // raw request target, e.g. "/v1/clusters?limit=2"
  std::string path;     // percent-decoded path, without the query
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  Headers headers;
  std::string body;
  std::string remote_address;
  std::string request_id;  // "req-<uuid>", assigned by the server for every request

  // The header value, or nullopt.
  std::optional<std::string> Header(std::string_view name) const;
  // The first value of query argument `name`, or nullopt.
  std::optional<std::string> Query(std::string_view name) const;
};

// One step of a streamed response body (StreamProducer::Next).
struct StreamChunk {
  std::string data;   // bytes to send next (may be empty: nothing new)
  bool done = false;  // the body is complete after `data`
  bool more = false;  // more is ready now: call again once `data` is written, without waiting
};

// A response body produced piece by piece over a long-lived response (server-sent events).
// The server sends the status and headers (HTTP/1.1: chunked; HTTP/1.0: delimited by the
// close), then calls Next() on a worker thread (it may block briefly, e.g. a database
// read): at once, then `StreamBody::interval_ms` after the previous call's data has been
// written. Calls never overlap and no call is made while data waits to be written, so a
// stream holds at most one chunk. The stream ends when Next() says done, the client
// disconnects, the server stops, the write timeout passes, or `max_duration_ms` passes;
// the connection is then closed. The server drops its reference when the stream ends
// (the destructor may run on any server thread or in Server::Stop).
class StreamProducer {
 public:
  virtual ~StreamProducer() = default;
  virtual StreamChunk Next() = 0;
};

struct StreamBody {
  std::shared_ptr<StreamProducer> producer;
  int interval_ms = 250;    // between calls while the producer has nothing more ready (>= 1)
  int max_duration_ms = 0;  // the stream ends this long after it began; <= 0: no limit
};

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, sent instead of `body` without a copy (a cached body many responses share).
  std::shared_ptr<const std::string> shared_body;
  // When set on a 2xx response to anything but HEAD, the body is streamed from the producer
  // (`body` and `shared_body` are ignored; a HEAD gets the headers alone). Never cached.
  std::optional<StreamBody> stream;

  // The body to send: `shared_body` when set, else `body`.
  std::string_view BodyView() const { return shared_body ? std::string_view(*shared_body) : body; }

  void SetHeader(std::string name, std::string value) {
    headers[std::move(name)] = std::move(value);
  }
};

// Splits a request target into decoded path and query arguments. Returns false when the
// target is not a valid origin-form target (e.g. a bad percent escape), when the decoded
// path or a decoded query name or value is not valid UTF-8, or when the path holds a NUL.
bool ParseTarget(std::string_view target, std::string* path,
                 std::vector<std::pair<std::string, std::string>>* query);

// True when `s` is well-formed UTF-8 (no overlong forms, surrogates or code points above
// U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Percent-encodes `s` for use in a query string value.
std::string UrlEncode(std::string_view s);

// The standard reason phrase of a status code ("Not Found").
std::string_view ReasonPhrase(int status);

}  // namespace magnum::http
