// The web dashboard's static files, served by the API under /dashboard/ (issue 14; the
// page itself lives in dashboard/ at the top of the tree).
//
// The files of dashboard/ are built into the binaries: scripts/embed-dashboard.cmake turns
// them into a table (EmbeddedDashboardAssets(), a generated file only dashboard.cc's users
// link, never include). [api] dashboard_dir serves a directory read at request time
// instead (front-end development). Routes (Dashboard::Serve):
//
//   GET|HEAD /dashboard          301 to /dashboard/ (the query kept)
//   GET|HEAD /dashboard/         index.html
//   GET|HEAD /dashboard/<path>   that file; when there is none and the last segment holds no
//                                '.', index.html (a client-side route); else 404
//   any other method             405 with Allow: GET, HEAD
//
// Errors are in the API's error format. Every answer carries the security headers (a
// Content-Security-Policy allowing only same-origin resources, nosniff, no referrer).
// Assets are public: no authentication (the API calls the page makes are authenticated).
// Thread-safe: immutable after construction.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "magnum/http/message.h"

namespace magnum::config {
struct Config;
}

namespace magnum::api {

// One file as the build embeds it. Views of static storage.
struct DashboardAsset {
  std::string_view path;          // relative to dashboard/: "index.html", "js/app.js"
  std::string_view content_type;  // "text/javascript; charset=utf-8"
  std::string_view bytes;
  std::string_view gzip;  // the bytes gzip-compressed when that is smaller, else empty
  std::string_view etag;  // strong, quoted: "\"<32 hex digits of SHA-256>\""
};

// The files of dashboard/ at build time (generated: build/generated/dashboard_assets.cc).
std::span<const DashboardAsset> EmbeddedDashboardAssets();

// The Content-Type served for a file name, by its extension (text types with
// "; charset=utf-8"); "application/octet-stream" for unknown extensions.
std::string_view DashboardContentType(std::string_view path);

// True for "/dashboard" and every path under "/dashboard/" (a decoded request path).
bool IsDashboardPath(std::string_view path);

// One servable file.
struct DashboardFile {
  std::string content_type;
  std::string etag;       // strong, quoted, of `bytes`
  std::string gzip_etag;  // of the gzip representation (when `gzip` is set)
  std::string cache_control;
  std::shared_ptr<const std::string> bytes;  // never null
  std::shared_ptr<const std::string> gzip;   // null: no compressed form
};

// Where the dashboard's files come from.
class DashboardFiles {
 public:
  virtual ~DashboardFiles() = default;
  // The file at `rel` (segments separated by '/', none empty, "." or "..", none starting
  // with '.': the caller checks), or null when there is none.
  virtual std::shared_ptr<const DashboardFile> Find(std::string_view rel) const = 0;
  // True when Find reads the file system (not for the HTTP server's io thread).
  virtual bool blocking() const = 0;
};

// A table (EmbeddedDashboardAssets(), or a test's), copied at construction. index.html
// and other .html files get Cache-Control no-cache, the rest a short max-age.
std::unique_ptr<DashboardFiles> NewEmbeddedDashboardFiles(std::span<const DashboardAsset> assets);

// The files under `directory`, read at each request; paths whose real location (symlinks
// resolved) is outside the directory are not found. Cache-Control no-cache, no gzip, ETag
// from a hash of the bytes. Files above 64 MiB are not served.
std::unique_ptr<DashboardFiles> NewDirectoryDashboardFiles(const std::string& directory);

class Dashboard {
 public:
  explicit Dashboard(std::unique_ptr<DashboardFiles> files);
  ~Dashboard();
  Dashboard(const Dashboard&) = delete;
  Dashboard& operator=(const Dashboard&) = delete;

  // What [api] enable_dashboard and dashboard_dir ask for: null when disabled; the files of
  // dashboard_dir when set, else the built-in ones.
  static std::unique_ptr<Dashboard> FromConfig(const config::Config& config);

  // The answer to a request whose path IsDashboardPath (others: 404).
  http::Response Serve(const http::Request& request) const;

  // True when Serve may block (reads files): the io thread must hand the request on.
  bool blocking() const;

 private:
  std::unique_ptr<DashboardFiles> files_;
};

}  // namespace magnum::api
