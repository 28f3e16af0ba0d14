// A cluster (table cluster). Plain value; mapped by mappers.h. Its node counts and
// addresses live on its nodegroups (nodegroup.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "magnum/objects/status.h"
#include "magnum/objects/types.h"

namespace magnum::objects {

struct Cluster {
  int64_t id = 0;  // 0 = not stored yet
  std::string uuid;
  std::optional<std::string> project_id;
  std::optional<std::string> user_id;
  std::optional<std::string> name;
  std::optional<std::string> cluster_template_id;  // the template's uuid
  std::optional<std::string> keypair;
  std::optional<int64_t> docker_volume_size;
  std::optional<StringMap> labels;
  std::optional<std::string> master_flavor_id;
  std::optional<std::string> flavor_id;
  std::optional<std::string> stack_id;
  std::optional<std::string> api_address;
  std::optional<ClusterStatus> status;
  std::optional<std::string> status_reason;
  std::optional<HealthStatus> health_status;
  std::optional<NullableStringMap> health_status_reason;
  std::optional<int64_t> create_timeout;  // minutes
  std::optional<std::string> discovery_url;
  std::optional<std::string> ca_cert_ref;
  std::optional<std::string> magnum_cert_ref;
  std::optional<std::string> etcd_ca_cert_ref;
  std::optional<std::string> front_proxy_ca_cert_ref;
  std::optional<std::string> trustee_username;
  std::optional<std::string> trustee_password;
  std::optional<std::string> trustee_user_id;
  std::optional<std::string> trust_id;
  std::optional<std::string> coe_version;
  std::optional<std::string> container_version;
  std::optional<std::string> fixed_network;
  std::optional<std::string> fixed_subnet;
  std::optional<bool> floating_ip_enabled;
  std::optional<bool> master_lb_enabled;
  std::optional<std::string> driver;
  std::optional<DbTimestamp> created_at;
  std::optional<DbTimestamp> updated_at;

  bool operator==(const Cluster&) const = default;
};

}  // namespace magnum::objects
