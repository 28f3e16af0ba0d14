// A cluster lease (table cluster_lock, conductor/cluster_lease.h): which conductor runs an
// operation on a cluster, until when, and for a resumable operation the operation itself
// (conductor/operation_record.h). Plain value; mapped by mappers.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "magnum/objects/types.h"

namespace magnum::objects {

struct ClusterLock {
  int64_t id = 0;  // 0 = not stored yet; the fencing token (ids are never reused)
  std::string cluster_uuid;
  std::string conductor_id;              // the owner: a conductor's host
  std::optional<std::string> operation;  // "resize", "nodegroup_delete", ...
  std::optional<DbTimestamp> created_at;
  std::optional<DbTimestamp> updated_at;
  std::optional<DbTimestamp> lease_expires_at;
  std::optional<std::string> spec;      // JSON text: the persisted operation
  std::optional<std::string> progress;  // the driver's progress record
  std::optional<DbTimestamp> deadline_at;

  bool operator==(const ClusterLock&) const = default;
};

}  // namespace magnum::objects
