#include "magnum/config/config.h"
#include "magnum/drivers/docker/docker_driver.h"
#include "magnum/drivers/fake/fake_driver.h"
#include "magnum/drivers/k8s_fedora_coreos/k8s_fedora_coreos_driver.h"
#include "magnum/drivers/k8s_fedora_coreos/trust_auth.h"
#include "magnum/drivers/registry.h"

#include <spdlog/spdlog.h>

#include "magnum/clients/keystone_trusts.h"

namespace magnum::drivers {

void RegisterBuiltinDrivers(DriverRegistry* registry, const config::Config& config,
                            std::shared_ptr<const clients::TrustManager> trusts) {
  // The embedded default: real Swarm clusters on the local Docker Engine.
  registry->Register(docker::NewDockerDriver(docker::DockerDriverOptionsFromConfig(config)),
                     config.disabled_drivers, config.enabled_beta_drivers);
  // The OpenStack mode: Kubernetes on Fedora CoreOS through Heat, on the cluster's trust.
  if (config.auth_strategy == "keystone") {
    auto options = k8s::K8sFedoraCoreosOptionsFromConfig(config);
    if (!options) {
      spdlog::error("driver {} not loaded: {}", k8s::kDriverName, options.error().message());
    } else {
      k8s::ClusterHeatAuth auth;
      if (trusts) {
        auth = k8s::TrustHeatAuth(std::move(trusts));
      } else {
        spdlog::warn(
            "driver {}: no [trust] options, so its clusters cannot be created: set "
            "[trust] trustee_domain_* (docs/configuration.md)",
            k8s::kDriverName);
      }
      registry->Register(k8s::NewK8sFedoraCoreosDriver(std::move(*options), std::move(auth)),
                         config.disabled_drivers, config.enabled_beta_drivers);
    }
  }
  if (config.enable_test_drivers) {
    const FakeDriverOptions fake{config.test_drivers_use_trust};
    registry->Register(NewFakeDriver(fake), config.disabled_drivers, config.enabled_beta_drivers);
    registry->Register(NewBlockingFakeDriver(fake), config.disabled_drivers,
                       config.enabled_beta_drivers);
  }
}

}  // namespace magnum::drivers
