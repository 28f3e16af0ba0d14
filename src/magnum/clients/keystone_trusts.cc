#include "magnum/clients/keystone_trusts.h"

#include <openssl/rand.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "magnum/auth/keystone_token.h"
#include "magnum/auth/keystone_v3.h"
#include "magnum/auth/service_catalog.h"
#include "magnum/clients/openstack_replies.h"
#include "magnum/config/config.h"
#include "magnum/http/message.h"

namespace magnum::clients {
namespace {

using Json = nlohmann::json;
using std::chrono::seconds;

// A new domain admin token is fetched this long before the current one expires.
constexpr seconds kAdminTokenMargin{60};
constexpr size_t kPasswordLength = 32;

// kPasswordLength characters of [A-Za-z0-9] from OpenSSL's CSPRNG (rejection sampling: no
// modulo bias).
Result<std::string> RandomPassword() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  constexpr unsigned kN = sizeof(kAlphabet) - 1;  // 62
  constexpr unsigned kLimit = 256 - (256 % kN);   // 248
  std::string out;
  while (out.size() < kPasswordLength) {
    unsigned char buf[64];
    if (RAND_bytes(buf, sizeof buf) != 1) {
      return Fail(Error::Internal("cannot generate a password: the random generator failed"));
    }
    for (unsigned char b : buf) {
      if (b >= kLimit) continue;
      out += kAlphabet[b % kN];
      if (out.size() == kPasswordLength) break;
    }
  }
  return out;
}

std::string IdOf(const std::string& body, const char* member) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return "";
  auto m = j.find(member);
  if (m == j.end() || !m->is_object()) return "";
  auto id = m->find("id");
  return id != m->end() && id->is_string() ? id->get<std::string>() : "";
}

}  // namespace

Result<TrustOptions> TrustOptionsFromConfig(const config::Config& c) {
  TrustOptions o;
  o.trustee_domain_id = c.trust_trustee_domain_id;
  o.trustee_domain_name = c.trust_trustee_domain_name;
  o.trustee_domain_admin_id = c.trust_trustee_domain_admin_id;
  o.trustee_domain_admin_name = c.trust_trustee_domain_admin_name;
  o.trustee_domain_admin_domain_id = c.trust_trustee_domain_admin_domain_id;
  o.trustee_domain_admin_domain_name = c.trust_trustee_domain_admin_domain_name;
  o.trustee_domain_admin_password = c.trust_trustee_domain_admin_password;
  o.roles = c.trust_roles;
  o.cluster_user_trust = c.trust_cluster_user_trust;
  o.trustee_keystone_interface = c.trust_trustee_keystone_interface;
  o.trustee_keystone_region_name = c.trust_trustee_keystone_region_name.empty()
                                       ? c.keystone_region_name
                                       : c.trust_trustee_keystone_region_name;
  o.identity_url =
      c.keystone_auth_url.empty() ? c.keystone_www_authenticate_uri : c.keystone_auth_url;
  o.ca_file = c.keystone_cafile;
  o.insecure = c.keystone_insecure;
  o.connect_timeout_s = c.keystone_http_connect_timeout;
  o.request_timeout_s = c.keystone_http_request_timeout;

  const bool domain = !o.trustee_domain_id.empty() || !o.trustee_domain_name.empty();
  const bool admin = !o.trustee_domain_admin_id.empty() || !o.trustee_domain_admin_name.empty();
  const bool any = domain || admin || !o.trustee_domain_admin_password.empty() ||
                   !o.trustee_domain_admin_domain_id.empty() ||
                   !o.trustee_domain_admin_domain_name.empty();
  if (!any) return o;  // not configured: drivers that use trusts refuse cluster create
  std::vector<std::string> missing;
  if (!domain) missing.push_back("trustee_domain_id (or trustee_domain_name)");
  if (!admin) missing.push_back("trustee_domain_admin_id (or trustee_domain_admin_name)");
  if (o.trustee_domain_admin_password.empty()) missing.push_back("trustee_domain_admin_password");
  if (!missing.empty()) {
    std::string all;
    for (const auto& m : missing) all += (all.empty() ? "" : ", ") + m;
    return Fail(Error::InvalidArgument("[trust] is set only in part: also set " + all));
  }
  if (o.identity_url.empty()) {
    return Fail(
        Error::InvalidArgument("[trust] needs Keystone's URL: set [keystone_authtoken] auth_url"));
  }
  return o;
}

