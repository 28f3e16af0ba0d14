#include "magnum/api/dashboard.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <vector>

#include "magnum/api/api_types.h"
#include "magnum/common/strings.h"
#include "magnum/config/config.h"

namespace magnum::api {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kPrefix = "/dashboard";
constexpr std::string_view kIndex = "index.html";
constexpr int64_t kMaxFileBytes = int64_t{64} << 20;

constexpr const char* kContentSecurityPolicy =
    "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; "
    "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";
// Embedded files other than HTML: the page asks again after this long (index.html, which
// names them, is always revalidated).
constexpr const char* kAssetCacheControl = "public, max-age=300";

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

// The extension of the last segment, lower case, without the dot ("" when none).
std::string Extension(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  size_t dot = name.rfind('.');
  if (dot == std::string_view::npos) return "";
  std::string ext(name.substr(dot + 1));
  for (char& c : ext) c = Lower(c);
  return ext;
}

bool IsHtml(std::string_view path) {
  std::string ext = Extension(path);
  return ext == "html" || ext == "htm";
}

// The items of a comma-separated header list, trimmed, empty ones left out.
std::vector<std::string_view> SplitList(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  while (true) {
    size_t at = s.find(sep);
    std::string_view item = TrimBlanks(s.substr(0, at));
    if (!item.empty()) out.push_back(item);
    if (at == std::string_view::npos) return out;
    s.remove_prefix(at + 1);
  }
}

// Accept-Encoding admits gzip (RFC 9110 12.5.3): "gzip" or "x-gzip" with q > 0, or "*" with
// q > 0 when gzip is not named.
bool AcceptsGzip(const http::Request& request) {
  auto header = request.Header("Accept-Encoding");
  if (!header) return false;
  std::optional<bool> named;
  bool star = false;
  for (std::string_view item : SplitList(*header, ',')) {
    std::vector<std::string_view> parts = SplitList(item, ';');
    if (parts.empty()) continue;
    double q = 1.0;
    for (size_t i = 1; i < parts.size(); ++i) {
      if (parts[i].size() >= 2 && Lower(parts[i][0]) == 'q' && parts[i][1] == '=') {
        std::string value(TrimBlanks(parts[i].substr(2)));
        char* end = nullptr;
        q = std::strtod(value.c_str(), &end);
        if (end == value.c_str()) q = 0;
      }
    }
    if (std::string coding = AsciiLower(parts[0]); coding == "gzip" || coding == "x-gzip") {
      named = named.value_or(false) || q > 0;
    } else if (parts[0] == "*") {
      star = star || q > 0;
    }
  }
  return named ? *named : star;
}

// If-None-Match names `etag` (weak comparison, RFC 9110 13.1.2) or is "*".
bool NoneMatchHits(const http::Request& request, std::string_view etag) {
  auto header = request.Header("If-None-Match");
  if (!header) return false;
  std::string_view rest = *header;
  while (true) {
    while (!rest.empty() && (rest.front() == ' ' || rest.front() == '\t' || rest.front() == ','))
      rest.remove_prefix(1);
    if (rest.empty()) return false;
    if (rest.front() == '*') return true;
    if (rest.size() >= 2 && rest[0] == 'W' && rest[1] == '/') rest.remove_prefix(2);
    std::string_view tag;
    if (!rest.empty() && rest.front() == '"') {
      size_t close = rest.find('"', 1);
      if (close == std::string_view::npos) return false;
      tag = rest.substr(0, close + 1);
      rest.remove_prefix(close + 1);
    } else {
      size_t comma = rest.find(',');
      tag = TrimBlanks(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma);
    }
    if (tag == etag) return true;
  }
}

void AddSecurityHeaders(http::Response* r) {
  r->SetHeader("Content-Security-Policy", kContentSecurityPolicy);
  r->SetHeader("X-Content-Type-Options", "nosniff");
  r->SetHeader("Referrer-Policy", "no-referrer");
}

http::Response NotFound() {
  http::Response r = ErrorToResponse(Error::NotFound("The resource could not be found."));
  AddSecurityHeaders(&r);
  return r;
}

// A path below /dashboard/ that can name a file: segments not empty, not "." or "..", not
// starting with '.' (no hidden files), no backslash. The last segment may be empty (a
// trailing slash: a client-side route).
bool SafeRelativePath(std::string_view rel) {
  size_t start = 0;
  while (true) {
    size_t slash = rel.find('/', start);
    std::string_view seg =
        rel.substr(start, slash == std::string_view::npos ? slash : slash - start);
    bool last = slash == std::string_view::npos;
    if (seg.empty()) {
      if (!last) return false;
    } else if (seg.front() == '.' || seg.find('\\') != std::string_view::npos ||
               seg.find('\0') != std::string_view::npos) {
      return false;
    }
    if (last) return true;
    start = slash + 1;
  }
}

std::string Hex64(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kDigits[v & 0xf];
  return out;
}

// ---------------------------------------------------------------- the built-in table

class EmbeddedFiles : public DashboardFiles {
 public:
  explicit EmbeddedFiles(std::span<const DashboardAsset> assets) {
    for (const DashboardAsset& a : assets) {
      auto f = std::make_shared<DashboardFile>();
      f->content_type = std::string(a.content_type);
      f->etag = std::string(a.etag);
      f->cache_control = IsHtml(a.path) ? "no-cache" : kAssetCacheControl;
      f->bytes = std::make_shared<const std::string>(a.bytes);
      if (!a.gzip.empty()) {
        f->gzip = std::make_shared<const std::string>(a.gzip);
        // Another representation, another strong tag: "<hash>-gzip".
        std::string tag = f->etag;
        if (tag.size() >= 2 && tag.back() == '"') tag.pop_back();
        f->gzip_etag = tag + "-gzip\"";
      }
      files_.emplace(std::string(a.path), std::move(f));
    }
  }

