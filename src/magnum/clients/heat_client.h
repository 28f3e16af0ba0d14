// A client of Heat's orchestration REST API (v1), for the Heat driver: create, read, update
// (PATCH) and delete stacks, and read their resources, events and outputs.
//
// Where: the `orchestration` endpoint of the token's service catalog ([heat_client]
// region_name, endpoint_type; "%(tenant_id)s"-style templates and an endpoint without the
// project segment are completed with the token's project), or an explicit endpoint.
// As whom: a HeatAuthProvider, asked before every call, so that the same client serves the
// caller's token or a trust-scoped token; on a 401 it is asked once more for a renewed
// token and the call repeated.
// Redirects: Heat answers /stacks/{name} with 302 to /stacks/{name}/{id} for every method
// and acts only at the Location, so the same method and body are re-sent there (at most
// three times). Only the path from "/stacks/" on is taken from the Location; it is sent to
// this client's endpoint, so the token never goes to a host the catalog did not name.
//
// Errors: 400 → kInvalidArgument, 404 → kNotFound, 409 → kConflict, 403 →
// kPermissionDenied, each with Heat's message (error.message, else explanation); 401 →
// kUnauthenticated; no answer, a 5xx, any other status or an unreadable reply →
// kUnavailable naming the orchestration service (Heat) and what to do next. The URL,
// status and Heat's traceback go to the log only.
//
// Blocking; thread-safe (immutable after construction; the provider and the HttpClient must
// be thread-safe). Includes no JSON header: templates and environments are JSON text.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "magnum/auth/context.h"
#include "magnum/clients/cloud_resources.h"
#include "magnum/clients/heat_replies.h"
#include "magnum/common/error.h"

namespace magnum {
class HttpClient;
}
namespace magnum::config {
struct Config;
}
namespace magnum::auth {
struct ServiceCatalog;
}

namespace magnum::clients {

// The credentials of one call.
struct HeatAuth {
  std::string token;       // X-Auth-Token
  std::string project_id;  // the token's project (completes the endpoint URL)
  std::shared_ptr<const auth::ServiceCatalog> catalog;  // the token's catalog
  // The orchestration base URL ".../v1/<project>"; "" = from `catalog`.
  std::string endpoint;
  std::string request_id;  // sent as X-OpenStack-Request-ID when not empty
};

// Gives the credentials for the next call; `renew` is true after Heat refused the last
// ones with 401 (a provider that cannot renew returns an error, and the call fails with
// kUnauthenticated). An error it returns is the call's error.
using HeatAuthProvider = std::function<Result<HeatAuth>(bool renew)>;

// The caller's own token, project and catalog (cannot renew).
HeatAuthProvider CallerHeatAuth(const auth::RequestContext& ctx);

struct HeatClientOptions {
  ServiceClientOptions service;  // [heat_client]
  std::string default_region;    // for region_name "" ([keystone_authtoken] region_name)
  int connect_timeout_s = 5;
  // A create answers after the trust and the stack domain project exist (1-3 s here).
  int request_timeout_s = 60;
};

// [heat_client] and [keystone_authtoken] region_name / http_connect_timeout;
// kInvalidArgument for an api_version other than 1 or an unknown endpoint_type.
Result<HeatClientOptions> HeatClientOptionsFromConfig(const config::Config& config);

// POST /stacks.
struct HeatCreateRequest {
  std::string name;
  std::string template_json;  // a HOT template as a JSON object
  std::map<std::string, std::string> files;  // name → contents (provider templates, ...)
  std::string environment_json;  // a JSON object ("" = none)
  std::vector<std::string> environment_files;  // names in `files`, applied in order
  std::map<std::string, std::string> parameters;  // values as Heat takes them: strings
  int timeout_mins = 0;           // 0 = Heat's default
  bool disable_rollback = true;   // a failed create stays for inspection
};

// PATCH /stacks/{name}/{id}: Heat keeps the stored template, files, environment and the
// parameters not named here.
struct HeatUpdateRequest {
  std::map<std::string, std::string> parameters;
  std::string template_json;     // "" = keep the stored template
  std::map<std::string, std::string> files;  // added to / replacing the stored files
  std::string environment_json;  // "" = keep
  std::vector<std::string> clear_parameters;  // back to their defaults
  int timeout_mins = 0;          // 0 = keep
};

struct HeatResourceQuery {
  int nested_depth = 0;              // 0 = only the stack's own resources
  std::vector<std::string> status;   // Heat's `status` filter ("FAILED"); {} = all
  bool skip_deleted = true;          // leave out DELETE_COMPLETE leftovers of a scale-down
};

struct HeatEventQuery {
  std::string marker;     // the last event id seen ("" = from the first)
  int nested_depth = 0;
  bool ascending = true;  // oldest first (Heat's own default is newest first)
  int limit = 0;          // 0 = Heat's default
};

class HeatClient {
 public:
  // `http` defaults to libcurl with [heat_client] ca_file / insecure.
  HeatClient(HeatClientOptions options, HeatAuthProvider auth,
             std::shared_ptr<HttpClient> http = nullptr);
  ~HeatClient();

  // 201 → the stack id. kConflict when the name is taken, kInvalidArgument when Heat
  // refuses the template, environment or parameters (or `template_json` /
  // `environment_json` is not a JSON object).
  Result<std::string> CreateStack(const HeatCreateRequest& request) const;
  // `stack`: a name, an id or "name/id". kNotFound when there is no such stack (a deleted
  // stack is still found by id, as DELETE_COMPLETE).
  Result<HeatStack> GetStack(const std::string& stack, bool resolve_outputs = true) const;
  // 202: the update has started. kConflict while another operation runs on the stack.
  Result<void> UpdateStack(const std::string& stack, const HeatUpdateRequest& request) const;
  // 204: the delete has started. A stack that is already gone (404) is a success, so that
  // a repeated delete (after a restart) does not fail.
  Result<void> DeleteStack(const std::string& stack) const;
  Result<std::vector<HeatResource>> ListResources(const std::string& stack,
                                                  const HeatResourceQuery& query = {}) const;
  Result<std::vector<HeatEvent>> ListEvents(const std::string& stack,
                                            const HeatEventQuery& query = {}) const;
  // kNotFound for an unknown key.
  Result<HeatOutput> GetOutput(const std::string& stack, const std::string& key) const;

 private:
  struct Call;
  Result<std::string> Send(Call& call) const;
  Result<std::string> BaseUrl(const HeatAuth& auth) const;
  Error Failed(const Call& call, long status, const std::string& body) const;
  Error Unreachable(const Call& call, const std::string& problem) const;
  Error Unreadable(const Call& call, const Error& parse_error) const;

  const HeatClientOptions opt_;
  const HeatAuthProvider auth_;
  const std::shared_ptr<HttpClient> http_;
  const std::string region_;
};

}  // namespace magnum::clients
