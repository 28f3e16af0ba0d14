// Look-ups of the cloud resources a template or cluster names (image, flavor, keypair,
// networks), as upstream validates them against Glance, Nova and Neutron.
//
// The OpenStack implementation (catalog from the Keystone token) comes with the Keystone
// issue. The local implementation serves the embedded mode: images are the ones the
// registered drivers know; flavors, keypairs and networks are checked for form only.
// Implementations are thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "magnum/auth/context.h"
#include "magnum/common/error.h"

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
  // 400 "Image <x> could not be found." / 400 "Image <x> doesn't contain os_distro field."
  virtual Result<ImageInfo> FindImage(const auth::RequestContext& ctx, const std::string& id) = 0;
  // 400 "Unable to find flavor <x>."
  virtual Result<FlavorInfo> FindFlavor(const auth::RequestContext& ctx,
                                        const std::string& id) = 0;
  // 404 "Unable to find keypair <x>."
  virtual Result<void> CheckKeypair(const auth::RequestContext& ctx, const std::string& name) = 0;
  virtual Result<void> CheckExternalNetwork(const auth::RequestContext& ctx,
                                            const std::string& id) = 0;
  virtual Result<void> CheckFixedNetwork(const auth::RequestContext& ctx,
                                         const std::string& id) = 0;
  virtual Result<void> CheckFixedSubnet(const auth::RequestContext& ctx,
                                        const std::string& id) = 0;
};

// The embedded-mode implementation over the drivers' known images. `registry` must
// outlive the returned object.
std::unique_ptr<CloudResources> NewLocalCloudResources(const drivers::DriverRegistry* registry);

}  // namespace magnum::clients
