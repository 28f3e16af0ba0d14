// The driver registry: drivers by name, selection by template, known local images.
// Built at start-up (Register), then read-only and thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/drivers/driver.h"

namespace magnum::config {
struct Config;
}

namespace magnum::clients {
class TrustManager;
}

namespace magnum::drivers {

class DriverRegistry {
 public:
  DriverRegistry() = default;
  DriverRegistry(const DriverRegistry&) = delete;
  DriverRegistry& operator=(const DriverRegistry&) = delete;

  // Adds a driver unless it is disabled by name ([drivers] disabled_drivers), or beta
  // and not in [drivers] enabled_beta_drivers.
  void Register(std::unique_ptr<Driver> driver, const std::vector<std::string>& disabled = {},
                const std::vector<std::string>& enabled_beta = {});

  // The driver registered as `name`, or 400 "Cluster driver (<name>) not supported.".
  Result<Driver*> Get(std::string_view name) const;
  // The first driver (by name) providing the tuple, or 400 ClusterTypeNotSupported.
  Result<Driver*> FindByProvides(std::string_view server_type, std::string_view os,
                                 std::string_view coe) const;
  // For a template: its `driver` when set, else the tuple match.
  Result<Driver*> ForTemplate(std::string_view driver_name, std::string_view server_type,
                              std::string_view os, std::string_view coe) const;

  // A known local image by name, with the driver that knows it.
  struct ImageMatch {
    KnownImage image;
    Driver* driver = nullptr;
  };
  std::optional<ImageMatch> FindImage(std::string_view name) const;

  std::vector<Driver*> All() const;  // sorted by name

 private:
  std::vector<std::unique_ptr<Driver>> drivers_;  // sorted by name
};

// Registers every driver built into this binary, honouring the [drivers] options. `trusts`
// (clients::TrustManagerFromConfig, shared with the conductor) gives the drivers that act
// through a cluster's trust their tokens; without it they refuse cluster create.
void RegisterBuiltinDrivers(DriverRegistry* registry, const config::Config& config,
                            std::shared_ptr<const clients::TrustManager> trusts = nullptr);

}  // namespace magnum::drivers
