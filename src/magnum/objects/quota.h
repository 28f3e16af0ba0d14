// A per-project hard limit (table quotas). Plain value; mapped by mappers.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "magnum/objects/types.h"

namespace magnum::objects {

struct Quota {
  int64_t id = 0;  // 0 = not stored yet
  std::optional<std::string> project_id;
  std::optional<std::string> resource;  // "Cluster"
  std::optional<int64_t> hard_limit;
  std::optional<DbTimestamp> created_at;
  std::optional<DbTimestamp> updated_at;

  bool operator==(const Quota&) const = default;
};

}  // namespace magnum::objects
