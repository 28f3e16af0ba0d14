// libFuzzer target: the whole REST API in process (ApiApp::Handle) over a real SQLite file,
// the driver registry with the fake driver and a stub conductor that accepts every call (and
// signs CSRs with a real CA, so the certificate route reaches the X.509 code).
//
// Input: an HTTP-like text, as the seeds in fuzz/corpus/api_request/ are written:
//
//   POST /v1/clusters/{C}/actions/resize?x=1
//   OpenStack-API-Version: container-infra 1.10
//   Content-Type: application/json
//
//   {"node_count": 2}
//
// The first line is "<method> <target>"; header lines follow up to an empty line; the rest is
// the body. In the target and the body, {T} is the uuid of an existing cluster template,
// {C} of a CREATE_COMPLETE cluster, {NG} of its default worker nodegroup, {P} the caller's
// project. Objects named t1, c1 and default-worker exist too.
//
// Asserted for every input (abort = a finding):
//   * no 5xx;
//   * every error (>= 400) is a JSON body in the API error format:
//     {"errors": [{"request_id", "code", "status" (= the HTTP status), "title", "detail",
//     "links"}]} with Content-Type application/json (the microversion 406 has min_version
//     and max_version instead of request_id, as upstream);
//   * a refused request (>= 400) inserts or deletes no row.
// After any accepted write the database is restored from the snapshot taken at start-up, so
// every input starts from the same state and a crash reproduces from its input alone.
#include <spdlog/spdlog.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/api/api_types.h"
#include "magnum/api/app.h"
#include "magnum/auth/auth.h"
#include "magnum/certs/x509.h"
#include "magnum/clients/cloud_resources.h"
#include "magnum/common/clock.h"
#include "magnum/conductor/conductor_api.h"
#include "magnum/config/config.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"
#include "magnum/drivers/fake/fake_driver.h"
#include "magnum/drivers/registry.h"
#include "magnum/http/message.h"

namespace {

using magnum::Error;
using magnum::Fail;
using magnum::Result;
using magnum::api::Json;
namespace conductor = magnum::conductor;
namespace db = magnum::db;
namespace fs = std::filesystem;

[[noreturn]] void Finding(const std::string& what, const magnum::http::Request& req,
                          const magnum::http::Response& resp) {
  fprintf(stderr, "\n=== api_request finding: %s\n%s %s\n", what.c_str(), req.method.c_str(),
          req.target.c_str());
  for (const auto& [k, v] : req.headers) fprintf(stderr, "%s: %s\n", k.c_str(), v.c_str());
  fprintf(stderr, "\n%s\n--- response %d\n%s\n", req.body.c_str(), resp.status,
          resp.body.c_str());
  abort();
}

// Accepts every operation, like a conductor that queued it; signs with a real CA.
class StubConductor final : public conductor::ConductorApi {
 public:
  explicit StubConductor(magnum::certs::KeyPair ca) : ca_(std::move(ca)) {
    options_.rsa_key_size = 1024;
  }
  Result<void> ClusterCreate(const conductor::Caller&, const std::string&) override { return {}; }
  Result<void> ClusterUpdate(const conductor::Caller&, const std::string&, int64_t,
                             bool) override {
    return {};
  }
  Result<void> ClusterResize(const conductor::Caller&, const std::string&, const std::string&,
                             int64_t, const std::vector<std::string>&) override {
    return {};
  }
  Result<void> ClusterUpgrade(const conductor::Caller&, const std::string&, const std::string&,
                              int64_t, const std::string&) override {
    return {};
  }
  Result<void> ClusterDelete(const conductor::Caller&, const std::string&) override { return {}; }
  Result<void> NodeGroupCreate(const conductor::Caller&, const std::string&,
                               const std::string&) override {
    return {};
  }
  Result<void> NodeGroupUpdate(const conductor::Caller&, const std::string&,
                               const std::string&) override {
    return {};
  }
  Result<void> NodeGroupDelete(const conductor::Caller&, const std::string&,
                               const std::string&) override {
    return {};
  }
  Result<std::string> GetCaCertificate(const conductor::Caller&, const std::string&,
                                       const std::string&) override {
    return ca_.certificate_pem;
  }
  Result<std::string> SignCertificate(const conductor::Caller&, const std::string&,
                                      const std::string& csr, const std::string&) override {
    return magnum::certs::SignCsr(ca_, csr, options_);
  }
  Result<void> RotateCaCertificate(const conductor::Caller&, const std::string&) override {
    return {};
  }
  Result<void> RotateCredential(const conductor::Caller&, const std::string&) override {
    return {};
  }
  Result<void> Ping() override { return {}; }

 private:
  magnum::certs::KeyPair ca_;
  magnum::certs::X509Options options_;
};

struct Env {
  std::string dir;
  std::string golden;  // the snapshot every input starts from
  std::string work;
  magnum::config::Config config;
  std::unique_ptr<db::Database> db;
  magnum::drivers::DriverRegistry registry;
  std::unique_ptr<magnum::clients::CloudResources> cloud;
  std::unique_ptr<magnum::auth::AuthStrategy> auth;
  std::unique_ptr<StubConductor> conductor;
  std::unique_ptr<magnum::api::ApiApp> app;
  std::string tmpl, cluster, nodegroup;
  bool dirty = false;

