// The service catalog of a Keystone token: where the other OpenStack services are. Kept on
// the RequestContext (shared, immutable) for the Glance, Nova and Neutron clients. Value
// type; thread-compatible (immutable once built).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace magnum::auth {

struct CatalogEndpoint {
  std::string interface;  // "public", "internal" or "admin"
  std::string region_id;
  std::string url;
};

struct CatalogService {
  std::string id;
  std::string type;  // "image", "compute", "network", "identity", "container-infra", ...
  std::string name;
  std::vector<CatalogEndpoint> endpoints;
};

struct ServiceCatalog {
  std::vector<CatalogService> services;

  // The URL of the first service of `type` with an endpoint on `interface` in `region`
  // ("" = any region). `interface` also takes upstream's endpoint_type spellings
  // ("publicURL", "internalURL", "adminURL").
  std::optional<std::string> EndpointUrl(std::string_view type, std::string_view interface,
                                         std::string_view region) const;
};

}  // namespace magnum::auth
