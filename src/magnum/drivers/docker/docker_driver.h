// The `docker` cluster driver: real Docker Swarm clusters on one machine, whose nodes are
// containers running their own dockerd (docs/docker-driver.md).
//
// Provides COE `swarm-mode` (and `swarm`) on server type `container`, os `debian`, with
// node image `swarm-node` (and pinned variants `swarm-node:<tag>`). Per cluster: one bridge
// network with a subnet from [docker] subnet_pool, one container and one named volume per
// node, all labelled magnum.cluster.uuid=<uuid>; the first manager's TLS Docker API is
// published on 127.0.0.1 only and becomes the cluster's api_address.
//
// The driver keeps no per-cluster state between operations: everything is read back from
// the labels of the engine's objects. Thread-safe; operations on one cluster are serialised
// by a per-cluster lock (so a delete waits for a cancelled create to stop), operations on
// different clusters run in parallel. Subnet allocation is serialised process-wide and
// retried when another process took the subnet first.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "magnum/drivers/docker/docker_client.h"
#include "magnum/drivers/docker/driver_time.h"
#include "magnum/drivers/docker/image_builder.h"
#include "magnum/drivers/driver.h"

namespace magnum::config {
struct Config;
}

namespace magnum::drivers::docker {

struct DockerDriverOptions {
  std::string docker_host = "unix:///var/run/docker.sock";  // the host engine
  std::string ca_file, cert_file, key_file;  // TLS to the host engine (tcp://), optional
  std::chrono::seconds default_timeout{60};  // per engine request
  std::string subnet_pool = "10.213.0.0/16";
  int subnet_prefix = 24;
  std::string image_cache_dir;     // build work/lock dir for build-node-image.sh
  std::string image_build_script;  // "" = found beside the binary or in the source tree
  std::chrono::seconds node_ready_timeout{120};
  std::chrono::milliseconds poll_interval{100};
  std::chrono::seconds drain_timeout{60};  // a drain that takes longer goes on anyway
  std::chrono::milliseconds container_check_interval{1000};  // dead-node check during waits
  // Node containers started, replaced or removed at once (create, grow, upgrade batch,
  // delete); [docker] max_parallel_nodes.
  int max_parallel_nodes = 4;
  // [docker] flavor_limits entries "<flavor>=<cpus>/<memory MiB>" (flavor_limits.h).
  std::vector<std::string> flavor_limits;
};

DockerDriverOptions DockerDriverOptionsFromConfig(const config::Config& config);

// Seams for tests: how transports to engines are made, where images come from, and time.
struct DockerDriverDeps {
  std::function<std::unique_ptr<DockerTransport>(const DockerEndpoint&, std::function<bool()>)>
      transport_factory;                // default: NewCurlTransport
  std::unique_ptr<ImageSource> images;  // default: ScriptImageSource
  std::shared_ptr<DriverTime> time;     // default: RealDriverTime()
};

std::unique_ptr<Driver> NewDockerDriver(DockerDriverOptions options, DockerDriverDeps deps = {});

}  // namespace magnum::drivers::docker
