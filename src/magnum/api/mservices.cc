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
#include "magnum/objects/mappers.h"

namespace magnum::api {

std::string MServiceState(const objects::MagnumService& service, TimePoint now,
                          int service_down_time_s) {
  if (service.forced_down.value_or(false)) return "down";
  const std::optional<std::string>* beat = nullptr;
  for (const auto* t : {&service.last_seen_up, &service.updated_at, &service.created_at}) {
    if (*t) {
      beat = t;
      break;
    }
  }
  TimePoint t;
  if (beat == nullptr || (*beat)->empty() || !ParseDbTimestamp(**beat, &t)) return "down";
  const double elapsed = std::chrono::duration<double>(now - t).count();
  return std::fabs(elapsed) <= service_down_time_s ? "up" : "down";
}

std::string MServiceState(const db::Row& row, TimePoint now, int service_down_time_s) {
  return MServiceState(
      objects::FromRow<objects::MagnumService>(row).value_or(objects::MagnumService{}), now,
      service_down_time_s);
}

namespace {

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
    MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "magnum-service:get_all"));
    db::ListQuery q;  // every row, by id
    MAGNUM_ASSIGN_OR_RETURN(auto services, objects::List<objects::MagnumService>(*s_.db, q));
    const TimePoint now = s_.clock->Now();
    Json items = Json::array();
    auto text = [](const std::optional<std::string>& v) { return v ? Json(*v) : Json(nullptr); };
    auto timestamp = [](const std::optional<std::string>& v) {
      return v ? Json(DbToApiTimestamp(*v)) : Json(nullptr);
    };
    for (const auto& m : services) {
      items.push_back({{"id", m.id},
                       {"host", text(m.host)},
                       {"binary", text(m.binary)},
                       {"state", MServiceState(m, now, s_.config->service_down_time)},
                       {"disabled", m.disabled.value_or(false)},
                       {"disabled_reason", text(m.disabled_reason)},
                       {"report_count", m.report_count},
                       {"created_at", timestamp(m.created_at)},
                       {"updated_at", timestamp(m.updated_at)}});
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
