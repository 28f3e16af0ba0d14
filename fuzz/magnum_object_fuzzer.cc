// libFuzzer target: upstream Magnum's versioned-object primitives as a Python magnum-api
// sends them to our conductor (objects/primitives.h). Input: one selector byte, then the
// primitive's JSON text.
//   0: a Cluster, 1: a NodeGroup, 3: a Certificate. It decodes or fails with
//      kInvalidArgument; a decoded object encodes to a primitive that decodes again, and
//      encoding that one gives the same text (timestamps lose their fraction once, as
//      upstream's isotime does, then stay put).
//   2: a ClusterTemplate (decoded only: we never send one).
// Nothing may crash or throw.
#include <stdint.h>
#include <stdlib.h>

#include <string>

#include "magnum/objects/primitives.h"

namespace {

template <typename Decode, typename Encode>
void RoundTrip(const std::string& text, Decode decode, Encode encode) {
  auto d = decode(text);
  if (!d) {
    if (d.error().code() != magnum::ErrorCode::kInvalidArgument) abort();
    return;
  }
  const std::string once = encode(d->value);
  auto again = decode(once);
  if (!again) abort();
  if (encode(again->value) != once) abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const std::string text(reinterpret_cast<const char*>(data + 1), size - 1);
  namespace o = magnum::objects;
  switch (data[0] % 4) {
    case 0:
      RoundTrip(text, o::DecodeClusterPrimitive, o::EncodeClusterPrimitive);
      break;
    case 1:
      RoundTrip(text, o::DecodeNodeGroupPrimitive, o::EncodeNodeGroupPrimitive);
      break;
    case 2: {
      auto d = o::DecodeClusterTemplatePrimitive(text);
      if (!d && d.error().code() != magnum::ErrorCode::kInvalidArgument) abort();
      break;
    }
    default:
      RoundTrip(text, o::DecodeCertificatePrimitive, o::EncodeCertificatePrimitive);
      break;
  }
  return 0;
}
