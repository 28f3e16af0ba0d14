// IPv4 address arithmetic for the docker driver's per-cluster networks: parsing CIDRs,
// choosing a free subnet of a pool, and the fixed addresses of nodes inside a subnet.
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"

namespace magnum::drivers::docker {

struct Cidr {
  uint32_t base = 0;  // network address, host order, host bits cleared
  int prefix = 0;     // 0..32

  uint64_t Size() const { return uint64_t{1} << (32 - prefix); }
  uint32_t Last() const { return base + static_cast<uint32_t>(Size() - 1); }
  bool Overlaps(const Cidr& o) const { return base <= o.Last() && o.base <= Last(); }
  std::string ToString() const;
  // The n-th address of the block (n = 1 is the first host, usually the gateway).
  std::string Address(uint32_t n) const;
};

// Parses "a.b.c.d" into a host-order address.
std::optional<uint32_t> ParseIpv4(std::string_view s);
std::string FormatIpv4(uint32_t addr);
// Parses "a.b.c.d/p"; host bits must be zero. kInvalidArgument otherwise.
Result<Cidr> ParseCidr(std::string_view s);

// The first `prefix`-sized block of `pool` that overlaps none of `used` (CIDR strings of
// existing networks; unparsable or IPv6 entries are ignored), skipping `exclude` (blocks
// just refused by the engine). kUnavailable "subnet pool <pool> exhausted" when none is free.
Result<Cidr> PickFreeSubnet(const Cidr& pool, int prefix, const std::vector<std::string>& used,
                            const std::vector<Cidr>& exclude = {});

// Fixed node addresses inside a cluster subnet: the gateway is .1, master i is .(10 + i)
// (i < 10), worker i is .(20 + i). kInvalidArgument when the index does not fit.
Result<std::string> MasterAddress(const Cidr& subnet, int index);
Result<std::string> WorkerAddress(const Cidr& subnet, int index);
// The largest worker index a subnet can address.
int MaxWorkerIndex(const Cidr& subnet);

}  // namespace magnum::drivers::docker
