// The `fake` test driver: a control-plane double for tests and benchmarks. Test-only:
// registered only with [drivers] enable_test_drivers = true, never a default.
//
// It provisions nothing. Each operation walks through named steps, records an event per
// step and per node, reports made-up addresses (192.0.2.0/24, TEST-NET-1) and succeeds,
// unless the cluster's labels ask otherwise:
//   fake_delay_ms=<n>        wait n ms before each step (default 0)
//   fake_fail=<op>[:<step>]  fail operation <op> (create, resize, upgrade, delete,
//                            nodegroup_create, nodegroup_update, nodegroup_delete,
//                            rotate_ca) at <step> (default: its first step)
//   fake_health=<HEALTHY|UNHEALTHY|UNKNOWN>  what PollHealth reports (default HEALTHY)
//
// `fake` is resumable (drivers/driver.h): every operation but CA rotation runs by
// Advance(), one step per call, the wait before a step being a poll delay; its progress
// record is {"step": <next step>, "waited": <the delay before it is over>}, so a restarted
// conductor resumes at the step that was next. `fake-blocking` (same steps, same tuples, no
// images; chosen by a template's `driver`) runs each operation in one blocking call with
// cancellable sleeps: the test double of a driver that cannot resume.
// Thread-safe (stateless).
#pragma once

#include <memory>

#include "magnum/drivers/driver.h"

namespace magnum::drivers {

struct FakeDriverOptions {
  // UsesTrust() answers true ([drivers] test_drivers_use_trust, for the trust tests): the
  // conductor sets up a Keystone trust at create, and a create without one fails.
  bool uses_trust = false;
};

std::unique_ptr<Driver> NewFakeDriver(FakeDriverOptions options = {});
std::unique_ptr<Driver> NewBlockingFakeDriver(FakeDriverOptions options = {});

}  // namespace magnum::drivers