bool TrustsConfigured(const TrustOptions& o) {
  return (!o.trustee_domain_id.empty() || !o.trustee_domain_name.empty()) &&
         (!o.trustee_domain_admin_id.empty() || !o.trustee_domain_admin_name.empty());
}

TrustManager::TrustManager(TrustOptions options, std::shared_ptr<HttpClient> http)
    : opt_(std::move(options)),
      v3_(auth::KeystoneV3Url(opt_.identity_url)),
      http_(http ? std::move(http)
                 : std::shared_ptr<HttpClient>(NewCurlHttpClient({opt_.ca_file, opt_.insecure}))) {}

TrustManager::~TrustManager() = default;

Error TrustManager::KeystoneUnavailable(const std::string& doing) const {
  return Error::Unavailable(
      "The identity service (Keystone) cannot be reached, so " + doing +
      ". Try again later; if this persists, the operator should check that Keystone runs at "
      "[keystone_authtoken] auth_url (" +
      opt_.identity_url + ").");
}

Result<HttpClientReply> TrustManager::Send(HttpClientRequest req, const char* what) const {
  req.connect_timeout = seconds(opt_.connect_timeout_s);
  req.timeout = seconds(opt_.request_timeout_s);
  req.headers.emplace_back("Accept", "application/json");
  req.headers.emplace_back("User-Agent", "magnum-conductor keystone-trusts");
  if (!req.body.empty()) req.headers.emplace_back("Content-Type", "application/json");
  const std::string method = req.method;
  const std::string url = req.url;
  auto reply = http_->Send(req);
  if (!reply) {
    spdlog::error("keystone trusts: {} ({} {}): {}", what, method, url, reply.error().message());
    return Fail(KeystoneUnavailable(std::string(what) + " failed"));
  }
  if (reply->status >= 500) {
    spdlog::error("keystone trusts: {} ({} {}) answered {}: {}", what, method, url, reply->status,
                  ServiceErrorMessage(reply->body));
    return Fail(KeystoneUnavailable(std::string(what) + " failed"));
  }
  return reply;
}

Result<TrustManager::AdminToken> TrustManager::Admin(bool force_new) const {
  std::lock_guard<std::mutex> lock(mu_);
  const TimePoint now = SystemClock().Now();
  if (!force_new && !admin_token_.empty() && now < admin_expires_ - kAdminTokenMargin) {
    return AdminToken{admin_token_, admin_domain_id_};
  }
  admin_token_.clear();
  // The admin's own domain defaults to the trustee domain (upstream's rule).
  std::string user_domain_id = opt_.trustee_domain_admin_domain_id;
  std::string user_domain_name = opt_.trustee_domain_admin_domain_name;
  if (user_domain_id.empty() && user_domain_name.empty()) {
    user_domain_id = opt_.trustee_domain_id;
    user_domain_name = opt_.trustee_domain_name;
  }
  Json user = auth::KeystoneRef(opt_.trustee_domain_admin_name, opt_.trustee_domain_admin_id);
  if (opt_.trustee_domain_admin_id.empty()) {
    user["domain"] = auth::KeystoneRef(user_domain_name, user_domain_id);
  }
  user["password"] = opt_.trustee_domain_admin_password;
  Json body = auth::PasswordAuthBody(
      std::move(user),
      {{"domain", auth::KeystoneRef(opt_.trustee_domain_name, opt_.trustee_domain_id)}});
  HttpClientRequest req;
  req.method = "POST";
  req.url = v3_ + "/auth/tokens?nocatalog";
  req.body = body.dump();
  MAGNUM_ASSIGN_OR_RETURN(HttpClientReply reply,
                          Send(std::move(req), "the [trust] domain admin's login"));
  auto subject = reply.headers.find("X-Subject-Token");
  if (reply.status == 401 || reply.status == 403 || reply.status == 404 || reply.status == 400) {
    spdlog::error("keystone trusts: login of the trustee domain admin at {} answered {}: {}", v3_,
                  reply.status, ServiceErrorMessage(reply.body));
    return Fail(Error::PermissionDenied(
        "Keystone refused the [trust] trustee_domain_admin credentials (answer " +
        std::to_string(reply.status) +
        "): the operator should check [trust] trustee_domain_admin_id/_name, "
        "trustee_domain_admin_password and trustee_domain_id/_name, and that this user has "
        "the admin role on the trustee domain."));
  }
  auto parsed = auth::ParseKeystoneToken(reply.body);
  if (reply.status != 201 || subject == reply.headers.end() || !parsed) {
    spdlog::error(
        "keystone trusts: login of the trustee domain admin at {}: unexpected answer "
        "{}{}",
        v3_, reply.status, parsed ? "" : ": " + parsed.error().message());
    return Fail(KeystoneUnavailable("the [trust] domain admin could not log in"));
  }
  std::string domain_id = parsed->context.domain_id;
  if (domain_id.empty()) domain_id = opt_.trustee_domain_id;
  if (domain_id.empty()) {
    spdlog::error("keystone trusts: the domain admin's token names no domain");
    return Fail(KeystoneUnavailable("the trustee domain could not be found"));
  }
  admin_token_ = subject->second;
  admin_domain_id_ = domain_id;
  admin_expires_ = parsed->expires_at;
  return AdminToken{admin_token_, admin_domain_id_};
}

