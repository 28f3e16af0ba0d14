#include "magnum/drivers/docker/subnet_pool.h"

#include <algorithm>
#include <charconv>

namespace magnum::drivers::docker {

std::optional<uint32_t> ParseIpv4(std::string_view s) {
  uint32_t out = 0;
  for (int i = 0; i < 4; ++i) {
    unsigned v = 0;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (ec != std::errc() || v > 255 || p == s.data()) return std::nullopt;
    out = (out << 8) | v;
    s.remove_prefix(static_cast<size_t>(p - s.data()));
    if (i < 3) {
      if (s.empty() || s[0] != '.') return std::nullopt;
      s.remove_prefix(1);
    }
  }
  if (!s.empty()) return std::nullopt;
  return out;
}

std::string FormatIpv4(uint32_t a) {
  return std::to_string(a >> 24) + "." + std::to_string((a >> 16) & 255) + "." +
         std::to_string((a >> 8) & 255) + "." + std::to_string(a & 255);
}

std::string Cidr::ToString() const { return FormatIpv4(base) + "/" + std::to_string(prefix); }

std::string Cidr::Address(uint32_t n) const { return FormatIpv4(base + n); }

Result<Cidr> ParseCidr(std::string_view s) {
  auto slash = s.find('/');
  auto bad = [&] {
    return Fail(Error::InvalidArgument("invalid IPv4 CIDR '" + std::string(s) + "'"));
  };
  if (slash == std::string_view::npos) return bad();
  auto addr = ParseIpv4(s.substr(0, slash));
  int prefix = -1;
  std::string_view p = s.substr(slash + 1);
  auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), prefix);
  if (!addr || ec != std::errc() || end != p.data() + p.size() || prefix < 0 || prefix > 32) {
    return bad();
  }
  uint32_t mask = prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
  if ((*addr & ~mask) != 0) {
    return Fail(Error::InvalidArgument(
        "invalid IPv4 CIDR '" + std::string(s) + "': host bits set (did you mean " +
        FormatIpv4(*addr & mask) + "/" + std::to_string(prefix) + "?)"));
  }
  return Cidr{*addr, prefix};
}

Result<Cidr> PickFreeSubnet(const Cidr& pool, int prefix, const std::vector<std::string>& used,
                            const std::vector<Cidr>& exclude) {
  if (prefix < pool.prefix || prefix > 30) {
    return Fail(Error::InvalidArgument("cannot carve /" + std::to_string(prefix) +
                                       " subnets from " + pool.ToString()));
  }
  std::vector<Cidr> taken = exclude;
  for (const auto& u : used) {
    if (auto c = ParseCidr(u)) taken.push_back(*c);
  }
  const uint64_t step = uint64_t{1} << (32 - prefix);
  for (uint64_t b = pool.base; b + step - 1 <= pool.Last(); b += step) {
    Cidr cand{static_cast<uint32_t>(b), prefix};
    bool clash =
        std::any_of(taken.begin(), taken.end(), [&](const Cidr& t) { return t.Overlaps(cand); });
    if (!clash) return cand;
  }
  return Fail(Error::Unavailable("subnet pool " + pool.ToString() + " exhausted: all " +
                                 std::to_string(pool.Size() / step) + " /" +
                                 std::to_string(prefix) +
                                 " subnets are in use; delete clusters or widen [docker] "
                                 "subnet_pool"));
}

Result<std::string> MasterAddress(const Cidr& subnet, int index) {
  if (index < 0 || index >= 10 || subnet.Size() < 32) {
    return Fail(Error::InvalidArgument("master index " + std::to_string(index) +
                                       " does not fit subnet " + subnet.ToString()));
  }
  return subnet.Address(10 + static_cast<uint32_t>(index));
}

int MaxWorkerIndex(const Cidr& subnet) {
  // Leave out the broadcast address.
  return static_cast<int>(std::min<uint64_t>(subnet.Size(), 1u << 16)) - 2 - 20;
}

Result<std::string> WorkerAddress(const Cidr& subnet, int index) {
  if (index < 0 || index > MaxWorkerIndex(subnet)) {
    return Fail(Error::InvalidArgument("worker index " + std::to_string(index) +
                                       " does not fit subnet " + subnet.ToString() + " (at most " +
                                       std::to_string(MaxWorkerIndex(subnet) + 1) + " workers)"));
  }
  return subnet.Address(20 + static_cast<uint32_t>(index));
}

}  // namespace magnum::drivers::docker
