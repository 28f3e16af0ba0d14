#include "magnum/clients/heat_client.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "magnum/auth/service_catalog.h"
#include "magnum/clients/openstack_service.h"
#include "magnum/common/http_client.h"
#include "magnum/config/config.h"
#include "magnum/http/message.h"

namespace magnum::clients {
namespace {

using Json = nlohmann::json;

constexpr const char* kLabel = "orchestration service (Heat)";
constexpr int kMaxRedirects = 3;

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

bool IsRedirect(long status) {
  return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

// "name", "id" or "name/id" as path segments.
Result<std::string> StackRef(const std::string& stack) {
  auto bad = [&stack] {
    return Fail(Error::InvalidArgument("\"" + stack + "\" is not a stack name, id or name/id"));
  };
  if (stack.empty()) return bad();
  auto slash = stack.find('/');
  std::string name = stack.substr(0, slash);
  std::string id = slash == std::string::npos ? "" : stack.substr(slash + 1);
  if (name.empty() || name == "." || name == "..") return bad();
  if (slash == std::string::npos) return http::UrlEncode(name);
  if (id.empty() || id == "." || id == ".." || id.find('/') != std::string::npos) return bad();
  return http::UrlEncode(name) + "/" + http::UrlEncode(id);
}

// The path of a redirect's Location from "/stacks/" on (with its query), to be sent to our
// own endpoint; "" when the Location is not a stack URL or holds characters a URL may not.
std::string StacksPath(const std::string& location) {
  for (unsigned char c : location) {
    if (c <= 0x20 || c >= 0x7f) return "";
  }
  std::string_view loc = location;
  loc = loc.substr(0, loc.find('#'));
  auto pos = loc.find("/stacks/");
  auto query = loc.find('?');
  if (pos == std::string_view::npos || (query != std::string_view::npos && query < pos)) {
    return "";
  }
  return std::string(loc.substr(pos));
}

// A JSON object given as text ("" = absent).
Result<Json> JsonObject(const std::string& text, const char* what) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) {
    return Fail(Error::InvalidArgument(std::string("the stack ") + what +
                                       " is not a JSON object"));
  }
  return j;
}

Json StringMap(const std::map<std::string, std::string>& m) {
  Json j = Json::object();
  for (const auto& [k, v] : m) j[k] = v;
  return j;
}

}  // namespace

struct HeatClient::Call {
  std::string method;
  std::string path;  // from "/stacks" on, with the query
  std::string body;
  const char* what;  // for the log: "stack create"
  std::string url;   // the last URL sent
};

HeatAuthProvider CallerHeatAuth(const auth::RequestContext& ctx) {
  HeatAuth a;
  a.token = ctx.auth_token;
  a.project_id = ctx.project_id;
  a.catalog = ctx.service_catalog;
  a.request_id = ctx.request_id;
  return [a](bool renew) -> Result<HeatAuth> {
    if (renew) return Fail(Error::Unauthenticated("the caller's token cannot be renewed"));
    return a;
  };
}

Result<HeatClientOptions> HeatClientOptionsFromConfig(const config::Config& c) {
  HeatClientOptions o;
  const auto& s = c.heat_client;
  o.service = ServiceClientOptionsOf(s);
  o.default_region = c.keystone_region_name;
  o.connect_timeout_s = c.keystone_http_connect_timeout;
  if (!s.api_version.empty() && s.api_version != "1") {
    return Fail(Error::InvalidArgument("[heat_client] api_version " + s.api_version +
                                       " is not supported: only 1 (the Orchestration API v1)"));
  }
  if (!ValidEndpointType(o.service.endpoint_type)) {
    return Fail(Error::InvalidArgument(
        "[heat_client] endpoint_type " + o.service.endpoint_type +
        " is not one of publicURL, internalURL, adminURL (or public, internal, admin)"));
  }
  return o;
}

