// Status names: every enum value has one distinct stored name that parses back, and the
// name sets are exactly the ones api-v1.md §3.1 lists.
#include "magnum/objects/status.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace magnum::objects {
namespace {

template <typename E, size_t N, typename Parse>
std::set<std::string> CheckNames(const std::array<E, N>& all, Parse parse) {
  std::set<std::string> names;
  for (E e : all) {
    const std::string name(Name(e));
    EXPECT_FALSE(name.empty());
    EXPECT_EQ(parse(name), e) << name;
    names.insert(name);
  }
  EXPECT_EQ(names.size(), N) << "two values share a name";
  return names;
}

TEST(StatusTest, ClusterStatusNamesAreExhaustiveAndDistinct) {
  const auto names = CheckNames(kAllClusterStatuses, ParseClusterStatus);
  const std::set<std::string> expected = {
      "CREATE_IN_PROGRESS",   "CREATE_FAILED",   "CREATE_COMPLETE",    "UPDATE_IN_PROGRESS",
      "UPDATE_FAILED",        "UPDATE_COMPLETE", "DELETE_IN_PROGRESS", "DELETE_FAILED",
      "DELETE_COMPLETE",      "RESUME_COMPLETE", "RESUME_FAILED",      "RESTORE_COMPLETE",
      "ROLLBACK_IN_PROGRESS", "ROLLBACK_FAILED", "ROLLBACK_COMPLETE",  "SNAPSHOT_COMPLETE",
      "CHECK_COMPLETE",       "ADOPT_COMPLETE"};
  EXPECT_EQ(names, expected);
  // The array lists every enumerator: the last one is the array's last.
  EXPECT_EQ(static_cast<size_t>(kAllClusterStatuses.back()) + 1, kAllClusterStatuses.size());
}

TEST(StatusTest, HealthAndFederationNames) {
  EXPECT_EQ(CheckNames(kAllHealthStatuses, ParseHealthStatus),
            (std::set<std::string>{"HEALTHY", "UNHEALTHY", "UNKNOWN"}));
  EXPECT_EQ(static_cast<size_t>(kAllHealthStatuses.back()) + 1, kAllHealthStatuses.size());
  EXPECT_EQ(CheckNames(kAllFederationStatuses, ParseFederationStatus),
            (std::set<std::string>{"CREATE_IN_PROGRESS", "CREATE_FAILED", "CREATE_COMPLETE",
                                   "UPDATE_IN_PROGRESS", "UPDATE_FAILED", "UPDATE_COMPLETE",
                                   "DELETE_IN_PROGRESS", "DELETE_FAILED", "DELETE_COMPLETE"}));
  EXPECT_EQ(static_cast<size_t>(kAllFederationStatuses.back()) + 1,
            kAllFederationStatuses.size());
}

TEST(StatusTest, UnknownAndWrongCaseNamesDoNotParse) {
  EXPECT_EQ(ParseClusterStatus("create_complete"), std::nullopt);
  EXPECT_EQ(ParseClusterStatus(""), std::nullopt);
  EXPECT_EQ(ParseHealthStatus("healthy"), std::nullopt);
  EXPECT_EQ(ParseFederationStatus("RESUME_COMPLETE"), std::nullopt);
}

TEST(StatusTest, Classes) {
  int in_progress = 0, failed = 0, complete = 0;
  for (ClusterStatus s : kAllClusterStatuses) {
    in_progress += IsInProgress(s);
    failed += IsFailed(s);
    complete += IsComplete(s);
    EXPECT_EQ(IsInProgress(s) + IsFailed(s) + IsComplete(s), 1) << Name(s);
  }
  EXPECT_EQ(in_progress, 4);
  EXPECT_EQ(failed, 5);
  EXPECT_EQ(complete, 9);
}

}  // namespace
}  // namespace magnum::objects