Result<HttpClientReply> TrustManager::AsAdmin(HttpClientRequest req, const char* what) const {
  for (int attempt = 0; attempt < 2; ++attempt) {
    MAGNUM_ASSIGN_OR_RETURN(AdminToken admin, Admin(attempt > 0));
    HttpClientRequest r = req;
    r.headers.emplace_back("X-Auth-Token", admin.token);
    MAGNUM_ASSIGN_OR_RETURN(HttpClientReply reply, Send(std::move(r), what));
    if (reply.status == 401 && attempt == 0) continue;  // our token went: log in again
    if (reply.status == 401 || reply.status == 403) {
      spdlog::error("keystone trusts: {} ({} {}) as the trustee domain admin answered {}: {}", what,
                    req.method, req.url, reply.status, ServiceErrorMessage(reply.body));
      return Fail(Error::PermissionDenied(
          std::string("Keystone refused the [trust] trustee_domain_admin credentials for ") + what +
          " (answer " + std::to_string(reply.status) +
          "): the operator should give that user the admin role on the trustee domain."));
    }
    return reply;
  }
  return Fail(KeystoneUnavailable(std::string(what) + " failed"));
}

Result<Trustee> TrustManager::CreateTrustee(const std::string& cluster_uuid,
                                            const std::string& project_id) const {
  Trustee t;
  t.username = cluster_uuid + "_" + project_id;
  MAGNUM_ASSIGN_OR_RETURN(t.password, RandomPassword());
  MAGNUM_ASSIGN_OR_RETURN(AdminToken admin, Admin(false));
  HttpClientRequest create;
  create.method = "POST";
  create.url = v3_ + "/users";
  create.body = Json{{"user",
                      {{"name", t.username},
                       {"password", t.password},
                       {"domain_id", admin.domain_id},
                       {"enabled", true},
                       {"description", "Magnum trustee of cluster " + cluster_uuid}}}}
                    .dump();
  MAGNUM_ASSIGN_OR_RETURN(HttpClientReply reply,
                          AsAdmin(std::move(create), "creating the cluster's trustee user"));
  if (reply.status == 201) {
    t.user_id = IdOf(reply.body, "user");
    if (t.user_id.empty()) {
      spdlog::error("keystone trusts: POST {}/users answered 201 without a user id", v3_);
      return Fail(KeystoneUnavailable("the cluster's trustee user could not be created"));
    }
    return t;
  }
  if (reply.status != 409) {
    spdlog::error("keystone trusts: creating user {} answered {}: {}", t.username, reply.status,
                  ServiceErrorMessage(reply.body));
    return Fail(KeystoneUnavailable("the cluster's trustee user could not be created (answer " +
                                    std::to_string(reply.status) + ")"));
  }
  // It exists (a create cut off after this step): find it, give it the new password.
  HttpClientRequest find;
  find.url = v3_ + "/users?name=" + http::UrlEncode(t.username) +
             "&domain_id=" + http::UrlEncode(admin.domain_id);
  MAGNUM_ASSIGN_OR_RETURN(reply, AsAdmin(std::move(find), "finding the cluster's trustee user"));
  Json j = Json::parse(reply.body, nullptr, false);
  if (reply.status == 200 && j.is_object() && j.contains("users") && j["users"].is_array()) {
    for (const auto& u : j["users"]) {
      if (u.is_object() && u.value("name", "") == t.username && u.contains("id") &&
          u["id"].is_string()) {
        t.user_id = u["id"].get<std::string>();
      }
    }
  }
  if (t.user_id.empty()) {
    spdlog::error("keystone trusts: user {} exists (409) but is not listed (answer {})", t.username,
                  reply.status);
    return Fail(KeystoneUnavailable("the cluster's trustee user could not be created"));
  }
  HttpClientRequest reset;
  reset.method = "PATCH";
  reset.url = v3_ + "/users/" + t.user_id;
  reset.body = Json{{"user", {{"password", t.password}}}}.dump();
  MAGNUM_ASSIGN_OR_RETURN(reply,
                          AsAdmin(std::move(reset), "resetting the trustee user's password"));
  if (reply.status != 200) {
    spdlog::error("keystone trusts: PATCH user {} answered {}: {}", t.user_id, reply.status,
                  ServiceErrorMessage(reply.body));
    return Fail(KeystoneUnavailable("the cluster's trustee user could not be reused"));
  }
  spdlog::info("keystone trusts: reused the existing trustee user {} ({})", t.username, t.user_id);
  return t;
}

