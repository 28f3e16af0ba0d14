// Policy evaluation (magnum::api::PolicyAllows): the check every API call makes once or more. The
// original builds a Keystone client and authenticates for each of these.
#include <benchmark/benchmark.h>

#include <optional>
#include <string>

#include "magnum/api/policy.h"
#include "magnum/auth/context.h"

namespace magnum::bench {
namespace {

auth::RequestContext Member() {
  auth::RequestContext ctx;
  ctx.user_id = "bench-user";
  ctx.project_id = "bench-project";
  ctx.roles = {"member", "reader"};
  ctx.request_id = "req-bench";
  return ctx;
}

// An allowed read (admin_or_reader) of the caller's own project.
void BM_PolicyAllowsReader(benchmark::State& state) {
  const auth::RequestContext ctx = Member();
  for (auto _ : state) benchmark::DoNotOptimize(api::PolicyAllows(ctx, "clustertemplate:get_all"));
}
BENCHMARK(BM_PolicyAllowsReader);

// A denied admin-only rule (the all_projects variants every list checks for admins).
void BM_PolicyDeniesAdminRule(benchmark::State& state) {
  const auth::RequestContext ctx = Member();
  for (auto _ : state) {
    benchmark::DoNotOptimize(api::PolicyAllows(ctx, "cluster:get_all_all_projects"));
  }
}
BENCHMARK(BM_PolicyDeniesAdminRule);

// An owner check against an explicit target (admin_or_owner-style rules).
void BM_PolicyAllowsWithTarget(benchmark::State& state) {
  const auth::RequestContext ctx = Member();
  const std::optional<api::PolicyTarget> target = api::PolicyTarget{"bench-project", "bench-user"};
  for (auto _ : state) {
    benchmark::DoNotOptimize(api::PolicyAllows(ctx, "cluster:update_health_status", target));
  }
}
BENCHMARK(BM_PolicyAllowsWithTarget);

}  // namespace
}  // namespace magnum::bench
