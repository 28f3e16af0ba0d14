// The API application in process: ApiApp::Handle on an in-memory GET (no sockets, no HTTP parsing):
// routing, microversion negotiation, noauth, policy, the SQLite queries, rendering and the JSON
// dump. What magnumd adds on top is the Beast HTTP layer.
#include <benchmark/benchmark.h>

#include <string>

#include "bench/micro/bench_env.h"

namespace magnum::bench {
namespace {

void RunGet(benchmark::State& state, const std::string& target, int want_status = 200) {
  BenchEnv& env = SmallEnv();
  const http::Request req = BenchEnv::Get(target);
  size_t bytes = 0;
  for (auto _ : state) {
    http::Response resp = env.app().Handle(req);
    if (resp.status != want_status) {
      state.SkipWithError(
          ("unexpected status " + std::to_string(resp.status) + ": " + resp.body.substr(0, 200))
              .c_str());
      break;
    }
    bytes = resp.body.size();
    benchmark::DoNotOptimize(resp);
  }
  state.counters["body_bytes"] = static_cast<double>(bytes);
}

void BM_HandleGetV1(benchmark::State& state) { RunGet(state, "/v1"); }
BENCHMARK(BM_HandleGetV1)->Unit(benchmark::kMicrosecond);

void BM_HandleListTemplates50(benchmark::State& state) { RunGet(state, "/v1/clustertemplates"); }
BENCHMARK(BM_HandleListTemplates50)->Unit(benchmark::kMicrosecond);

void BM_HandleGetCluster(benchmark::State& state) {
  RunGet(state, "/v1/clusters/" + SmallEnv().cluster_uuids()[50]);
}
BENCHMARK(BM_HandleGetCluster)->Unit(benchmark::kMicrosecond);

void BM_HandleClustersDetail100(benchmark::State& state) { RunGet(state, "/v1/clusters/detail"); }
BENCHMARK(BM_HandleClustersDetail100)->Unit(benchmark::kMicrosecond);

void BM_HandleNotFound(benchmark::State& state) { RunGet(state, "/v1/nothing-here", 404); }
BENCHMARK(BM_HandleNotFound)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace magnum::bench
