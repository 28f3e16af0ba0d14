// Cluster template field table and rendering, shared by the templates, clusters and
// legacy baymodel controllers (internal to the API module).
#pragma once

#include <memory>
#include <string>

#include "magnum/api/controller.h"
#include "magnum/api/fields.h"
#include "magnum/auth/context.h"
#include "magnum/objects/cluster_template.h"

namespace magnum::api {

// Bound to objects::ClusterTemplate.
const FieldList& ClusterTemplateFields();
// The API object of a stored template in the clustertemplates shape, with links.
Json RenderClusterTemplate(const objects::ClusterTemplate& t, const std::string& base_url);
// Templates `ctx` may see: own project ∪ (public ∧ ¬hidden); admins see all.
db::Filter VisibleTemplates(const auth::RequestContext& ctx);

// How a collection of templates presents itself: /v1/clustertemplates, or the legacy
// /v1/baymodels (same rows and rules, its own field subset and names).
struct TemplateCollection {
  std::string path;         // URL segment, list key and link path: "clustertemplates"
  std::string body_arg;     // argument named in body errors: "cluster_template"
  std::string name_suffix;  // generated names: "<greek>-<n>-template"
  const FieldList* fields;  // accepted and rendered; a subset of ClusterTemplateFields()
};

// The controller of a template collection (NewClusterTemplatesController serves the
// clustertemplates one). Policies are the clustertemplate:* rules for every collection.
std::unique_ptr<Controller> NewTemplateCollectionController(const Services& services,
                                                            TemplateCollection collection);

}  // namespace magnum::api
