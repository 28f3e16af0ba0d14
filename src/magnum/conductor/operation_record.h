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
#include "magnum/db/record.h"

namespace magnum::conductor {

struct ConductorCore;

// The columns to insert with the lease of a newly accepted resumable operation.
db::Row PersistedRow(const Operation& op);
// The persisted columns of lock row `lock` (to carry over when the lease is taken over).
db::Row PersistedColumns(const db::Row& lock);
// The operation persisted in `lock` when its driver can resume it, else nullptr (no spec,
// unknown operation, or the driver is blocking for that operation).
Result<OpPtr> ResumableOperation(ConductorCore& core, const db::Row& cluster,
                                 const db::Row& lock);
// Whether the driver of `cluster` advances operations of `kind` by polls (accept time).
bool DriverResumes(ConductorCore& core, db::Database& tx, const db::Row& cluster, OpKind kind);

}  // namespace magnum::conductor
