#include "magnum/config/config.h"
#include "magnum/drivers/docker/docker_driver.h"
#include "magnum/drivers/fake/fake_driver.h"
#include "magnum/drivers/registry.h"

namespace magnum::drivers {

void RegisterBuiltinDrivers(DriverRegistry* registry, const config::Config& config) {
  // The embedded default: real Swarm clusters on the local Docker Engine.
  registry->Register(docker::NewDockerDriver(docker::DockerDriverOptionsFromConfig(config)),
                     config.disabled_drivers, config.enabled_beta_drivers);
  if (config.enable_test_drivers) {
    registry->Register(NewFakeDriver(), config.disabled_drivers, config.enabled_beta_drivers);
    registry->Register(NewBlockingFakeDriver(), config.disabled_drivers,
                       config.enabled_beta_drivers);
  }
}

}  // namespace magnum::drivers
