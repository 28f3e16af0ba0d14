#include "magnum/api/cluster_scope.h"

#include "magnum/api/controller.h"
#include "magnum/db/schema.h"

namespace magnum::api {

db::Filter ClustersInScope(const auth::RequestContext& ctx) {
  db::Filter f;
  if (ctx.is_admin) return f;
  if (!ctx.project_id.empty()) {
    f.Where(db::Condition::Eq("project_id", ctx.project_id));
  } else {
    f.Where(db::Condition::Eq("user_id", ctx.user_id));
  }
  return f;
}

Result<objects::Cluster> FindCluster(db::Database& db, const auth::RequestContext& ctx,
                                     const std::string& ident) {
  return LookupByIdent<objects::Cluster>(db, ident, ClustersInScope(ctx), "Cluster", "clusters",
                                         "cluster");
}

conductor::Caller ConductorCallerOf(const auth::RequestContext& ctx) {
  conductor::Caller c;
  c.request_id = ctx.request_id;
  c.project_id = ctx.project_id;
  c.user_id = ctx.user_id;
  c.is_admin = ctx.is_admin;
  c.auth_token = ctx.auth_token;
  return c;
}

Result<conductor::ConductorApi*> AvailableConductor(conductor::ConductorApi* conductor) {
  if (conductor == nullptr) return Fail(Error::Unavailable("No conductor is available"));
  return conductor;
}

}  // namespace magnum::api
