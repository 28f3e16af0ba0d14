// Service heartbeats (api-v1.md §2.6): a process registers its (host, binary) row in
// table magnum_service and, every report interval, increments report_count and sets
// last_seen_up, so GET /v1/mservices can tell whether it is up. Used by magnum-api
// ("magnum-api") and the conductor ("magnum-conductor").
//
// Thread-safe. Start() runs a background thread until Stop() (or destruction).
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>

#include "magnum/common/error.h"

namespace magnum {
class Clock;
namespace db {
class Database;
}
}  // namespace magnum

namespace magnum::conductor {

class ServiceHeartbeat {
 public:
  // `db` and `clock` must outlive the heartbeat.
  ServiceHeartbeat(db::Database* db, const Clock* clock, std::string host, std::string binary,
                   std::chrono::milliseconds interval);
  ~ServiceHeartbeat();
  ServiceHeartbeat(const ServiceHeartbeat&) = delete;
  ServiceHeartbeat& operator=(const ServiceHeartbeat&) = delete;

  // One report: inserts the row (report_count 1) or increments report_count; sets
  // last_seen_up and updated_at to now. Concurrent first reports from two processes
  // resolve to one row.
  Result<void> ReportOnce();

  // Reports now, then every interval on a background thread (errors are logged). Calling
  // Start twice is a programming error.
  void Start();
  // Stops the thread; idempotent.
  void Stop();

  const std::string& host() const { return host_; }
  const std::string& binary() const { return binary_; }

 private:
  void Loop();

  db::Database* const db_;
  const Clock* const clock_;
  const std::string host_;
  const std::string binary_;
  const std::chrono::milliseconds interval_;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mu_
  std::thread thread_;
};

}  // namespace magnum::conductor
