// Pure part of the mservices controller (§2.6), exposed for unit tests. Thread-safe.
#pragma once

#include <string>

#include "magnum/common/clock.h"
#include "magnum/db/record.h"
#include "magnum/objects/magnum_service.h"

namespace magnum::api {

// "up" or "down" for a magnum_service row: down when forced_down, or when the last
// heartbeat (last_seen_up, else updated_at, else created_at) is more than
// `service_down_time_s` seconds away from `now` in either direction (upstream compares the
// absolute difference); a row without any timestamp is down.
std::string MServiceState(const objects::MagnumService& service, TimePoint now,
                          int service_down_time_s);
// The same for a stored row (through the mapper).
std::string MServiceState(const db::Row& row, TimePoint now, int service_down_time_s);

}  // namespace magnum::api
