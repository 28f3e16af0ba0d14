#include "bench/micro/bench_env.h"

#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <system_error>

#include "magnum/auth/auth.h"
#include "magnum/clients/cloud_resources.h"
#include "magnum/common/clock.h"
#include "magnum/common/uuid.h"
#include "magnum/config/config.h"
#include "magnum/db/schema.h"
#include "magnum/drivers/fake/fake_driver.h"
#include "magnum/drivers/registry.h"

namespace magnum::bench {
namespace {

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "bench environment: %s\n", what.c_str());
  std::abort();
}

template <typename T>
T Check(Result<T> r, const char* what) {
  if (!r) Die(std::string(what) + ": " + r.error().message());
  return std::move(*r);
}

void Check(Result<void> r, const char* what) {
  if (!r) Die(std::string(what) + ": " + r.error().message());
}

std::string Str(const char* s) { return std::string(s); }

}  // namespace

struct BenchEnv::Impl {
  config::Config config;
  drivers::DriverRegistry registry;
  std::unique_ptr<clients::CloudResources> cloud;
  std::unique_ptr<auth::AuthStrategy> auth;
};

BenchEnv::BenchEnv() : impl_(std::make_unique<Impl>()) {}

BenchEnv::~BenchEnv() {
  app_.reset();
  db_.reset();
  std::error_code ec;
  std::filesystem::remove_all(dir_, ec);
}

http::Request BenchEnv::Get(const std::string& target) {
  http::Request r;
  r.method = "GET";
  r.target = target;
  if (!http::ParseTarget(target, &r.path, &r.query)) Die("bad target " + target);
  r.headers["Host"] = "127.0.0.1:9511";
  r.headers["X-Project-Id"] = kProject;
  r.headers["X-User-Id"] = "bench-user";
  r.headers["X-Roles"] = "member,reader";
  r.headers["OpenStack-API-Version"] = "container-infra 1.10";
  r.headers["Accept"] = "application/json";
  r.remote_address = "127.0.0.1";
  r.request_id = "req-00000000-0000-0000-0000-000000000000";
  return r;
}

