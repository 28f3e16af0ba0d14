// A registered magnum process and its heartbeat (table magnum_service). Plain value;
// mapped by mappers.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "magnum/objects/types.h"

namespace magnum::objects {

struct MagnumService {
  int64_t id = 0;  // 0 = not stored yet
  int64_t report_count = 0;
  std::optional<std::string> host;
  std::optional<std::string> binary;
  std::optional<bool> disabled;
  std::optional<std::string> disabled_reason;
  std::optional<DbTimestamp> last_seen_up;
  std::optional<bool> forced_down;
  std::optional<DbTimestamp> created_at;
  std::optional<DbTimestamp> updated_at;

  bool operator==(const MagnumService&) const = default;
};

}  // namespace magnum::objects
