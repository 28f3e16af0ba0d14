#include "magnum/api/app.h"

#include <spdlog/spdlog.h>

#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>

#include "magnum/api/api_types.h"
#include "magnum/api/controller.h"
#include "magnum/api/dashboard.h"
#include "magnum/api/dashboard_session.h"
#include "magnum/api/event_stream.h"
#include "magnum/api/policy.h"
#include "magnum/api/request_gate.h"
#include "magnum/api/response_cache.h"
#include "magnum/auth/auth.h"
#include "magnum/config/config.h"

namespace magnum::api {
namespace {

constexpr const char* kResources[] = {
    "clustertemplates", "clusters",   "quotas",      "certificates", "mservices", "stats",
    "federations",      "nodegroups", "credentials", "containers"};

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

// Collections whose GET answers depend only on the request, the caller and database rows
// (the response cache may keep them). Not: mservices (up/down from the clock),
// certificates and credentials.
bool CacheableCollection(const std::string& name) {
  static constexpr const char* kCacheable[] = {"clustertemplates", "baymodels", "clusters",
                                               "bays", "federations", "quotas"};
  for (const char* c : kCacheable) {
    if (name == c) return true;
  }
  return false;
}

// The response cache's bounds from [api] response_cache_size_mb (0: off).
size_t CacheBytes(const config::Config& c) {
  return static_cast<size_t>(std::max(0, c.api_response_cache_size_mb)) << 20;
}
size_t CacheEntries(const config::Config& c) {
  return std::max<size_t>(16, static_cast<size_t>(std::max(0, c.api_response_cache_size_mb)) * 256);
}

bool StartsWith(const std::string& s, std::string_view prefix) {
  return s.compare(0, prefix.size(), prefix) == 0;
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
  explicit Impl(const ApiDependencies& d)
      : deps(d),
        cors(*d.config),
        recording_db(NewRecordingDatabase(d.db)),
        cache(CacheBytes(*d.config), CacheEntries(*d.config)),
        // Inline answers need an authentication that never blocks and a local database.
        inline_cache(d.config->auth_strategy == "noauth" &&
                     StartsWith(d.config->DatabaseUrl(), "sqlite:")) {}

  // kInline: on the io thread; answer only what needs no blocking call, else nullopt.
  enum class Mode { kFull, kInline };

  ApiDependencies deps;
  CorsGate cors;
  // The controllers' database: notes which tables a request reads (response_cache.h).
  std::unique_ptr<db::Database> recording_db;
  ResponseCache cache;
  const bool inline_cache;
  Services services;
  std::map<std::string, std::unique_ptr<Controller>, std::less<>> controllers;
  // GET /v1/clusters/{ident}/events as text/event-stream (event_stream.h); set by ApiApp.
  std::unique_ptr<EventStreams> event_streams;
  // The web dashboard's files under /dashboard/ (null: [api] enable_dashboard = false).
  const std::unique_ptr<Dashboard> dashboard = Dashboard::FromConfig(*deps.config);
  // POST|DELETE /dashboard/session: Keystone sign-in for the dashboard (null: no dashboard
  // or not auth_strategy = keystone).
  const std::unique_ptr<DashboardSession> session =
      dashboard ? DashboardSession::FromConfig(*deps.config, deps.auth) : nullptr;

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

  // A version document's body, shared with the cached documents (not copied).
  static http::Response CachedJson(const std::shared_ptr<const VersionDocs>& docs,
                                   const std::string& body) {
    http::Response r;
    r.status = 200;
    r.SetHeader("Content-Type", "application/json");
    r.shared_body = std::shared_ptr<const std::string>(docs, &body);
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
  // kFull always answers; kInline answers only what it can without blocking.
  std::optional<http::Response> Handle(const http::Request& request, Mode mode) {
    if (mode == Mode::kInline &&
        ((request.method != "GET" && request.method != "HEAD") || !request.body.empty() ||
         request.headers.count("Origin") != 0)) {
      return std::nullopt;  // the gate below has nothing to do for these
    }
    const std::string base = BaseUrl(request);
    // Without a public endpoint the base URL is the request's own origin already.
    const std::string own =
        deps.config->api_public_endpoint.empty() ? base : RequestOrigin(request);
    if (auto refused = cors.Check(request, own)) return std::move(*refused);
    std::optional<http::Response> response;
    if (auto media = CheckMediaType(request); !media) {
      response = ErrorToResponse(media.error());
    } else {
      response = Route(request, base, mode);
    }
    if (response) cors.Decorate(request, own, &*response);
    return response;
  }

  // A fresh cached answer under `key`, or nullopt. `now` receives the generations read
  // (when the lookup read them), for storing a new entry.
  std::optional<http::Response> CacheLookup(const std::string& key,
                                            std::optional<Generations>* now) {
    auto entry = cache.Find(key);
    if (!entry) return std::nullopt;
    // Read into this thread's buffer, whose names keep their storage from the last hit.
    thread_local Generations t_generations;
    if (!ReadGenerations(*deps.db, &t_generations)) return std::nullopt;
    if (!ResponseCache::Fresh(*entry, t_generations)) {
      *now = t_generations;
      cache.CountStale();
      cache.Erase(key, entry);
      return std::nullopt;
    }
    cache.CountHit();
    return ResponseCache::ToResponse(*entry);
  }

  // Keeps the 200 answer `r` to a cacheable GET under `key`, depending on the tables the
  // controller read (`reads`) at their generations read before it ran (`before`). The body
  // moves into the entry and `r` shares it.
  void Store(const std::string& key, const Generations& before, const ReadSet& reads,
             http::Response* r) {
    if (r->status != 200 || reads.wrote) return;
    auto entry = std::make_shared<ResponseCache::Entry>();
    for (const auto& table : reads.tables) {
      auto it = std::find_if(before.begin(), before.end(),
                             [&](const auto& g) { return g.first == table; });
      if (it == before.end()) return;  // a table without a generation: not cached
      entry->depends_on.push_back(*it);
    }
    std::sort(entry->depends_on.begin(), entry->depends_on.end());
    entry->status = r->status;
    entry->headers = r->headers;
    auto body = std::make_shared<const std::string>(std::move(r->body));
    r->body.clear();
    r->shared_body = body;
    entry->body = std::move(body);
    cache.Put(key, std::move(entry));
  }

  // A controller's result as the HTTP response (with the version headers).
  http::Response ToHttp(ApiResponse result, const NegotiatedVersion& nv) {
    http::Response response;
    response.status = result.status;
    response.headers = std::move(result.headers);
    if (result.body) {
      response.SetHeader("Content-Type", "application/json");
      response.body = result.body->dump(-1, ' ', false, Json::error_handler_t::replace);
    } else if (!result.raw_body.empty()) {
      response.SetHeader("Content-Type", "application/json");
      response.body = std::move(result.raw_body);
    }
    AddVersionHeaders(&response, nv.version);
    return response;
  }

  std::optional<http::Response> Route(const http::Request& request, const std::string& base,
                                      Mode mode) {
    if (dashboard && IsDashboardPath(request.path)) {  // public files: no authentication
      if (request.path == kDashboardSessionPath && request.method != "GET" &&
          request.method != "HEAD") {  // blocking: Keystone
        if (mode == Mode::kInline) return std::nullopt;
        if (!session) return ErrorToResponse(Error::NotFound("The resource could not be found."));
        return session->Handle(request);
      }
      if (mode == Mode::kInline && dashboard->blocking()) return std::nullopt;
      return dashboard->Serve(request);
    }
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
      auto docs = DocsFor(base);
      return CachedJson(docs, docs->root);
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
        auto docs = DocsFor(base);
        response = CachedJson(docs, docs->v1);
      }
      AddVersionHeaders(&response, nv.version);
      return response;
    }

    // The events extension's stream: never cached, never inline.
    const bool event_stream = segs.size() == 3 && segs[0] == "clusters" && segs[2] == "events" &&
                              request.method == "GET" && AcceptsEventStream(request);
    const bool cacheable = !event_stream && cache.enabled() &&
                           (request.method == "GET" || request.method == "HEAD") &&
                           request.body.empty() && request.headers.count("Origin") == 0 &&
                           CacheableCollection(segs[0]);
    if (mode == Mode::kInline && (!cacheable || !inline_cache)) return std::nullopt;

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

    if (event_stream) {
      auto opened = event_streams->Open(req, segs[1]);
      response = opened ? std::move(*opened) : ErrorToResponse(opened.error());
      AddVersionHeaders(&response, nv.version);
      return response;
    }

    std::string key;
    std::optional<Generations> generations;
    if (cacheable) {
      key = ResponseCacheKey(request, nv.version.ToString(), base, req.ctx);
      if (auto hit = CacheLookup(key, &generations)) return hit;
      if (mode == Mode::kInline) return std::nullopt;
    }

    auto it = controllers.find(segs[0]);
    ReadSet reads;
    ApiResult result = Fail(Error::NotFound("The resource could not be found."));
    if (it != controllers.end()) {
      std::vector<std::string> rest(segs.begin() + 1, segs.end());
      try {
        if (cacheable) {
          // The generations before the controller reads anything: a write committed after
          // this read makes the entry stale, never fresh.
          if (!generations) {
            if (auto g = ReadGenerations(*deps.db)) generations = std::move(*g);
          }
          ScopedReadRecording recording(&reads);
          result = it->second->Handle(req, rest);
        } else {
          result = it->second->Handle(req, rest);
        }
      } catch (const std::exception& e) {
        spdlog::error("{} {} {}: unhandled exception: {}", request.request_id, request.method,
                      request.target, e.what());
        result = Fail(Error::Internal("An unexpected error prevented the server from fulfilling "
                                      "your request."));
      }
    }
    if (result) {
      http::Response ok = ToHttp(std::move(*result), nv);
      if (cacheable && generations) Store(key, *generations, reads, &ok);
      return ok;
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
  impl_->services = Services{deps.config, impl_->recording_db.get(), deps.drivers,
                             deps.cloud,  deps.conductor,            deps.clock};
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
  impl_->controllers["containers"] = NewContainersController(s);
  impl_->event_streams = std::make_unique<EventStreams>(&impl_->services);
}

ApiApp::~ApiApp() = default;

http::Response ApiApp::Handle(const http::Request& request) {
  http::Response r = Serve(request);
  if (r.shared_body) {
    r.body = *r.shared_body;
    r.shared_body.reset();
  }
  return r;
}

http::Response ApiApp::Serve(const http::Request& request) {
  return *impl_->Handle(request, Impl::Mode::kFull);
}

std::optional<http::Response> ApiApp::TryInline(const http::Request& request) {
  return impl_->Handle(request, Impl::Mode::kInline);
}

ResponseCacheStats ApiApp::cache_stats() const { return impl_->cache.stats(); }

http::Response ApiApp::RenderError(int status, const std::string& message) {
  http::Response r;
  r.status = status;
  r.SetHeader("Content-Type", "application/json");
  r.body = ErrorBody(status, message);
  return r;
}

}  // namespace magnum::api
