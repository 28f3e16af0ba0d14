#include "magnum/config/config.h"
#include "magnum/drivers/fake/fake_driver.h"
#include "magnum/drivers/registry.h"

namespace magnum::drivers {

void RegisterBuiltinDrivers(DriverRegistry* registry, const config::Config& config) {
  if (config.enable_test_drivers) {
    registry->Register(NewFakeDriver(), config.disabled_drivers, config.enabled_beta_drivers);
  }
}

}  // namespace magnum::drivers
