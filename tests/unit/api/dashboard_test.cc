// The dashboard's static files (api/dashboard.h): routing, headers, conditional requests,
// gzip negotiation, traversal attempts, [api] enable_dashboard and dashboard_dir, the
// built-in table; and through ApiApp: no authentication, the option off, the inline path.
#include "magnum/api/dashboard.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "magnum/config/config.h"
#include "testing/temp_dir.h"
#include "unit/api/api_app_fixture.h"

namespace magnum::api {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kIndexHtml =
    "<!doctype html><title>t</title><script src=/dashboard/app.js></script>";
constexpr std::string_view kAppJs = "console.log('app'); // long enough to be worth compressing";
constexpr std::string_view kAppJsGzip = "\x1f\x8b pretend-gzip";
constexpr std::string_view kPng = std::string_view("\x89PNG\r\n\x1a\n\0\0", 10);
constexpr std::string_view kCss = "body{color:#000}";

const DashboardAsset kTable[] = {
    {"index.html", "text/html; charset=utf-8", kIndexHtml, "", "\"index-tag\""},
    {"app.js", "text/javascript; charset=utf-8", kAppJs, kAppJsGzip, "\"app-tag\""},
    {"img/logo.png", "image/png", kPng, "", "\"png-tag\""},
    {"css/site.css", "text/css; charset=utf-8", kCss, "", "\"css-tag\""},
};

http::Request Get(const std::string& target, http::Headers headers = {},
                  const std::string& method = "GET") {
  http::Request r;
  r.method = method;
  r.target = target;
  EXPECT_TRUE(http::ParseTarget(target, &r.path, &r.query)) << target;
  r.headers = std::move(headers);
  r.request_id = "req-test";
  return r;
}

std::string Header(const http::Response& r, const std::string& name) {
  auto it = r.headers.find(name);
  return it == r.headers.end() ? "<none>" : it->second;
}

std::string Body(const http::Response& r) { return std::string(r.BodyView()); }

void ExpectSecurityHeaders(const http::Response& r) {
  EXPECT_EQ(Header(r, "Content-Security-Policy"),
            "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; "
            "script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'");
  EXPECT_EQ(Header(r, "X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(Header(r, "Referrer-Policy"), "no-referrer");
}

// A 404 or 405 in the API's error format.
void ExpectApiError(const http::Response& r, int status) {
  EXPECT_EQ(r.status, status) << Body(r);
  EXPECT_EQ(Header(r, "Content-Type"), "application/json");
  auto body = nlohmann::json::parse(Body(r), nullptr, false);
  ASSERT_TRUE(body.is_object()) << Body(r);
  ASSERT_TRUE(body["errors"].is_array());
  EXPECT_EQ(body["errors"][0]["status"], status);
}

class DashboardTest : public ::testing::Test {
 protected:
  Dashboard dashboard_{NewEmbeddedDashboardFiles(kTable)};
};

TEST(DashboardPathTest, OwnsOnlyTheDashboardPrefix) {
  EXPECT_TRUE(IsDashboardPath("/dashboard"));
  EXPECT_TRUE(IsDashboardPath("/dashboard/"));
  EXPECT_TRUE(IsDashboardPath("/dashboard/a/b.js"));
  EXPECT_FALSE(IsDashboardPath("/dashboards"));
  EXPECT_FALSE(IsDashboardPath("/dashboard.html"));
  EXPECT_FALSE(IsDashboardPath("/v1/dashboard"));
  EXPECT_FALSE(IsDashboardPath("//dashboard/"));
  EXPECT_FALSE(IsDashboardPath("/Dashboard/"));
  EXPECT_FALSE(IsDashboardPath(""));
}

TEST(DashboardPathTest, ContentTypesByExtension) {
  const std::pair<const char*, const char*> cases[] = {
      {"index.html", "text/html; charset=utf-8"},
      {"a/B.HTM", "text/html; charset=utf-8"},
      {"app.js", "text/javascript; charset=utf-8"},
      {"m.mjs", "text/javascript; charset=utf-8"},
      {"s.css", "text/css; charset=utf-8"},
      {"x.svg", "image/svg+xml"},
      {"x.png", "image/png"},
      {"x.jpeg", "image/jpeg"},
      {"f.woff2", "font/woff2"},
      {"d.json", "application/json"},
      {"LICENSE", "application/octet-stream"},
      {"x.tar.gz", "application/octet-stream"},
      {"dir.js/file", "application/octet-stream"},
  };
  for (const auto& [path, type] : cases) EXPECT_EQ(DashboardContentType(path), type) << path;
}

TEST_F(DashboardTest, BareDashboardRedirectsKeepingTheQuery) {
  http::Response r = dashboard_.Serve(Get("/dashboard"));
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(Header(r, "Location"), "/dashboard/");
  EXPECT_TRUE(Body(r).empty());
  ExpectSecurityHeaders(r);
  r = dashboard_.Serve(Get("/dashboard?project=p1&x=%2F"));
  EXPECT_EQ(r.status, 301);
  EXPECT_EQ(Header(r, "Location"), "/dashboard/?project=p1&x=%2F");
  r = dashboard_.Serve(Get("/dashboard", {}, "HEAD"));
  EXPECT_EQ(r.status, 301);
}

TEST_F(DashboardTest, RootAndIndexServeTheIndexUncached) {
  for (const char* target : {"/dashboard/", "/dashboard/index.html", "/dashboard/?x=1"}) {
    SCOPED_TRACE(target);
    http::Response r = dashboard_.Serve(Get(target));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(Body(r), kIndexHtml);
    EXPECT_EQ(Header(r, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(Header(r, "Cache-Control"), "no-cache");
    EXPECT_EQ(Header(r, "ETag"), "\"index-tag\"");
    EXPECT_EQ(Header(r, "Content-Encoding"), "<none>");
    EXPECT_EQ(Header(r, "Vary"), "<none>");  // no compressed form: nothing varies
    ExpectSecurityHeaders(r);
  }
}

TEST_F(DashboardTest, AssetsHaveTheirTypesAndAShortMaxAge) {
  struct Case {
    const char* target;
    std::string_view body;
    const char* type;
  };
  const Case cases[] = {
      {"/dashboard/app.js", kAppJs, "text/javascript; charset=utf-8"},
      {"/dashboard/img/logo.png", kPng, "image/png"},
      {"/dashboard/css/site.css", kCss, "text/css; charset=utf-8"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.target);
    http::Response r = dashboard_.Serve(Get(c.target));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(Body(r), c.body);
    EXPECT_EQ(Header(r, "Content-Type"), c.type);
    EXPECT_EQ(Header(r, "Cache-Control"), "public, max-age=300");
    ExpectSecurityHeaders(r);
  }
}

TEST_F(DashboardTest, GzipOnlyWhenAccepted) {
  struct Case {
    const char* accept;  // null: no header
    bool gzip;
  };
  const Case cases[] = {
      {nullptr, false},
      {"gzip", true},
      {"gzip, deflate, br", true},
      {"br;q=1.0, gzip;q=0.8", true},
      {"GZIP", true},
      {"x-gzip", true},
      {"*", true},
      {"", false},
      {"identity", false},
      {"br", false},
      {"gzip;q=0", false},
      {"gzip; q=0.000", false},
      {"*;q=0", false},
      {"*, gzip;q=0", false},
      {"gzip;q=0, *", false},
      {"gzipx", false},
      {"deflate, gzip ; q=0.5", true},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.accept ? c.accept : "(none)");
    http::Headers h;
    if (c.accept) h["Accept-Encoding"] = c.accept;
    http::Response r = dashboard_.Serve(Get("/dashboard/app.js", h));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(Header(r, "Vary"), "Accept-Encoding");
    EXPECT_EQ(Header(r, "Content-Type"), "text/javascript; charset=utf-8");
    if (c.gzip) {
      EXPECT_EQ(Body(r), kAppJsGzip);
      EXPECT_EQ(Header(r, "Content-Encoding"), "gzip");
      EXPECT_EQ(Header(r, "ETag"), "\"app-tag-gzip\"");
    } else {
      EXPECT_EQ(Body(r), kAppJs);
      EXPECT_EQ(Header(r, "Content-Encoding"), "<none>");
      EXPECT_EQ(Header(r, "ETag"), "\"app-tag\"");
    }
  }
  // A file without a compressed form is sent as it is.
  http::Response r =
      dashboard_.Serve(Get("/dashboard/css/site.css", {{"Accept-Encoding", "gzip"}}));
  EXPECT_EQ(Body(r), kCss);
  EXPECT_EQ(Header(r, "Content-Encoding"), "<none>");
}

TEST_F(DashboardTest, IfNoneMatchAnswers304ForTheSelectedRepresentation) {
  struct Case {
    const char* if_none_match;
    const char* accept;
    int status;
  };
  const Case cases[] = {
      {"\"app-tag\"", nullptr, 304},
      {"W/\"app-tag\"", nullptr, 304},
      {"\"other\", \"app-tag\"", nullptr, 304},
      {"\"other\",W/\"app-tag\"", nullptr, 304},
      {"*", nullptr, 304},
      {"\"app-tag-gzip\"", "gzip", 304},
      {"\"app-tag\"", "gzip", 200},  // the identity tag: not the gzip representation's
      {"\"app-tag-gzip\"", nullptr, 200},
      {"\"other\"", nullptr, 200},
      {"app-tag", nullptr, 200},    // unquoted: not the same tag
      {"\"app-tag", nullptr, 200},  // unterminated
      {"", nullptr, 200},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.if_none_match);
    http::Headers h{{"If-None-Match", c.if_none_match}};
    if (c.accept) h["Accept-Encoding"] = c.accept;
    http::Response r = dashboard_.Serve(Get("/dashboard/app.js", h));
    EXPECT_EQ(r.status, c.status);
    ExpectSecurityHeaders(r);
    EXPECT_EQ(Header(r, "Vary"), "Accept-Encoding");
    EXPECT_EQ(Header(r, "Cache-Control"), "public, max-age=300");
    EXPECT_EQ(Header(r, "ETag"), c.accept ? "\"app-tag-gzip\"" : "\"app-tag\"");
    if (c.status == 304) {
      EXPECT_TRUE(Body(r).empty());
      EXPECT_EQ(Header(r, "Content-Type"), "<none>");
      EXPECT_EQ(Header(r, "Content-Encoding"), "<none>");
    } else {
      EXPECT_FALSE(Body(r).empty());
    }
  }
  // The index too (its ETag is how a page learns it changed).
  http::Response r = dashboard_.Serve(Get("/dashboard/", {{"If-None-Match", "\"index-tag\""}}));
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(Header(r, "Cache-Control"), "no-cache");
}

TEST_F(DashboardTest, ClientSideRoutesGetTheIndexOtherUnknownPaths404) {
  for (const char* target : {"/dashboard/clusters", "/dashboard/clusters/",
                             "/dashboard/clusters/c1", "/dashboard/clusters/4b1c-9a/events",
                             "/dashboard/img", "/dashboard/img/", "/dashboard/index.html/"}) {
    SCOPED_TRACE(target);
    http::Response r = dashboard_.Serve(Get(target));
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(Body(r), kIndexHtml);
    EXPECT_EQ(Header(r, "Cache-Control"), "no-cache");
  }
  for (const char* target : {"/dashboard/missing.js", "/dashboard/img/missing.png",
                             "/dashboard/clusters/c1.json", "/dashboard/app.js.map"}) {
    SCOPED_TRACE(target);
    http::Response r = dashboard_.Serve(Get(target));
    ExpectApiError(r, 404);
    ExpectSecurityHeaders(r);
  }
}

TEST_F(DashboardTest, OtherMethodsAre405WithAllow) {
  for (const char* method : {"POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
    for (const char* target : {"/dashboard", "/dashboard/", "/dashboard/app.js", "/dashboard/x"}) {
      SCOPED_TRACE(std::string(method) + " " + target);
      http::Response r = dashboard_.Serve(Get(target, {}, method));
      ExpectApiError(r, 405);
      EXPECT_EQ(Header(r, "Allow"), "GET, HEAD");
    }
  }
  http::Response r = dashboard_.Serve(Get("/dashboard/app.js", {}, "HEAD"));
  EXPECT_EQ(r.status, 200);  // the server sends no body to a HEAD
  EXPECT_EQ(Header(r, "Content-Type"), "text/javascript; charset=utf-8");
}

// Targets as a client sends them (percent-encoded); decoded by http::ParseTarget as the
// server does. None may reach a file but by its own name.
TEST_F(DashboardTest, TraversalAndOddEncodingsFindNothing) {
  const char* refused[] = {
      "/dashboard/..",
      "/dashboard/../",
      "/dashboard/../index.html",
      "/dashboard/../../etc/passwd",
      "/dashboard/%2e%2e/%2e%2e/etc/passwd",
      "/dashboard/..%2f..%2fetc%2fpasswd",
      "/dashboard/%2E%2E%2Findex.html",
      "/dashboard/img/../app.js",
      "/dashboard/./index.html",
      "/dashboard/./",
      "/dashboard/.",
      "/dashboard//index.html",
      "/dashboard/img//logo.png",
      "/dashboard/.hidden",
      "/dashboard/.git/config",
      "/dashboard/img/.logo.png",
      "/dashboard/..\\app.js",
      "/dashboard/img%5c..%5c..%5capp.js",
      "/dashboard/%c0%ae%c0%ae/app.js",  // overlong '.': ParseTarget refuses it
  };
  int parsed = 0;
  for (const char* target : refused) {
    SCOPED_TRACE(target);
    http::Request req;
    req.method = "GET";
    req.target = target;
    if (!http::ParseTarget(target, &req.path, &req.query)) continue;  // the server's 400
    ++parsed;
    http::Response r = dashboard_.Serve(req);
    ExpectApiError(r, 404);
  }
  EXPECT_GE(parsed, 16);  // only the invalid encodings stop at the parser
  // Encoded ordinary characters are the same names.
  http::Response r = dashboard_.Serve(Get("/dashboard/%61pp.js"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r), kAppJs);
  // A NUL never becomes a path.
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  EXPECT_FALSE(http::ParseTarget("/dashboard/index.html%00.png", &path, &query));
  // Not a dashboard path at all.
  EXPECT_EQ(dashboard_.Serve(Get("/dashboardx/index.html")).status, 404);
}

TEST(DashboardEmptyTest, NoIndexMeans404Everywhere) {
  Dashboard d(NewEmbeddedDashboardFiles({}));
  ExpectApiError(d.Serve(Get("/dashboard/")), 404);
  ExpectApiError(d.Serve(Get("/dashboard/clusters")), 404);
  EXPECT_EQ(d.Serve(Get("/dashboard")).status, 301);
  EXPECT_FALSE(d.blocking());
}

// The table the build made of dashboard/ (scripts/embed-dashboard.cmake).
TEST(DashboardEmbeddedTest, TableIsConsistent) {
  std::span<const DashboardAsset> table = EmbeddedDashboardAssets();
  bool index = false;
  for (const DashboardAsset& a : table) {
    SCOPED_TRACE(std::string(a.path));
    index = index || a.path == "index.html";
    EXPECT_EQ(a.content_type, DashboardContentType(a.path));
    EXPECT_FALSE(a.path.empty());
    EXPECT_NE(a.path.front(), '.');
    EXPECT_EQ(a.path.find("/."), std::string_view::npos);
    ASSERT_EQ(a.etag.size(), 34u);
    EXPECT_EQ(a.etag.front(), '"');
    EXPECT_EQ(a.etag.back(), '"');
    EXPECT_EQ(a.etag.find_first_not_of("0123456789abcdef", 1), 33u);
    if (!a.gzip.empty()) {
      EXPECT_LT(a.gzip.size(), a.bytes.size());
      ASSERT_GE(a.gzip.size(), 18u);
      EXPECT_EQ(a.gzip.substr(0, 3), std::string_view("\x1f\x8b\x08", 3));  // gzip, deflate
      EXPECT_EQ(a.gzip.substr(4, 4), std::string_view("\0\0\0\0", 4));      // no mtime
      // The trailer's ISIZE is the uncompressed length (mod 2^32).
      auto b = [&](size_t i) {
        return static_cast<uint32_t>(static_cast<unsigned char>(a.gzip[i]));
      };
      size_t n = a.gzip.size();
      uint32_t isize = b(n - 4) | b(n - 3) << 8 | b(n - 2) << 16 | b(n - 1) << 24;
      EXPECT_EQ(isize, static_cast<uint32_t>(a.bytes.size()));
    }
  }
  EXPECT_TRUE(index) << "dashboard/index.html is not in the built-in table";
  // Served as they are.
  Dashboard d(NewEmbeddedDashboardFiles(table));
  for (const DashboardAsset& a : table) {
    http::Response r = d.Serve(Get("/dashboard/" + std::string(a.path)));
    EXPECT_EQ(r.status, 200) << a.path;
    EXPECT_EQ(Body(r), a.bytes) << a.path;
    EXPECT_EQ(Header(r, "ETag"), a.etag) << a.path;
  }
}

// ---------------------------------------------------------------- dashboard_dir

class DashboardDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = dir_.File("site");
    fs::create_directories(root_ + "/js");
    Write(root_ + "/index.html", "<!doctype html>dev");
    Write(root_ + "/js/app.js", "let x = 1;");
    Write(root_ + "/.env", "SECRET=1");
    Write(dir_.File("secret.txt"), "outside");
    fs::create_directories(dir_.File("outdir"));
    Write(dir_.File("outdir/secret.txt"), "outside too");
    fs::create_directory_symlink(dir_.File("outdir"), root_ + "/outlink");
    fs::create_symlink(dir_.File("secret.txt"), root_ + "/secret.txt");
    fs::create_symlink(root_ + "/js/app.js", root_ + "/alias.js");  // stays inside
    fs::create_symlink("../secret.txt", root_ + "/js/up.txt");
    // A sibling whose name starts with the root's: a prefix test on strings would pass it.
    fs::create_directories(dir_.File("site2"));
    Write(dir_.File("site2/x.js"), "sibling");
    fs::create_symlink(dir_.File("site2/x.js"), root_ + "/sib.js");
  }

  static void Write(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
  }

  testing_util::TempDir dir_;
  std::string root_;
};

TEST_F(DashboardDirTest, ServesTheDirectoryReadPerRequest) {
  Dashboard d(NewDirectoryDashboardFiles(root_));
  EXPECT_TRUE(d.blocking());
  http::Response r = d.Serve(Get("/dashboard/", {{"Accept-Encoding", "gzip"}}));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r), "<!doctype html>dev");
  EXPECT_EQ(Header(r, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(Header(r, "Cache-Control"), "no-cache");
  EXPECT_EQ(Header(r, "Content-Encoding"), "<none>");
  ExpectSecurityHeaders(r);
  const std::string etag = Header(r, "ETag");
  ASSERT_NE(etag, "<none>");
  EXPECT_EQ(d.Serve(Get("/dashboard/", {{"If-None-Match", etag}})).status, 304);

  r = d.Serve(Get("/dashboard/js/app.js"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r), "let x = 1;");
  EXPECT_EQ(Header(r, "Content-Type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(Header(r, "Cache-Control"), "no-cache");
  EXPECT_EQ(Body(d.Serve(Get("/dashboard/alias.js"))), "let x = 1;");  // a symlink inside
  EXPECT_EQ(Body(d.Serve(Get("/dashboard/clusters/c1"))), "<!doctype html>dev");

  // An edit shows at the next request, with another ETag.
  Write(root_ + "/index.html", "<!doctype html>dev, edited");
  r = d.Serve(Get("/dashboard/", {{"If-None-Match", etag}}));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r), "<!doctype html>dev, edited");
  EXPECT_NE(Header(r, "ETag"), etag);
  // A new file too.
  Write(root_ + "/js/new.js", "new");
  EXPECT_EQ(Body(d.Serve(Get("/dashboard/js/new.js"))), "new");
}

TEST_F(DashboardDirTest, NothingOutsideTheDirectory) {
  Dashboard d(NewDirectoryDashboardFiles(root_));
  for (const char* target :
       {"/dashboard/secret.txt", "/dashboard/outlink/secret.txt", "/dashboard/js/up.txt",
        "/dashboard/sib.js", "/dashboard/.env", "/dashboard/../secret.txt",
        "/dashboard/%2e%2e/secret.txt", "/dashboard/js/..%2f..%2fsecret.txt",
        "/dashboard/missing.js", "/dashboard/js/" /* a directory: the index, not a listing */}) {
    SCOPED_TRACE(target);
    http::Response r = d.Serve(Get(target));
    if (std::string_view(target) == "/dashboard/js/") {
      EXPECT_EQ(Body(r), "<!doctype html>dev");
      continue;
    }
    ExpectApiError(r, 404);
    EXPECT_EQ(Body(r).find("outside"), std::string::npos);
  }
  // A FIFO is no regular file (and must not block the read).
  ASSERT_EQ(mkfifo((root_ + "/pipe.js").c_str(), 0600), 0);
  ExpectApiError(d.Serve(Get("/dashboard/pipe.js")), 404);
  // The files interface refuses what the router would, too.
  auto files = NewDirectoryDashboardFiles(root_);
  EXPECT_EQ(files->Find("../secret.txt"), nullptr);
  EXPECT_EQ(files->Find("/etc/passwd"), nullptr);
  EXPECT_EQ(files->Find(""), nullptr);
  EXPECT_NE(files->Find("js/app.js"), nullptr);
}

TEST_F(DashboardDirTest, AMissingDirectoryServesNothing) {
  Dashboard d(NewDirectoryDashboardFiles(dir_.File("absent")));
  ExpectApiError(d.Serve(Get("/dashboard/")), 404);
  Dashboard f(NewDirectoryDashboardFiles(root_ + "/index.html"));  // a file, not a directory
  ExpectApiError(f.Serve(Get("/dashboard/")), 404);
}

TEST_F(DashboardDirTest, ConfigOptions) {
  auto c = config::LoadFromString(
      "[api]\nenable_dashboard = false\ndashboard_dir = " + root_ + "\n", "test.conf");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_FALSE(c->api_enable_dashboard);
  EXPECT_EQ(c->api_dashboard_dir, root_);
  EXPECT_EQ(Dashboard::FromConfig(*c), nullptr);
  config::Config defaults;
  EXPECT_TRUE(defaults.api_enable_dashboard);
  EXPECT_TRUE(defaults.api_dashboard_dir.empty());
  EXPECT_FALSE(config::LoadFromString("[api]\nenable_dashboard = maybe\n", "t"));

  // Load refuses a dashboard_dir that is not a directory.
  Write(dir_.File("bad.conf"), "[api]\ndashboard_dir = " + dir_.File("absent") + "\n");
  auto bad = config::Load({dir_.File("bad.conf")});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("dashboard_dir"), std::string::npos);
  Write(dir_.File("good.conf"), "[api]\ndashboard_dir = " + root_ + "\n");
  auto good = config::Load({dir_.File("good.conf")});
  ASSERT_TRUE(good) << good.error().message();
  auto d = Dashboard::FromConfig(*good);
  ASSERT_NE(d, nullptr);
  EXPECT_TRUE(d->blocking());
  EXPECT_EQ(Body(d->Serve(Get("/dashboard/"))), "<!doctype html>dev");
}

// ---------------------------------------------------------------- through ApiApp

// Refuses every caller, as Keystone does one without a token.
class RefuseAll : public auth::AuthStrategy {
 public:
  Result<auth::RequestContext> Authenticate(const http::Request&) const override {
    return Fail(Error::Unauthenticated("The request you have made requires authentication."));
  }
};

class DashboardAppTest : public ApiAppFixture {};

TEST_F(DashboardAppTest, ServedWithoutAuthenticationBeforeTheApi) {
  RefuseAll refuse;
  ApiDependencies deps = Deps();
  deps.auth = &refuse;
  app_ = MakeApp(deps);
  http::Response r = app_->Handle(Get("/dashboard/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Header(r, "Content-Type"), "text/html; charset=utf-8");
  ExpectSecurityHeaders(r);
  for (const DashboardAsset& a : EmbeddedDashboardAssets()) {
    if (a.path == "index.html") EXPECT_EQ(Body(r), a.bytes);
  }
  EXPECT_EQ(app_->Handle(Get("/dashboard")).status, 301);
  ExpectApiError(app_->Handle(Get("/dashboard/nope.js")), 404);
  ExpectApiError(app_->Handle(Get("/dashboard/", {}, "DELETE")), 405);
  // The API itself still asks.
  EXPECT_EQ(app_->Handle(Get("/v1/clusters")).status, 401);
  EXPECT_EQ(app_->Handle(Get("/dashboardx")).status, 401);
  // The io thread answers from the built-in table.
  auto inline_r = app_->TryInline(Get("/dashboard/index.html"));
  ASSERT_TRUE(inline_r.has_value());
  EXPECT_EQ(inline_r->status, 200);
  EXPECT_EQ(std::string(inline_r->BodyView()), Body(r));
}

TEST_F(DashboardAppTest, DisabledIsAnUnknownPath) {
  config_.api_enable_dashboard = false;
  BuildApp();
  for (const char* target : {"/dashboard", "/dashboard/", "/dashboard/index.html"}) {
    SCOPED_TRACE(target);
    http::Response r = app_->Handle(Get(target));
    ExpectApiError(r, 404);
    EXPECT_EQ(Header(r, "Content-Security-Policy"), "<none>");  // not the dashboard's answer
  }
}

TEST_F(DashboardAppTest, DirectoryModeIsNotAnsweredInline) {
  testing_util::TempDir site("magnum-dash");
  std::ofstream(site.File("index.html")) << "from dir";
  config_.api_dashboard_dir = site.path();
  BuildApp();
  EXPECT_FALSE(app_->TryInline(Get("/dashboard/")).has_value());
  http::Response r = app_->Handle(Get("/dashboard/"));
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(Body(r), "from dir");
}

}  // namespace
}  // namespace magnum::api
