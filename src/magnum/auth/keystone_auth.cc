#include "magnum/auth/keystone_auth.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "magnum/auth/keystone_token.h"
#include "magnum/auth/keystone_v3.h"
#include "magnum/config/config.h"

namespace magnum::auth {
namespace {

using Json = nlohmann::json;
using std::chrono::seconds;

// What a client is told; the details go to the log.
constexpr const char* kKeystoneDown =
    "The identity service (Keystone) is unavailable: the token cannot be validated. Try again "
    "later.";
constexpr size_t kMaxTokenBytes = 8192;
// A new service token is fetched this long before the current one expires.
constexpr seconds kServiceTokenMargin{60};
// How long Keystone's "this token is invalid" is believed at most.
constexpr seconds kNegativeCacheTime{60};

bool PlausibleToken(const std::string& t) {
  if (t.empty() || t.size() > kMaxTokenBytes) return false;
  return std::all_of(t.begin(), t.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

}  // namespace

KeystoneAuth::KeystoneAuth(KeystoneAuthOptions options, std::shared_ptr<HttpClient> http,
                           const Clock* clock)
    : opt_(std::move(options)),
      v3_(KeystoneV3Url(opt_.auth_url)),
      http_(std::move(http)),
      clock_(clock),
      cache_(opt_.token_cache_time > 0 ? static_cast<size_t>(std::max(0, opt_.token_cache_size))
                                       : 0) {}

std::string KeystoneAuth::WwwAuthenticate() const {
  std::string uri = opt_.www_authenticate_uri.empty() ? opt_.auth_url : opt_.www_authenticate_uri;
  return "Keystone uri=\"" + uri + "\"";
}

KeystoneAuth::Stats KeystoneAuth::stats() const {
  Stats s;
  s.keystone_requests = requests_.load();
  s.validations = validations_.load();
  s.service_logins = logins_.load();
  s.cache_hits = hits_.load();
  s.cached = cache_.size();
  return s;
}

Result<HttpClientReply> KeystoneAuth::Call(HttpClientRequest req) const {
  req.connect_timeout = seconds(opt_.http_connect_timeout);
  req.timeout = seconds(opt_.http_request_timeout);
  req.headers.emplace_back("Accept", "application/json");
  req.headers.emplace_back("User-Agent", "magnum-api keystone-auth");
  requests_.fetch_add(1);
  auto reply = http_->Send(req);
  if (!reply) {
    spdlog::error("keystone: {}", reply.error().message());
    return Fail(Error::Unavailable(kKeystoneDown));
  }
  return reply;
}

Result<std::string> KeystoneAuth::ServiceToken(bool force_new) const {
  std::lock_guard<std::mutex> lock(service_mu_);
  if (!force_new && !service_token_.empty() &&
      clock_->Now() + kServiceTokenMargin < service_expires_) {
    return service_token_;
  }
  service_token_.clear();
  Json user = KeystoneRef(opt_.username, "");
  user["password"] = opt_.password;
  user["domain"] = KeystoneRef(opt_.user_domain_name, opt_.user_domain_id);
  Json body = PasswordAuthBody(
      std::move(user),
      {{"project",
        {{"name", opt_.project_name},
         {"domain", KeystoneRef(opt_.project_domain_name, opt_.project_domain_id)}}}});
  HttpClientRequest req;
  req.method = "POST";
  req.url = v3_ + "/auth/tokens?nocatalog";
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = body.dump();
  logins_.fetch_add(1);
  MAGNUM_ASSIGN_OR_RETURN(HttpClientReply reply, Call(std::move(req)));
  auto subject = reply.headers.find("X-Subject-Token");
  if (reply.status != 201 || subject == reply.headers.end()) {
    spdlog::error("keystone: login of service user '{}' to project '{}' at {} answered {}",
                  opt_.username, opt_.project_name, v3_, reply.status);
    return Fail(Error::Unavailable(kKeystoneDown));
  }
  auto parsed = ParseKeystoneToken(reply.body);
  if (!parsed) {
    spdlog::error("keystone: service token: {}", parsed.error().message());
    return Fail(Error::Unavailable(kKeystoneDown));
  }
  service_token_ = subject->second;
  service_expires_ = parsed->expires_at;
  return service_token_;
}

Result<RequestContext> KeystoneAuth::Validate(const std::string& token) const {
  for (int attempt = 0; attempt < 2; ++attempt) {
    MAGNUM_ASSIGN_OR_RETURN(std::string service, ServiceToken(attempt > 0));
    HttpClientRequest req;
    req.url = v3_ + "/auth/tokens";
    req.headers.emplace_back("X-Auth-Token", service);
    req.headers.emplace_back("X-Subject-Token", token);
    validations_.fetch_add(1);
    MAGNUM_ASSIGN_OR_RETURN(HttpClientReply reply, Call(std::move(req)));
    const TimePoint now = clock_->Now();
    if (reply.status == 200) {
      auto parsed = ParseKeystoneToken(reply.body);
      if (!parsed) {
        spdlog::error("keystone: validation answer: {}", parsed.error().message());
        return Fail(Error::Unavailable(kKeystoneDown));
      }
      if (parsed->expires_at <= now) {
        return Fail(Error::Unauthenticated(kAuthenticationRequired));
      }
      auto ctx = std::make_shared<const RequestContext>(std::move(parsed->context));
      TimePoint until = std::min(parsed->expires_at, now + seconds(opt_.token_cache_time));
      cache_.Put(token, {ctx, until});
      return *ctx;
    }
    if (reply.status == 404 || reply.status == 400) {
      // Unknown, revoked, expired or malformed: believed for a short while.
      cache_.Put(token, {nullptr, now + std::min(seconds(opt_.token_cache_time),
                                                  kNegativeCacheTime)});
      return Fail(Error::Unauthenticated(kAuthenticationRequired));
    }
    if (reply.status == 401 && attempt == 0) continue;  // our service token: log in again
    spdlog::error("keystone: validating a token as service user '{}' at {} answered {}{}",
                  opt_.username, v3_, reply.status,
                  reply.status == 401 || reply.status == 403
                      ? " (check [keystone_authtoken] credentials and the user's role)"
                      : "");
    return Fail(Error::Unavailable(kKeystoneDown));
  }
  return Fail(Error::Unavailable(kKeystoneDown));
}

void KeystoneAuth::Forget(const std::string& token) const {
  if (opt_.token_cache_time <= 0) return;
  cache_.Put(token, {nullptr, clock_->Now() + seconds(opt_.token_cache_time), /*revoked=*/true});
}

Result<RequestContext> KeystoneAuth::Authenticate(const http::Request& request) const {
  std::optional<std::string> token = request.Header("X-Auth-Token");
  if (!token || !PlausibleToken(*token)) {
    return Fail(Error::Unauthenticated(kAuthenticationRequired));
  }
  RequestContext ctx;
  if (auto hit = cache_.Get(*token, clock_->Now())) {
    hits_.fetch_add(1);
    if (!hit->context) return Fail(Error::Unauthenticated(kAuthenticationRequired));
    ctx = *hit->context;
  } else {
    MAGNUM_ASSIGN_OR_RETURN(ctx, Validate(*token));
  }
  ctx.auth_token = *token;
  ctx.request_id = request.request_id;
  return ctx;
}

Result<KeystoneAuthOptions> KeystoneOptionsFromConfig(const config::Config& c) {
  KeystoneAuthOptions o;
  o.www_authenticate_uri = c.keystone_www_authenticate_uri;
  o.auth_url = c.keystone_auth_url;
  o.username = c.keystone_username;
  o.password = c.keystone_password;
  o.project_name = c.keystone_project_name;
  o.user_domain_name = c.keystone_user_domain_name;
  o.project_domain_name = c.keystone_project_domain_name;
  o.user_domain_id = c.keystone_user_domain_id;
  o.project_domain_id = c.keystone_project_domain_id;
  o.cafile = c.keystone_cafile;
  o.insecure = c.keystone_insecure;
  o.region_name = c.keystone_region_name;
  o.token_cache_time = c.keystone_token_cache_time;
  o.token_cache_size = c.keystone_token_cache_size;
  o.http_connect_timeout = c.keystone_http_connect_timeout;
  o.http_request_timeout = c.keystone_http_request_timeout;
  for (auto [name, value] : {std::pair{"auth_url", &o.auth_url}, {"username", &o.username},
                             {"password", &o.password}, {"project_name", &o.project_name}}) {
    if (value->empty()) {
      return Fail(Error::InvalidArgument(std::string("auth_strategy = keystone needs "
                                                     "[keystone_authtoken] ") +
                                         name));
    }
  }
  if (o.auth_url.rfind("http://", 0) != 0 && o.auth_url.rfind("https://", 0) != 0) {
    return Fail(Error::InvalidArgument("[keystone_authtoken] auth_url must be an http:// or "
                                       "https:// URL, not '" + o.auth_url + "'"));
  }
  return o;
}

}  // namespace magnum::auth
