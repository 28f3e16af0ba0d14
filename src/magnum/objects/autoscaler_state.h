// The built-in autoscaler's memory of one cluster between passes (table autoscaler_state,
// conductor/autoscaler_task.h): which nodes have been underused since when, which events
// were recorded, as the JSON text of conductor/autoscaler_memory.h. Plain value; mapped by
// mappers.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "magnum/objects/types.h"

namespace magnum::objects {

struct AutoscalerState {
  int64_t id = 0;  // 0 = not stored yet
  std::string cluster_uuid;
  std::optional<std::string> state;  // JSON text (EncodeAutoscalerMemory)
  std::optional<DbTimestamp> updated_at;

  bool operator==(const AutoscalerState&) const = default;
};

}  // namespace magnum::objects