  void Open(const std::string& path) {
    auto opened = db::OpenDatabase("sqlite:///" + path);
    if (!opened) {
      fprintf(stderr, "api_request: cannot open %s: %s\n", path.c_str(),
              opened.error().message().c_str());
      abort();
    }
    db = std::move(*opened);
    magnum::api::ApiDependencies deps;
    deps.config = &config;
    deps.db = db.get();
    deps.auth = auth.get();
    deps.drivers = &registry;
    deps.cloud = cloud.get();
    deps.conductor = conductor.get();
    deps.clock = &magnum::SystemClock();
    app = std::make_unique<magnum::api::ApiApp>(deps);
  }

  void Close() {
    app.reset();
    db.reset();
  }

  // Restores the snapshot (the work file is closed while copied).
  void Reset() {
    Close();
    std::error_code ec;
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) fs::remove(work + suffix, ec);
    fs::copy_file(golden, work, ec);
    if (ec) {
      fprintf(stderr, "api_request: cannot restore the snapshot: %s\n", ec.message().c_str());
      abort();
    }
    Open(work);
    dirty = false;
  }

  magnum::http::Response Call(const std::string& method, const std::string& target,
                              const Json& body = nullptr, const std::string& roles = "") {
    magnum::http::Request r;
    r.method = method;
    r.target = target;
    magnum::http::ParseTarget(target, &r.path, &r.query);
    if (!body.is_null()) {
      r.body = body.dump();
      r.headers["Content-Type"] = "application/json";
    }
    r.headers["OpenStack-API-Version"] = "container-infra latest";
    r.headers["Host"] = "127.0.0.1:9511";
    if (!roles.empty()) r.headers["X-Roles"] = roles;
    r.request_id = "req-fuzz-setup";
    return app->Handle(r);
  }

  std::string Create(const std::string& target, const Json& body) {
    magnum::http::Response resp = Call("POST", target, body);
    Json j = Json::parse(resp.body, nullptr, false);
    if (resp.status >= 300 || !j.is_object() || !j.contains("uuid")) {
      fprintf(stderr, "api_request setup: POST %s -> %d %s\n", target.c_str(), resp.status,
              resp.body.c_str());
      abort();
    }
    return j["uuid"].get<std::string>();
  }

  void Init() {
    char templ[] = "/tmp/magnum-fuzz-api-XXXXXX";
    if (mkdtemp(templ) == nullptr) abort();
    dir = templ;
    golden = dir + "/golden.sqlite";
    work = dir + "/work.sqlite";
    config.max_clusters_per_project = 5;
    config.enable_test_drivers = true;
    registry.Register(magnum::drivers::NewFakeDriver());
    cloud = magnum::clients::NewLocalCloudResources(&registry);
    auth = magnum::auth::NewNoAuth("p1", "u1", "member,reader");
    magnum::certs::X509Options ca_options;
    ca_options.rsa_key_size = 1024;  // start-up time only; the CA's size is not what is fuzzed
    auto ca = magnum::certs::GenerateCa("fuzz-ca", ca_options);
    if (!ca) abort();
    conductor = std::make_unique<StubConductor>(*ca);

    {
      auto opened = db::OpenDatabase("sqlite:///" + golden);
      if (!opened || !(*opened)->Upgrade()) abort();
    }
    Open(golden);
    tmpl = Create("/v1/clustertemplates",
                  {{"name", "t1"},
                   {"coe", "kubernetes"},
                   {"image_id", "fake-image"},
                   {"flavor_id", "m1.small"},
                   {"master_flavor_id", "m1.medium"},
                   {"master_lb_enabled", true},
                   {"labels", {{"kube_tag", "v1"}}}});
    Create("/v1/clustertemplates", {{"name", "t2"},
                                    {"coe", "kubernetes"},
                                    {"image_id", "fake-image"},
                                    {"public", false},
                                    {"labels", {{"kube_tag", "v2"}}}});
    cluster = Create("/v1/clusters", {{"cluster_template_id", tmpl},
                                      {"name", "c1"},
                                      {"node_count", 2},
                                      {"labels", {{"min_node_count", "1"}}}});
    Create("/v1/clusters", {{"cluster_template_id", tmpl}, {"name", "c2"}});
    // What the conductor would have done: c1 is up, so updates/resize/upgrade are allowed.
    db::Row done;
    done.Set("status", std::string("CREATE_COMPLETE"));
    done.Set("api_address", std::string("https://192.0.2.1:6443"));
    if (!db->Update(db::kClusterTable, db::Filter().Where(db::Condition::Eq("uuid", cluster)),
                    done)) {
      abort();
    }
    db::Row ng_done;
    ng_done.Set("status", std::string("CREATE_COMPLETE"));
    if (!db->Update(db::kNodeGroupTable,
                    db::Filter().Where(db::Condition::Eq("cluster_id", cluster)), ng_done)) {
      abort();
    }
    auto ngs = db->List(db::kNodeGroupTable, [&] {
      db::ListQuery q;
      q.filter.Where(db::Condition::Eq("cluster_id", cluster))
          .Where(db::Condition::Eq("role", "worker"));
      return q;
    }());
    if (!ngs || ngs->empty()) abort();
    nodegroup = (*ngs)[0].GetString("uuid");
    Create("/v1/clusters/" + cluster + "/nodegroups",
           {{"name", "ng2"}, {"node_count", 1}, {"flavor_id", "m1.small"}});
    magnum::http::Response q = Call(
        "POST", "/v1/quotas", {{"project_id", "p2"}, {"resource", "Cluster"}, {"hard_limit", 3}},
        "admin");
    if (q.status != 201) {
      fprintf(stderr, "api_request setup: quota -> %d %s\n", q.status, q.body.c_str());
      abort();
    }
    Close();
    Reset();
  }

