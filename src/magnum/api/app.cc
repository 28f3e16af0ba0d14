#include "magnum/api/app.h"

#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "magnum/api/api_types.h"
#include "magnum/api/controller.h"
#include "magnum/api/policy.h"
#include "magnum/api/request_gate.h"
#include "magnum/auth/auth.h"
#include "magnum/config/config.h"

namespace magnum::api {
namespace {

constexpr const char* kResources[] = {"clustertemplates", "clusters",    "quotas",
                                      "certificates",     "mservices",   "stats",
                                      "federations",      "nodegroups",  "credentials"};

std::vector<std::string> SplitPath(const std::string& path) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < path.size()) {
    while (i < path.size() && path[i] == '/') ++i;
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    if (j > i) out.push_back(path.substr(i, j - i));
    i = j;
  }
  return out;
}

http::Response JsonResponse(int status, const Json& body) {
  http::Response r;
  r.status = status;
  r.SetHeader("Content-Type", "application/json");
  r.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);  // Host is user input
  return r;
}

}  // namespace

struct ApiApp::Impl {
  explicit Impl(const ApiDependencies& d) : deps(d), cors(*d.config) {}

  ApiDependencies deps;
  CorsGate cors;
  Services services;
  std::map<std::string, std::unique_ptr<Controller>, std::less<>> controllers;

  // GET / and GET /v1 depend only on the base URL: encoded once per base URL. The base
  // comes from the Host header (client input), so only the first kMaxCachedBases are kept.
  struct VersionDocs {
    std::string root;
    std::string v1;
  };
  static constexpr size_t kMaxCachedBases = 16;
  mutable std::shared_mutex docs_mu;
  mutable std::map<std::string, std::shared_ptr<const VersionDocs>, std::less<>> docs;

  std::shared_ptr<const VersionDocs> DocsFor(const std::string& base) const {
    {
      std::shared_lock lock(docs_mu);
      auto it = docs.find(base);
      if (it != docs.end()) return it->second;
    }
    auto made = std::make_shared<const VersionDocs>(
        VersionDocs{RootDocument(base).dump(-1, ' ', false, Json::error_handler_t::replace),
                    V1Document(base).dump(-1, ' ', false, Json::error_handler_t::replace)});
    std::unique_lock lock(docs_mu);
    if (docs.size() < kMaxCachedBases) docs.emplace(base, made);
    return made;
  }

  static http::Response CachedJson(const std::string& body) {
    http::Response r;
    r.status = 200;
    r.SetHeader("Content-Type", "application/json");
    r.body = body;
    return r;
  }

  std::string BaseUrl(const http::Request& req) const {
    if (!deps.config->api_public_endpoint.empty()) {
      std::string b = deps.config->api_public_endpoint;
      while (!b.empty() && b.back() == '/') b.pop_back();
      return b;
    }
    return RequestOrigin(req);
  }

  // "scheme://host[:port]" the request was addressed to.
  std::string RequestOrigin(const http::Request& req) const {
    std::string scheme = deps.config->api_enable_ssl ? "https" : "http";
    std::string host = req.Header("Host").value_or(deps.config->api_host + ":" +
                                                   std::to_string(deps.config->api_port));
    if (deps.config->enable_proxy_headers_parsing) {
      if (auto p = req.Header("X-Forwarded-Proto")) scheme = *p;
      if (auto h = req.Header("X-Forwarded-Host")) host = *h;
    }
    return scheme + "://" + host;
  }

  Json RootDocument(const std::string& base) const {
    return {{"name", "OpenStack Magnum API"},
            {"description",
             "Magnum is an OpenStack project which aims to provide container cluster "
             "management."},
            {"versions",
             Json::array({{{"id", "v1"},
                           {"status", "CURRENT"},
                           {"min_version", kMinVersion.ToString()},
                           {"max_version", kMaxVersion.ToString()},
                           {"links", Json::array({{{"href", base + "/v1/"}, {"rel", "self"}}})}}})}};
  }