  std::shared_ptr<const DashboardFile> Find(std::string_view rel) const override {
    auto it = files_.find(rel);
    return it == files_.end() ? nullptr : it->second;
  }
  bool blocking() const override { return false; }

 private:
  std::map<std::string, std::shared_ptr<const DashboardFile>, std::less<>> files_;
};

// ---------------------------------------------------------------- a directory

class DirectoryFiles : public DashboardFiles {
 public:
  explicit DirectoryFiles(const std::string& directory) {
    std::error_code ec;
    root_ = fs::canonical(directory, ec);
    if (ec || !fs::is_directory(root_, ec)) {
      spdlog::warn("[api] dashboard_dir {}: {}: /dashboard/ answers 404", directory,
                   ec ? ec.message() : "not a directory");
      root_.clear();
    }
  }

  std::shared_ptr<const DashboardFile> Find(std::string_view rel) const override {
    if (root_.empty() || !SafeRelativePath(rel) || rel.empty() || rel.back() == '/') {
      return nullptr;
    }
    std::error_code ec;
    fs::path real = fs::canonical(root_ / fs::path(rel), ec);
    if (ec) return nullptr;
    // Inside the directory once every symlink is resolved: root_ is a prefix, segment-wise.
    auto [end_root, _] = std::mismatch(root_.begin(), root_.end(), real.begin(), real.end());
    if (end_root != root_.end() || real == root_) return nullptr;
    // O_NOFOLLOW: the last component must still be no symlink when opened; O_NONBLOCK: a
    // FIFO does not wait for a writer (and is refused below).
    int fd = ::open(real.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) return nullptr;
    std::unique_ptr<int, void (*)(int*)> closer(&fd, [](int* p) { ::close(*p); });
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > kMaxFileBytes) {
      return nullptr;
    }
    std::string bytes;
    bytes.resize(static_cast<size_t>(st.st_size));
    size_t got = 0;
    while (got < bytes.size()) {
      ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    bytes.resize(got);
    // FNV-1a 64 of the bytes: an ETag that changes when the file does.
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : bytes) {
      h ^= c;
      h *= 1099511628211ull;
    }
    auto f = std::make_shared<DashboardFile>();
    f->content_type = std::string(DashboardContentType(rel));
    f->etag = "\"dir-" + Hex64(h) + "-" + std::to_string(bytes.size()) + "\"";
    f->cache_control = "no-cache";
    f->bytes = std::make_shared<const std::string>(std::move(bytes));
    return f;
  }
  bool blocking() const override { return true; }

 private:
  fs::path root_;  // canonical; empty when the directory is unusable
};

}  // namespace

