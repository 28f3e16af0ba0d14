#include "magnum/api/microversion.h"

#include <cctype>
#include <charconv>
#include <sstream>
#include <vector>

#include "magnum/common/strings.h"

namespace magnum::api {
namespace {

bool ParseInt(const std::string& s, int* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

NegotiatedVersion NegotiateVersion(const std::optional<std::string>& header) {
  NegotiatedVersion out;
  if (!header) {
    out.version = kMinVersion;
    return out;
  }
  std::vector<std::string> tokens;
  std::istringstream ss(*header);
  std::string t;
  while (ss >> t) tokens.push_back(t);
  if (tokens.size() != 2) {
    out.error = VersionError::kBadServiceType;
    out.message = "Invalid service type for OpenStack-API-Version header";
    return out;
  }
  std::string service = AsciiLower(tokens[0]);
  std::string value = AsciiLower(tokens[1]);
  if (value == "latest") {
    out.version = kMaxVersion;
    return out;
  }
  if (service != "container-infrastructure-management" && service != "container-infrastructure" &&
      service != "container-infra") {
    out.error = VersionError::kBadServiceType;
    out.message = "Invalid service type for OpenStack-API-Version header";
    return out;
  }
  auto dot = value.find('.');
  int major = 0, minor = 0;
  if (dot == std::string::npos || !ParseInt(value.substr(0, dot), &major) ||
      !ParseInt(value.substr(dot + 1), &minor)) {
    out.error = VersionError::kBadValue;
    out.message = "Invalid value for OpenStack-API-Version header";
    return out;
  }
  out.version = Version{major, minor};
  if (major != 1 || minor < kMinVersion.minor || minor > kMaxVersion.minor) {
    out.error = VersionError::kOutOfRange;
    out.message = "Version " + value + " was requested but the minor version is not supported by this service.";
  }
  return out;
}

}  // namespace magnum::api
