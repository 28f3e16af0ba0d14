// A container on a cluster (table container; the seeds' Container object, as upstream
// Magnum last had it before the API was removed in 2016). Plain value; mapped by mappers.h.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "magnum/common/error.h"
#include "magnum/objects/status.h"
#include "magnum/objects/types.h"

namespace magnum::objects {

// ContainerStatus (Error, Running, Stopped, Paused, Unknown) and its wire spelling
// (Name / ContainerStatusName, ParseContainerStatus) are in status.h with the other statuses.
inline std::string_view ContainerStatusName(ContainerStatus s) { return Name(s); }

struct Container {
  int64_t id = 0;  // 0 = not stored yet
  std::string uuid;
  std::optional<std::string> name;
  std::optional<std::string> image;
  std::optional<std::string> command;   // as given; split into words like a shell (docs/api.md)
  std::optional<std::string> bay_uuid;  // the cluster's uuid (column name kept from upstream)
  std::optional<ContainerStatus> status;
  std::optional<std::string> status_reason;  // ours: why Error / Unknown
  std::optional<std::string> memory;         // "512m": a Docker quantity, as given
  std::optional<StringMap> environment;
  std::optional<std::string> project_id;
  std::optional<std::string> user_id;
  std::optional<std::string> docker_id;  // ours: the Engine's container id, once created
  std::optional<DbTimestamp> created_at;
  std::optional<DbTimestamp> updated_at;

  bool operator==(const Container&) const = default;
};

// A Docker memory quantity as the 2016 API accepted it (a container's `memory`): digits, then
// an optional unit b, k, m or g (either case), in bytes: "512m" → 536870912, "1024" → 1024.
// At most 1 PiB. kInvalidArgument saying the form otherwise. The API adds its minimum (4m);
// the Engine's HostConfig.Memory takes the bytes. Pure.
Result<int64_t> DockerMemoryBytes(std::string_view quantity);

}  // namespace magnum::objects
