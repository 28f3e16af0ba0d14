// A federation of clusters (table federation). Plain value; mapped by mappers.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "magnum/objects/status.h"
#include "magnum/objects/types.h"

namespace magnum::objects {

struct Federation {
  int64_t id = 0;  // 0 = not stored yet
  std::string uuid;
  std::optional<std::string> project_id;
  std::optional<std::string> name;
  std::optional<std::string> hostcluster_id;  // a cluster uuid
  std::optional<StringList> member_ids;       // cluster uuids
  std::optional<FederationStatus> status;
  std::optional<std::string> status_reason;
  std::optional<NullableStringMap> properties;
  std::optional<DbTimestamp> created_at;
  std::optional<DbTimestamp> updated_at;

  bool operator==(const Federation&) const = default;
};

}  // namespace magnum::objects
