// /v1/stats (§2.7): cluster and node counts of one project, or of all projects for admins.
#include <cctype>

#include "magnum/api/controller.h"
#include "magnum/api/pagination.h"
#include "magnum/api/policy.h"
#include "magnum/db/schema.h"

namespace magnum::api {
namespace {

class StatsController final : public Controller {
 public:
  explicit StatsController(const Services& s) : s_(s) {}

  ApiResult Handle(const ApiRequest& req, const std::vector<std::string>& rest) override {
    if (!rest.empty()) return Fail(RouteNotFound(req));
    if (req.method() != "GET") return Fail(MethodNotAllowed(req));
    return Get(req);
  }

 private:
  ApiResult Get(const ApiRequest& req) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {"project_id", "type"}));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "stats:get_all"));
    std::string type = req.Query("type").value_or("cluster");
    for (auto& c : type) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (type != "cluster") {
      return Fail(Error::InvalidArgument("Invalid stats type. Allowed values are 'cluster'"));
    }
    // Non-admins see their own project only; admins without project_id see everything.
    std::string project = req.Query("project_id").value_or("");
    if (!req.ctx.is_admin) {
      if (!project.empty() && project != req.ctx.project_id) {
        return Fail(Error::PermissionDenied("Not authorized."));
      }
      project = req.ctx.project_id;
    }
    db::Filter f;
    if (!project.empty() || !req.ctx.is_admin) f.Where(db::Condition::Eq("project_id", project));
    MAGNUM_ASSIGN_OR_RETURN(int64_t clusters, s_.db->Count(db::kClusterTable, f));
    // Nodes: every nodegroup (masters included) of the selected project(s).
    MAGNUM_ASSIGN_OR_RETURN(int64_t nodes, s_.db->Sum(db::kNodeGroupTable, "node_count", f));
    return ApiResponse::Ok(Json{{"clusters", clusters}, {"nodes", nodes}});
  }

  Services s_;
};

}  // namespace

std::unique_ptr<Controller> NewStatsController(const Services& services) {
  return std::make_unique<StatsController>(services);
}

}  // namespace magnum::api
