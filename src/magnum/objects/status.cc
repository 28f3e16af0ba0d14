#include "magnum/objects/status.h"

namespace magnum::objects {
namespace {

template <typename E, size_t N>
std::optional<E> ParseByName(const std::array<E, N>& all, std::string_view name) {
  for (E e : all) {
    if (Name(e) == name) return e;
  }
  return std::nullopt;
}

}  // namespace

std::string_view Name(ClusterStatus s) {
  switch (s) {
    case ClusterStatus::kCreateInProgress: return "CREATE_IN_PROGRESS";
    case ClusterStatus::kCreateFailed: return "CREATE_FAILED";
    case ClusterStatus::kCreateComplete: return "CREATE_COMPLETE";
    case ClusterStatus::kUpdateInProgress: return "UPDATE_IN_PROGRESS";
    case ClusterStatus::kUpdateFailed: return "UPDATE_FAILED";
    case ClusterStatus::kUpdateComplete: return "UPDATE_COMPLETE";
    case ClusterStatus::kDeleteInProgress: return "DELETE_IN_PROGRESS";
    case ClusterStatus::kDeleteFailed: return "DELETE_FAILED";
    case ClusterStatus::kDeleteComplete: return "DELETE_COMPLETE";
    case ClusterStatus::kResumeComplete: return "RESUME_COMPLETE";
    case ClusterStatus::kResumeFailed: return "RESUME_FAILED";
    case ClusterStatus::kRestoreComplete: return "RESTORE_COMPLETE";
    case ClusterStatus::kRollbackInProgress: return "ROLLBACK_IN_PROGRESS";
    case ClusterStatus::kRollbackFailed: return "ROLLBACK_FAILED";
    case ClusterStatus::kRollbackComplete: return "ROLLBACK_COMPLETE";
    case ClusterStatus::kSnapshotComplete: return "SNAPSHOT_COMPLETE";
    case ClusterStatus::kCheckComplete: return "CHECK_COMPLETE";
    case ClusterStatus::kAdoptComplete: return "ADOPT_COMPLETE";
  }
  return "";
}

std::string_view Name(HealthStatus s) {
  switch (s) {
    case HealthStatus::kHealthy: return "HEALTHY";
    case HealthStatus::kUnhealthy: return "UNHEALTHY";
    case HealthStatus::kUnknown: return "UNKNOWN";
  }
  return "";
}

std::string_view Name(FederationStatus s) {
  switch (s) {
    case FederationStatus::kCreateInProgress: return "CREATE_IN_PROGRESS";
    case FederationStatus::kCreateFailed: return "CREATE_FAILED";
    case FederationStatus::kCreateComplete: return "CREATE_COMPLETE";
    case FederationStatus::kUpdateInProgress: return "UPDATE_IN_PROGRESS";
    case FederationStatus::kUpdateFailed: return "UPDATE_FAILED";
    case FederationStatus::kUpdateComplete: return "UPDATE_COMPLETE";
    case FederationStatus::kDeleteInProgress: return "DELETE_IN_PROGRESS";
    case FederationStatus::kDeleteFailed: return "DELETE_FAILED";
    case FederationStatus::kDeleteComplete: return "DELETE_COMPLETE";
  }
  return "";
}

std::string_view Name(ContainerStatus s) {
  switch (s) {
    case ContainerStatus::kError:
      return "Error";
    case ContainerStatus::kRunning:
      return "Running";
    case ContainerStatus::kStopped:
      return "Stopped";
    case ContainerStatus::kPaused:
      return "Paused";
    case ContainerStatus::kUnknown:
      return "Unknown";
  }
  return "";
}

std::optional<ClusterStatus> ParseClusterStatus(std::string_view name) {
  return ParseByName(kAllClusterStatuses, name);
}
std::optional<HealthStatus> ParseHealthStatus(std::string_view name) {
  return ParseByName(kAllHealthStatuses, name);
}
std::optional<FederationStatus> ParseFederationStatus(std::string_view name) {
  return ParseByName(kAllFederationStatuses, name);
}

std::optional<ContainerStatus> ParseContainerStatus(std::string_view name) {
  return ParseByName(kAllContainerStatuses, name);
}

bool IsInProgress(ClusterStatus s) { return Name(s).ends_with("_IN_PROGRESS"); }
bool IsFailed(ClusterStatus s) { return Name(s).ends_with("_FAILED"); }
bool IsComplete(ClusterStatus s) { return Name(s).ends_with("_COMPLETE"); }

}  // namespace magnum::objects
