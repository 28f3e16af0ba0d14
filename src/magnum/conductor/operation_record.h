// The persisted form of a resumable operation: columns of its cluster_lock row (schema
// migration 3) written when it is accepted and kept while it runs —
//   spec         JSON: the operation and its parameters (nodegroup, counts, nodes to
//                remove, upgrade target, batch size, what to restore on failure)
//   progress     the driver's progress record, rewritten after every Advance()
//   deadline_at  the create deadline (survives restarts)
// Recovery rebuilds the Operation from them and resumes it. Stateless; thread-safe.
#pragma once

#include "magnum/common/error.h"
#include "magnum/conductor/operation.h"
#include "magnum/objects/cluster.h"
#include "magnum/objects/cluster_lock.h"

namespace magnum::db {
class Database;
}

namespace magnum::conductor {

struct ConductorCore;

// The persisted operation (spec, progress, deadline_at) to store with the lease of a
// newly accepted resumable operation.
objects::ClusterLock PersistedLock(const Operation& op);
// The operation persisted in `lock` when its driver can resume it, else nullptr (no spec,
// unknown operation, or the driver is blocking for that operation).
Result<OpPtr> ResumableOperation(ConductorCore& core, const objects::Cluster& cluster,
                                 const objects::ClusterLock& lock);
// Whether the driver of `cluster` advances operations of `kind` by polls (accept time).
bool DriverResumes(ConductorCore& core, db::Database& tx, const objects::Cluster& cluster,
                   OpKind kind);

}  // namespace magnum::conductor