Result<std::string> TrustManager::CreateTrust(const std::string& trustor_token,
                                              const std::string& trustor_user_id,
                                              const std::string& project_id,
                                              const std::vector<std::string>& trustor_roles,
                                              const std::string& trustee_user_id) const {
  const std::vector<std::string>& roles = opt_.roles.empty() ? trustor_roles : opt_.roles;
  Json role_list = Json::array();
  for (const auto& r : roles) role_list.push_back({{"name", r}});
  HttpClientRequest req;
  req.method = "POST";
  req.url = v3_ + "/OS-TRUST/trusts";
  req.headers.emplace_back("X-Auth-Token", trustor_token);
  req.body = Json{{"trust",
                   {{"trustor_user_id", trustor_user_id},
                    {"trustee_user_id", trustee_user_id},
                    {"project_id", project_id},
                    {"impersonation", true},
                    // Heat makes its own trust from the trust-scoped token the driver
                    // creates stacks with (deferred_auth_method = trusts): without
                    // redelegation Keystone refuses that with 403 and heat-api answers 500.
                    {"allow_redelegation", true},
                    {"roles", role_list}}}}
                 .dump();
  MAGNUM_ASSIGN_OR_RETURN(HttpClientReply reply, Send(std::move(req), "creating the trust"));
  if (reply.status == 201) {
    std::string id = IdOf(reply.body, "trust");
    if (id.empty()) {
      spdlog::error("keystone trusts: POST {}/OS-TRUST/trusts answered 201 without an id", v3_);
      return Fail(KeystoneUnavailable("the cluster's trust could not be created"));
    }
    return id;
  }
  const std::string why = ServiceErrorMessage(reply.body);
  spdlog::warn("keystone trusts: creating a trust of user {} on project {} answered {}: {}",
               trustor_user_id, project_id, reply.status, why);
  if (reply.status == 401) {
    return Fail(Error::Unauthenticated(
        "the trustor's token cannot create a trust: Keystone no longer accepts it (expired or "
        "revoked); authenticate again and retry."));
  }
  if (reply.status == 403) {
    return Fail(Error::PermissionDenied("the trustor's token cannot create a trust: " + why));
  }
  if (reply.status == 400 || reply.status == 404) {
    // Keystone answers 404 "Could not find role" also for a role the trustor lacks.
    return Fail(Error::InvalidArgument(
        "the trustor's token cannot create a trust: " + why +
        " (the trustor must hold every delegated role on the project: [trust] roles, or else "
        "its own)"));
  }
  return Fail(KeystoneUnavailable("the cluster's trust could not be created (answer " +
                                  std::to_string(reply.status) + ")"));
}

