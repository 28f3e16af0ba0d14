// The per-cluster event log (table cluster_event, served as GET /v1/clusters/{id}/events):
// what happened to a cluster, step by step, in order (rows are ordered by id).
//
// Appending never fails the caller: a database error is logged and dropped, since the
// event log must not turn a good operation into a failed one. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace magnum {
class Clock;
namespace db {
class Database;
}
}  // namespace magnum

namespace magnum::conductor {

enum class EventLevel { kInfo, kWarning, kError };
std::string_view EventLevelName(EventLevel level);  // "info", "warning", "error"

class EventLog {
 public:
  // `db` and `clock` must outlive the log.
  EventLog(db::Database* db, const Clock* clock) : db_(db), clock_(clock) {}

  void Append(const std::string& cluster_uuid, const std::string& project_id, std::string_view step,
              std::string_view node, EventLevel level, std::string_view message);

  // Handovers. A conductor that stopped an operation because another conductor took the
  // cluster over (a delete) says so with an event of step "handover" and node = its host.
  // The taker counts those markers when it takes the lease and waits for one more (or for
  // the old lease to expire, when the marker cannot be written or the owner died) before it
  // acts on the cluster: milliseconds instead of up to [conductor] lease_ttl.
  static constexpr std::string_view kHandoverStep = "handover";
  void AppendHandover(const std::string& cluster_uuid, const std::string& project_id,
                      const std::string& host, std::string_view message);
  // The number of handover markers `host` left on the cluster; -1 when it cannot be read.
  static int64_t Handovers(db::Database& d, const std::string& cluster_uuid,
                           const std::string& host);

 private:
  db::Database* const db_;
  const Clock* const clock_;
};

}  // namespace magnum::conductor
