// /v1/credentials (§2.5, mv >= 1.12): rotate the cloud credential a cluster uses. A
// synchronous conductor call, so state refusals and "not supported by driver" come back.
#include "magnum/api/cluster_scope.h"
#include "magnum/api/controller.h"
#include "magnum/api/pagination.h"
#include "magnum/api/policy.h"

namespace magnum::api {
namespace {

class CredentialsController final : public Controller {
 public:
  explicit CredentialsController(const Services& s) : s_(s) {}

  ApiResult Handle(const ApiRequest& req, const std::vector<std::string>& rest) override {
    if (rest.size() > 1) return Fail(RouteNotFound(req));
    if (req.method() != "PATCH" || rest.empty()) return Fail(MethodNotAllowed(req));
    if (!req.version.AtLeast(12)) {
      return Fail(Error::NotAcceptable("Version " + req.version.ToString() +
                                       " was requested but the requested API patch is not "
                                       "supported for this version."));
    }
    return Rotate(req, rest[0]);
  }

 private:
  ApiResult Rotate(const ApiRequest& req, const std::string& ident) {
    // No body is needed; whatever is sent is ignored.
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "credential:rotate"));
    MAGNUM_ASSIGN_OR_RETURN(objects::Cluster cluster, FindCluster(*s_.db, req.ctx, ident));
    MAGNUM_ASSIGN_OR_RETURN(auto* conductor, AvailableConductor(s_.conductor));
    const std::string uuid = cluster.uuid;
    MAGNUM_RETURN_IF_ERROR(conductor->RotateCredential(ConductorCallerOf(req.ctx), uuid));
    return ApiResponse::Ok(Json{{"uuid", uuid}}, 202);
  }

  Services s_;
};

}  // namespace

std::unique_ptr<Controller> NewCredentialsController(const Services& services) {
  return std::make_unique<CredentialsController>(services);
}

}  // namespace magnum::api
