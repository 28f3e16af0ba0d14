// One OpenStack service as the cloud checks call it (openstack_cloud_resources.cc): its
// endpoint from the caller's service catalog ([<service>_client] region_name and
// endpoint_type), GET requests with the caller's token, collections followed page by page,
// and the answers when the service cannot be asked.
//
// Failure answers: no catalog endpoint, no answer (refused, timed out, TLS), a 5xx or a
// reply that cannot be read → kUnavailable (503) with a message naming the service and what
// to do (the details, URL and reason, go to the log); a 401 → kUnauthenticated. Any other
// status is the caller's to interpret. Blocking; thread-safe (immutable after construction).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/auth/context.h"
#include "magnum/clients/cloud_resources.h"
#include "magnum/clients/openstack_replies.h"
#include "magnum/common/http_client.h"
#include "magnum/config/config.h"

namespace magnum::clients {

struct ServiceKind {
  std::string type;     // catalog type: "image", "compute", "network", "identity"
  std::string label;    // for messages: "image service (Glance)"
  std::string section;  // "glance_client"
  // Version suffixes cut from the catalog URL before the service's own paths are added
  // (Glance: "/v2", Neutron: "/v2.0"); Nova's URL keeps its "/v2.1".
  std::vector<std::string> strip_suffixes;
};

class OpenStackService {
 public:
  OpenStackService(ServiceKind kind, ServiceClientOptions options, std::string default_region,
                   std::shared_ptr<HttpClient> http, int connect_timeout_s,
                   int request_timeout_s);

  // The base URL to add paths to (no trailing '/'), from the caller's catalog.
  Result<std::string> Endpoint(const auth::RequestContext& ctx) const;
  // GET `url` as the caller, with `headers` added.
  Result<HttpClientReply> Get(const auth::RequestContext& ctx, const std::string& url,
                              const std::vector<std::pair<std::string, std::string>>& headers =
                                  {}) const;
  // Every item of a collection: GET `first_url`, then its `next` links (on the endpoint's
  // own origin only, at most 100 pages), each page read by `parse`. `what` names the
  // collection in the log.
  template <typename T>
  Result<std::vector<T>> ListAll(
      const auth::RequestContext& ctx, const std::string& base, const std::string& first_url,
      const std::function<Result<Page<T>>(std::string_view)>& parse, const char* what,
      const std::vector<std::pair<std::string, std::string>>& headers = {}) const;

  // The 503 for this service; `problem` completes "The image service (Glance) ..." and is
  // what the client reads, so it names no URL.
  Error Unavailable(const std::string& problem) const;
  // A reply of status `status` that the caller cannot use: logged, then a 503.
  Error Unexpected(const std::string& url, const HttpClientReply& reply, const char* what) const;

  const ServiceKind& kind() const { return kind_; }

 private:
  Result<std::string> NextUrl(const std::string& base, const std::string& next) const;

  const ServiceKind kind_;
  const ServiceClientOptions opt_;
  const std::string region_;  // "" = any
  const std::shared_ptr<HttpClient> http_;
  const int connect_timeout_s_;
  const int request_timeout_s_;
};

// "scheme://host[:port]" of an absolute URL ("" when it is not one).
std::string UrlOrigin(std::string_view url);

// The options of a [<service>_client] section (an empty endpoint_type is publicURL).
ServiceClientOptions ServiceClientOptionsOf(const config::Config::ServiceClient& s);

// Whether `t` is an endpoint interface the [*_client] endpoint_type option accepts:
// public, internal, admin, or their Keystone v2 names publicURL, internalURL, adminURL.
bool ValidEndpointType(std::string_view t);

template <typename T>
Result<std::vector<T>> OpenStackService::ListAll(
    const auth::RequestContext& ctx, const std::string& base, const std::string& first_url,
    const std::function<Result<Page<T>>(std::string_view)>& parse, const char* what,
    const std::vector<std::pair<std::string, std::string>>& headers) const {
  std::vector<T> all;
  std::string url = first_url;
  for (int page = 0; page < 100 && !url.empty(); ++page) {
    MAGNUM_ASSIGN_OR_RETURN(HttpClientReply reply, Get(ctx, url, headers));
    if (reply.status != 200) return Fail(Unexpected(url, reply, what));
    auto parsed = parse(reply.body);
    if (!parsed) {
      HttpClientReply bad = reply;
      bad.body = parsed.error().message();
      return Fail(Unexpected(url, bad, what));
    }
    for (auto& item : parsed->items) all.push_back(std::move(item));
    if (parsed->next.empty()) break;
    MAGNUM_ASSIGN_OR_RETURN(url, NextUrl(base, parsed->next));
  }
  return all;
}

}  // namespace magnum::clients
