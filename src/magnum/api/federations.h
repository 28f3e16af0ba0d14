// Pure parts of the federations controller (§2.9), exposed for unit tests. Internal to
// the API module; stateless, thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "magnum/api/api_types.h"

namespace magnum::api {

// Resolves a cluster identifier (UUID or name) to the cluster's UUID, or fails (404/409).
using ClusterResolver = std::function<Result<std::string>(const std::string& ident)>;

// Rewrites the join/unjoin operations of a federation PATCH into plain replaces, as the
// reference does, but for every operation rather than only the first:
//   {"op":"add","path":"/member_ids","value":"<cluster>"}    joins: 404 when the cluster is
//       unknown, 409 "A cluster with UUID <u> is already a member of the federation <f>."
//   {"op":"remove","path":"/member_ids","value":"<cluster>"} unjoins: 404 "Cluster <c> is
//       not a member of the federation <f>." (a member whose cluster is gone can leave)
// The rewritten op is {"op":"replace","path":"/member_ids","value":"<list literal>"}; the
// caller applies the patch with "/member_ids" as a literal path. Other operations pass
// through unchanged (ApplyJsonPatch validates them). `members` = the current member UUIDs.
Result<Json> RewriteMemberOps(const Json& patch, std::vector<std::string> members,
                              const std::string& federation_name, const ClusterResolver& resolve);

// Checks a federation's properties: an object with a non-empty "dns-zone".
Result<void> ValidateFederationProperties(const Json& properties);

}  // namespace magnum::api
