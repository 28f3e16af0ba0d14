#include "magnum/api/dashboard_session.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <iterator>

#include "magnum/api/api_types.h"
#include "magnum/auth/context.h"
#include "magnum/auth/keystone_auth.h"
#include "magnum/auth/keystone_v3.h"
#include "magnum/common/http_client.h"
#include "magnum/common/strings.h"
#include "magnum/config/config.h"

namespace magnum::api {
namespace {

constexpr size_t kMaxNameBytes = 255;       // Keystone's user, project and domain names
constexpr size_t kMaxPasswordBytes = 4096;  // Keystone's default max_password_length
constexpr size_t kMaxIdBytes = 64;
constexpr size_t kMaxTokenBytes = 8192;

constexpr const char* kWrongCredentials = "The username, password or project is wrong.";
constexpr const char* kKeystoneDown =
    "The identity service (Keystone) is unavailable: signing in is not possible now. Try "
    "again later.";
constexpr const char* kKeystoneDownSignOut =
    "The identity service (Keystone) is unavailable: the token could not be revoked. Try "
    "again later.";

void NoStore(http::Response* r) {
  r->SetHeader("Cache-Control", "no-store");
  r->SetHeader("X-Content-Type-Options", "nosniff");
}

// The client's address for counting refused sign-ins: behind a proxy (proxy_headers) the
// last entry of X-Forwarded-For, the one the proxy added (earlier ones are the client's say).
std::string ClientAddress(const http::Request& request, bool proxy_headers) {
  if (proxy_headers) {
    if (auto fwd = request.Header("X-Forwarded-For")) {
      std::string_view v = *fwd;
      if (size_t comma = v.rfind(','); comma != std::string_view::npos) v.remove_prefix(comma + 1);
      v = TrimBlanks(v);
      if (!v.empty() && v.size() <= 64) return std::string(v);
    }
  }
  return request.remote_address;
}

http::Response Answer(const Error& e) {
  http::Response r = ErrorToResponse(e);
  NoStore(&r);
  return r;
}

// A string member: absent -> `fallback` (nullopt when the field is required), else it must
// be a non-empty string of at most `max` bytes.
Result<std::optional<std::string>> StringField(const Json& body, const char* name, size_t max) {
  auto it = body.find(name);
  if (it == body.end()) return std::optional<std::string>();
  if (!it->is_string()) {
    return Fail(Error::InvalidArgument(std::string("The field ") + name + " must be a string."));
  }
  std::string v = it->get<std::string>();
  if (v.empty()) {
    return Fail(Error::InvalidArgument(std::string("The field ") + name + " must not be empty."));
  }
  if (v.size() > max) {
    return Fail(Error::InvalidArgument(std::string("The field ") + name + " is longer than " +
                                       std::to_string(max) + " bytes."));
  }
  return std::optional<std::string>(std::move(v));
}

bool PlausibleToken(const std::string& t) {
  if (t.empty() || t.size() > kMaxTokenBytes) return false;
  return std::all_of(t.begin(), t.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

std::string JsonString(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

}  // namespace

Result<SessionLogin> ParseSessionLogin(const http::Request& request) {
  auto type = request.Header("Content-Type");
  std::string media =
      type ? AsciiLower(TrimBlanks(std::string_view(*type).substr(0, type->find(';')))) : "";
  if (media != "application/json") {
    return Fail(Error::InvalidArgument(
        "Sign in with a JSON body sent as application/json: {\"username\", \"password\", "
        "\"project_name\" or \"project_id\"}."));
  }
  Json body = Json::parse(request.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded() || !body.is_object()) {
    return Fail(Error::InvalidArgument("The request body is not a JSON object."));
  }
  static constexpr const char* kKnown[] = {"username",     "password",   "user_domain_name",
                                           "project_name", "project_id", "project_domain_name"};
  for (const auto& item : body.items()) {
    if (std::find_if(std::begin(kKnown), std::end(kKnown),
                     [&](const char* k) { return item.key() == k; }) == std::end(kKnown)) {
      return Fail(Error::InvalidArgument("The field " + Printable(item.key(), 64) +
                                         " is not known. Send username, password, project_name "
                                         "or project_id, user_domain_name, project_domain_name."));
    }
  }
  SessionLogin login;
  MAGNUM_ASSIGN_OR_RETURN(auto username, StringField(body, "username", kMaxNameBytes));
  MAGNUM_ASSIGN_OR_RETURN(auto password, StringField(body, "password", kMaxPasswordBytes));
  MAGNUM_ASSIGN_OR_RETURN(auto user_domain, StringField(body, "user_domain_name", kMaxNameBytes));
  MAGNUM_ASSIGN_OR_RETURN(auto project_name, StringField(body, "project_name", kMaxNameBytes));
  MAGNUM_ASSIGN_OR_RETURN(auto project_id, StringField(body, "project_id", kMaxIdBytes));
  MAGNUM_ASSIGN_OR_RETURN(auto project_domain,
                          StringField(body, "project_domain_name", kMaxNameBytes));
  if (!username) return Fail(Error::InvalidArgument("The field username is required."));
  if (!password) return Fail(Error::InvalidArgument("The field password is required."));
  if (project_name.has_value() == project_id.has_value()) {
    return Fail(Error::InvalidArgument(
        project_name ? "Send project_name or project_id, not both."
                     : "The field project_name (or project_id) is required."));
  }
  if (project_id && project_domain) {
    return Fail(Error::InvalidArgument(
        "The field project_domain_name goes with project_name, not project_id."));
  }
  login.username = std::move(*username);
  login.password = std::move(*password);
  if (user_domain) login.user_domain_name = std::move(*user_domain);
  if (project_name) login.project_name = std::move(*project_name);
  if (project_id) login.project_id = std::move(*project_id);
  if (project_domain) login.project_domain_name = std::move(*project_domain);
  return login;
}

DashboardSession::DashboardSession(Options options, std::shared_ptr<HttpClient> http,
                                   const auth::AuthStrategy* auth, const Clock* clock)
    : opt_(std::move(options)),
      v3_(auth::KeystoneV3Url(opt_.keystone_url)),
      http_(std::move(http)),
      auth_(auth),
      clock_(clock) {}

DashboardSession::~DashboardSession() = default;

std::unique_ptr<DashboardSession> DashboardSession::FromConfig(const config::Config& config,
                                                               const auth::AuthStrategy* auth) {
  if (config.auth_strategy != "keystone") return nullptr;
  auto ks = auth::KeystoneOptionsFromConfig(config);
  if (!ks) {
    spdlog::warn("dashboard sign-in disabled: {}", ks.error().message());
    return nullptr;
  }
  Options o;
  o.keystone_url = ks->auth_url;
  o.connect_timeout = std::chrono::seconds(ks->http_connect_timeout);
  o.request_timeout = std::chrono::seconds(ks->http_request_timeout);
  o.proxy_headers = config.enable_proxy_headers_parsing;
  std::shared_ptr<HttpClient> http = NewCurlHttpClient({ks->cafile, ks->insecure});
  return std::make_unique<DashboardSession>(std::move(o), std::move(http), auth);
}

http::Response DashboardSession::Handle(const http::Request& request) const {
  if (request.method == "POST") return SignIn(request);
  if (request.method == "DELETE") return SignOut(request);
  http::Response r = Answer(Error::MethodNotAllowed(
      "The method " + request.method + " is not allowed for the resource /dashboard/session."));
  r.SetHeader("Allow", "POST, DELETE");
  return r;
}

http::Response DashboardSession::SignIn(const http::Request& request) const {
  auto login = ParseSessionLogin(request);
  if (!login) return Answer(login.error());

  Json user = {{"name", login->username},
               {"password", login->password},
               {"domain", {{"name", login->user_domain_name}}}};
  Json project =
      login->project_id.empty()
          ? Json{{"name", login->project_name}, {"domain", {{"name", login->project_domain_name}}}}
          : Json{{"id", login->project_id}};
  HttpClientRequest req;
  req.method = "POST";
  req.url = v3_ + "/auth/tokens?nocatalog";
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("Accept", "application/json");
  req.headers.emplace_back("User-Agent", "magnum-api dashboard-session");
  req.body = auth::PasswordAuthBody(std::move(user), {{"project", std::move(project)}}).dump();
  req.connect_timeout = opt_.connect_timeout;
  req.timeout = opt_.request_timeout;
  const std::string& who = login->username;
  const std::string& where = login->project_id.empty() ? login->project_name : login->project_id;
  const std::string address = ClientAddress(request, opt_.proxy_headers);
  const std::string keys[2] = {"address " + address, "user " + login->user_domain_name + "/" + who};
  if (long long wait = ThrottledFor(keys); wait > 0) {
    spdlog::warn(
        "{} dashboard sign-in of user '{}' from {} throttled for {} s: {} refused "
        "sign-ins within {} s",
        request.request_id, Printable(who, 255), Printable(address, 64), wait, opt_.max_failures,
        opt_.failure_window.count());
    http::Response r;
    r.status = 429;
    r.SetHeader("Content-Type", "application/json");
    r.body = ErrorBody(429,
                       "Too many failed sign-ins for this user or from this address; try "
                       "again in " +
                           std::to_string(wait) + " s.");
    r.SetHeader("Retry-After", std::to_string(wait));
    NoStore(&r);
    return r;
  }

  auto reply = http_->Send(req);
  if (!reply) {
    spdlog::error("{} dashboard sign-in: keystone at {}: {}", request.request_id, v3_,
                  reply.error().message());
    return Answer(Error::Unavailable(kKeystoneDown));
  }
  if (reply->status == 401 || reply->status == 403 || reply->status == 404) {
    spdlog::info("{} dashboard sign-in of user '{}' to project '{}' refused (Keystone {})",
                 request.request_id, Printable(who, 255), Printable(where, 255), reply->status);
    CountFailure(keys);
    return Answer(Error::Unauthenticated(kWrongCredentials));
  }
  if (reply->status == 400) {
    spdlog::warn("{} dashboard sign-in of user '{}': Keystone found the request malformed",
                 request.request_id, Printable(who, 255));
    return Answer(Error::InvalidArgument(
        "The identity service (Keystone) refused the sign-in request as malformed."));
  }
  auto subject = reply->headers.find("X-Subject-Token");
  Json doc = Json::parse(reply->body, nullptr, /*allow_exceptions=*/false);
  const Json* token = nullptr;
  if (!doc.is_discarded() && doc.is_object() && doc.contains("token") && doc["token"].is_object()) {
    token = &doc["token"];
  }
  if (reply->status != 201 || subject == reply->headers.end() || !PlausibleToken(subject->second) ||
      token == nullptr || !token->contains("user") || !token->contains("project")) {
    spdlog::error("{} dashboard sign-in of user '{}': keystone at {} answered {}{}",
                  request.request_id, Printable(who, 255), v3_, reply->status,
                  reply->status == 201 ? " without a project-scoped token" : "");
    return Answer(Error::Unavailable(kKeystoneDown));
  }
  Json roles = Json::array();
  if (auto it = token->find("roles"); it != token->end() && it->is_array()) {
    for (const Json& role : *it) {
      if (role.is_object()) roles.push_back(JsonString(role, "name"));
    }
  }
  const Json& u = (*token)["user"];
  const Json& p = (*token)["project"];
  Json out = {{"token", subject->second},
              {"expires_at", JsonString(*token, "expires_at")},
              {"user", {{"id", JsonString(u, "id")}, {"name", JsonString(u, "name")}}},
              {"project", {{"id", JsonString(p, "id")}, {"name", JsonString(p, "name")}}},
              {"roles", std::move(roles)}};
  ClearFailures(keys[1]);
  spdlog::info("{} dashboard sign-in of user '{}' to project '{}'", request.request_id,
               Printable(JsonString(u, "name"), 255), JsonString(p, "id"));
  http::Response r;
  r.status = 201;
  r.SetHeader("Content-Type", "application/json");
  r.body = out.dump(-1, ' ', false, Json::error_handler_t::replace);
  NoStore(&r);
  return r;
}

http::Response DashboardSession::SignOut(const http::Request& request) const {
  auto token = request.Header("X-Auth-Token");
  if (!token || !PlausibleToken(*token)) {
    return Answer(Error::Unauthenticated("Sign out with the token to revoke in X-Auth-Token."));
  }
  HttpClientRequest req;
  req.method = "DELETE";
  req.url = v3_ + "/auth/tokens";
  req.headers.emplace_back("X-Auth-Token", *token);
  req.headers.emplace_back("X-Subject-Token", *token);
  req.headers.emplace_back("Accept", "application/json");
  req.headers.emplace_back("User-Agent", "magnum-api dashboard-session");
  req.connect_timeout = opt_.connect_timeout;
  req.timeout = opt_.request_timeout;
  // Refused here from now on, whatever Keystone says: the page forgets it anyway. Forgotten
  // again once Keystone has answered, in case a validation that began before the
  // revocation cached the token meanwhile.
  if (auth_) auth_->Forget(*token);
  auto reply = http_->Send(req);
  if (auth_) auth_->Forget(*token);
  if (!reply) {
    spdlog::error("{} dashboard sign-out: keystone at {}: {}", request.request_id, v3_,
                  reply.error().message());
    return Answer(Error::Unavailable(kKeystoneDownSignOut));
  }
  if (reply->status >= 500) {
    spdlog::error("{} dashboard sign-out: keystone at {} answered {}", request.request_id, v3_,
                  reply->status);
    return Answer(Error::Unavailable(kKeystoneDownSignOut));
  }
  if (reply->status != 204 && reply->status != 200) {
    // 401/404: already invalid (expired or revoked); 403: this Keystone's policy does not let
    // users revoke their own tokens. Either way the token is no longer this page's.
    spdlog::info("{} dashboard sign-out: keystone answered {}; the token is forgotten here",
                 request.request_id, reply->status);
  }
  http::Response r;
  r.status = 204;
  NoStore(&r);
  return r;
}

long long DashboardSession::ThrottledFor(const std::string (&keys)[2]) const {
  if (opt_.max_failures == 0) return 0;
  const TimePoint now = clock_->Now();
  long long wait = 0;
  std::lock_guard<std::mutex> lock(failures_mu_);
  for (const std::string& key : keys) {
    auto it = failures_.find(key);
    if (it == failures_.end()) continue;
    auto& times = it->second;
    while (!times.empty() && times.front() + opt_.failure_window <= now) times.pop_front();
    if (times.empty()) {
      failures_.erase(it);
    } else if (times.size() >= opt_.max_failures) {
      auto left =
          std::chrono::ceil<std::chrono::seconds>(times.front() + opt_.failure_window - now);
      wait = std::max<long long>({wait, left.count(), 1});
    }
  }
  return wait;
}

void DashboardSession::CountFailure(const std::string (&keys)[2]) const {
  if (opt_.max_failures == 0) return;
  const TimePoint now = clock_->Now();
  std::lock_guard<std::mutex> lock(failures_mu_);
  if (failures_.size() + 2 > opt_.max_tracked) {
    // Forget what has left the window; if that is not enough, everything (the bound holds
    // memory, not the count: a flood of distinct addresses resets the counting).
    for (auto it = failures_.begin(); it != failures_.end();) {
      bool stale = it->second.empty() || it->second.back() + opt_.failure_window <= now;
      it = stale ? failures_.erase(it) : std::next(it);
    }
    if (failures_.size() + 2 > opt_.max_tracked) failures_.clear();
  }
  for (const std::string& key : keys) {
    auto& times = failures_[key];
    times.push_back(now);
    while (times.size() > opt_.max_failures) times.pop_front();
  }
}

void DashboardSession::ClearFailures(const std::string& key) const {
  std::lock_guard<std::mutex> lock(failures_mu_);
  failures_.erase(key);
}

}  // namespace magnum::api
