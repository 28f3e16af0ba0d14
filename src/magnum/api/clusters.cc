// SCAFFOLD (replaced by the real controller in this session): answers 404.
#include "magnum/api/controller.h"

namespace magnum::api {
namespace {
class Scaffold final : public Controller {
 public:
  ApiResult Handle(const ApiRequest& req, const std::vector<std::string>&) override {
    return Fail(RouteNotFound(req));
  }
};
}  // namespace
std::unique_ptr<Controller> NewClustersController(const Services&) { return std::make_unique<Scaffold>(); }
}  // namespace magnum::api
