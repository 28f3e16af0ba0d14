// CPU and memory limits of node containers, derived from the nodegroup's flavor
// (docs/docker-driver.md "Flavors"). Built in: Nova's default flavors scaled down by half
// to fit a small machine,
//   m1.tiny 0.5 CPU / 256 MiB, m1.small 0.5 / 1024, m1.medium 1 / 2048, m1.large 2 / 4096,
//   m1.xlarge 4 / 8192,
// and for any other flavor (or none) the fallback 1 CPU / 1024 MiB. [docker] flavor_limits
// entries "<flavor>=<cpus>/<memory MiB>" add flavors or replace these; the flavor name
// `default` replaces the fallback; 0 means no limit of that kind. A limit is never more
// than the host has (its CPUs, its memory). Pure; thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"

namespace magnum::drivers::docker {

struct NodeLimits {
  double cpus = 0;         // 0 = no CPU limit
  int64_t memory_mib = 0;  // 0 = no memory limit
  bool operator==(const NodeLimits&) const = default;
};

struct FlavorLimits {
  std::map<std::string, NodeLimits> flavors;
  NodeLimits fallback;
};

// The built-in table above.
FlavorLimits DefaultFlavorLimits();

// The built-in table with `entries` ([docker] flavor_limits, one "<flavor>=<cpus>/<MiB>"
// each) applied on top. kInvalidArgument naming the bad entry.
Result<FlavorLimits> ParseFlavorLimits(const std::vector<std::string>& entries);

// What the engine can enforce and how much there is (GET /info of the host engine).
struct HostCapacity {
  int cpus = 0;               // 0 = unknown (no cap)
  int64_t memory_bytes = 0;   // 0 = unknown (no cap)
  bool cpu_limits = true;     // CpuCfsQuota
  bool memory_limits = true;  // MemoryLimit
};

// The limits for `flavor` ("" = none): its table entry or the fallback, each capped at the
// host's capacity, dropped when the engine cannot enforce it.
NodeLimits LimitsForFlavor(const FlavorLimits& table, std::string_view flavor,
                           const HostCapacity& host);

// The engine's units: HostConfig.NanoCpus (1e-9 CPUs) and HostConfig.Memory (bytes).
int64_t NanoCpus(const NodeLimits& l);
int64_t MemoryBytes(const NodeLimits& l);

}  // namespace magnum::drivers::docker
