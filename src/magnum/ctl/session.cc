#include "magnum/ctl/session.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "magnum/auth/keystone_token.h"
#include "magnum/auth/keystone_v3.h"
#include "magnum/auth/service_catalog.h"

namespace magnum::ctl {
namespace {

using Json = nlohmann::json;

constexpr const char* kNoEndpoint =
    "no Magnum endpoint or credentials configured: set OS_CLOUD (a clouds.yaml entry), or "
    "OS_AUTH_URL with OS_USERNAME, OS_PASSWORD and OS_PROJECT_NAME (Keystone), or "
    "OS_ENDPOINT_OVERRIDE / MAGNUM_URL (--os-endpoint-override) to the API, e.g. "
    "http://127.0.0.1:9511/v1 for a magnumd without authentication";

}  // namespace

std::string ApiErrorMessage(long status, const std::string& body) {
  std::string message;
  Json j = Json::parse(body, nullptr, false);
  if (!j.is_discarded() && j.is_object()) {
    auto errors = j.find("errors");
    if (errors != j.end() && errors->is_array() && !errors->empty() && (*errors)[0].is_object()) {
      const Json& e = (*errors)[0];
      if (e.contains("detail") && e["detail"].is_string()) {
        message = e["detail"].get<std::string>();
      }
      if (message.empty() && e.contains("title") && e["title"].is_string()) {
        message = e["title"].get<std::string>();
      }
    }
    auto error = j.find("error");  // Keystone's form
    if (message.empty() && error != j.end() && error->is_object() && error->contains("message") &&
        (*error)["message"].is_string()) {
      message = (*error)["message"].get<std::string>();
    }
  }
  if (message.empty()) {
    message = body;
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r')) {
      message.pop_back();
    }
  }
  if (message.empty()) message = "no message";
  return message + " (HTTP " + std::to_string(status) + ")";
}

ErrorCode CodeOfStatus(long status) {
  switch (status) {
    case 400:
      return ErrorCode::kInvalidArgument;
    case 401:
      return ErrorCode::kUnauthenticated;
    case 403:
      return ErrorCode::kPermissionDenied;
    case 404:
      return ErrorCode::kNotFound;
    case 405:
      return ErrorCode::kMethodNotAllowed;
    case 406:
      return ErrorCode::kNotAcceptable;
    case 409:
      return ErrorCode::kConflict;
    case 413:
      return ErrorCode::kPayloadTooLarge;
    case 415:
      return ErrorCode::kUnsupportedMediaType;
    case 502:
    case 503:
    case 504:
      return ErrorCode::kUnavailable;
    default:
      return status >= 500 ? ErrorCode::kInternal : ErrorCode::kInvalidArgument;
  }
}

std::string NormalizeEndpoint(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.size() < 3 || url.compare(url.size() - 3, 3, "/v1") != 0) url += "/v1";
  return url;
}

std::string UrlEncode(const std::string& s) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Session::Session(Settings settings, HttpClient* http)
    : settings_(std::move(settings)), http_(http) {}

