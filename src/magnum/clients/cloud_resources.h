// Look-ups of the cloud resources a template or cluster names (image, flavor, keypair,
// networks), as upstream validates them against Glance, Nova and Neutron.
//
// The OpenStack implementation (auth_strategy = keystone) asks Glance, Nova, Neutron and
// Keystone with the caller's token, at the endpoints of the token's service catalog. The
// local implementation serves the embedded mode: images are the ones the registered
// drivers know; flavors, keypairs and networks are checked for form only.
// A service that cannot be asked (unreachable, 5xx, no catalog endpoint) is kUnavailable
// (503), never a success. Calls block the calling (request worker) thread. Implementations
// are thread-safe.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "magnum/auth/context.h"
#include "magnum/common/error.h"

namespace magnum {
class HttpClient;
}
namespace magnum::config {
struct Config;
}

namespace magnum::drivers {
class DriverRegistry;
}

namespace magnum::clients {

struct ImageInfo {
  std::string id;
  std::string name;
  std::string os_distro;      // "" = the image has no os_distro property
  std::string magnum_driver;  // "" = no magnum_driver property
};

struct FlavorInfo {
  std::string id;
  std::string name;
  std::optional<int64_t> disk_gb;  // nullopt = unknown (local mode): root-disk check skipped
};

class CloudResources {
 public:
  virtual ~CloudResources() = default;
  // 400 "Image <x> could not be found.", 409 when several images have the name, 403 "Not
  // authorized for image <x>.". An image without os_distro is returned with it empty.
  virtual Result<ImageInfo> FindImage(const auth::RequestContext& ctx, const std::string& id) = 0;
  // 400 "Unable to find flavor <x>."
  virtual Result<FlavorInfo> FindFlavor(const auth::RequestContext& ctx,
                                        const std::string& id) = 0;
  // 404 "Unable to find keypair <x>." (keypairs belong to the calling user)
  virtual Result<void> CheckKeypair(const auth::RequestContext& ctx, const std::string& name) = 0;
  // A router:external network by name or id: 400 "Unable to find external network <x>.",
  // 409 when the name matches several.
  virtual Result<void> CheckExternalNetwork(const auth::RequestContext& ctx,
                                            const std::string& id) = 0;
  // 400 "Unable to find fixed network <x>." / "Unable to find fixed subnet <x>.", 409 when
  // the name matches several.
  virtual Result<void> CheckFixedNetwork(const auth::RequestContext& ctx,
                                         const std::string& id) = 0;
  virtual Result<void> CheckFixedSubnet(const auth::RequestContext& ctx,
                                        const std::string& id) = 0;
  // Quota create: the project exists in Keystone, else 404 "The project_id <x> could not be
  // found.". The local implementation cannot tell and accepts any id.
  virtual Result<void> CheckProject(const auth::RequestContext& ctx,
                                    const std::string& project_id) = 0;
};

// The embedded-mode implementation over the drivers' known images. `registry` must
// outlive the returned object.
std::unique_ptr<CloudResources> NewLocalCloudResources(const drivers::DriverRegistry* registry);

// Where and how one OpenStack service is reached: the [glance_client], [nova_client] and
// [neutron_client] options (upstream names).
struct ServiceClientOptions {
  std::string region_name;               // "" = OpenStackCloudOptions::default_region
  std::string endpoint_type = "publicURL";  // or public/internal/admin(URL)
  std::string api_version;               // glance: "2"; nova: "2" or "2.<minor>" (microversion)
  std::string ca_file;                   // HTTPS: CA bundle ("" = the system's)
  bool insecure = false;                 // HTTPS: no certificate verification
};

struct OpenStackCloudOptions {
  ServiceClientOptions glance, nova, neutron;
  std::string default_region;  // for a service without region_name ("" = any region)
  // Keystone (with or without /v3) for project look-ups, and how to verify it.
  std::string identity_url;
  std::string identity_ca_file;
  bool identity_insecure = false;
  int connect_timeout_s = 5;
  int request_timeout_s = 10;
};

// Options from the configuration; kInvalidArgument for an unusable value (a Glance
// api_version other than 2, a Nova one that is not 2 or 2.<n>).
Result<OpenStackCloudOptions> OpenStackCloudOptionsFromConfig(const config::Config& config);

// One HTTP client per service (each has its own TLS options). The factory is called once
// per service at construction.
using HttpClientFactory =
    std::function<std::shared_ptr<HttpClient>(const std::string& ca_file, bool insecure)>;

// The Keystone-mode implementation; `http` defaults to libcurl.
std::unique_ptr<CloudResources> NewOpenStackCloudResources(OpenStackCloudOptions options,
                                                           HttpClientFactory http = nullptr);

}  // namespace magnum::clients
