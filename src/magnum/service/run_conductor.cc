#include "magnum/service/run_conductor.h"

#include <spdlog/spdlog.h>

#include "magnum/cli/cli.h"
#include "magnum/clients/keystone_trusts.h"
#include "magnum/common/clock.h"
#include "magnum/conductor/conductor.h"
#include "magnum/conductor/docker_container_engine.h"
#include "magnum/conductor/rpc_server.h"
#include "magnum/config/config.h"
#include "magnum/db/database.h"
#include "magnum/drivers/registry.h"
#include "magnum/rpc/inproc_transport.h"
#include "magnum/rpc/open_transport.h"
#include "magnum/service/database_setup.h"

namespace magnum::service {

int RunConductor(int argc, char** argv) {
  cli::CommonArgs args;
  int exit_code = 0;
  if (!cli::ParseArgs(argc, argv, "magnum-conductor",
                      "Magnum conductor: runs cluster operations through the drivers", &args,
                      &exit_code)) {
    return exit_code;
  }
  const config::Config& cfg = args.config;
  cli::SetupLogging(cfg, "magnum-conductor");
  cli::BlockTerminationSignals();  // before any thread starts (the transport's)
  const bool over_broker = !rpc::IsInprocTransportUrl(cfg.transport_url);
  auto transport = rpc::OpenTransport(cfg);
  if (!transport) {
    spdlog::critical("{}", transport.error().message());
    return 2;
  }
  if (over_broker) {
    spdlog::info("serving topic {} on exchange {} at {} as server {}", cfg.conductor_topic,
                 cfg.control_exchange, rpc::RedactedTransportUrl(cfg.transport_url), cfg.host);
  } else {
    spdlog::warn(
        "transport_url is the in-process bus: this conductor runs recovery, status "
        "sync, health polling and heartbeats, but no API can reach it (set transport_url = "
        "rabbit://..., or use magnumd for a single-process deployment)");
  }

  std::unique_ptr<db::Database> db = OpenServiceDatabase(cfg, /*migrate=*/false);
  if (!db) return 1;
  // One TrustManager for the conductor and the drivers (keystone mode with [trust] set).
  auto trusts = clients::TrustManagerFromConfig(cfg);
  if (!trusts) {
    spdlog::critical("cannot set up the conductor: {}", trusts.error().message());
    return 1;
  }
  drivers::DriverRegistry registry;
  drivers::RegisterBuiltinDrivers(&registry, cfg, *trusts);

  auto conductor =
      conductor::ConductorService::FromConfig(cfg, db.get(), &registry, &SystemClock(), *trusts);
  if (!conductor) {
    spdlog::critical("cannot set up the conductor: {}", conductor.error().message());
    return 1;
  }
  // /v1/containers: the clusters' own Docker Engines, with Magnum's certificate of each.
  (*conductor)
      ->SetContainerEngine(conductor::NewDockerContainerEngine(
          conductor::CertificateEndpointSource(&(*conductor)->certificates()),
          conductor::DockerContainerEngineOptionsFrom(cfg)));
  // Subscribed before the first heartbeat: "up" in mservices means it takes calls.
  auto serve = [&]() -> Result<void> {
    auto served = conductor::ServeConductor(transport->get(), cfg.conductor_topic,
                                            conductor->get(), db.get());
    if (!served) {
      return Fail(Error::Unavailable("cannot serve topic " + cfg.conductor_topic + ": " +
                                     served.error().message()));
    }
    return {};
  };
  if (auto started = (*conductor)->Start(serve); !started) {
    spdlog::critical("cannot start the conductor: {}", started.error().message());
    return 1;
  }
  int sig = cli::WaitForSignal();
  spdlog::info("signal {} received: stopping", sig);
  (*transport)->StopServing(cfg.conductor_topic);
  (*conductor)->Stop();
  (*transport)->Shutdown();
  return 0;
}

}  // namespace magnum::service
