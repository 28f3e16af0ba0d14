// magnumctl's connection to the Magnum API: finds the endpoint (override, or Keystone's
// catalog), authenticates once (Keystone v3 password or token, or none: the embedded
// noauth mode, where X-Project-Id / X-User-Id / X-Roles say who calls) and sends requests.
// Not thread-safe (one command at a time).
#pragma once

#include <chrono>
#include <string>

#include "magnum/common/error.h"
#include "magnum/common/http_client.h"
#include "magnum/ctl/settings.h"

namespace magnum::ctl {

// The message of a non-2xx reply: the API's `errors[0].detail` verbatim (or Keystone's
// `error.message`, or the body itself when it is neither), then " (HTTP <status>)".
std::string ApiErrorMessage(long status, const std::string& body);

// The error code of an HTTP status (404 → kNotFound, 409 → kConflict, ...).
ErrorCode CodeOfStatus(long status);

// "http://h:9511/v1" from "http://h:9511", "http://h:9511/", "http://h:9511/v1/".
std::string NormalizeEndpoint(std::string url);

// %-encodes a query value (RFC 3986 unreserved characters kept).
std::string UrlEncode(const std::string& s);

class Session {
 public:
  // `http` is not owned and must outlive the session.
  Session(Settings settings, HttpClient* http);

  // Authenticates if needed and returns the API root ("…/v1"). Errors: kInvalidArgument
  // when neither an endpoint nor credentials are configured (the message says what to set),
  // kUnauthenticated when Keystone refuses, kNotFound when the catalog has no
  // container-infra endpoint, kUnavailable when Keystone cannot be reached.
  Result<std::string> Endpoint();

  // `method` `path` (below /v1, e.g. "/clusters?limit=5") with a JSON body (when not
  // empty). Any HTTP status is a reply. `microversion` "" = the configured one.
  Result<HttpClientReply> Call(const std::string& method, const std::string& path,
                               const std::string& body = "", const std::string& microversion = "");

  // Call() that turns a non-2xx status into an Error (code from CodeOfStatus, message from
  // ApiErrorMessage) and returns the body of a 2xx.
  Result<std::string> Expect(const std::string& method, const std::string& path,
                             const std::string& body = "", const std::string& microversion = "");

  const Settings& settings() const { return settings_; }
  void set_timeout(std::chrono::milliseconds t) { timeout_ = t; }

 private:
  Result<void> Authenticate();

  Settings settings_;
  HttpClient* http_;
  bool ready_ = false;
  std::string endpoint_;
  std::string token_;  // X-Auth-Token to send ("" under noauth)
  std::chrono::milliseconds timeout_{120000};
};

}  // namespace magnum::ctl
