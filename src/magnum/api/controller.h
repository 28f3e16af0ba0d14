// Controller plumbing shared by the resources (internal to the API module).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/api/api_types.h"
#include "magnum/db/database.h"
#include "magnum/objects/mappers.h"
#include "magnum/policy/target.h"

namespace magnum {
class Clock;
namespace config {
struct Config;
}
namespace drivers {
class DriverRegistry;
}
namespace clients {
class CloudResources;
}
namespace conductor {
class ConductorApi;
}
}  // namespace magnum

namespace magnum::api {

struct Services {
  const config::Config* config;
  db::Database* db;
  const drivers::DriverRegistry* drivers;
  clients::CloudResources* cloud;
  conductor::ConductorApi* conductor;
  const Clock* clock;
};

// One top-level collection (/v1/<name>/...).
class Controller {
 public:
  virtual ~Controller() = default;
  // `rest` = the path segments after the collection name (may be empty).
  virtual ApiResult Handle(const ApiRequest& req, const std::vector<std::string>& rest) = 0;
};

// A collection with the standard routes: GET/POST on "", GET on "detail", and
// GET/PATCH/DELETE on "{ident}". Deeper paths go to HandleSubresource (default 404).
class CollectionController : public Controller {
 public:
  ApiResult Handle(const ApiRequest& req, const std::vector<std::string>& rest) override {
    return Route(req, rest);
  }

 protected:
  ApiResult Route(const ApiRequest& req, const std::vector<std::string>& rest);
  virtual ApiResult HandleSubresource(const ApiRequest& req,
                                      const std::vector<std::string>& rest);

  virtual ApiResult List(const ApiRequest& req, bool detail) = 0;
  virtual ApiResult Create(const ApiRequest& req) = 0;
  virtual ApiResult Get(const ApiRequest& req, const std::string& ident) = 0;
  virtual ApiResult Patch(const ApiRequest& req, const std::string& ident) = 0;
  virtual ApiResult Delete(const ApiRequest& req, const std::string& ident) = 0;
};

// 405 for a known resource and an unsupported method.
Error MethodNotAllowed(const ApiRequest& req);
// 404 for an unknown route.
Error RouteNotFound(const ApiRequest& req);

// "<greek>-<n>-<suffix>", e.g. "zeta-22-cluster".
std::string GenerateName(std::string_view suffix);

// The query of LookupByIdent: by UUID when `ident` is UUID-shaped, else by name, within
// `visible`, at most 2 rows.
db::ListQuery IdentQuery(const std::string& ident, const db::Filter& visible);
// LookupByIdent's refusal for `found` matches (0: 404, 2: 409).
Error IdentRefusal(size_t found, const std::string& ident, const std::string& kind,
                   const std::string& plural, const std::string& noun);

// Looks an object up by UUID (when `ident` is UUID-shaped) or by name within `visible`:
// 404 "<kind> <ident> could not be found." or 409 "Multiple <plural> exist with same
// name. Please use the <noun> uuid instead.".
template <typename T>
Result<T> LookupByIdent(db::Database& db, const std::string& ident, const db::Filter& visible,
                        const std::string& kind, const std::string& plural,
                        const std::string& noun) {
  MAGNUM_ASSIGN_OR_RETURN(auto found, objects::List<T>(db, IdentQuery(ident, visible)));
  if (found.size() != 1) return Fail(IdentRefusal(found.size(), ident, kind, plural, noun));
  return std::move(found.front());
}

// The policy target of an object: its project and user.
template <typename T>
policy::Target TargetOf(const T& object) {
  return policy::Target{object.project_id.value_or(""), object.user_id.value_or("")};
}

// Parses the request body as JSON (400 on malformed JSON).
Result<Json> RequestBody(const ApiRequest& req);

// The storage-form "now".
std::string NowDb(const Services& s);

// One factory per top-level collection (each in its own <name>.cc).
std::unique_ptr<Controller> NewClusterTemplatesController(const Services& services);
std::unique_ptr<Controller> NewClustersController(const Services& services);  // + nodegroups, events, actions
std::unique_ptr<Controller> NewBaysController(const Services& services);
std::unique_ptr<Controller> NewBayModelsController(const Services& services);
std::unique_ptr<Controller> NewCertificatesController(const Services& services);
std::unique_ptr<Controller> NewCredentialsController(const Services& services);
std::unique_ptr<Controller> NewQuotasController(const Services& services);
std::unique_ptr<Controller> NewStatsController(const Services& services);
std::unique_ptr<Controller> NewMServicesController(const Services& services);
std::unique_ptr<Controller> NewFederationsController(const Services& services);
std::unique_ptr<Controller> NewContainersController(const Services& services);

}  // namespace magnum::api
