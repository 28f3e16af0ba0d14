// libFuzzer target: the built-in autoscaler's stored memory (conductor/autoscaler_memory.h),
// the JSON of an autoscaler_state row that DecodeAutoscalerMemory reads at every pass.
//
// Input: the row's JSON text.
// Properties (abort = a finding; an escaping exception is one too):
//   * decoding never throws; anything not of the stored form is the empty memory;
//   * what decoded encodes, and its encoding decodes to the same memory once the groups
//     with nothing to remember are left out (the encoder leaves them out);
//   * encoding is a fixed point: encode(decode(encode(m))) == encode(m), and keeps a memory
//     empty or not.
#include <stdint.h>
#include <stdlib.h>

#include <string>
#include <string_view>

#include "magnum/conductor/autoscaler_memory.h"

namespace {

using magnum::conductor::AutoscalerMemory;
using magnum::conductor::DecodeAutoscalerMemory;
using magnum::conductor::EncodeAutoscalerMemory;

void Require(bool ok) {
  if (!ok) abort();
}

// `m` without the groups the encoder leaves out.
AutoscalerMemory WithoutEmptyGroups(AutoscalerMemory m) {
  std::erase_if(m.groups, [](const auto& entry) {
    return entry.second.state.underused_since.empty() && entry.second.hold_recorded.empty();
  });
  return m;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  const AutoscalerMemory decoded = DecodeAutoscalerMemory(in);
  const std::string encoded = EncodeAutoscalerMemory(decoded);
  const AutoscalerMemory again = DecodeAutoscalerMemory(encoded);
  Require(again == WithoutEmptyGroups(decoded));
  Require(EncodeAutoscalerMemory(again) == encoded);
  Require(decoded.Empty() == again.Empty());
  return 0;
}
