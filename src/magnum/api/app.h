// The REST API v1 application: routing, microversions, auth, controllers.
//
// Turns an http::Request into an http::Response; thread-safe (called concurrently from
// the server's worker pool). Includes no heavy headers: magnumd and magnum-api wire it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "magnum/http/message.h"

namespace magnum {
class Clock;
namespace config {
struct Config;
}
namespace db {
class Database;
}
namespace auth {
class AuthStrategy;
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
namespace policy {
class Enforcer;
}
}  // namespace magnum

namespace magnum::api {

// The response cache's counters (api/response_cache.h).
struct ResponseCacheStats {
  size_t entries = 0;
  size_t bytes = 0;
  uint64_t hits = 0;   // fresh entries answered
  uint64_t stale = 0;  // entries found stale (a table they read changed)
  uint64_t stores = 0;
};

// What the API needs; every pointer must outlive the ApiApp. `conductor` may be null in
// a process that serves no cluster operations (then they answer 503).
struct ApiDependencies {
  const config::Config* config = nullptr;
  db::Database* db = nullptr;
  const auth::AuthStrategy* auth = nullptr;
  const drivers::DriverRegistry* drivers = nullptr;
  clients::CloudResources* cloud = nullptr;
  conductor::ConductorApi* conductor = nullptr;
  const Clock* clock = nullptr;
  // Decides the controllers' policy checks; null = the built-in default rules.
  const policy::Enforcer* policy = nullptr;
};

class ApiApp {
 public:
  explicit ApiApp(const ApiDependencies& deps);
  ~ApiApp();
  ApiApp(const ApiApp&) = delete;
  ApiApp& operator=(const ApiApp&) = delete;

  http::Response Handle(const http::Request& request);

  // For the HTTP server's worker threads: as Handle, but the body of a cached response is
  // shared (Response::shared_body) instead of copied.
  http::Response Serve(const http::Request& request);

  // For the HTTP server's io thread (http::ServerOptions::try_inline): the response when it
  // can be given without blocking (the version documents, the health check, a fresh entry
  // of the response cache with noauth over SQLite), else nullopt.
  std::optional<http::Response> TryInline(const http::Request& request);

  ResponseCacheStats cache_stats() const;

  // An error response in the API format, for errors the HTTP server produces itself.
  static http::Response RenderError(int status, const std::string& message);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace magnum::api
