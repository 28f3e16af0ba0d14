// CloudResources for auth_strategy = keystone: Glance, Nova, Neutron and Keystone asked as
// the caller, with upstream's answers (../shared/docs/api-v1.md §1.4, §5).
#include <spdlog/spdlog.h>

#include "magnum/auth/keystone_v3.h"
#include "magnum/clients/cloud_resources.h"
#include "magnum/clients/openstack_replies.h"
#include "magnum/clients/openstack_service.h"
#include "magnum/common/http_client.h"
#include "magnum/common/uuid.h"
#include "magnum/config/config.h"
#include "magnum/http/message.h"

namespace magnum::clients {
namespace {

using Headers = std::vector<std::pair<std::string, std::string>>;

// How many of `items` are called `ident` by name or id.
template <typename T>
size_t CountMatches(const std::vector<T>& items, const std::string& ident) {
  size_t n = 0;
  for (const auto& item : items) {
    if (item.name == ident || item.id == ident) ++n;
  }
  return n;
}

class OpenStackCloudResources final : public CloudResources {
 public:
  OpenStackCloudResources(const OpenStackCloudOptions& o, const HttpClientFactory& http)
      : glance_({"image", "image service (Glance)", "glance_client", {"/v2"}}, o.glance,
                o.default_region, http(o.glance.ca_file, o.glance.insecure), o.connect_timeout_s,
                o.request_timeout_s),
        nova_({"compute", "compute service (Nova)", "nova_client", {}}, o.nova, o.default_region,
              http(o.nova.ca_file, o.nova.insecure), o.connect_timeout_s, o.request_timeout_s),
        neutron_({"network", "network service (Neutron)", "neutron_client", {"/v2.0"}}, o.neutron,
                 o.default_region, http(o.neutron.ca_file, o.neutron.insecure), o.connect_timeout_s,
                 o.request_timeout_s),
        identity_url_(auth::KeystoneV3Url(o.identity_url)),
        identity_http_(http(o.identity_ca_file, o.identity_insecure)),
        connect_timeout_s_(o.connect_timeout_s),
        request_timeout_s_(o.request_timeout_s) {
    // A microversion ("2.61") is sent as OpenStack-API-Version; plain "2" sends none.
    auto dot = o.nova.api_version.find('.');
    if (dot != std::string::npos) {
      nova_headers_.emplace_back("OpenStack-API-Version", "compute " + o.nova.api_version);
    }
  }

  Result<ImageInfo> FindImage(const auth::RequestContext& ctx, const std::string& id) override {
    MAGNUM_ASSIGN_OR_RETURN(std::string base, glance_.Endpoint(ctx));
    if (IsUuidLike(id)) {  // as upstream: uuidutils.is_uuid_like
      const std::string url = base + "/v2/images/" + http::UrlEncode(id);
      MAGNUM_ASSIGN_OR_RETURN(HttpClientReply reply, glance_.Get(ctx, url));
      if (reply.status == 200) {
        auto image = ParseGlanceImage(reply.body);
        if (!image) {
          reply.body = image.error().message();
          return Fail(glance_.Unexpected(url, reply, "image"));
        }
        return image;
      }
      if (reply.status == 403) return Fail(NotAuthorizedForImage(id));
      if (reply.status != 404) return Fail(glance_.Unexpected(url, reply, "image"));
    }
    const std::string url = base + "/v2/images?name=" + http::UrlEncode(id) + "&limit=200";
    auto images = glance_.ListAll<ImageInfo>(ctx, base, url, ParseGlanceImageList, "images");
    if (!images) {
      return Fail(images.error());
    }
    std::vector<ImageInfo> named;
    for (auto& image : *images) {
      if (image.name == id) named.push_back(std::move(image));
    }
    if (named.empty()) return Fail(Error::InvalidArgument("Image " + id + " could not be found."));
    if (named.size() > 1) {
      return Fail(Error::Conflict("Multiple images exist with same name '" + id +
                                  "'. Please use the image ID instead."));
    }
    return named.front();
  }

