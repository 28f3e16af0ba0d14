#include "magnum/conductor/event_log.h"

#include <spdlog/spdlog.h>

#include "magnum/common/clock.h"
#include "magnum/db/database.h"
#include "magnum/objects/mappers.h"

namespace magnum::conductor {

std::string_view EventLevelName(EventLevel level) {
  switch (level) {
    case EventLevel::kInfo:
      return "info";
    case EventLevel::kWarning:
      return "warning";
    case EventLevel::kError:
      return "error";
  }
  return "info";
}

void EventLog::Append(const std::string& cluster_uuid, const std::string& project_id,
                      std::string_view step, std::string_view node, EventLevel level,
                      std::string_view message) {
  objects::ClusterEvent e;
  e.cluster_uuid = cluster_uuid;
  if (!project_id.empty()) e.project_id = project_id;
  e.step = std::string(step);
  if (!node.empty()) e.node = std::string(node);
  e.level = std::string(EventLevelName(level));
  e.message = std::string(message);
  e.created_at = FormatDbTimestamp(clock_->Now());
  if (auto r = db_->Insert(db::kClusterEventTable, objects::ToRow(e)); !r) {
    spdlog::warn("cluster {}: cannot record event ({}: {}): {}", cluster_uuid, step, message,
                 r.error().message());
  }
}

void EventLog::AppendHandover(const std::string& cluster_uuid, const std::string& project_id,
                              const std::string& host, std::string_view message) {
  Append(cluster_uuid, project_id, kHandoverStep, host, EventLevel::kWarning, message);
}

int64_t EventLog::Handovers(db::Database& d, const std::string& cluster_uuid,
                            const std::string& host) {
  auto n = d.Count(db::kClusterEventTable,
                   db::Filter()
                       .Where(db::Condition::Eq("cluster_uuid", cluster_uuid))
                       .Where(db::Condition::Eq("step", std::string(kHandoverStep)))
                       .Where(db::Condition::Eq("node", host)));
  return n ? *n : -1;
}

}  // namespace magnum::conductor