Result<TrustToken> TrustManager::TrustScopedToken(const std::string& trustee_user_id,
                                                  const std::string& password,
                                                  const std::string& trust_id) const {
  Json body = auth::PasswordAuthBody({{"id", trustee_user_id}, {"password", password}},
                                     {{"OS-TRUST:trust", {{"id", trust_id}}}});
  HttpClientRequest req;
  req.method = "POST";
  req.url = v3_ + "/auth/tokens";
  req.body = body.dump();
  MAGNUM_ASSIGN_OR_RETURN(HttpClientReply reply,
                          Send(std::move(req), "getting the cluster's trust-scoped token"));
  if (reply.status == 401 || reply.status == 403 || reply.status == 404) {
    spdlog::warn("keystone trusts: token of trustee {} for trust {} refused ({}): {}",
                 trustee_user_id, trust_id, reply.status, ServiceErrorMessage(reply.body));
    return Fail(Error::PermissionDenied(
        "Keystone refused the cluster's trust (trustee user " + trustee_user_id + ", trust " +
        trust_id + ", answer " + std::to_string(reply.status) +
        "): the trust or its trustee was deleted, or the trustor lost its roles on the "
        "project."));
  }
  auto subject = reply.headers.find("X-Subject-Token");
  auto parsed = auth::ParseKeystoneToken(reply.body);
  if (reply.status != 201 || subject == reply.headers.end() || !parsed) {
    spdlog::error("keystone trusts: trust-scoped token: unexpected answer {}{}", reply.status,
                  parsed ? "" : ": " + parsed.error().message());
    return Fail(KeystoneUnavailable("the cluster's trust-scoped token could not be obtained"));
  }
  TrustToken t;
  t.token = subject->second;
  t.project_id = parsed->context.project_id;
  t.user_id = parsed->context.user_id;
  t.catalog = parsed->context.service_catalog;
  t.expires_at = parsed->expires_at;
  return t;
}

Result<void> TrustManager::DeleteTrusteeAndTrust(const std::string& trustee_user_id,
                                                 const std::string& trust_id) const {
  if (!trust_id.empty()) {
    HttpClientRequest req;
    req.method = "DELETE";
    req.url = v3_ + "/OS-TRUST/trusts/" + http::UrlEncode(trust_id);
    auto deleted = AsAdmin(std::move(req), "deleting the cluster's trust");
    // Keystone deletes a user's trusts with the user: a policy that keeps the domain admin
    // from deleting the trust itself (identity:delete_trust with enforce_scope, which wants
    // a project or system scope) is no failure while the trustee user is deleted next.
    const bool refused = !deleted && deleted.error().Is(ErrorCode::kPermissionDenied);
    if (!deleted && !(refused && !trustee_user_id.empty())) return Fail(deleted.error());
    const HttpClientReply reply = deleted ? *deleted : HttpClientReply{404, {}, ""};
    if (refused) {
      spdlog::info("keystone trusts: trust {} goes with its trustee user {}", trust_id,
                   trustee_user_id);
    }
    if (reply.status != 204 && reply.status != 200 && reply.status != 404) {
      spdlog::error("keystone trusts: DELETE trust {} answered {}: {}", trust_id, reply.status,
                    ServiceErrorMessage(reply.body));
      return Fail(KeystoneUnavailable("the cluster's trust could not be deleted (answer " +
                                      std::to_string(reply.status) + ")"));
    }
  }
  if (!trustee_user_id.empty()) {
    HttpClientRequest req;
    req.method = "DELETE";
    req.url = v3_ + "/users/" + http::UrlEncode(trustee_user_id);
    MAGNUM_ASSIGN_OR_RETURN(HttpClientReply reply,
                            AsAdmin(std::move(req), "deleting the cluster's trustee user"));
    if (reply.status != 204 && reply.status != 200 && reply.status != 404) {
      spdlog::error("keystone trusts: DELETE user {} answered {}: {}", trustee_user_id,
                    reply.status, ServiceErrorMessage(reply.body));
      return Fail(KeystoneUnavailable("the cluster's trustee user could not be deleted (answer " +
                                      std::to_string(reply.status) + ")"));
    }
  }
  return {};
}

Result<std::shared_ptr<TrustManager>> TrustManagerFromConfig(const config::Config& config) {
  if (config.auth_strategy != "keystone") return std::shared_ptr<TrustManager>();
  MAGNUM_ASSIGN_OR_RETURN(TrustOptions trust, TrustOptionsFromConfig(config));
  if (!TrustsConfigured(trust)) {
    spdlog::info(
        "keystone trusts: [trust] is not set; drivers that create clusters through "
        "a trust refuse cluster create");
    return std::shared_ptr<TrustManager>();
  }
  spdlog::info("keystone trusts: trustee users in domain {}", trust.trustee_domain_id.empty()
                                                                  ? trust.trustee_domain_name
                                                                  : trust.trustee_domain_id);
  return std::make_shared<TrustManager>(std::move(trust));
}

}  // namespace magnum::clients
