// Readers of the Glance, Nova and Neutron replies the OpenStack cloud checks use
// (openstack_cloud_resources.cc), kept pure so that they can be unit-tested and fuzzed.
//
// The input is untrusted: whatever answered at the catalog's endpoint. Every reader returns
// kInvalidArgument for a reply that is not the documented shape and never throws; unknown
// keys are ignored. Stateless, thread-safe. Includes no JSON header.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/clients/cloud_resources.h"
#include "magnum/common/error.h"

namespace magnum::clients {

// A Neutron network or subnet.
struct NamedResource {
  std::string id;
  std::string name;
  std::optional<bool> router_external;  // networks: the "router:external" key, when present
};

// One page of a collection. `next` is the link to the following page as the service
// wrote it ("" = last page): Glance writes a path relative to its root ("/v2/images?..."),
// Nova and Neutron an absolute URL.
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next;
};

// GET /v2/images/{id}: one image object; custom properties (os_distro, magnum_driver) are
// top-level keys with string values (anything else counts as absent).
Result<ImageInfo> ParseGlanceImage(std::string_view body);
// GET /v2/images?name=...: {"images": [...], "next": "..."}.
Result<Page<ImageInfo>> ParseGlanceImageList(std::string_view body);
// GET /v2.1/flavors/detail: {"flavors": [{"id", "name", "disk", ...}], "flavors_links": [...]}.
// Ids may be strings or integers (older clouds); disk absent or null = unknown.
Result<Page<FlavorInfo>> ParseNovaFlavorList(std::string_view body);
// GET /v2.0/networks or /v2.0/subnets: {"<collection>": [...], "<collection>_links": [...]}.
Result<Page<NamedResource>> ParseNeutronList(std::string_view body, std::string_view collection);

// The message of an error reply, for the log: Nova's {"itemNotFound": {"message"}},
// Neutron's {"NeutronError": {"message"}}, Keystone's {"error": {"message"}}, else the first
// 200 bytes of the body with control characters replaced.
std::string ServiceErrorMessage(std::string_view body);

}  // namespace magnum::clients
