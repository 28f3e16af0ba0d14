#include "magnum/clients/openstack_service.h"

#include <spdlog/spdlog.h>

#include "magnum/auth/service_catalog.h"

namespace magnum::clients {

ServiceClientOptions ServiceClientOptionsOf(const config::Config::ServiceClient& s) {
  ServiceClientOptions o;
  o.region_name = s.region_name;
  o.endpoint_type = s.endpoint_type.empty() ? "publicURL" : s.endpoint_type;
  o.api_version = s.api_version;
  o.ca_file = s.ca_file;
  o.insecure = s.insecure;
  return o;
}

bool ValidEndpointType(std::string_view t) {
  for (std::string_view ok :
       {"public", "internal", "admin", "publicURL", "internalURL", "adminURL"}) {
    if (t == ok) return true;
  }
  return false;
}

std::string UrlOrigin(std::string_view url) {
  auto scheme = url.find("://");
  if (scheme == std::string_view::npos) return "";
  std::string_view s = url.substr(0, scheme);
  if (s != "http" && s != "https") return "";
  auto path = url.find_first_of("/?#", scheme + 3);
  return std::string(url.substr(0, path));
}

OpenStackService::OpenStackService(ServiceKind kind, ServiceClientOptions options,
                                   std::string default_region, std::shared_ptr<HttpClient> http,
                                   int connect_timeout_s, int request_timeout_s)
    : kind_(std::move(kind)),
      opt_(std::move(options)),
      region_(opt_.region_name.empty() ? std::move(default_region) : opt_.region_name),
      http_(std::move(http)),
      connect_timeout_s_(connect_timeout_s),
      request_timeout_s_(request_timeout_s) {}

Error OpenStackService::Unavailable(const std::string& problem) const {
  return Error::Unavailable(
      "The " + kind_.label + " " + problem +
      ", so the request was not carried out and nothing was changed. Try again later; if "
      "this persists, the operator should check that the service runs and that [" +
      kind_.section + "] region_name (" + (region_.empty() ? "any" : region_) +
      ") and endpoint_type (" + opt_.endpoint_type +
      ") name its endpoint in the service "
      "catalog.");
}

Error OpenStackService::Unexpected(const std::string& url, const HttpClientReply& reply,
                                   const char* what) const {
  spdlog::error("{}: GET {} ({}) answered {}: {}", kind_.section, url, what, reply.status,
                ServiceErrorMessage(reply.body));
  if (reply.status >= 500) return Unavailable("answered " + std::to_string(reply.status));
  if (reply.status == 200) return Unavailable("gave an answer that cannot be read");
  return Unavailable("refused the request (" + std::to_string(reply.status) + ")");
}

Result<std::string> OpenStackService::Endpoint(const auth::RequestContext& ctx) const {
  std::optional<std::string> url;
  if (ctx.service_catalog) {
    url = ctx.service_catalog->EndpointUrl(kind_.type, opt_.endpoint_type, region_);
  }
  if (!url || UrlOrigin(*url).empty()) {
    spdlog::error("{}: the token's catalog has no {} endpoint of type {} in region {}",
                  kind_.section, opt_.endpoint_type, kind_.type,
                  region_.empty() ? "(any)" : region_);
    return Fail(Unavailable("has no " + opt_.endpoint_type + " endpoint in the service catalog"));
  }
  std::string base = *url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  for (const auto& suffix : kind_.strip_suffixes) {
    if (std::string_view(base).ends_with(suffix)) {
      base.resize(base.size() - suffix.size());
      break;
    }
  }
  return base;
}

Result<HttpClientReply> OpenStackService::Get(
    const auth::RequestContext& ctx, const std::string& url,
    const std::vector<std::pair<std::string, std::string>>& headers) const {
  HttpClientRequest req;
  req.url = url;
  req.connect_timeout = std::chrono::seconds(connect_timeout_s_);
  req.timeout = std::chrono::seconds(request_timeout_s_);
  req.headers.emplace_back("Accept", "application/json");
  req.headers.emplace_back("User-Agent", "magnum-api cloud-checks");
  req.headers.emplace_back("X-Auth-Token", ctx.auth_token);
  if (!ctx.request_id.empty()) req.headers.emplace_back("X-OpenStack-Request-ID", ctx.request_id);
  for (const auto& h : headers) req.headers.push_back(h);
  auto reply = http_->Send(req);
  if (!reply) {
    spdlog::error("{}: GET {}: {}", kind_.section, url, reply.error().message());
    return Fail(Unavailable("cannot be reached"));
  }
  if (reply->status >= 500) return Fail(Unexpected(url, *reply, "request"));
  if (reply->status == 401) {
    spdlog::warn("{}: GET {} answered 401: the caller's token was refused", kind_.section, url);
    return Fail(Error::Unauthenticated(auth::kAuthenticationRequired));
  }
  return reply;
}

Result<std::string> OpenStackService::NextUrl(const std::string& base,
                                              const std::string& next) const {
  if (!next.empty() && next.front() == '/') return base + next;  // Glance: from its root
  const std::string origin = UrlOrigin(base);
  if (!origin.empty() && UrlOrigin(next) == origin) return next;
  spdlog::error("{}: a next-page link off the endpoint's origin {}: {}", kind_.section, origin,
                next);
  return Fail(Unavailable("gave an answer that cannot be read"));
}

}  // namespace magnum::clients
