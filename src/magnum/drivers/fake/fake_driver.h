// The `fake` test driver: a control-plane double for tests and benchmarks. Test-only:
// registered only with [drivers] enable_test_drivers = true, never a default.
//
// It provisions nothing. Each operation walks through named steps, records an event per
// step and per node, reports made-up addresses (192.0.2.0/24, TEST-NET-1) and succeeds,
// unless the cluster's labels ask otherwise:
//   fake_delay_ms=<n>        wait n ms per step (default 0), cancellable
//   fake_fail=<op>[:<step>]  fail operation <op> (create, resize, upgrade, delete,
//                            nodegroup_create, nodegroup_update, nodegroup_delete,
//                            rotate_ca) at <step> (default: its first step)
//   fake_health=<HEALTHY|UNHEALTHY|UNKNOWN>  what PollHealth reports (default HEALTHY)
// Thread-safe (stateless).
#pragma once

#include <memory>

#include "magnum/drivers/driver.h"

namespace magnum::drivers {

std::unique_ptr<Driver> NewFakeDriver();

}  // namespace magnum::drivers
