// One entry of a cluster's event log (table cluster_event). Plain value; mapped by
// mappers.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "magnum/objects/types.h"

namespace magnum::objects {

struct ClusterEvent {
  int64_t id = 0;  // 0 = not stored yet; ids order the log
  std::string cluster_uuid;
  std::optional<std::string> project_id;
  std::optional<std::string> step;
  std::optional<std::string> node;
  std::optional<std::string> level;
  std::optional<std::string> message;
  std::optional<DbTimestamp> created_at;

  bool operator==(const ClusterEvent&) const = default;
};

}  // namespace magnum::objects