  Json V1Document(const std::string& base) const {
    Json doc = {{"id", "v1"},
                {"media_types",
                 Json::array({{{"base", "application/json"},
                               {"type", "application/vnd.openstack.magnum.v1+json"}}})},
                {"links",
                 Json::array({{{"href", base + "/v1/"}, {"rel", "self"}},
                              {{"href",
                                "http://docs.openstack.org/developer/magnum/dev/api-spec-v1.html"},
                               {"rel", "describedby"},
                               {"type", "text/html"}}})}};
    for (const char* r : kResources) {
      std::string path = std::string(r) == "nodegroups" ? "clusters/{cluster_id}/nodegroups"
                                                        : std::string(r) + "/";
      doc[r] = Json::array({{{"href", base + "/v1/" + path}, {"rel", "self"}},
                            {{"href", base + "/" + path}, {"rel", "bookmark"}}});
    }
    return doc;
  }

  static void AddVersionHeaders(http::Response* r, const Version& v) {
    r->SetHeader("OpenStack-API-Minimum-Version",
                 std::string(kServiceTypeLong) + " " + kMinVersion.ToString());
    r->SetHeader("OpenStack-API-Maximum-Version",
                 std::string(kServiceTypeLong) + " " + kMaxVersion.ToString());
    r->SetHeader("OpenStack-API-Version", std::string(kServiceTypeLong) + " " + v.ToString());
    r->SetHeader("Vary", "OpenStack-API-Version");
  }

  // The gate (cross-origin refusal or preflight, body media type), then the route.
  http::Response Handle(const http::Request& request) {
    const std::string base = BaseUrl(request);
    // Without a public endpoint the base URL is the request's own origin already.
    const std::string own =
        deps.config->api_public_endpoint.empty() ? base : RequestOrigin(request);
    if (auto refused = cors.Check(request, own)) return std::move(*refused);
    http::Response response;
    if (auto media = CheckMediaType(request); !media) {
      response = ErrorToResponse(media.error());
    } else {
      response = Route(request, base);
    }
    cors.Decorate(request, own, &response);
    return response;
  }

