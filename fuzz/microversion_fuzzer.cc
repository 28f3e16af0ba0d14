// libFuzzer target: OpenStack-API-Version negotiation (api/microversion.h NegotiateVersion).
// Input: the header value (an empty input stands for an absent header). A negotiated
// version is always within [kMinVersion, kMaxVersion]; a refusal always carries a message
// for the 406 body (except out-of-range, whose body is fixed).
#include <stdint.h>
#include <stdlib.h>

#include <optional>
#include <string>

#include "magnum/api/microversion.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using magnum::api::VersionError;
  std::optional<std::string> header;
  if (size > 0) header.emplace(reinterpret_cast<const char*>(data), size);
  magnum::api::NegotiatedVersion nv = magnum::api::NegotiateVersion(header);
  if (nv.error == VersionError::kNone) {
    const auto& v = nv.version;
    if (v.major != 1 || v.minor < magnum::api::kMinVersion.minor ||
        v.minor > magnum::api::kMaxVersion.minor) {
      abort();
    }
    (void)v.ToString();
  } else if (nv.error != VersionError::kOutOfRange && nv.message.empty()) {
    abort();
  }
  return 0;
}
