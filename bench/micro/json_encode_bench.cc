// JSON encode of a cluster list with the API's own rendering code: RenderCluster (row + nodegroup
// rows -> the API object, labels diffed against the template's) for each cluster of a page, then
// nlohmann's dump of {"clusters": [...]} -- what GET /v1/clusters/detail does after its two
// queries.
#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

#include "bench/micro/bench_env.h"
#include "magnum/api/api_types.h"
#include "magnum/api/cluster_fields.h"
#include "magnum/db/schema.h"

namespace magnum::bench {
namespace {

struct ClusterPage {
  std::vector<db::Row> clusters;
  std::map<std::string, std::vector<db::Row>> nodegroups;  // by cluster UUID
  api::Json template_labels = api::Json::object();
};

ClusterPage LoadPage(int n) {
  BenchEnv& env = SmallEnv();
  ClusterPage p;
  db::ListQuery q;
  q.limit = n;
  p.clusters = *env.db().List(db::kClusterTable, q);
  for (const auto& c : p.clusters) {
    db::ListQuery nq;
    nq.filter.Where(db::Condition::Eq("cluster_id", c.GetString("uuid")));
    p.nodegroups[c.GetString("uuid")] = *env.db().List(db::kNodeGroupTable, nq);
  }
  p.template_labels = {{"kube_tag", "v1.27.3"}, {"bench_index", "0"}};
  return p;
}

api::Json RenderAll(const ClusterPage& p, bool detail) {
  api::Json items = api::Json::array();
  for (const auto& c : p.clusters) {
    api::ClusterRenderOptions o;
    o.detail = detail;
    o.minor_version = 10;
    o.base_url = "http://127.0.0.1:9511";
    o.template_labels = &p.template_labels;
    items.push_back(api::RenderCluster(c, p.nodegroups.at(c.GetString("uuid")), o));
  }
  return api::Json{{"clusters", std::move(items)}};
}

// Rows -> API objects -> text: the whole encode.
void BM_EncodeClusterList(benchmark::State& state) {
  const ClusterPage page = LoadPage(static_cast<int>(state.range(0)));
  const bool detail = state.range(1) != 0;
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out = RenderAll(page, detail).dump();
    bytes = out.size();
    benchmark::DoNotOptimize(out);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * bytes));
  state.counters["body_bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_EncodeClusterList)
    ->ArgNames({"clusters", "detail"})
    ->Args({100, 1})
    ->Args({100, 0})
    ->Args({20, 1})
    ->Unit(benchmark::kMicrosecond);

// The two halves apart: building the JSON objects, and dump() alone.
void BM_RenderClustersOnly(benchmark::State& state) {
  const ClusterPage page = LoadPage(static_cast<int>(state.range(0)));
  for (auto _ : state) benchmark::DoNotOptimize(RenderAll(page, true));
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_RenderClustersOnly)->ArgName("clusters")->Arg(100)->Unit(benchmark::kMicrosecond);

void BM_DumpClustersOnly(benchmark::State& state) {
  const api::Json doc = RenderAll(LoadPage(static_cast<int>(state.range(0))), true);
  for (auto _ : state) benchmark::DoNotOptimize(doc.dump());
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_DumpClustersOnly)->ArgName("clusters")->Arg(100)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace magnum::bench
