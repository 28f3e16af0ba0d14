// The cluster list query over 10,000 clusters (db::OpenDatabase on a temporary SQLite file): the
// first page against a deep page (keyset pagination: rows after a marker id near the end), filtered
// to the caller's project as the API does. Also the same through ApiApp::Handle, with the marker as
// a UUID (one more look-up) and rendering.
#include <benchmark/benchmark.h>

#include <string>
#include <vector>

#include "bench/micro/bench_env.h"
#include "magnum/db/schema.h"
#include "magnum/objects/mappers.h"

namespace magnum::bench {
namespace {

constexpr int kClusters = 10000;

// Lists `table` with `q` in the benchmark loop, calls visit(rows) on each result, and
// reports the row count.
template <typename Visit>
void RunList(benchmark::State& state, BenchEnv& env, const char* table, const db::ListQuery& q,
             Visit visit) {
  size_t rows = 0;
  for (auto _ : state) {
    auto r = env.db().List(table, q);
    if (!r) {
      state.SkipWithError(r.error().message().c_str());
      break;
    }
    rows = r->size();
    visit(*r);
    benchmark::DoNotOptimize(r);
  }
  state.counters["rows"] = static_cast<double>(rows);
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(rows));
}

void Ignore(const std::vector<db::Row>&) {}

// range(0) = page size; range(1) = 0 first page, 1 deep page (the last full page).
void BM_DbListClusters(benchmark::State& state) {
  BenchEnv& env = LargeEnv();
  const int64_t limit = state.range(0);
  db::ListQuery q;
  q.filter.Where(db::Condition::Eq("project_id", std::string(BenchEnv::kProject)));
  q.limit = limit;
  if (state.range(1) != 0) q.marker_id = kClusters - limit;  // ids are 1..10000
  RunList(state, env, db::kClusterTable, q, Ignore);
}
BENCHMARK(BM_DbListClusters)
    ->ArgNames({"limit", "deep"})
    ->Args({20, 0})
    ->Args({20, 1})
    ->Args({1000, 0})
    ->Args({1000, 1})
    ->Unit(benchmark::kMicrosecond);

// The template list's query: the 50 templates of the compare.py data set, every column, and
// then every column read by name once (what a mapper or renderer does with each row).
void BM_DbListTemplates50(benchmark::State& state) {
  BenchEnv& env = SmallEnv();
  db::ListQuery q;
  const db::TableSchema* t = db::FindTable(db::kClusterTemplateTable);
  const bool read = state.range(0) != 0;
  RunList(state, env, db::kClusterTemplateTable, q, [&](const std::vector<db::Row>& rows) {
    if (!read) return;
    for (const db::Row& row : rows) {
      for (const auto& c : t->columns) benchmark::DoNotOptimize(row.Get(c.name));
    }
  });
}
BENCHMARK(BM_DbListTemplates50)->ArgName("read_by_name")->Arg(0)->Arg(1)->Unit(
    benchmark::kMicrosecond);

// The same 50 templates read the way the template list reads them: Database::ListRows hands
// each row's columns in place to objects::ForEach, which refills one ClusterTemplate (no
// db::Row); range(0) = 1: objects::List instead (a fresh object per row, kept in a vector).
void BM_DbListRowsTemplates50(benchmark::State& state) {
  BenchEnv& env = SmallEnv();
  const db::ListQuery q;
  const bool vector = state.range(0) != 0;
  size_t rows = 0;
  for (auto _ : state) {
    rows = 0;
    Result<void> r;
    if (vector) {
      auto list = objects::List<objects::ClusterTemplate>(env.db(), q);
      if (list) rows = list->size();
      r = list ? Result<void>() : Result<void>(Fail(list.error()));
    } else {
      r = objects::ForEach<objects::ClusterTemplate>(
          env.db(), q, [&](const objects::ClusterTemplate& t) {
            benchmark::DoNotOptimize(t.uuid.data());
            ++rows;
            return Result<void>();
          });
    }
    if (!r) {
      state.SkipWithError(r.error().message().c_str());
      break;
    }
  }
  state.counters["rows"] = static_cast<double>(rows);
}
BENCHMARK(BM_DbListRowsTemplates50)->ArgName("vector")->Arg(0)->Arg(1)->Unit(
    benchmark::kMicrosecond);

// The nodegroups of one cluster (2 rows): the per-query cost of a small List, which the
// detail list pays once per cluster.
void BM_DbListNodeGroupsOfCluster(benchmark::State& state) {
  BenchEnv& env = SmallEnv();
  db::ListQuery q;
  q.filter.Where(db::Condition::Eq("cluster_id", env.cluster_uuids().front()));
  RunList(state, env, db::kNodeGroupTable, q, Ignore);
}
BENCHMARK(BM_DbListNodeGroupsOfCluster)->Unit(benchmark::kMicrosecond);

// The detail list's other two queries over the compare.py data set: the nodegroups of all 100
// clusters of the page (one `cluster_id IN (...)` query; range(0) = 1: only the columns a list
// renders), and the labels of the templates they
// use (range(0) = 1: only `uuid` and `labels`, as the detail list reads them; 0: every column).
void BM_DbListNodeGroupsOfPage(benchmark::State& state) {
  BenchEnv& env = SmallEnv();
  std::vector<db::Value> uuids(env.cluster_uuids().begin(), env.cluster_uuids().end());
  db::ListQuery q;
  q.filter.Where(db::Condition::In("cluster_id", std::move(uuids)));
  if (state.range(0) != 0) {
    q.columns = {"id",         "cluster_id",     "name",   "role",
                 "node_count", "node_addresses", "status", "status_reason"};
  }
  RunList(state, env, db::kNodeGroupTable, q, Ignore);
}
BENCHMARK(BM_DbListNodeGroupsOfPage)->ArgName("list_columns")->Arg(0)->Arg(1)->Unit(
    benchmark::kMicrosecond);

void BM_DbListTemplateLabels(benchmark::State& state) {
  BenchEnv& env = SmallEnv();
  std::vector<db::Value> uuids(env.template_uuids().begin(), env.template_uuids().end());
  db::ListQuery q;
  q.filter.Where(db::Condition::In("uuid", std::move(uuids)));
  if (state.range(0) != 0) q.columns = {"uuid", "labels"};
  RunList(state, env, db::kClusterTemplateTable, q, Ignore);
}
BENCHMARK(BM_DbListTemplateLabels)->ArgName("two_columns")->Arg(0)->Arg(1)->Unit(
    benchmark::kMicrosecond);

// GET /v1/clusters?limit=N[&marker=<uuid of the row before the last full page>].
void BM_HandleListClusters10k(benchmark::State& state) {
  BenchEnv& env = LargeEnv();
  const int64_t limit = state.range(0);
  std::string target = "/v1/clusters?limit=" + std::to_string(limit);
  if (state.range(1) != 0) target += "&marker=" + env.cluster_uuids()[kClusters - limit - 1];
  const http::Request req = BenchEnv::Get(target);
  for (auto _ : state) {
    http::Response resp = env.app().Handle(req);
    if (resp.status != 200) {
      state.SkipWithError(resp.body.substr(0, 200).c_str());
      break;
    }
    benchmark::DoNotOptimize(resp);
  }
}
BENCHMARK(BM_HandleListClusters10k)
    ->ArgNames({"limit", "deep"})
    ->Args({20, 0})
    ->Args({20, 1})
    ->Args({1000, 0})
    ->Args({1000, 1})
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace magnum::bench
