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
// Whether an interrupted operation of `kind` on `driver` is persisted and resumed: the
// driver advances it by polls, or it is a CA rotation (the conductor's new CA set is made
// once, recorded in the spec; the driver's RotateCaCertificate, which must be safe to run
// again, is run again).
bool Resumes(const drivers::Driver& driver, OpKind kind);
// The same for the driver of `cluster` (accept time).
bool DriverResumes(ConductorCore& core, db::Database& tx, const objects::Cluster& cluster,
                   OpKind kind);

}  // namespace magnum::conductor
