// A cluster template (table cluster_template). Plain value; mapped by mappers.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "magnum/objects/types.h"

namespace magnum::objects {

struct ClusterTemplate {
  int64_t id = 0;  // 0 = not stored yet (the database assigns it)
  std::string uuid;
  std::optional<std::string> project_id;
  std::optional<std::string> user_id;
  std::optional<std::string> name;
  std::optional<std::string> image_id;
  std::optional<std::string> flavor_id;
  std::optional<std::string> master_flavor_id;
  std::optional<std::string> keypair_id;
  std::optional<std::string> external_network_id;
  std::optional<std::string> fixed_network;
  std::optional<std::string> fixed_subnet;
  std::optional<std::string> network_driver;
  std::optional<std::string> volume_driver;
  std::optional<std::string> dns_nameserver;
  std::optional<int64_t> apiserver_port;
  std::optional<int64_t> docker_volume_size;
  std::optional<std::string> docker_storage_driver;
  std::optional<std::string> cluster_distro;
  std::optional<std::string> coe;
  std::optional<std::string> http_proxy;
  std::optional<std::string> https_proxy;
  std::optional<std::string> no_proxy;
  std::optional<bool> registry_enabled;
  std::optional<StringMap> labels;
  std::optional<bool> tls_disabled;
  std::optional<bool> is_public;  // column `public`
  std::optional<std::string> server_type;
  std::optional<std::string> insecure_registry;
  std::optional<bool> master_lb_enabled;
  std::optional<bool> floating_ip_enabled;
  std::optional<bool> hidden;
  std::optional<std::string> tags;
  std::optional<std::string> driver;
  std::optional<DbTimestamp> created_at;
  std::optional<DbTimestamp> updated_at;

  bool operator==(const ClusterTemplate&) const = default;
};

}  // namespace magnum::objects
