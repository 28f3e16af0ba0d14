// Same-origin sign-in for the web dashboard when [DEFAULT] auth_strategy = keystone (issue
// 14). The page may talk to its own origin only (connect-src 'self'), so the API asks
// Keystone on its behalf:
//
//   POST   /dashboard/session  {"username", "password", "project_name" | "project_id",
//                               "user_domain_name"?, "project_domain_name"?}
//          -> a Keystone v3 password login scoped to that project (POST /v3/auth/tokens on
//             the Keystone the API validates tokens with), answered 201
//             {"token", "expires_at", "user": {"id", "name"}, "project": {"id", "name"},
//              "roles": [names]}; Keystone 401/403/404 -> 401, unreachable or 5xx -> 503.
//   DELETE /dashboard/session  with X-Auth-Token -> Keystone revokes the token (DELETE
//          /v3/auth/tokens, the token as both X-Auth-Token and X-Subject-Token: a user may
//          revoke their own token) -> 204. The API's authentication strategy is told to
//          forget the token (AuthStrategy::Forget), so a validation it cached before the
//          revocation is not used: the next request with the token is refused at once.
//   other methods: 405 (GET and HEAD are the dashboard's page, not routed here)
//
// Guessing is throttled: sign-ins Keystone refused (401) are counted per client address and
// per user name (with its domain); after max_failures within failure_window, further
// sign-ins from that address or for that user are answered 429 with Retry-After, without
// asking Keystone, until the oldest counted failure leaves the window. A successful sign-in
// clears its user's count (not its address's: signing in to one's own account must not
// reset a guesser's count).
//
// Answers are in the API's error format and carry Cache-Control: no-store. Neither the
// password nor a token is ever logged or quoted in an error. Handle blocks on Keystone
// (a request worker thread's job, never an I/O thread's); thread-safe.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>

#include "magnum/common/clock.h"
#include "magnum/common/error.h"
#include "magnum/http/message.h"

namespace magnum {
class HttpClient;
namespace auth {
class AuthStrategy;
}
namespace config {
struct Config;
}
}  // namespace magnum

namespace magnum::api {

inline constexpr std::string_view kDashboardSessionPath = "/dashboard/session";

// A sign-in request as POST /dashboard/session carries it, checked.
struct SessionLogin {
  std::string username;
  std::string password;
  std::string user_domain_name = "Default";
  std::string project_name;  // exactly one of project_name and project_id is set
  std::string project_id;
  std::string project_domain_name = "Default";  // with project_name only
};

// The login in `request`: Content-Type application/json, a JSON object of the fields above
// (strings, not empty, names at most 255 bytes, the password at most 4096), nothing else.
// kInvalidArgument saying what is wrong (field names only, never a value).
Result<SessionLogin> ParseSessionLogin(const http::Request& request);

class DashboardSession {
 public:
  struct Options {
    std::string keystone_url;  // with or without /v3
    std::chrono::seconds connect_timeout{5};
    std::chrono::seconds request_timeout{10};
    size_t max_failures = 5;     // refused sign-ins per address or user within failure_window
    std::chrono::seconds failure_window{60};
    size_t max_tracked = 10000;  // addresses and users counted at once (memory bound)
    // [oslo_middleware] enable_proxy_headers_parsing: the client's address is the last one
    // of X-Forwarded-For (the one the proxy in front of the API added), not the proxy's.
    bool proxy_headers = false;
  };

  // `auth` (may be null in tests) must outlive this object.
  DashboardSession(Options options, std::shared_ptr<HttpClient> http,
                   const auth::AuthStrategy* auth, const Clock* clock = &SystemClock());
  ~DashboardSession();
  DashboardSession(const DashboardSession&) = delete;
  DashboardSession& operator=(const DashboardSession&) = delete;

  // From [keystone_authtoken] (the URL, TLS, timeouts and token_cache_time of the token
  // validation) with a curl client; null unless auth_strategy = keystone.
  static std::unique_ptr<DashboardSession> FromConfig(const config::Config& config,
                                                      const auth::AuthStrategy* auth);

  // The answer to a request for kDashboardSessionPath. Blocking.
  http::Response Handle(const http::Request& request) const;

 private:
  http::Response SignIn(const http::Request& request) const;
  http::Response SignOut(const http::Request& request) const;
  // Seconds until one of `keys` may sign in again; 0 when none is throttled.
  long long ThrottledFor(const std::string (&keys)[2]) const;
  void CountFailure(const std::string (&keys)[2]) const;
  void ClearFailures(const std::string& key) const;

  const Options opt_;
  const std::string v3_;
  const std::shared_ptr<HttpClient> http_;
  const auth::AuthStrategy* const auth_;
  const Clock* const clock_;
  mutable std::mutex failures_mu_;                                           // guards failures_
  mutable std::unordered_map<std::string, std::deque<TimePoint>> failures_;  // key -> times
};

}  // namespace magnum::api
