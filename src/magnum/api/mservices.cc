// /v1/mservices (§2.6): the registered magnum processes and whether their heartbeat is
// recent. Admin only; never paginated.
#include "magnum/api/mservices.h"

#include <chrono>
#include <cmath>

#include "magnum/api/controller.h"
#include "magnum/api/pagination.h"
#include "magnum/api/policy.h"
#include "magnum/common/clock.h"
#include "magnum/config/config.h"
#include "magnum/db/schema.h"

namespace magnum::api {

std::string MServiceState(const db::Row& row, TimePoint now, int service_down_time_s) {
  if (row.GetBool("forced_down")) return "down";
  std::string beat;
  for (const char* col : {"last_seen_up", "updated_at", "created_at"}) {
    if (!row.IsNull(col)) {
      beat = row.GetString(col);
      break;
    }
  }
  TimePoint t;
  if (beat.empty() || !ParseDbTimestamp(beat, &t)) return "down";
  const double elapsed = std::chrono::duration<double>(now - t).count();
  return std::fabs(elapsed) <= service_down_time_s ? "up" : "down";
}

namespace {

Json Timestamp(const db::Row& row, const char* col) {
  if (row.IsNull(col)) return nullptr;
  return DbToApiTimestamp(row.GetString(col));
}

class MServicesController final : public Controller {
 public:
  explicit MServicesController(const Services& s) : s_(s) {}

  ApiResult Handle(const ApiRequest& req, const std::vector<std::string>& rest) override {
    if (!rest.empty()) return Fail(RouteNotFound(req));
    if (req.method() != "GET") return Fail(MethodNotAllowed(req));
    return List(req);
  }

 private:
  ApiResult List(const ApiRequest& req) {
    MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {}));
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req.ctx, "magnum-service:get_all"));
    db::ListQuery q;  // every row, by id
    MAGNUM_ASSIGN_OR_RETURN(auto rows, s_.db->List(db::kMagnumServiceTable, q));
    const TimePoint now = s_.clock->Now();
    Json items = Json::array();
    for (const auto& r : rows) {
      items.push_back(
          {{"id", r.GetInt("id")},
           {"host", r.IsNull("host") ? Json(nullptr) : Json(r.GetString("host"))},
           {"binary", r.IsNull("binary") ? Json(nullptr) : Json(r.GetString("binary"))},
           {"state", MServiceState(r, now, s_.config->service_down_time)},
           {"disabled", r.GetBool("disabled")},
           {"disabled_reason",
            r.IsNull("disabled_reason") ? Json(nullptr) : Json(r.GetString("disabled_reason"))},
           {"report_count", r.GetInt("report_count")},
           {"created_at", Timestamp(r, "created_at")},
           {"updated_at", Timestamp(r, "updated_at")}});
    }
    return ApiResponse::Ok(Json{{"mservices", std::move(items)}});
  }

  Services s_;
};

}  // namespace

std::unique_ptr<Controller> NewMServicesController(const Services& services) {
  return std::make_unique<MServicesController>(services);
}

}  // namespace magnum::api
