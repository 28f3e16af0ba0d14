#include "magnum/service/embedded.h"

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <thread>

#include "magnum/api/app.h"
#include "magnum/auth/auth.h"
#include "magnum/cli/cli.h"
#include "magnum/clients/cloud_resources.h"
#include "magnum/clients/keystone_trusts.h"
#include "magnum/common/clock.h"
#include "magnum/conductor/conductor.h"
#include "magnum/conductor/docker_container_engine.h"
#include "magnum/conductor/heartbeat.h"
#include "magnum/conductor/rpc_client.h"
#include "magnum/conductor/rpc_server.h"
#include "magnum/config/config.h"
#include "magnum/db/database.h"
#include "magnum/drivers/registry.h"
#include "magnum/http/server.h"
#include "magnum/policy/enforcer.h"
#include "magnum/rpc/inproc_transport.h"
#include "magnum/rpc/open_transport.h"
#include "magnum/service/database_setup.h"

namespace magnum::service {
namespace {

struct Options {
  bool embedded = true;
  const char* program = "magnumd";
};

// Raises the soft open-files limit toward the hard one so that [api] max_connections fits
// (the HTTP server caps its limit below the soft limit and warns).
void RaiseOpenFilesLimit(int max_connections) {
  rlimit rl{};
  if (max_connections <= 0 || getrlimit(RLIMIT_NOFILE, &rl) != 0) return;
  const rlim_t want = static_cast<rlim_t>(max_connections) + 1024;
  if (rl.rlim_cur == RLIM_INFINITY || rl.rlim_cur >= want) return;
  rlimit raised = rl;
  raised.rlim_cur = rl.rlim_max == RLIM_INFINITY ? want : std::min(want, rl.rlim_max);
  if (raised.rlim_cur > rl.rlim_cur && setrlimit(RLIMIT_NOFILE, &raised) == 0) {
    spdlog::info("raised the open-files limit from {} to {} for [api] max_connections = {}",
                 static_cast<uint64_t>(rl.rlim_cur), static_cast<uint64_t>(raised.rlim_cur),
                 max_connections);
  }
}

int Run(int argc, char** argv, const Options& opts) {
  cli::CommonArgs args;
  int exit_code = 0;
  if (!cli::ParseArgs(argc, argv, opts.program,
                      opts.embedded ? "Magnum: API and conductor in one process"
                                    : "Magnum REST API server",
                      &args, &exit_code)) {
    return exit_code;
  }
  const config::Config& cfg = args.config;
  cli::SetupLogging(cfg, opts.program);
  cli::BlockTerminationSignals();

  std::unique_ptr<db::Database> db = OpenServiceDatabase(cfg, opts.embedded);
  if (!db) return 1;

  // One TrustManager for the conductor and the drivers (keystone mode with [trust] set).
  auto trusts = clients::TrustManagerFromConfig(cfg);
  if (!trusts) {
    if (opts.embedded) {
      spdlog::critical("cannot set up the conductor: {}", trusts.error().message());
      return 1;
    }
    spdlog::warn("{}", trusts.error().message());  // the API only checks templates
  }
  drivers::DriverRegistry registry;
  drivers::RegisterBuiltinDrivers(&registry, cfg, trusts ? *trusts : nullptr);
  for (auto* d : registry.All()) {
    spdlog::info("driver {} enabled{}", d->name(), d->test_only() ? " (test-only)" : "");
  }
  // Keystone mode asks Glance, Nova, Neutron and Keystone; the embedded mode checks locally.
  std::unique_ptr<clients::CloudResources> cloud;
  if (cfg.auth_strategy == "keystone") {
    auto options = clients::OpenStackCloudOptionsFromConfig(cfg);
    if (!options) {
      spdlog::critical("{}", options.error().message());
      return 2;
    }
    cloud = clients::NewOpenStackCloudResources(std::move(*options));
  } else {
    cloud = clients::NewLocalCloudResources(&registry);
  }
  auto auth = auth::NewAuthStrategy(cfg);
  if (!auth) {
    spdlog::critical("{}", auth.error().message());
    return 2;
  }
  auto enforcer = policy::NewEnforcerFromConfig(cfg);
  if (!enforcer) {
    spdlog::critical("{}", enforcer.error().message());
    return 2;
  }

  // The conductor (embedded mode): in-process bus, ConductorService served on the
  // conductor topic, and the API's ConductorApi is an RPC client of that topic, so the
  // API and the conductor only ever talk through serialisable messages.
  std::unique_ptr<rpc::Transport> transport;
  std::unique_ptr<conductor::ConductorService> conductor_service;
  std::unique_ptr<conductor::ConductorApi> conductor_client;
  if (opts.embedded) {
    if (!rpc::IsInprocTransportUrl(cfg.transport_url)) {
      spdlog::warn("magnumd always uses the in-process bus; transport_url {} is ignored "
                   "(it is for separate magnum-api / magnum-conductor processes)",
                   rpc::RedactedTransportUrl(cfg.transport_url));
    }
    transport = rpc::NewInprocTransport();
    auto made =
        conductor::ConductorService::FromConfig(cfg, db.get(), &registry, &SystemClock(), *trusts);
    if (!made) {
      spdlog::critical("cannot set up the conductor: {}", made.error().message());
      return 1;
    }
    conductor_service = std::move(*made);
    // /v1/containers: the clusters' own Docker Engines, with Magnum's certificate of each.
    conductor_service->SetContainerEngine(conductor::NewDockerContainerEngine(
        conductor::CertificateEndpointSource(&conductor_service->certificates()),
        conductor::DockerContainerEngineOptionsFrom(cfg)));
    auto serve = [&]() -> Result<void> {
      auto served =
          conductor::ServeConductor(transport.get(), cfg.conductor_topic, conductor_service.get());
      if (!served) {
        return Fail(Error::Unavailable("cannot serve topic " + cfg.conductor_topic + ": " +
                                       served.error().message()));
      }
      return {};
    };
    if (auto started = conductor_service->Start(serve); !started) {
      spdlog::critical("cannot start the conductor: {}", started.error().message());
      return 1;
    }
    conductor_client = conductor::NewRpcConductorClient(transport.get(), cfg.conductor_topic);
  } else if (rpc::IsInprocTransportUrl(cfg.transport_url)) {
    spdlog::warn("magnum-api reaches conductors over a message broker, but transport_url is "
                 "the in-process bus: cluster operations will answer 503 (set transport_url "
                 "= rabbit://..., or run magnumd: API and conductor in one process)");
  } else {
    auto opened = rpc::OpenTransport(cfg);
    if (!opened) {
      spdlog::critical("{}", opened.error().message());
      return 2;
    }
    transport = std::move(*opened);
    spdlog::info("conductors reached on topic {} at {}", cfg.conductor_topic,
                 rpc::RedactedTransportUrl(cfg.transport_url));
    conductor_client = conductor::NewRpcConductorClient(
        transport.get(), cfg.conductor_topic, std::chrono::seconds(cfg.rpc_response_timeout));
  }
  conductor::ServiceHeartbeat api_heartbeat(
      db.get(), &SystemClock(), cfg.host, "magnum-api",
      std::chrono::seconds(std::max(1, cfg.report_interval)));
  api_heartbeat.Start();

  api::ApiDependencies deps;
  deps.config = &cfg;
  deps.db = db.get();
  deps.auth = auth->get();
  deps.drivers = &registry;
  deps.cloud = cloud.get();
  deps.conductor = conductor_client.get();
  deps.clock = &SystemClock();
  deps.policy = enforcer->get();
  api::ApiApp app(deps);

  http::ServerOptions so;
  so.host = cfg.api_host;
  so.port = static_cast<uint16_t>(cfg.api_port);
  so.io_threads = std::max(1, cfg.api_workers);
  so.worker_threads = cfg.api_handler_threads > 0
                          ? cfg.api_handler_threads
                          : static_cast<int>(2 * std::max(1u, std::thread::hardware_concurrency()));
  so.max_body_bytes = cfg.max_request_body_size;
  so.idle_timeout_seconds = cfg.client_socket_timeout;
  so.header_timeout_seconds = cfg.api_header_timeout;
  so.body_timeout_seconds = cfg.api_body_timeout;
  so.max_header_bytes = static_cast<uint32_t>(cfg.api_max_header_size);
  so.max_header_line = static_cast<uint32_t>(cfg.max_header_line);
  so.max_connections = cfg.api_max_connections;
  so.max_queued_requests = static_cast<size_t>(cfg.api_max_queued_requests);
  so.keep_alive = cfg.wsgi_keep_alive;
  RaiseOpenFilesLimit(cfg.api_max_connections);
  so.error_renderer = &api::ApiApp::RenderError;
  so.try_inline = [&app](const http::Request& r) { return app.TryInline(r); };
  auto server = http::NewServer(so, [&app](const http::Request& r) { return app.Serve(r); });
  if (auto started = server->Start(); !started) {
    spdlog::critical("cannot listen on {}:{}: {}", cfg.api_host, cfg.api_port,
                     started.error().message());
    return 1;
  }
  spdlog::info("{} listening on http://{}:{}/ (auth: {})", opts.program, cfg.api_host,
               server->port(), cfg.auth_strategy);
  if (cfg.api_enable_dashboard) {
    spdlog::info("dashboard: http://{}:{}/dashboard/{}", cfg.api_host, server->port(),
                 cfg.api_dashboard_dir.empty() ? "" : " (files of " + cfg.api_dashboard_dir + ")");
  }
  // A machine-readable line for scripts and tests that start us on port 0.
  std::printf("LISTENING %s:%u\n", cfg.api_host.c_str(), server->port());
  std::fflush(stdout);

  int sig = cli::WaitForSignal();
  spdlog::info("signal {} received: stopping (in-flight requests finish first)", sig);
  server->Stop(10000);  // no new requests; in-flight ones finish
  api_heartbeat.Stop();
  if (conductor_service) {
    transport->StopServing(cfg.conductor_topic);
    conductor_service->Stop();  // cancels or finishes the running operations
  }
  if (transport) transport->Shutdown();
  spdlog::info("{} stopped", opts.program);
  return 0;
}

}  // namespace

int RunEmbedded(int argc, char** argv) { return Run(argc, argv, {true, "magnumd"}); }
int RunApi(int argc, char** argv) { return Run(argc, argv, {false, "magnum-api"}); }

}  // namespace magnum::service
