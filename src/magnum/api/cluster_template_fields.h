// Cluster template field table and rendering, shared by the templates, clusters and
// legacy baymodel controllers (internal to the API module).
#pragma once

#include <string>

#include "magnum/api/fields.h"
#include "magnum/auth/context.h"
#include "magnum/db/record.h"

namespace magnum::api {

const FieldList& ClusterTemplateFields();
// The API object of a stored template, with links.
Json RenderClusterTemplate(const db::Row& row, const std::string& base_url);
// Templates `ctx` may see: own project ∪ (public ∧ ¬hidden); admins see all.
db::Filter VisibleTemplates(const auth::RequestContext& ctx);

}  // namespace magnum::api
