#include "magnum/drivers/docker/flavor_limits.h"

#include <charconv>
#include <cmath>

#include "magnum/common/strings.h"

namespace magnum::drivers::docker {
namespace {

bool ParseCpus(std::string_view s, double* out) {
  // Digits with an optional fraction ("0.5", "2"); no sign, no exponent.
  if (s.empty() || s.size() > 12) return false;
  bool dot = false, digit = false;
  for (char c : s) {
    if (c == '.' && !dot) {
      dot = true;
    } else if (c >= '0' && c <= '9') {
      digit = true;
    } else {
      return false;
    }
  }
  if (!digit) return false;
  *out = std::stod(std::string(s));
  return *out <= 1024;
}

bool ParseMib(std::string_view s, int64_t* out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size() && *out >= 0 && *out <= (int64_t{1} << 30);
}

}  // namespace

FlavorLimits DefaultFlavorLimits() {
  FlavorLimits t;
  t.flavors = {{"m1.tiny", {0.5, 256}},
               {"m1.small", {0.5, 1024}},
               {"m1.medium", {1, 2048}},
               {"m1.large", {2, 4096}},
               {"m1.xlarge", {4, 8192}}};
  t.fallback = {1, 1024};
  return t;
}

Result<FlavorLimits> ParseFlavorLimits(const std::vector<std::string>& entries) {
  FlavorLimits t = DefaultFlavorLimits();
  for (const auto& raw : entries) {
    std::string_view e = TrimBlanks(raw);
    auto bad = [&](std::string_view why) {
      return Fail(Error::InvalidArgument("[docker] flavor_limits: entry '" + std::string(e) + "' " +
                                         std::string(why) +
                                         " (expected <flavor>=<cpus>/<memory MiB>, e.g. "
                                         "m1.small=0.5/1024)"));
    };
    size_t eq = e.find('=');
    if (eq == std::string_view::npos) return bad("has no '='");
    std::string_view name = TrimBlanks(e.substr(0, eq));
    std::string_view value = TrimBlanks(e.substr(eq + 1));
    if (name.empty()) return bad("names no flavor");
    size_t slash = value.find('/');
    if (slash == std::string_view::npos) return bad("has no '/'");
    NodeLimits l;
    if (!ParseCpus(TrimBlanks(value.substr(0, slash)), &l.cpus)) {
      return bad("has no valid CPU count");
    }
    if (!ParseMib(TrimBlanks(value.substr(slash + 1)), &l.memory_mib)) {
      return bad("has no valid memory size");
    }
    if (l.memory_mib > 0 && l.memory_mib < 64) return bad("gives less than 64 MiB");
    if (name == "default") {
      t.fallback = l;
    } else {
      t.flavors[std::string(name)] = l;
    }
  }
  return t;
}

NodeLimits LimitsForFlavor(const FlavorLimits& table, std::string_view flavor,
                           const HostCapacity& host) {
  NodeLimits l = table.fallback;
  if (auto it = table.flavors.find(std::string(flavor)); it != table.flavors.end()) {
    l = it->second;
  }
  if (!host.cpu_limits) l.cpus = 0;
  if (!host.memory_limits) l.memory_mib = 0;
  if (host.cpus > 0 && l.cpus > host.cpus) l.cpus = host.cpus;
  int64_t host_mib = host.memory_bytes / (1024 * 1024);
  if (host_mib > 0 && l.memory_mib > host_mib) l.memory_mib = host_mib;
  return l;
}

int64_t NanoCpus(const NodeLimits& l) { return static_cast<int64_t>(std::llround(l.cpus * 1e9)); }

int64_t MemoryBytes(const NodeLimits& l) { return l.memory_mib * 1024 * 1024; }

}  // namespace magnum::drivers::docker
