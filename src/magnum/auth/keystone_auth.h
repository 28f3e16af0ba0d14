// auth_strategy = keystone: each request's X-Auth-Token is validated with Keystone v3
// (GET /v3/auth/tokens with X-Subject-Token) as the service user of [keystone_authtoken],
// whose own token is kept until shortly before it expires. Validated tokens (and tokens
// Keystone called invalid) are cached in process, bounded, until the token expires or
// token_cache_time passes. Identity headers sent by the client (X-Project-Id, X-Roles, ...)
// are never read.
//
// Outcomes: a context; kUnauthenticated for a missing, malformed, invalid or expired
// token; kUnavailable when Keystone cannot be asked (unreachable, 5xx, or refusing the
// service user), never a success. Blocking (the caller is a request worker thread, not an
// I/O thread); thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "magnum/auth/auth.h"
#include "magnum/auth/token_cache.h"
#include "magnum/common/clock.h"
#include "magnum/common/http_client.h"

namespace magnum::auth {

// [keystone_authtoken], upstream option names.
struct KeystoneAuthOptions {
  std::string www_authenticate_uri;  // "" = auth_url
  std::string auth_url;              // Keystone, with or without the /v3 suffix
  std::string username;
  std::string password;
  std::string project_name;
  std::string user_domain_name = "Default";
  std::string project_domain_name = "Default";
  std::string user_domain_id;     // used instead of the name when set
  std::string project_domain_id;
  std::string cafile;
  bool insecure = false;
  std::string region_name;
  int token_cache_time = 300;     // seconds; <= 0 disables the cache
  int token_cache_size = 10000;   // ours: entries
  int http_connect_timeout = 5;   // seconds
  int http_request_timeout = 10;  // ours: seconds for one Keystone request
};

class KeystoneAuth final : public AuthStrategy {
 public:
  // Round trips and cache use, for tests and stats.
  struct Stats {
    uint64_t keystone_requests = 0;  // every HTTP request sent to Keystone
    uint64_t validations = 0;        // GET /v3/auth/tokens
    uint64_t service_logins = 0;     // POST /v3/auth/tokens for the service user
    uint64_t cache_hits = 0;
    size_t cached = 0;
  };

  KeystoneAuth(KeystoneAuthOptions options, std::shared_ptr<HttpClient> http,
               const Clock* clock = &SystemClock());

  Result<RequestContext> Authenticate(const http::Request& request) const override;
  std::string WwwAuthenticate() const override;
  // Caches `token` as invalid for token_cache_time (replacing a cached validation); with
  // the cache off, every request asks Keystone, which knows of the revocation anyway.
  void Forget(const std::string& token) const override;
  Stats stats() const;

 private:
  // The service user's token, logging in when there is none or it expires within a minute.
  Result<std::string> ServiceToken(bool force_new) const;
  Result<RequestContext> Validate(const std::string& token) const;
  Result<HttpClientReply> Call(HttpClientRequest req) const;

  const KeystoneAuthOptions opt_;
  const std::string v3_;  // "<keystone>/v3"
  const std::shared_ptr<HttpClient> http_;
  const Clock* const clock_;
  mutable TokenCache cache_;
  mutable std::mutex service_mu_;
  mutable std::string service_token_;
  mutable TimePoint service_expires_{};
  mutable std::atomic<uint64_t> requests_{0}, validations_{0}, logins_{0}, hits_{0};
};

// Options from the loaded configuration; kInvalidArgument naming a missing required option.
Result<KeystoneAuthOptions> KeystoneOptionsFromConfig(const config::Config& config);

}  // namespace magnum::auth
