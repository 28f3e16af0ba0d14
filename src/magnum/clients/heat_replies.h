// The values the Heat (orchestration) client returns, and the readers of Heat's v1 REST
// replies that build them (heat_client.cc), kept pure so that they can be unit-tested and
// fuzzed.
//
// The input is untrusted: whatever answered at the catalog's orchestration endpoint. Every
// reader returns kInvalidArgument for a reply that is not the documented shape and never
// throws; unknown keys are ignored, and optional members that are absent or null read as
// empty. Stateless, thread-safe. Includes no JSON header: JSON values (outputs) are handed
// out as serialized JSON text.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"

namespace magnum::clients {

// The second half of a Heat status ("CREATE_IN_PROGRESS" → kInProgress).
enum class HeatState { kInProgress, kComplete, kFailed, kUnknown };

// A Heat status as Heat writes it ("UPDATE_FAILED", "ROLLBACK_COMPLETE", "INIT_COMPLETE"),
// split into its action ("UPDATE") and state. A status that does not end in _IN_PROGRESS,
// _COMPLETE or _FAILED keeps its whole text as `action` with state kUnknown.
struct HeatStatus {
  std::string status;  // the whole text
  std::string action;  // CREATE, UPDATE, DELETE, ROLLBACK, SUSPEND, RESUME, CHECK, ...
  HeatState state = HeatState::kUnknown;

  bool InProgress() const { return state == HeatState::kInProgress; }
  bool Complete() const { return state == HeatState::kComplete; }
  bool Failed() const { return state == HeatState::kFailed; }
};

HeatStatus ParseHeatStatus(std::string_view status);

// GET /stacks/{name}/{id}.
struct HeatStack {
  std::string id;
  std::string name;
  HeatStatus status;
  std::string status_reason;  // e.g. "Resource CREATE failed: ..." or "Timed out"
  // Output key → its value as JSON text ("null" for a failed member's output). Only the
  // outputs Heat resolved: empty when read with resolve_outputs=false.
  std::map<std::string, std::string> outputs;
  std::map<std::string, std::string> output_errors;  // output key → Heat's output_error
  // The stack's parameters as Heat echoes them (every value a string, including the
  // OS::stack_id / OS::stack_name / OS::project_id pseudo parameters).
  std::map<std::string, std::string> parameters;
  std::string parent;  // the parent stack's id for a nested stack, else ""
  std::string creation_time;  // ISO 8601 as Heat writes it ("" = absent)
  std::string updated_time;
};

// GET /stacks/{name}/{id}/outputs/{key}.
struct HeatOutput {
  std::string key;
  std::string value_json;  // "null" when absent
  std::string error;       // Heat's output_error ("" = none)
  std::string description;
};

// One entry of GET /stacks/{name}/{id}/resources (nested_depth > 0 includes the members
// of nested stacks: a group's servers are named "0", "1", ... in the group's stack).
struct HeatResource {
  std::string name;
  std::string type;         // the template's type, even when an environment maps it
  HeatStatus status;
  std::string status_reason;
  std::string physical_id;  // "" before the resource exists
  std::string stack_name;   // the stack the resource belongs to (from its "stack" link)
  std::string stack_id;
  std::string parent_resource;  // in a nested stack: the parent's resource name, else ""
  std::string nested_stack_id;  // a group or provider resource's own stack ("" = none)
  std::string updated_time;
};

// One entry of GET /stacks/{name}/{id}/events.
struct HeatEvent {
  std::string id;
  std::string resource_name;  // the stack's own name for stack-level events
  std::string resource_type;  // "" when Heat leaves it out
  std::string physical_id;
  HeatStatus status;
  std::string status_reason;
  std::string time;        // event_time, ISO 8601
  std::string stack_name;  // the (possibly nested) stack of the event, from its "stack" link
  std::string stack_id;
};

// POST /stacks: 201 {"stack": {"id", "links"}} → the new stack's id.
Result<std::string> ParseHeatCreateReply(std::string_view body);
// {"stack": {...}}.
Result<HeatStack> ParseHeatStack(std::string_view body);
// {"output": {"output_key", "output_value", "output_error", "description"}}.
Result<HeatOutput> ParseHeatOutput(std::string_view body);
// {"resources": [...]}.
Result<std::vector<HeatResource>> ParseHeatResources(std::string_view body);
// {"events": [...]}.
Result<std::vector<HeatEvent>> ParseHeatEvents(std::string_view body);

// An error reply: {"code", "title", "explanation", "error": {"type", "message",
// "traceback"}}. `message` is error.message, else the explanation, else the title, else
// the first 200 bytes of the body (control characters replaced); never empty. `traceback`
// is for the log only.
struct HeatErrorReply {
  std::string message;
  std::string type;       // Heat's exception name ("StackValidationFailed"), "" if absent
  std::string traceback;  // "" if absent
};
HeatErrorReply ParseHeatError(std::string_view body, long status);

// The stack name and id of a Heat link "…/stacks/{name}/{id}[/…]" ("" both when it is not
// one). Percent-escapes in the two segments are decoded.
void StackFromLink(std::string_view href, std::string* name, std::string* id);

}  // namespace magnum::clients
