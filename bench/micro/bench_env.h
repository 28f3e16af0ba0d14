// A self-contained API environment for the micro-benchmarks: a temporary SQLite database at the
// current schema, the noauth strategy, the fake driver and an ApiApp without a conductor (reads and
// template writes need none). Rows are inserted through db::Database directly, shaped as the fake
// driver leaves a CREATE_COMPLETE cluster.
//
// Not thread-safe: benchmarks build one per data set, once, and only read it afterwards. The
// destructor removes the temporary directory.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "magnum/api/app.h"
#include "magnum/db/database.h"
#include "magnum/http/message.h"

namespace magnum::bench {

class BenchEnv {
 public:
  // A fresh environment with `templates` cluster templates (created through the API) and `clusters`
  // clusters with two nodegroups each (inserted directly, spread round-robin over the templates).
  // Aborts the process on failure: a benchmark without data is meaningless.
  static std::unique_ptr<BenchEnv> Create(int templates, int clusters);
  ~BenchEnv();
  BenchEnv(const BenchEnv&) = delete;
  BenchEnv& operator=(const BenchEnv&) = delete;

  db::Database& db() { return *db_; }
  api::ApiApp& app() { return *app_; }
  const std::vector<std::string>& template_uuids() const { return templates_; }
  // Cluster UUIDs in id order.
  const std::vector<std::string>& cluster_uuids() const { return clusters_; }

  // A GET of `target` as the benchmark caller (the same headers as bench/compare.py).
  static http::Request Get(const std::string& target);

  static constexpr char kProject[] = "bench-project";

 private:
  struct Impl;
  BenchEnv();

  std::string dir_;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<db::Database> db_;
  std::unique_ptr<api::ApiApp> app_;
  std::vector<std::string> templates_;
  std::vector<std::string> clusters_;
};

// Process-wide environments, built on first use (building the 10,000-cluster one takes a second or
// two, so benchmarks share them).
BenchEnv& SmallEnv();  // 50 templates, 100 clusters: the compare.py data set
BenchEnv& LargeEnv();  // 1 template, 10,000 clusters: the list benchmarks

}  // namespace magnum::bench