  http::Response Route(const http::Request& request, const std::string& base) {
    std::vector<std::string> segs = SplitPath(request.path);
    if (!segs.empty() && segs[0] == "healthcheck" && segs.size() == 1) {
      if (request.method != "GET" && request.method != "HEAD") {
        return ErrorToResponse(Error::MethodNotAllowed(
            "The method " + request.method + " is not allowed for the resource /healthcheck."));
      }
      http::Response r;
      r.SetHeader("Content-Type", "text/plain");
      r.body = "OK";
      return r;
    }
    if (segs.empty() || (segs.size() == 1 && segs[0] == ".json")) {
      if (request.method != "GET" && request.method != "HEAD") {
        return ErrorToResponse(Error::MethodNotAllowed("The method " + request.method +
                                                       " is not allowed for the resource /."));
      }
      return CachedJson(DocsFor(base)->root);
    }
    if (segs[0] == "v1" || segs[0] == "v1.json") {
      segs.erase(segs.begin());
    }

    NegotiatedVersion nv = NegotiateVersion(request.Header("OpenStack-API-Version"));
    if (nv.error == VersionError::kOutOfRange) {
      Json body = {{"errors",
                    Json::array({{{"request_id", ""},
                                  {"code", "magnum.microversion-unsupported"},
                                  {"title", "Requested microversion is unsupported"},
                                  {"detail", nv.message},
                                  {"status", 406},
                                  {"min_version", kMinVersion.ToString()},
                                  {"max_version", kMaxVersion.ToString()},
                                  {"links",
                                   Json::array({{{"rel", "help"},
                                                 {"href",
                                                  "http://docs.openstack.org/api-guide/compute/"
                                                  "microversions.html"}}})}}})}};
      http::Response r = JsonResponse(406, body);
      r.SetHeader("OpenStack-API-Minimum-Version",
                  std::string(kServiceTypeLong) + " " + kMinVersion.ToString());
      r.SetHeader("OpenStack-API-Maximum-Version",
                  std::string(kServiceTypeLong) + " " + kMaxVersion.ToString());
      return r;
    }
    if (nv.error != VersionError::kNone) {
      return ErrorToResponse(Error::NotAcceptable(nv.message));
    }

    http::Response response;
    if (segs.empty()) {
      if (request.method != "GET" && request.method != "HEAD") {
        response = ErrorToResponse(Error::MethodNotAllowed(
            "The method " + request.method + " is not allowed for the resource /v1."));
      } else {
        response = CachedJson(DocsFor(base)->v1);
      }
      AddVersionHeaders(&response, nv.version);
      return response;
    }

    auto ctx = deps.auth->Authenticate(request);
    if (!ctx) {
      response = ErrorToResponse(ctx.error());
      if (ctx.error().code() == ErrorCode::kUnauthenticated) {
        response.SetHeader("WWW-Authenticate", deps.auth->WwwAuthenticate());
      }
      AddVersionHeaders(&response, nv.version);
      return response;
    }
    ApiRequest req;
    req.http = &request;
    req.ctx = std::move(*ctx);
    req.ctx.request_id = request.request_id;
    req.version = nv.version;
    req.base_url = base;
    req.policy = deps.policy;

    auto it = controllers.find(segs[0]);
    ApiResult result = Fail(Error::NotFound("The resource could not be found."));
    if (it != controllers.end()) {
      std::vector<std::string> rest(segs.begin() + 1, segs.end());
      try {
        result = it->second->Handle(req, rest);
      } catch (const std::exception& e) {
        spdlog::error("{} {} {}: unhandled exception: {}", request.request_id, request.method,
                      request.target, e.what());
        result = Fail(Error::Internal("An unexpected error prevented the server from fulfilling "
                                      "your request."));
      }
    }
    if (result) {
      response.status = result->status;
      response.headers = std::move(result->headers);
      if (result->body) {
        response.SetHeader("Content-Type", "application/json");
        response.body = result->body->dump(-1, ' ', false, Json::error_handler_t::replace);
      } else if (!result->raw_body.empty()) {
        response.SetHeader("Content-Type", "application/json");
        response.body = std::move(result->raw_body);
      }
    } else {
      const Error& e = result.error();
      if (e.Is(ErrorCode::kInternal) || e.Is(ErrorCode::kUnavailable)) {
        spdlog::error("{} {} {}: {}: {}", request.request_id, request.method, request.target,
                      ErrorCodeName(e.code()), e.message());
      }
      response = ErrorToResponse(e);
    }
    AddVersionHeaders(&response, nv.version);
    return response;
  }
};

ApiApp::ApiApp(const ApiDependencies& deps) : impl_(std::make_unique<Impl>(deps)) {
  impl_->services = Services{deps.config, deps.db,        deps.drivers,
                             deps.cloud,  deps.conductor, deps.clock};
  const Services& s = impl_->services;
  impl_->controllers["clustertemplates"] = NewClusterTemplatesController(s);
  impl_->controllers["clusters"] = NewClustersController(s);
  impl_->controllers["bays"] = NewBaysController(s);
  impl_->controllers["baymodels"] = NewBayModelsController(s);
  impl_->controllers["certificates"] = NewCertificatesController(s);
  impl_->controllers["credentials"] = NewCredentialsController(s);
  impl_->controllers["quotas"] = NewQuotasController(s);
  impl_->controllers["stats"] = NewStatsController(s);
  impl_->controllers["mservices"] = NewMServicesController(s);
  impl_->controllers["federations"] = NewFederationsController(s);
}

ApiApp::~ApiApp() = default;

http::Response ApiApp::Handle(const http::Request& request) { return impl_->Handle(request); }

http::Response ApiApp::RenderError(int status, const std::string& message) {
  http::Response r;
  r.status = status;
  r.SetHeader("Content-Type", "application/json");
  r.body = ErrorBody(status, message);
  return r;
}

}  // namespace magnum::api