HeatClient::HeatClient(HeatClientOptions options, HeatAuthProvider auth,
                       std::shared_ptr<HttpClient> http)
    : opt_(std::move(options)),
      auth_(std::move(auth)),
      http_(http ? std::move(http)
                 : std::shared_ptr<HttpClient>(
                       NewCurlHttpClient({opt_.service.ca_file, opt_.service.insecure}))),
      region_(opt_.service.region_name.empty() ? opt_.default_region
                                               : opt_.service.region_name) {}

HeatClient::~HeatClient() = default;

Error HeatClient::Unreachable(const Call& call, const std::string& problem) const {
  std::string msg = std::string("The ") + kLabel + " " + problem + ". ";
  if (call.method != "GET") {
    msg += "The stack may or may not have been changed: read it back before repeating the " +
           std::string(call.what) + ". ";
  }
  return Error::Unavailable(
      msg + "Try again later; if this persists, the operator should check that heat-api and "
            "heat-engine run and that [heat_client] region_name (" +
      (region_.empty() ? "any" : region_) + ") and endpoint_type (" +
      opt_.service.endpoint_type + ") name its endpoint in the service catalog.");
}

Error HeatClient::Unreadable(const Call& call, const Error& parse_error) const {
  spdlog::error("heat_client: {} {} ({}): {}", call.method, call.url, call.what,
                parse_error.message());
  return Unreachable(call, "gave an answer that cannot be read");
}

Error HeatClient::Failed(const Call& call, long status, const std::string& body) const {
  HeatErrorReply e = ParseHeatError(body, status);
  const auto level = status == 404                      ? spdlog::level::debug
                     : status >= 400 && status < 500 ? spdlog::level::warn
                                                     : spdlog::level::err;
  spdlog::log(level, "heat_client: {} {} ({}) answered {}: {}{}{}", call.method, call.url,
              call.what, status, e.type.empty() ? "" : e.type + ": ", e.message,
              e.traceback.empty() ? "" : "\n" + e.traceback);
  switch (status) {
    case 400:
      return Error::InvalidArgument(e.message);
    case 401:
      return Error::Unauthenticated(std::string("The ") + kLabel +
                                    " refused the token (401): it is invalid or has expired.");
    case 403:
      return Error::PermissionDenied(e.message);
    case 404:
      return Error::NotFound(e.message);
    case 409:
      return Error::Conflict(e.message);
    default:
      break;
  }
  if (status >= 500) return Unreachable(call, "answered " + std::to_string(status));
  return Unreachable(call, "refused the request (" + std::to_string(status) + ")");
}

Result<std::string> HeatClient::BaseUrl(const HeatAuth& auth) const {
  std::string url = auth.endpoint;
  if (url.empty() && auth.catalog) {
    url = auth.catalog->EndpointUrl("orchestration", opt_.service.endpoint_type, region_)
              .value_or("");
  }
  for (const char* tmpl : {"%(tenant_id)s", "%(project_id)s", "$(tenant_id)s", "$(project_id)s"}) {
    for (auto pos = url.find(tmpl); pos != std::string::npos; pos = url.find(tmpl)) {
      url.replace(pos, std::string_view(tmpl).size(), http::UrlEncode(auth.project_id));
    }
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.ends_with("/v1") && !auth.project_id.empty()) url += "/" + auth.project_id;
  if (UrlOrigin(url).empty() || url.ends_with("/v1")) {
    spdlog::error("heat_client: no usable orchestration endpoint of type {} in region {} "
                  "(\"{}\")", opt_.service.endpoint_type, region_.empty() ? "(any)" : region_,
                  url);
    return Fail(Error::Unavailable(std::string("The ") + kLabel + " has no " +
                                   opt_.service.endpoint_type +
                                   " endpoint in the service catalog, so nothing was changed. "
                                   "The operator should check [heat_client] region_name (" +
                                   (region_.empty() ? "any" : region_) + ") and endpoint_type "
                                   "and the catalog's orchestration service."));
  }
  return url;
}