  Result<FlavorInfo> FindFlavor(const auth::RequestContext& ctx,
                                const std::string& id) override {
    MAGNUM_ASSIGN_OR_RETURN(std::string base, nova_.Endpoint(ctx));
    MAGNUM_ASSIGN_OR_RETURN(auto flavors,
                            nova_.ListAll<FlavorInfo>(ctx, base, base + "/flavors/detail",
                                                      ParseNovaFlavorList, "flavors",
                                                      nova_headers_));
    for (auto& f : flavors) {
      if (f.name == id || f.id == id) return std::move(f);
    }
    return Fail(Error::InvalidArgument("Unable to find flavor " + id + "."));
  }

  Result<void> CheckKeypair(const auth::RequestContext& ctx, const std::string& name) override {
    MAGNUM_ASSIGN_OR_RETURN(std::string base, nova_.Endpoint(ctx));
    const std::string url = base + "/os-keypairs/" + http::UrlEncode(name);
    MAGNUM_ASSIGN_OR_RETURN(HttpClientReply reply, nova_.Get(ctx, url, nova_headers_));
    if (reply.status == 200) return {};
    if (reply.status == 404) return Fail(Error::NotFound("Unable to find keypair " + name + "."));
    return Fail(nova_.Unexpected(url, reply, "keypair"));
  }

  Result<void> CheckExternalNetwork(const auth::RequestContext& ctx,
                                    const std::string& id) override {
    MAGNUM_ASSIGN_OR_RETURN(
        auto networks,
        Networks(ctx, "networks", "?router%3Aexternal=True&fields=id&fields=name"
                                  "&fields=router%3Aexternal"));
    std::vector<NamedResource> external;
    for (auto& n : networks) {
      if (n.router_external.value_or(true)) external.push_back(std::move(n));
    }
    return Unique(external, id, "Unable to find external network " + id + ".",
                  "Multiple external networks exist with same name '" + id +
                      "'. Please use the external network ID instead.");
  }

  Result<void> CheckFixedNetwork(const auth::RequestContext& ctx,
                                 const std::string& id) override {
    MAGNUM_ASSIGN_OR_RETURN(auto networks,
                            Networks(ctx, "networks", "?fields=id&fields=name"));
    return Unique(networks, id, "Unable to find fixed network " + id + ".",
                  "Multiple networks exist with same name '" + id +
                      "'. Please use the network ID instead.");
  }

  Result<void> CheckFixedSubnet(const auth::RequestContext& ctx,
                                const std::string& id) override {
    MAGNUM_ASSIGN_OR_RETURN(auto subnets, Networks(ctx, "subnets", "?fields=id&fields=name"));
    return Unique(subnets, id, "Unable to find fixed subnet " + id + ".",
                  "Multiple subnets exist with same name '" + id +
                      "'. Please use the subnet ID instead.");
  }

  Result<void> CheckProject(const auth::RequestContext& ctx,
                            const std::string& project_id) override {
    // As upstream: Keystone asked with the caller's token (an admin's: quota:create).
    HttpClientRequest req;
    req.url = identity_url_ + "/projects/" + http::UrlEncode(project_id);
    req.connect_timeout = std::chrono::seconds(connect_timeout_s_);
    req.timeout = std::chrono::seconds(request_timeout_s_);
    req.headers = {{"Accept", "application/json"},
                   {"User-Agent", "magnum-api cloud-checks"},
                   {"X-Auth-Token", ctx.auth_token}};
    auto reply = identity_http_->Send(req);
    if (!reply || reply->status >= 500) {
      spdlog::error("identity: GET {}: {}", req.url,
                    reply ? std::to_string(reply->status) + " " + ServiceErrorMessage(reply->body)
                          : reply.error().message());
      return Fail(Error::Unavailable(
          "The identity service (Keystone) cannot be asked whether project " + project_id +
          " exists, so the request was not carried out and nothing was changed. Try again "
          "later; if this persists, the operator should check Keystone and "
          "[keystone_authtoken] auth_url."));
    }
    if (reply->status == 200) return {};
    if (reply->status == 404) {
      return Fail(Error::NotFound("The project_id " + project_id + " could not be found."));
    }
    spdlog::warn("identity: GET {} answered {}: {}", req.url, reply->status,
                 ServiceErrorMessage(reply->body));
    if (reply->status == 401) {
      return Fail(Error::Unauthenticated(auth::kAuthenticationRequired));
    }
    return Fail(Error::PermissionDenied("Keystone does not allow you to look up project " +
                                        project_id + "."));
  }

