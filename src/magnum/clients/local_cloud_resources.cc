#include <cctype>

#include "magnum/clients/cloud_resources.h"
#include "magnum/drivers/registry.h"

namespace magnum::clients {
namespace {

// Names and ids of flavors, keypairs and networks: printable, no control characters.
Result<void> CheckForm(const std::string& what, const std::string& value) {
  if (value.empty() || value.size() > 255) {
    return Fail(Error::InvalidArgument("Invalid " + what + " '" + value + "'."));
  }
  for (unsigned char c : value) {
    if (std::iscntrl(c)) {
      return Fail(Error::InvalidArgument("Invalid " + what + " '" + value +
                                         "': control characters are not allowed."));
    }
  }
  return {};
}

class LocalCloudResources final : public CloudResources {
 public:
  explicit LocalCloudResources(const drivers::DriverRegistry* registry) : registry_(registry) {}

  Result<ImageInfo> FindImage(const auth::RequestContext&, const std::string& id) override {
    auto match = registry_->FindImage(id);
    if (!match) {
      std::string known;
      for (auto* d : registry_->All()) {
        for (const auto& img : d->images()) known += (known.empty() ? "" : ", ") + img.name;
      }
      return Fail(Error::InvalidArgument(
          "Image " + id + " could not be found. Images known to the enabled drivers: " +
          (known.empty() ? std::string("none") : known) + "."));
    }
    ImageInfo info;
    info.id = match->image.name;
    info.name = match->image.name;
    info.os_distro = match->image.os_distro;
    info.magnum_driver = std::string(match->driver->name());
    return info;
  }

  Result<FlavorInfo> FindFlavor(const auth::RequestContext&, const std::string& id) override {
    MAGNUM_RETURN_IF_ERROR(CheckForm("flavor", id));
    return FlavorInfo{id, id, std::nullopt};
  }

  Result<void> CheckKeypair(const auth::RequestContext&, const std::string& name) override {
    return CheckForm("keypair", name);
  }
  Result<void> CheckExternalNetwork(const auth::RequestContext&, const std::string& id) override {
    return CheckForm("external network", id);
  }
  Result<void> CheckFixedNetwork(const auth::RequestContext&, const std::string& id) override {
    return CheckForm("fixed network", id);
  }
  Result<void> CheckFixedSubnet(const auth::RequestContext&, const std::string& id) override {
    return CheckForm("fixed subnet", id);
  }
  // Without Keystone a project's existence cannot be checked: any non-empty id is accepted.
  Result<void> CheckProject(const auth::RequestContext&, const std::string&) override {
    return {};
  }

 private:
  const drivers::DriverRegistry* registry_;
};

}  // namespace

std::unique_ptr<CloudResources> NewLocalCloudResources(const drivers::DriverRegistry* registry) {
  return std::make_unique<LocalCloudResources>(registry);
}

}  // namespace magnum::clients
