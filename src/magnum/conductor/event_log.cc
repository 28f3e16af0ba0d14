#include "magnum/conductor/event_log.h"

#include <spdlog/spdlog.h>

#include "magnum/common/clock.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"

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
  db::Row row;
  row.Set("cluster_uuid", cluster_uuid);
  if (project_id.empty()) {
    row.SetNull("project_id");
  } else {
    row.Set("project_id", project_id);
  }
  row.Set("step", std::string(step));
  if (node.empty()) {
    row.SetNull("node");
  } else {
    row.Set("node", std::string(node));
  }
  row.Set("level", std::string(EventLevelName(level)));
  row.Set("message", std::string(message));
  row.Set("created_at", FormatDbTimestamp(clock_->Now()));
  if (auto r = db_->Insert(db::kClusterEventTable, row); !r) {
    spdlog::warn("cluster {}: cannot record event ({}: {}): {}", cluster_uuid, step, message,
                 r.error().message());
  }
}

}  // namespace magnum::conductor
