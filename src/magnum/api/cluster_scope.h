// Cluster look-ups for the controllers that act on a cluster without owning it
// (certificates, credentials, federations, stats), and the conductor caller of a request.
// Internal to the API module; stateless, thread-safe.
#pragma once

#include <string>

#include "magnum/auth/context.h"
#include "magnum/common/error.h"
#include "magnum/conductor/conductor_api.h"
#include "magnum/db/database.h"
#include "magnum/objects/cluster.h"

namespace magnum::api {

// The clusters `ctx` may act on: its own project (its own user when it has no project);
// admins reach every project's clusters.
db::Filter ClustersInScope(const auth::RequestContext& ctx);

// A visible cluster by UUID or name: 404 "Cluster <ident> could not be found.", 409 when a
// name matches more than one.
Result<objects::Cluster> FindCluster(db::Database& db, const auth::RequestContext& ctx,
                                     const std::string& ident);

// The serialisable caller passed to the conductor.
conductor::Caller ConductorCallerOf(const auth::RequestContext& ctx);

// The conductor, or 503 "No conductor is available" when none is wired in.
Result<conductor::ConductorApi*> AvailableConductor(conductor::ConductorApi* conductor);

}  // namespace magnum::api
