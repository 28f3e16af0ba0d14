// Status enums of the typed objects and their stored/API names (api-v1.md §3.1).
//
// Clusters and nodegroups share ClusterStatus; HealthStatus is a cluster's health;
// FederationStatus the nine statuses of a federation; ContainerStatus upstream's five of a
// container (objects/container.h). The names are the strings stored in the database and
// shown by the API ("CREATE_COMPLETE", "Running"). Pure functions; thread-safe.
#pragma once

#include <array>
#include <optional>
#include <string_view>

namespace magnum::objects {

enum class ClusterStatus {
  kCreateInProgress,
  kCreateFailed,
  kCreateComplete,
  kUpdateInProgress,
  kUpdateFailed,
  kUpdateComplete,
  kDeleteInProgress,
  kDeleteFailed,
  kDeleteComplete,
  kResumeComplete,
  kResumeFailed,
  kRestoreComplete,
  kRollbackInProgress,
  kRollbackFailed,
  kRollbackComplete,
  kSnapshotComplete,
  kCheckComplete,
  kAdoptComplete,
};
inline constexpr std::array<ClusterStatus, 18> kAllClusterStatuses = {
    ClusterStatus::kCreateInProgress,   ClusterStatus::kCreateFailed,
    ClusterStatus::kCreateComplete,     ClusterStatus::kUpdateInProgress,
    ClusterStatus::kUpdateFailed,       ClusterStatus::kUpdateComplete,
    ClusterStatus::kDeleteInProgress,   ClusterStatus::kDeleteFailed,
    ClusterStatus::kDeleteComplete,     ClusterStatus::kResumeComplete,
    ClusterStatus::kResumeFailed,       ClusterStatus::kRestoreComplete,
    ClusterStatus::kRollbackInProgress, ClusterStatus::kRollbackFailed,
    ClusterStatus::kRollbackComplete,   ClusterStatus::kSnapshotComplete,
    ClusterStatus::kCheckComplete,      ClusterStatus::kAdoptComplete};

enum class HealthStatus { kHealthy, kUnhealthy, kUnknown };
inline constexpr std::array<HealthStatus, 3> kAllHealthStatuses = {
    HealthStatus::kHealthy, HealthStatus::kUnhealthy, HealthStatus::kUnknown};

enum class FederationStatus {
  kCreateInProgress,
  kCreateFailed,
  kCreateComplete,
  kUpdateInProgress,
  kUpdateFailed,
  kUpdateComplete,
  kDeleteInProgress,
  kDeleteFailed,
  kDeleteComplete,
};
inline constexpr std::array<FederationStatus, 9> kAllFederationStatuses = {
    FederationStatus::kCreateInProgress, FederationStatus::kCreateFailed,
    FederationStatus::kCreateComplete,   FederationStatus::kUpdateInProgress,
    FederationStatus::kUpdateFailed,     FederationStatus::kUpdateComplete,
    FederationStatus::kDeleteInProgress, FederationStatus::kDeleteFailed,
    FederationStatus::kDeleteComplete};

// Upstream's container statuses, with their wire spelling ("Running", ...).
enum class ContainerStatus { kError, kRunning, kStopped, kPaused, kUnknown };

inline constexpr std::array<ContainerStatus, 5> kAllContainerStatuses = {
    ContainerStatus::kError, ContainerStatus::kRunning, ContainerStatus::kStopped,
    ContainerStatus::kPaused, ContainerStatus::kUnknown};

// "CREATE_IN_PROGRESS", "HEALTHY", "Running", ...
std::string_view Name(ContainerStatus s);
std::string_view Name(ClusterStatus s);
std::string_view Name(HealthStatus s);
std::string_view Name(FederationStatus s);

// The enum named `name` (exact, upper case), or nullopt.
std::optional<ClusterStatus> ParseClusterStatus(std::string_view name);
std::optional<HealthStatus> ParseHealthStatus(std::string_view name);
std::optional<FederationStatus> ParseFederationStatus(std::string_view name);
// Exact wire spelling ("Running").
std::optional<ContainerStatus> ParseContainerStatus(std::string_view name);

// Every value of an enum, by overload: AllOf(ClusterStatus{}).
inline constexpr const auto& AllOf(ClusterStatus) { return kAllClusterStatuses; }
inline constexpr const auto& AllOf(HealthStatus) { return kAllHealthStatuses; }
inline constexpr const auto& AllOf(FederationStatus) { return kAllFederationStatuses; }
inline constexpr const auto& AllOf(ContainerStatus) { return kAllContainerStatuses; }

// *_IN_PROGRESS / *_FAILED / *_COMPLETE.
bool IsInProgress(ClusterStatus s);
bool IsFailed(ClusterStatus s);
bool IsComplete(ClusterStatus s);

}  // namespace magnum::objects
