// API microversions (container-infra 1.1 .. 1.14): parsing and negotiation. Thread-safe.
#pragma once

#include <optional>
#include <string>

#include "magnum/common/error.h"

namespace magnum::api {

struct Version {
  int major = 1;
  int minor = 1;

  bool AtLeast(int mi) const { return minor >= mi; }
  std::string ToString() const { return std::to_string(major) + "." + std::to_string(minor); }
  friend bool operator==(const Version&, const Version&) = default;
};

inline constexpr Version kMinVersion{1, 1};
inline constexpr Version kMaxVersion{1, 14};
inline constexpr char kServiceTypeLong[] = "container-infrastructure-management";

// Why a header was refused; decides the 406 body (§1.3).
enum class VersionError { kNone, kBadServiceType, kBadValue, kOutOfRange };

struct NegotiatedVersion {
  Version version;
  VersionError error = VersionError::kNone;
  std::string message;  // for kBadServiceType / kBadValue
};

// Negotiates from the OpenStack-API-Version header value (nullopt = absent → 1.1).
NegotiatedVersion NegotiateVersion(const std::optional<std::string>& header);

}  // namespace magnum::api
