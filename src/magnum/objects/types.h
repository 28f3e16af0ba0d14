// Value types shared by the typed objects (JSON columns as C++ containers). No JSON library
// here: the mappers (mappers.h) encode and decode the stored JSON text.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace magnum::objects {

// Text timestamps in the storage form of common/clock.h ("2026-11-22T02:44:12.123456").
using DbTimestamp = std::string;

// A JSON object of strings: labels, node_labels.
using StringMap = std::map<std::string, std::string>;
// A JSON object of strings or nulls: health_status_reason, federation properties.
using NullableStringMap = std::map<std::string, std::optional<std::string>>;
// A JSON array of strings: node_addresses, member_ids.
using StringList = std::vector<std::string>;

// One Kubernetes taint of a nodegroup (node_taints is a list of them).
struct Taint {
  std::string key;
  // Absent (nullopt), JSON null (a nullopt inside), or a string.
  std::optional<std::optional<std::string>> value;
  std::string effect;  // NoSchedule, PreferNoSchedule, NoExecute

  bool operator==(const Taint&) const = default;
};
using TaintList = std::vector<Taint>;

}  // namespace magnum::objects
