#include "magnum/drivers/registry.h"

#include <algorithm>

namespace magnum::drivers {

void DriverRegistry::Register(std::unique_ptr<Driver> driver,
                              const std::vector<std::string>& disabled,
                              const std::vector<std::string>& enabled_beta) {
  std::string name(driver->name());
  if (std::find(disabled.begin(), disabled.end(), name) != disabled.end()) return;
  if (driver->beta() &&
      std::find(enabled_beta.begin(), enabled_beta.end(), name) == enabled_beta.end()) {
    return;
  }
  drivers_.push_back(std::move(driver));
  std::sort(drivers_.begin(), drivers_.end(),
            [](const auto& a, const auto& b) { return a->name() < b->name(); });
}

Result<Driver*> DriverRegistry::Get(std::string_view name) const {
  for (const auto& d : drivers_) {
    if (d->name() == name) return d.get();
  }
  return Fail(Error::InvalidArgument("Cluster driver (" + std::string(name) +
                                     ") not supported."));
}

Result<Driver*> DriverRegistry::FindByProvides(std::string_view server_type, std::string_view os,
                                               std::string_view coe) const {
  for (const auto& d : drivers_) {
    for (const auto& p : d->provides()) {
      if (p.server_type == server_type && p.os == os && p.coe == coe) return d.get();
    }
  }
  return Fail(Error::InvalidArgument("Cluster type (" + std::string(server_type) + ", " +
                                     std::string(os) + ", " + std::string(coe) +
                                     ") not supported."));
}

Result<Driver*> DriverRegistry::ForTemplate(std::string_view driver_name,
                                            std::string_view server_type, std::string_view os,
                                            std::string_view coe) const {
  if (!driver_name.empty()) return Get(driver_name);
  return FindByProvides(server_type, os, coe);
}

std::optional<DriverRegistry::ImageMatch> DriverRegistry::FindImage(std::string_view name) const {
  for (const auto& d : drivers_) {
    for (const auto& img : d->images()) {
      if (img.name == name) return ImageMatch{img, d.get()};
    }
  }
  return std::nullopt;
}

std::vector<Driver*> DriverRegistry::All() const {
  std::vector<Driver*> out;
  for (const auto& d : drivers_) out.push_back(d.get());
  return out;
}

}  // namespace magnum::drivers