Result<std::string> HeatClient::Send(Call& call) const {
  MAGNUM_ASSIGN_OR_RETURN(HeatAuth auth, auth_(false));
  bool renewed = false;
  for (;;) {
    MAGNUM_ASSIGN_OR_RETURN(std::string base, BaseUrl(auth));
    std::string path = call.path;
    HttpClientReply reply;
    for (int redirects = 0;; ++redirects) {
      HttpClientRequest req;
      req.method = call.method;
      req.url = call.url = base + path;
      req.body = call.body;
      req.connect_timeout = std::chrono::seconds(opt_.connect_timeout_s);
      req.timeout = std::chrono::seconds(opt_.request_timeout_s);
      req.headers = {{"Accept", "application/json"},
                     {"User-Agent", "magnum-conductor heat-client"},
                     {"X-Auth-Token", auth.token}};
      if (!call.body.empty()) req.headers.emplace_back("Content-Type", "application/json");
      if (!auth.request_id.empty()) {
        req.headers.emplace_back("X-OpenStack-Request-ID", auth.request_id);
      }
      auto sent = http_->Send(req);
      if (!sent) {
        spdlog::error("heat_client: {} {} ({}): {}", call.method, call.url, call.what,
                      sent.error().message());
        return Fail(Unreachable(call, "cannot be reached"));
      }
      reply = std::move(*sent);
      if (!IsRedirect(reply.status) || redirects == kMaxRedirects) break;
      auto location = reply.headers.find("Location");
      if (location == reply.headers.end()) break;
      std::string next = StacksPath(location->second);
      if (next.empty()) {
        return Fail(Unreadable(call, Error::InvalidArgument("a redirect to \"" +
                                                            location->second + "\"")));
      }
      path = std::move(next);
    }
    if (reply.status == 401 && !renewed) {
      renewed = true;
      auto again = auth_(true);
      if (again) {
        auth = std::move(*again);
        continue;
      }
      spdlog::warn("heat_client: {} {} answered 401 and the token was not renewed: {}",
                   call.method, call.url, again.error().message());
    }
    if (reply.status >= 200 && reply.status < 300) return std::move(reply.body);
    return Fail(Failed(call, reply.status, reply.body));
  }
}

Result<std::string> HeatClient::CreateStack(const HeatCreateRequest& r) const {
  if (r.name.empty()) return Fail(Error::InvalidArgument("a stack needs a name"));
  MAGNUM_ASSIGN_OR_RETURN(Json tmpl, JsonObject(r.template_json, "template"));
  Json body = {{"stack_name", r.name},
               {"template", std::move(tmpl)},
               {"parameters", StringMap(r.parameters)},
               {"disable_rollback", r.disable_rollback}};
  if (!r.files.empty()) body["files"] = StringMap(r.files);
  if (!r.environment_json.empty()) {
    MAGNUM_ASSIGN_OR_RETURN(body["environment"], JsonObject(r.environment_json, "environment"));
  }
  if (!r.environment_files.empty()) body["environment_files"] = r.environment_files;
  if (r.timeout_mins > 0) body["timeout_mins"] = r.timeout_mins;
  Call call{"POST", "/stacks", Dump(body), "stack create", ""};
  MAGNUM_ASSIGN_OR_RETURN(std::string reply, Send(call));
  auto id = ParseHeatCreateReply(reply);
  if (!id) return Fail(Unreadable(call, id.error()));
  return *id;
}

Result<HeatStack> HeatClient::GetStack(const std::string& stack, bool resolve_outputs) const {
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, StackRef(stack));
  Call call{"GET", "/stacks/" + ref + (resolve_outputs ? "" : "?resolve_outputs=False"), "",
            "stack show", ""};
  MAGNUM_ASSIGN_OR_RETURN(std::string reply, Send(call));
  auto parsed = ParseHeatStack(reply);
  if (!parsed) return Fail(Unreadable(call, parsed.error()));
  return std::move(*parsed);
}

