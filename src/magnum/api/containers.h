// Pure parts of the containers controller (/v1/containers, issue 15), exposed for unit
// tests: the input rules of a container create. Internal to the API module; stateless,
// thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "magnum/api/api_types.h"
#include "magnum/objects/types.h"

namespace magnum::api {

// The bounds of our container API (docs/api.md, "Containers").
inline constexpr size_t kMaxContainerNameLength = 255;
inline constexpr size_t kMaxContainerCommandLength = 4096;
inline constexpr size_t kMaxContainerEnvironmentBytes = 64 * 1024;
inline constexpr int64_t kMinContainerMemoryBytes = 4 * 1024 * 1024;

// Docker's container name rule: [a-zA-Z0-9][a-zA-Z0-9_.-]*, 1–255 characters; else 400.
Result<void> ValidateContainerName(std::string_view name);

// A Docker memory quantity as upstream accepted it: digits and an optional unit b, k, m or g
// (either case), at least 4m. Returns the bytes; 400 saying the form otherwise.
Result<int64_t> ParseDockerMemory(std::string_view text);

// Environment names are non-empty and hold no '=' or NUL (Docker's NAME=value form); values
// hold no NUL; the whole at most kMaxContainerEnvironmentBytes.
Result<void> ValidateContainerEnvironment(const objects::StringMap& environment);

}  // namespace magnum::api