 private:
  static Error NotAuthorizedForImage(const std::string& id) {
    return Error::PermissionDenied("Not authorized for image " + id + ".");
  }

  Result<std::vector<NamedResource>> Networks(const auth::RequestContext& ctx,
                                              const std::string& collection,
                                              const std::string& query) {
    MAGNUM_ASSIGN_OR_RETURN(std::string base, neutron_.Endpoint(ctx));
    std::function<Result<Page<NamedResource>>(std::string_view)> parse =
        [collection](std::string_view body) { return ParseNeutronList(body, collection); };
    return neutron_.ListAll<NamedResource>(ctx, base, base + "/v2.0/" + collection + query,
                                           parse, collection.c_str());
  }

  static Result<void> Unique(const std::vector<NamedResource>& items, const std::string& id,
                             const std::string& not_found, const std::string& ambiguous) {
    size_t n = CountMatches(items, id);
    if (n == 0) return Fail(Error::InvalidArgument(not_found));
    if (n > 1) return Fail(Error::Conflict(ambiguous));
    return {};
  }

  OpenStackService glance_, nova_, neutron_;
  Headers nova_headers_;
  const std::string identity_url_;
  const std::shared_ptr<HttpClient> identity_http_;
  const int connect_timeout_s_;
  const int request_timeout_s_;
};

}  // namespace

Result<OpenStackCloudOptions> OpenStackCloudOptionsFromConfig(const config::Config& c) {
  OpenStackCloudOptions o;
  o.glance = ServiceClientOptionsOf(c.glance_client);
  o.nova = ServiceClientOptionsOf(c.nova_client);
  o.neutron = ServiceClientOptionsOf(c.neutron_client);
  o.default_region = c.keystone_region_name;
  o.identity_url = c.keystone_auth_url;
  o.identity_ca_file = c.keystone_cafile;
  o.identity_insecure = c.keystone_insecure;
  o.connect_timeout_s = c.keystone_http_connect_timeout;
  o.request_timeout_s = c.keystone_http_request_timeout;
  if (!o.glance.api_version.empty() && o.glance.api_version != "2") {
    return Fail(Error::InvalidArgument("[glance_client] api_version " + o.glance.api_version +
                                       " is not supported: only 2 (the Images API v2)"));
  }
  const std::string& nv = o.nova.api_version;
  bool nova_ok = nv.empty() || nv == "2" || nv == "2.1";
  if (!nova_ok && nv.size() > 2 && nv.compare(0, 2, "2.") == 0) {
    nova_ok = nv.find_first_not_of("0123456789", 2) == std::string::npos;
  }
  if (!nova_ok) {
    return Fail(Error::InvalidArgument("[nova_client] api_version " + nv +
                                       " is not supported: 2 or a microversion 2.<n>"));
  }
  for (const auto* s : {&o.glance, &o.nova, &o.neutron}) {
    if (!ValidEndpointType(s->endpoint_type)) {
      return Fail(Error::InvalidArgument(
          "[*_client] endpoint_type " + s->endpoint_type +
          " is not one of publicURL, internalURL, adminURL (or public, internal, admin)"));
    }
  }
  return o;
}

std::unique_ptr<CloudResources> NewOpenStackCloudResources(OpenStackCloudOptions options,
                                                           HttpClientFactory http) {
  if (!http) {
    http = [](const std::string& ca_file, bool insecure) -> std::shared_ptr<HttpClient> {
      return NewCurlHttpClient({ca_file, insecure});
    };
  }
  return std::make_unique<OpenStackCloudResources>(options, http);
}

}  // namespace magnum::clients