std::string_view DashboardContentType(std::string_view path) {
  static const std::map<std::string, std::string_view, std::less<>> kTypes = {
      {"html", "text/html; charset=utf-8"},
      {"htm", "text/html; charset=utf-8"},
      {"js", "text/javascript; charset=utf-8"},
      {"mjs", "text/javascript; charset=utf-8"},
      {"css", "text/css; charset=utf-8"},
      {"txt", "text/plain; charset=utf-8"},
      {"json", "application/json"},
      {"map", "application/json"},
      {"webmanifest", "application/manifest+json"},
      {"svg", "image/svg+xml"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"gif", "image/gif"},
      {"webp", "image/webp"},
      {"avif", "image/avif"},
      {"ico", "image/x-icon"},
      {"woff2", "font/woff2"},
      {"woff", "font/woff"},
      {"ttf", "font/ttf"},
      {"otf", "font/otf"},
      {"wasm", "application/wasm"},
  };
  auto it = kTypes.find(Extension(path));
  return it == kTypes.end() ? std::string_view("application/octet-stream") : it->second;
}

bool IsDashboardPath(std::string_view path) {
  return path.substr(0, kPrefix.size()) == kPrefix &&
         (path.size() == kPrefix.size() || path[kPrefix.size()] == '/');
}

std::unique_ptr<DashboardFiles> NewEmbeddedDashboardFiles(std::span<const DashboardAsset> assets) {
  return std::make_unique<EmbeddedFiles>(assets);
}

std::unique_ptr<DashboardFiles> NewDirectoryDashboardFiles(const std::string& directory) {
  return std::make_unique<DirectoryFiles>(directory);
}

Dashboard::Dashboard(std::unique_ptr<DashboardFiles> files) : files_(std::move(files)) {}
Dashboard::~Dashboard() = default;

std::unique_ptr<Dashboard> Dashboard::FromConfig(const config::Config& config) {
  if (!config.api_enable_dashboard) return nullptr;
  if (!config.api_dashboard_dir.empty()) {
    return std::make_unique<Dashboard>(NewDirectoryDashboardFiles(config.api_dashboard_dir));
  }
  return std::make_unique<Dashboard>(NewEmbeddedDashboardFiles(EmbeddedDashboardAssets()));
}

bool Dashboard::blocking() const { return files_->blocking(); }

http::Response Dashboard::Serve(const http::Request& request) const {
  if (!IsDashboardPath(request.path)) return NotFound();
  if (request.method != "GET" && request.method != "HEAD") {
    http::Response r = ErrorToResponse(Error::MethodNotAllowed(
        "The method " + request.method + " is not allowed for the resource /dashboard/."));
    r.SetHeader("Allow", "GET, HEAD");
    AddSecurityHeaders(&r);
    return r;
  }
  if (request.path.size() == kPrefix.size()) {
    http::Response r;
    r.status = 301;
    size_t q = request.target.find('?');
    r.SetHeader("Location", "/dashboard/" + (q == std::string::npos ? std::string()
                                                                    : request.target.substr(q)));
    AddSecurityHeaders(&r);
    return r;
  }
  std::string_view rel = std::string_view(request.path).substr(kPrefix.size() + 1);
  if (!SafeRelativePath(rel)) return NotFound();
  std::shared_ptr<const DashboardFile> file;
  size_t slash = rel.rfind('/');
  std::string_view last = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
  if (rel.empty()) {
    file = files_->Find(kIndex);
  } else if (!last.empty()) {
    file = files_->Find(rel);
  }
  // A client-side route (no extension): the page, which reads its location.
  if (!file && last.find('.') == std::string_view::npos) file = files_->Find(kIndex);
  if (!file) return NotFound();

  const bool gzip = file->gzip && AcceptsGzip(request);
  const std::string& etag = gzip ? file->gzip_etag : file->etag;
  http::Response r;
  r.SetHeader("ETag", etag);
  r.SetHeader("Cache-Control", file->cache_control);
  if (file->gzip) r.SetHeader("Vary", "Accept-Encoding");
  AddSecurityHeaders(&r);
  if (NoneMatchHits(request, etag)) {
    r.status = 304;
    return r;
  }
  r.status = 200;
  r.SetHeader("Content-Type", file->content_type);
  if (gzip) r.SetHeader("Content-Encoding", "gzip");
  // The bytes are shared with the file (and every other response), not copied.
  r.shared_body = gzip ? file->gzip : file->bytes;
  return r;
}

}  // namespace magnum::api
