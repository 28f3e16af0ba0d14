#include "magnum/conductor/autoscaler_memory.h"

#include <nlohmann/json.hpp>

namespace magnum::conductor {
namespace {

using MemoryJson = nlohmann::json;

constexpr int kMemoryVersion = 1;

// The group stored in `j`, or false when `j` is not one.
bool DecodeGroupMemory(const MemoryJson& j, AutoscalerGroupMemory* out) {
  if (!j.is_object()) return false;
  if (auto it = j.find("underused_since"); it != j.end()) {
    if (!it->is_object()) return false;
    for (auto node = it->begin(); node != it->end(); ++node) {
      TimePoint t;
      if (!node->is_string() || !ParseDbTimestamp(node->get_ref<const std::string&>(), &t)) {
        return false;
      }
      out->state.underused_since[node.key()] = t;
    }
  }
  if (auto it = j.find("hold_recorded"); it != j.end()) {
    if (!it->is_string()) return false;
    out->hold_recorded = it->get<std::string>();
  }
  return true;
}

bool DecodeMemory(const MemoryJson& j, AutoscalerMemory* out) {
  if (!j.is_object()) return false;
  auto version = j.find("version");
  if (version == j.end() || !version->is_number_integer() ||
      version->get<int64_t>() != kMemoryVersion) {
    return false;
  }
  if (auto it = j.find("groups"); it != j.end()) {
    if (!it->is_object()) return false;
    for (auto group = it->begin(); group != it->end(); ++group) {
      if (!DecodeGroupMemory(*group, &out->groups[group.key()])) return false;
    }
  }
  if (auto it = j.find("refusal_recorded"); it != j.end()) {
    if (!it->is_boolean()) return false;
    out->refusal_recorded = it->get<bool>();
  }
  if (auto it = j.find("observe_error_recorded"); it != j.end()) {
    if (!it->is_string()) return false;
    out->observe_error_recorded = it->get<std::string>();
  }
  return true;
}

}  // namespace

bool AutoscalerMemory::Empty() const {
  if (refusal_recorded || !observe_error_recorded.empty()) return false;
  for (const auto& entry : groups) {
    if (!entry.second.state.underused_since.empty() || !entry.second.hold_recorded.empty()) {
      return false;
    }
  }
  return true;
}

std::string EncodeAutoscalerMemory(const AutoscalerMemory& memory) {
  MemoryJson groups = MemoryJson::object();
  for (const auto& [uuid, group] : memory.groups) {
    MemoryJson g = MemoryJson::object();
    if (!group.state.underused_since.empty()) {
      MemoryJson since = MemoryJson::object();
      for (const auto& [node, t] : group.state.underused_since) {
        since[node] = FormatDbTimestamp(t);
      }
      g["underused_since"] = std::move(since);
    }
    if (!group.hold_recorded.empty()) g["hold_recorded"] = group.hold_recorded;
    if (!g.empty()) groups[uuid] = std::move(g);  // a group with nothing to remember: left out
  }
  MemoryJson j = MemoryJson::object();
  j["version"] = kMemoryVersion;
  j["groups"] = std::move(groups);
  if (memory.refusal_recorded) j["refusal_recorded"] = true;
  if (!memory.observe_error_recorded.empty()) {
    j["observe_error_recorded"] = memory.observe_error_recorded;
  }
  // Invalid UTF-8 (from a node name or an error text) is replaced, never thrown about.
  return j.dump(-1, ' ', false, MemoryJson::error_handler_t::replace);
}

AutoscalerMemory DecodeAutoscalerMemory(std::string_view json) {
  const MemoryJson j = MemoryJson::parse(json, nullptr, /*allow_exceptions=*/false);
  AutoscalerMemory memory;
  if (j.is_discarded() || !DecodeMemory(j, &memory)) return AutoscalerMemory();
  return memory;
}

}  // namespace magnum::conductor
