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

struct Response {
  int status = 200;
  Headers headers;
  std::string body;
  // When set, sent instead of `body` without a copy (a cached body many responses share).
  std::shared_ptr<const std::string> shared_body;

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
