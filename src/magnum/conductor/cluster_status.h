// Cluster and nodegroup status values (api-v1.md §3.1) and the state sets of §3.2.
// Constants and pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/objects/status.h"

namespace magnum::conductor::status {

inline constexpr char kCreateInProgress[] = "CREATE_IN_PROGRESS";
inline constexpr char kCreateFailed[] = "CREATE_FAILED";
inline constexpr char kCreateComplete[] = "CREATE_COMPLETE";
inline constexpr char kUpdateInProgress[] = "UPDATE_IN_PROGRESS";
inline constexpr char kUpdateFailed[] = "UPDATE_FAILED";
inline constexpr char kUpdateComplete[] = "UPDATE_COMPLETE";
inline constexpr char kDeleteInProgress[] = "DELETE_IN_PROGRESS";
inline constexpr char kDeleteFailed[] = "DELETE_FAILED";
inline constexpr char kDeleteComplete[] = "DELETE_COMPLETE";
inline constexpr char kRollbackInProgress[] = "ROLLBACK_IN_PROGRESS";
inline constexpr char kRollbackFailed[] = "ROLLBACK_FAILED";
inline constexpr char kRollbackComplete[] = "ROLLBACK_COMPLETE";

// Set A: the *_COMPLETE states from which update, upgrade and CA rotation are allowed.
bool InSetA(std::string_view status);
// Set B = A ∪ {UPDATE_IN_PROGRESS, UPDATE_FAILED} (resize, nodegroup update, credentials).
bool InSetB(std::string_view status);
bool IsInProgress(std::string_view status);  // ends in _IN_PROGRESS
bool IsFailed(std::string_view status);      // ends in _FAILED

// Every *_IN_PROGRESS status.
const std::vector<std::string>& InProgressStatuses();
// The statuses whose clusters the health poll looks at (§3.5).
const std::vector<std::string>& HealthPollStatuses();

// "CREATE_IN_PROGRESS" -> "CREATE_FAILED" / "CREATE_COMPLETE" (same prefix).
std::string FailedOf(std::string_view in_progress);
std::string CompleteOf(std::string_view in_progress);

// The stored name of a status ("" for none), and back (nullopt for "" or an unknown name).
std::string NameOf(const std::optional<objects::ClusterStatus>& s);
std::optional<objects::ClusterStatus> Named(std::string_view name);

}  // namespace magnum::conductor::status