Result<void> Session::Authenticate() {
  const Settings& s = settings_;
  bool noauth = s.auth_type == "none" || s.auth_type == "noauth" ||
                (s.auth_url.empty() && s.auth_type.empty());
  if (noauth || (!s.token.empty() && !s.endpoint_override.empty())) {
    if (s.endpoint_override.empty()) return Fail(Error::InvalidArgument(kNoEndpoint));
    endpoint_ = NormalizeEndpoint(s.endpoint_override);
    if (!noauth) token_ = s.token;
    return {};
  }
  if (s.auth_url.empty()) {
    return Fail(Error::InvalidArgument("--os-auth-type " + s.auth_type +
                                       " needs OS_AUTH_URL (--os-auth-url)"));
  }
  Json identity;
  if (!s.token.empty() && s.auth_type != "password") {
    identity = {{"methods", {"token"}}, {"token", {{"id", s.token}}}};
  } else {
    if (s.username.empty() && s.user_id.empty()) {
      return Fail(Error::InvalidArgument(
          "Keystone authentication needs OS_USERNAME (--os-username) or OS_TOKEN"));
    }
    if (s.password.empty()) {
      return Fail(
          Error::InvalidArgument("Keystone authentication needs OS_PASSWORD "
                                 "(--os-password)"));
    }
    Json user = auth::KeystoneRef(s.username, s.user_id);
    if (s.user_id.empty()) {
      user["domain"] = auth::KeystoneRef(
          s.user_domain_name.empty() && s.user_domain_id.empty() ? "Default" : s.user_domain_name,
          s.user_domain_id);
    }
    user["password"] = s.password;
    identity = {{"methods", {"password"}}, {"password", {{"user", user}}}};
  }
  Json body = {{"auth", {{"identity", identity}}}};
  if (!s.project_id.empty() || !s.project_name.empty()) {
    Json project = auth::KeystoneRef(s.project_name, s.project_id);
    if (s.project_id.empty()) {
      project["domain"] = auth::KeystoneRef(
          s.project_domain_name.empty() && s.project_domain_id.empty() ? "Default"
                                                                       : s.project_domain_name,
          s.project_domain_id);
    }
    body["auth"]["scope"] = {{"project", project}};
  }
  HttpClientRequest req;
  req.method = "POST";
  req.url = auth::KeystoneV3Url(s.auth_url) + "/auth/tokens";
  req.headers = {{"Content-Type", "application/json"},
                 {"Accept", "application/json"},
                 {"User-Agent", "magnumctl"}};
  req.body = body.dump();
  req.timeout = std::chrono::milliseconds(30000);
  auto reply = http_->Send(req);
  if (!reply) {
    return Fail(Error::Unavailable("Keystone at " + req.url +
                                   " cannot be reached: " + reply.error().message()));
  }
  if (reply->status < 200 || reply->status > 299) {
    return Fail(
        Error(reply->status == 401 ? ErrorCode::kUnauthenticated : CodeOfStatus(reply->status),
              "Keystone refused the credentials: " + ApiErrorMessage(reply->status, reply->body)));
  }
  auto subject = reply->headers.find("X-Subject-Token");
  if (subject == reply->headers.end() || subject->second.empty()) {
    return Fail(Error::Unavailable("Keystone answered without an X-Subject-Token"));
  }
  token_ = subject->second;
  if (!s.endpoint_override.empty()) {
    endpoint_ = NormalizeEndpoint(s.endpoint_override);
    return {};
  }
  auto token = auth::ParseKeystoneToken(reply->body);
  if (!token) return Fail(Error::Unavailable("Keystone's token: " + token.error().message()));
  std::string interface = s.interface.empty() ? "public" : s.interface;
  std::optional<std::string> url;
  if (token->context.service_catalog) {
    url = token->context.service_catalog->EndpointUrl("container-infra", interface, s.region_name);
  }
  if (!url) {
    return Fail(Error::NotFound("the service catalog has no container-infra endpoint on the " +
                                interface + " interface" +
                                (s.region_name.empty() ? "" : " in region " + s.region_name) +
                                " (or use --os-endpoint-override)"));
  }
  endpoint_ = NormalizeEndpoint(*url);
  return {};
}

Result<std::string> Session::Endpoint() {
  if (!ready_) {
    MAGNUM_RETURN_IF_ERROR(Authenticate());
    ready_ = true;
  }
  return endpoint_;
}

Result<HttpClientReply> Session::Call(const std::string& method, const std::string& path,
                                      const std::string& body, const std::string& microversion) {
  MAGNUM_ASSIGN_OR_RETURN(std::string endpoint, Endpoint());
  HttpClientRequest req;
  req.method = method;
  req.url = endpoint + path;
  req.timeout = timeout_;
  std::string version = microversion.empty()
                            ? (settings_.api_version.empty() ? "latest" : settings_.api_version)
                            : microversion;
  req.headers = {{"Accept", "application/json"},
                 {"User-Agent", "magnumctl"},
                 {"OpenStack-API-Version", "container-infra " + version}};
  if (!body.empty()) {
    req.headers.emplace_back("Content-Type", "application/json");
    req.body = body;
  }
  if (!token_.empty()) {
    req.headers.emplace_back("X-Auth-Token", token_);
  } else {
    if (!settings_.project_id.empty())
      req.headers.emplace_back("X-Project-Id", settings_.project_id);
    std::string user = settings_.user_id.empty() ? settings_.username : settings_.user_id;
    if (!user.empty()) req.headers.emplace_back("X-User-Id", user);
    if (!settings_.roles.empty()) req.headers.emplace_back("X-Roles", settings_.roles);
  }
  auto reply = http_->Send(req);
  if (!reply) {
    return Fail(Error::Unavailable("Magnum at " + endpoint +
                                   " cannot be reached: " + reply.error().message()));
  }
  return reply;
}

Result<std::string> Session::Expect(const std::string& method, const std::string& path,
                                    const std::string& body, const std::string& microversion) {
  MAGNUM_ASSIGN_OR_RETURN(HttpClientReply reply, Call(method, path, body, microversion));
  if (reply.status < 200 || reply.status > 299) {
    return Fail(Error(CodeOfStatus(reply.status), ApiErrorMessage(reply.status, reply.body)));
  }
  return std::move(reply.body);
}

}  // namespace magnum::ctl
