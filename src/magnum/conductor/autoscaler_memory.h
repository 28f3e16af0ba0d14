// The built-in autoscaler's memory of one cluster between passes (autoscaler_task.h), and its
// stored form: the JSON of the cluster's autoscaler_state row (schema migration 6). Pure
// values and functions; thread-compatible.
//
// Stored form (JSON object; timestamps in the database's storage form, common/clock.h):
//   {"version": 1,
//    "groups": {"<nodegroup uuid>": {"underused_since": {"<node>": "<timestamp>", ...},
//                                    "hold_recorded": "<hold text>"}, ...},
//    "refusal_recorded": true,
//    "observe_error_recorded": "<error text>"}
// Fields at their defaults may be left out, and so is a nodegroup with nothing to remember.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "magnum/conductor/autoscale_decision.h"

namespace magnum::conductor {

struct AutoscalerGroupMemory {
  AutoscaleState state;
  std::string hold_recorded;  // the hold last recorded as an event ("" = none)

  bool operator==(const AutoscalerGroupMemory&) const = default;
};

struct AutoscalerMemory {
  std::map<std::string, AutoscalerGroupMemory> groups;  // by nodegroup uuid
  bool refusal_recorded = false;                        // a refused resize was recorded
  std::string observe_error_recorded;  // the observe error last recorded ("" = none)

  bool operator==(const AutoscalerMemory&) const = default;
  // Nothing to remember (no row is kept for it).
  bool Empty() const;
};

// The stored form of `memory`.
std::string EncodeAutoscalerMemory(const AutoscalerMemory& memory);
// `json` decoded; anything that is not the stored form of version 1 (garbled, another
// version, a field of the wrong type, a bad timestamp) is the empty memory: the cool-downs
// start over, which never removes a node early.
AutoscalerMemory DecodeAutoscalerMemory(std::string_view json);

}  // namespace magnum::conductor