std::unique_ptr<BenchEnv> BenchEnv::Create(int templates, int clusters) {
  spdlog::set_level(spdlog::level::warn);
  std::unique_ptr<BenchEnv> env(new BenchEnv());
  std::string templ = (std::filesystem::temp_directory_path() / "magnum-bench-XXXXXX").string();
  if (mkdtemp(templ.data()) == nullptr) Die("mkdtemp failed");
  env->dir_ = templ;
  env->db_ = Check(db::OpenDatabase("sqlite:///" + env->dir_ + "/magnum.sqlite"), "open");
  Check(env->db_->Upgrade(), "upgrade");

  Impl& im = *env->impl_;
  im.config.max_clusters_per_project = 1000000;
  // The benchmarks measure answering a request, not the response cache (api/response_cache.h)
  // handing back a stored body.
  im.config.api_response_cache_size_mb = 0;
  im.registry.Register(drivers::NewFakeDriver());
  im.cloud = clients::NewLocalCloudResources(&im.registry);
  im.auth = auth::NewNoAuth(kProject, "bench-user", "member,reader");
  api::ApiDependencies deps;
  deps.config = &im.config;
  deps.db = env->db_.get();
  deps.auth = im.auth.get();
  deps.drivers = &im.registry;
  deps.cloud = im.cloud.get();
  deps.conductor = nullptr;
  deps.clock = &SystemClock();
  env->app_ = std::make_unique<api::ApiApp>(deps);

  // Templates through the API (the same bodies as bench/load_data.py).
  for (int i = 0; i < templates; ++i) {
    char name[32];
    std::snprintf(name, sizeof(name), "bench-tpl-%03d", i);
    http::Request r = Get("/v1/clustertemplates");
    r.method = "POST";
    r.headers["Content-Type"] = "application/json";
    r.body = std::string(R"({"name":")") + name +
             R"(","coe":"kubernetes","image_id":"fake-image","flavor_id":"m1.small",)"
             R"("master_flavor_id":"m1.medium","external_network_id":"public",)"
             R"("dns_nameserver":"8.8.8.8","docker_volume_size":10,"network_driver":"flannel",)"
             R"("labels":{"kube_tag":"v1.27.3","bench_index":")" +
             std::to_string(i) + R"("}})";
    http::Response resp = env->app_->Handle(r);
    if (resp.status != 201) Die("template create: " + resp.body);
    auto j = resp.body.find(R"("uuid":")");
    if (j == std::string::npos) Die("template create: no uuid in " + resp.body);
    env->templates_.push_back(resp.body.substr(j + 8, 36));
  }
  if (env->templates_.empty() && clusters > 0) Die("clusters need a template");

  // Clusters and their nodegroups, as the fake driver leaves them after CREATE_COMPLETE.
  const std::string now = FormatDbTimestamp(SystemClock().Now());
  Check(env->db_->Transaction([&](db::Database& tx) -> Result<void> {
    for (int i = 0; i < clusters; ++i) {
      const std::string uuid = GenerateUuid();
      const std::string labels =
          R"({"bench_index":")" + std::to_string(i) + R"(","kube_tag":"v1.27.3"})";
      char name[32];
      std::snprintf(name, sizeof(name), "bench-c-%05d", i);
      db::Row c;
      c.Set("uuid", uuid);
      c.Set("project_id", Str(kProject));
      c.Set("user_id", Str("bench-user"));
      c.Set("name", std::string(name));
      c.Set("cluster_template_id", env->templates_[i % env->templates_.size()]);
      c.Set("docker_volume_size", int64_t{10});
      c.Set("labels", labels);
      c.Set("master_flavor_id", Str("m1.medium"));
      c.Set("flavor_id", Str("m1.small"));
      c.Set("stack_id", "fake-" + uuid);
      c.Set("api_address", Str("https://192.0.2.11:6443"));
      c.Set("status", Str("CREATE_COMPLETE"));
      c.Set("status_reason", Str("Cluster create completed"));
      c.Set("create_timeout", int64_t{60});
      c.Set("coe_version", Str("fake-1.0"));
      c.Set("container_version", Str("fake-1.0"));
      c.Set("floating_ip_enabled", true);
      c.Set("master_lb_enabled", false);
      c.Set("driver", Str("fake"));
      c.Set("created_at", now);
      c.Set("updated_at", now);
      MAGNUM_RETURN_IF_ERROR(tx.Insert(db::kClusterTable, c));
      for (int role = 0; role < 2; ++role) {
        db::Row ng;
        ng.Set("uuid", GenerateUuid());
        ng.Set("name", Str(role == 0 ? "default-master" : "default-worker"));
        ng.Set("cluster_id", uuid);
        ng.Set("project_id", Str(kProject));
        ng.Set("docker_volume_size", int64_t{10});
        ng.Set("labels", labels);
        ng.Set("flavor_id", Str(role == 0 ? "m1.medium" : "m1.small"));
        ng.Set("image_id", Str("fake-image"));
        ng.Set("node_addresses",
               Str(role == 0 ? R"(["192.0.2.11"])" : R"(["192.0.2.12","192.0.2.13"])"));
        ng.Set("node_count", int64_t{role == 0 ? 1 : 2});
        ng.Set("min_node_count", int64_t{0});
        ng.Set("role", Str(role == 0 ? "master" : "worker"));
        ng.Set("is_default", true);
        ng.Set("stack_id", "fake-" + uuid);
        ng.Set("status", Str("CREATE_COMPLETE"));
        ng.Set("created_at", now);
        ng.Set("updated_at", now);
        MAGNUM_RETURN_IF_ERROR(tx.Insert(db::kNodeGroupTable, ng));
      }
      env->clusters_.push_back(uuid);
    }
    return {};
  }),
        "insert clusters");
  return env;
}

BenchEnv& SmallEnv() {
  static std::unique_ptr<BenchEnv> env = BenchEnv::Create(50, 100);
  return *env;
}

BenchEnv& LargeEnv() {
  static std::unique_ptr<BenchEnv> env = BenchEnv::Create(1, 10000);
  return *env;
}

}  // namespace magnum::bench
