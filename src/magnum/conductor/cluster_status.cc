#include "magnum/conductor/cluster_status.h"

#include <algorithm>

namespace magnum::conductor::status {
namespace {

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string Prefix(std::string_view s) {
  auto pos = s.rfind('_');
  if (pos == std::string_view::npos) return std::string(s);
  // "CREATE_IN_PROGRESS": strip "_IN_PROGRESS"; "X_FAILED"/"X_COMPLETE": strip the last part.
  if (EndsWith(s, "_IN_PROGRESS")) return std::string(s.substr(0, s.size() - 12));
  return std::string(s.substr(0, pos));
}

}  // namespace

bool InSetA(std::string_view s) {
  static const char* const kA[] = {"CREATE_COMPLETE",  "UPDATE_COMPLETE",   "RESUME_COMPLETE",
                                   "RESTORE_COMPLETE", "ROLLBACK_COMPLETE", "SNAPSHOT_COMPLETE",
                                   "CHECK_COMPLETE",   "ADOPT_COMPLETE"};
  return std::any_of(std::begin(kA), std::end(kA), [&](const char* a) { return s == a; });
}

bool InSetB(std::string_view s) {
  return InSetA(s) || s == kUpdateInProgress || s == kUpdateFailed;
}

bool IsInProgress(std::string_view s) { return EndsWith(s, "_IN_PROGRESS"); }
bool IsFailed(std::string_view s) { return EndsWith(s, "_FAILED"); }

const std::vector<std::string>& InProgressStatuses() {
  static const std::vector<std::string> v = {kCreateInProgress, kUpdateInProgress,
                                             kDeleteInProgress, kRollbackInProgress};
  return v;
}

const std::vector<std::string>& HealthPollStatuses() {
  static const std::vector<std::string> v = {kCreateInProgress, kCreateFailed, kCreateComplete,
                                             kUpdateInProgress, kUpdateFailed, kUpdateComplete,
                                             kDeleteInProgress, kDeleteFailed, kRollbackInProgress};
  return v;
}

std::string FailedOf(std::string_view in_progress) { return Prefix(in_progress) + "_FAILED"; }
std::string CompleteOf(std::string_view in_progress) { return Prefix(in_progress) + "_COMPLETE"; }

std::string NameOf(const std::optional<objects::ClusterStatus>& s) {
  return s ? std::string(objects::Name(*s)) : std::string();
}

std::optional<objects::ClusterStatus> Named(std::string_view name) {
  return objects::ParseClusterStatus(name);
}

}  // namespace magnum::conductor::status
