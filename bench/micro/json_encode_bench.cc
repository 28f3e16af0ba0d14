// JSON encode of a cluster list with the API's own rendering code, as GET /v1/clusters[/detail]
// does it after its queries: the page's clusters and nodegroups as typed objects (read once, before
// the loop), then api::WriteCluster for each cluster (labels diffed against the template's) into one
// JsonWriter: {"clusters": [...]}.
#include <benchmark/benchmark.h>

#include <map>
#include <string>
#include <vector>

#include "bench/micro/bench_env.h"
#include "magnum/api/cluster_fields.h"
#include "magnum/api/json_writer.h"
#include "magnum/db/schema.h"
#include "magnum/objects/mappers.h"

namespace magnum::bench {
namespace {

struct ClusterPage {
  std::vector<objects::Cluster> clusters;
  std::vector<objects::NodeGroup> nodegroups;
  std::map<std::string, api::NodeGroupRefs> by_cluster;  // into `nodegroups`
  objects::StringMap template_labels;
};

ClusterPage LoadPage(int n) {
  BenchEnv& env = SmallEnv();
  ClusterPage p;
  db::ListQuery q;
  q.limit = n;
  p.clusters = objects::List<objects::Cluster>(env.db(), q).value();
  std::vector<db::Value> uuids;
  for (const auto& c : p.clusters) uuids.emplace_back(c.uuid);
  db::ListQuery nq;
  nq.filter.Where(db::Condition::In("cluster_id", std::move(uuids)));
  p.nodegroups = objects::List<objects::NodeGroup>(env.db(), nq).value();
  for (const auto& ng : p.nodegroups) p.by_cluster[ng.cluster_id].push_back(&ng);
  p.template_labels = {{"kube_tag", "v1.27.3"}, {"bench_index", "0"}};
  return p;
}

// Objects -> text: the whole encode.
void BM_EncodeClusterList(benchmark::State& state) {
  const ClusterPage page = LoadPage(static_cast<int>(state.range(0)));
  api::ClusterRenderOptions o;
  o.detail = state.range(1) != 0;
  o.minor_version = 10;
  o.base_url = "http://127.0.0.1:9511";
  o.template_label_map = &page.template_labels;
  static const api::NodeGroupRefs kNone;
  size_t bytes = 0;
  for (auto _ : state) {
    std::string out;
    out.reserve(1300 * page.clusters.size() + 64);
    api::JsonWriter w(&out);
    w.BeginObject().Key("clusters").BeginArray();
    for (const auto& c : page.clusters) {
      auto it = page.by_cluster.find(c.uuid);
      api::WriteCluster(w, c, it == page.by_cluster.end() ? kNone : it->second, o);
    }
    w.EndArray().EndObject();
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

}  // namespace
}  // namespace magnum::bench
