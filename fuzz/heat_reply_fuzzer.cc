// libFuzzer target: the readers of Heat's v1 replies (clients/heat_replies.h), which parse
// whatever answers at the catalog's orchestration endpoint for the Heat driver.
//
// Input: the reply body; every reader is run on it. None may throw or crash; what a reader
// returns keeps its invariants: a stack and an output have their id / key, every resource a
// name and every event an id, a status splits back into its text, and the error reader's
// message is never empty and holds no control characters other than newline and tab.
#include <stdint.h>
#include <stdlib.h>

#include <string>
#include <string_view>

#include "magnum/clients/heat_replies.h"

namespace {

using magnum::clients::HeatStatus;
using magnum::clients::HeatState;

void CheckStatus(const HeatStatus& s) {
  if (s.state == HeatState::kUnknown) {
    if (s.action != s.status) abort();
  } else if (s.action.empty() || s.status.compare(0, s.action.size(), s.action) != 0) {
    abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return -1;
  std::string_view body(reinterpret_cast<const char*>(data), size);
  using namespace magnum::clients;
  if (auto id = ParseHeatCreateReply(body); id && id->empty()) abort();
  if (auto stack = ParseHeatStack(body)) {
    if (stack->id.empty() || stack->status.status.empty()) abort();
    CheckStatus(stack->status);
  }
  if (auto output = ParseHeatOutput(body); output && (output->key.empty() ||
                                                       output->value_json.empty())) {
    abort();
  }
  if (auto resources = ParseHeatResources(body)) {
    for (const auto& r : *resources) {
      if (r.name.empty()) abort();
      CheckStatus(r.status);
    }
  }
  if (auto events = ParseHeatEvents(body)) {
    for (const auto& e : *events) {
      if (e.id.empty()) abort();
      CheckStatus(e.status);
    }
  }
  CheckStatus(ParseHeatStatus(body));
  HeatErrorReply error = ParseHeatError(body, 500);
  if (error.message.empty()) abort();
  for (char c : error.message) {
    unsigned char u = static_cast<unsigned char>(c);
    if ((u < 0x20 && c != '\n' && c != '\t') || u == 0x7f) abort();
  }
  std::string name, id;
  StackFromLink(body, &name, &id);
  if (name.empty() != id.empty()) abort();
  return 0;
}
