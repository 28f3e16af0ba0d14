// /v1/baymodels (§2.10): the legacy name of cluster templates, served below microversion
// 1.11 only (404 from 1.11 on, where upstream removed the route). Same rows, rules and
// policies as /v1/clustertemplates; the representation lacks `driver`, `project_id` and
// `user_id`, the list key is "baymodels" and generated names end in "-model".
#include "magnum/api/cluster_template_fields.h"
#include "magnum/api/controller.h"

namespace magnum::api {
namespace {

const FieldList& BayModelFields() {
  static const FieldList fields = [] {
    FieldList f;
    for (const auto& spec : ClusterTemplateFields()) {
      if (spec.name == "driver" || spec.name == "project_id" || spec.name == "user_id") continue;
      f.push_back(spec);
    }
    return f;
  }();
  return fields;
}

class BayModelsController final : public Controller {
 public:
  explicit BayModelsController(const Services& s)
      : templates_(NewTemplateCollectionController(
            s, {"baymodels", "baymodel", "model", &BayModelFields()})) {}

  ApiResult Handle(const ApiRequest& req, const std::vector<std::string>& rest) override {
    if (req.version.AtLeast(11)) return Fail(RouteNotFound(req));
    return templates_->Handle(req, rest);
  }

 private:
  std::unique_ptr<Controller> templates_;
};

}  // namespace

std::unique_ptr<Controller> NewBayModelsController(const Services& services) {
  return std::make_unique<BayModelsController>(services);
}

}  // namespace magnum::api