  // Row counts of the tables a request can write.
  std::vector<int64_t> Counts() {
    std::vector<int64_t> out;
    for (auto table : {db::kClusterTemplateTable, db::kClusterTable, db::kNodeGroupTable,
                       db::kQuotaTable, db::kFederationTable}) {
      auto n = db->Count(table, db::Filter());
      out.push_back(n ? *n : -1);
    }
    return out;
  }
};

Env* g_env = nullptr;

void ReplaceAll(std::string* s, std::string_view from, const std::string& to) {
  for (size_t pos = 0; (pos = s->find(from, pos)) != std::string::npos; pos += to.size()) {
    s->replace(pos, from.size(), to);
  }
}

void Substitute(std::string* s) {
  ReplaceAll(s, "{T}", g_env->tmpl);
  ReplaceAll(s, "{C}", g_env->cluster);
  ReplaceAll(s, "{NG}", g_env->nodegroup);
  ReplaceAll(s, "{P}", "p1");
}

bool IsErrorFormat(const magnum::http::Response& resp) {
  auto ct = resp.headers.find("Content-Type");
  if (ct == resp.headers.end() || ct->second.rfind("application/json", 0) != 0) return false;
  Json j = Json::parse(resp.body, nullptr, false);
  if (!j.is_object() || !j.contains("errors") || !j["errors"].is_array() ||
      j["errors"].size() != 1) {
    return false;
  }
  const Json& e = j["errors"][0];
  for (const char* key : {"code", "status", "title", "detail", "links"}) {
    if (!e.is_object() || !e.contains(key)) return false;
  }
  // The 406 of an unsupported microversion is upstream's own body (§1.3): min_version and
  // max_version instead of request_id.
  if (!e.contains("request_id") && !(resp.status == 406 && e.contains("max_version"))) {
    return false;
  }
  return e["status"].is_number_integer() && e["status"].get<int>() == resp.status &&
         e["detail"].is_string() && e["title"].is_string();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // The API logs every 5xx (which aborts here anyway); keep the fuzzing loop quiet.
  spdlog::set_level(spdlog::level::off);
  g_env = new Env();
  g_env->Init();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 128 * 1024) return -1;  // the server refuses bodies above its limit (413)
  std::string_view in(reinterpret_cast<const char*>(data), size);
  magnum::http::Request req;

  // Request line.
  size_t eol = in.find('\n');
  std::string_view line = in.substr(0, eol);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos || sp == 0) return -1;
  req.method = std::string(line.substr(0, sp));
  req.target = std::string(line.substr(sp + 1));
  Substitute(&req.target);
  // The server answers 400 itself for a target it cannot parse; the app never sees it.
  if (!magnum::http::ParseTarget(req.target, &req.path, &req.query)) return -1;

  // Headers up to an empty line, then the body.
  std::string_view rest = eol == std::string_view::npos ? "" : in.substr(eol + 1);
  while (!rest.empty()) {
    eol = rest.find('\n');
    std::string_view h = rest.substr(0, eol);
    rest = eol == std::string_view::npos ? "" : rest.substr(eol + 1);
    if (!h.empty() && h.back() == '\r') h.remove_suffix(1);
    if (h.empty()) break;
    size_t colon = h.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string_view value = h.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    auto [it, inserted] =
        req.headers.try_emplace(std::string(h.substr(0, colon)), std::string(value));
    if (!inserted) it->second += ", " + std::string(value);  // as the server combines them
  }
  req.body = std::string(rest);
  Substitute(&req.body);
  req.remote_address = "127.0.0.1";
  req.request_id = "req-00000000-0000-4000-8000-000000000000";

  if (g_env->dirty) g_env->Reset();
  const std::vector<int64_t> before = g_env->Counts();
  magnum::http::Response resp = g_env->app->Handle(req);

  if (resp.status >= 500) Finding("a 5xx answer", req, resp);
  if (resp.status < 100 || resp.status > 599) Finding("an invalid status", req, resp);
  if (resp.status >= 400 && !IsErrorFormat(resp)) {
    Finding("an error not in the API error format", req, resp);
  }
  if (resp.status >= 400 && g_env->Counts() != before) {
    Finding("a refused request changed the row counts", req, resp);
  }
  if (req.method != "GET" && req.method != "HEAD" && resp.status < 400) g_env->dirty = true;
  return 0;
}