Result<void> HeatClient::UpdateStack(const std::string& stack,
                                     const HeatUpdateRequest& r) const {
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, StackRef(stack));
  Json body = {{"parameters", StringMap(r.parameters)}};
  if (!r.template_json.empty()) {
    MAGNUM_ASSIGN_OR_RETURN(body["template"], JsonObject(r.template_json, "template"));
  }
  if (!r.files.empty()) body["files"] = StringMap(r.files);
  if (!r.environment_json.empty()) {
    MAGNUM_ASSIGN_OR_RETURN(body["environment"], JsonObject(r.environment_json, "environment"));
  }
  if (!r.clear_parameters.empty()) body["clear_parameters"] = r.clear_parameters;
  if (r.timeout_mins > 0) body["timeout_mins"] = r.timeout_mins;
  Call call{"PATCH", "/stacks/" + ref, Dump(body), "stack update", ""};
  MAGNUM_RETURN_IF_ERROR(Send(call));
  return {};
}

Result<void> HeatClient::DeleteStack(const std::string& stack) const {
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, StackRef(stack));
  Call call{"DELETE", "/stacks/" + ref, "", "stack delete", ""};
  auto sent = Send(call);
  if (!sent && sent.error().Is(ErrorCode::kNotFound)) {
    spdlog::info("heat_client: stack {} is already gone", stack);
    return {};
  }
  if (!sent) return Fail(sent.error());
  return {};
}

Result<std::vector<HeatResource>> HeatClient::ListResources(
    const std::string& stack, const HeatResourceQuery& q) const {
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, StackRef(stack));
  std::string query;
  if (q.nested_depth > 0) query += "&nested_depth=" + std::to_string(q.nested_depth);
  for (const auto& s : q.status) query += "&status=" + http::UrlEncode(s);
  if (!query.empty()) query[0] = '?';
  Call call{"GET", "/stacks/" + ref + "/resources" + query, "", "resource list", ""};
  MAGNUM_ASSIGN_OR_RETURN(std::string reply, Send(call));
  auto parsed = ParseHeatResources(reply);
  if (!parsed) return Fail(Unreadable(call, parsed.error()));
  if (q.skip_deleted) {
    std::erase_if(*parsed, [](const HeatResource& r) {
      return r.status.action == "DELETE" && r.status.Complete();
    });
  }
  return std::move(*parsed);
}

Result<std::vector<HeatEvent>> HeatClient::ListEvents(const std::string& stack,
                                                      const HeatEventQuery& q) const {
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, StackRef(stack));
  std::string query = q.ascending ? "?sort_dir=asc" : "?sort_dir=desc";
  if (!q.marker.empty()) query += "&marker=" + http::UrlEncode(q.marker);
  if (q.nested_depth > 0) query += "&nested_depth=" + std::to_string(q.nested_depth);
  if (q.limit > 0) query += "&limit=" + std::to_string(q.limit);
  Call call{"GET", "/stacks/" + ref + "/events" + query, "", "event list", ""};
  MAGNUM_ASSIGN_OR_RETURN(std::string reply, Send(call));
  auto parsed = ParseHeatEvents(reply);
  if (!parsed) return Fail(Unreadable(call, parsed.error()));
  return std::move(*parsed);
}

Result<HeatOutput> HeatClient::GetOutput(const std::string& stack,
                                         const std::string& key) const {
  MAGNUM_ASSIGN_OR_RETURN(std::string ref, StackRef(stack));
  if (key.empty()) return Fail(Error::InvalidArgument("an output key is needed"));
  Call call{"GET", "/stacks/" + ref + "/outputs/" + http::UrlEncode(key), "", "output show", ""};
  MAGNUM_ASSIGN_OR_RETURN(std::string reply, Send(call));
  auto parsed = ParseHeatOutput(reply);
  if (!parsed) return Fail(Unreadable(call, parsed.error()));
  return std::move(*parsed);
}

}  // namespace magnum::clients
