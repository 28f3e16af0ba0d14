// Fixtures for the conductor tests: a migrated SQLite file in a temporary directory, the
// fake driver plus a controllable "gate" test driver, fast certificates (1024-bit RSA), and
// helpers that insert rows the way the API does.
#pragma once

#include "testing/temp_dir.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "magnum/certs/key_encryption.h"
#include "magnum/certs/x509.h"
#include "magnum/common/clock.h"
#include "magnum/common/uuid.h"
#include "magnum/conductor/certificates.h"
#include "magnum/conductor/conductor.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"
#include "magnum/drivers/driver.h"
#include "magnum/drivers/fake/fake_driver.h"
#include "magnum/drivers/registry.h"

// Designated initializers of ClusterSpec leave the other members at their defaults (GCC 12
// warns about the members not named; later GCCs and clang do not).
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

namespace magnum::conductor::testing {

using db::Condition;
using db::Filter;
using db::Row;

#define ASSERT_OK(expr)                                  \
  do {                                                   \
    auto test_ok_ = (expr);                              \
    ASSERT_TRUE(test_ok_) << test_ok_.error().message(); \
  } while (0)

#define EXPECT_OK(expr)                                  \
  do {                                                   \
    auto test_ok_ = (expr);                              \
    EXPECT_TRUE(test_ok_) << test_ok_.error().message(); \
  } while (0)

using TempDir = ::magnum::testing_util::TempDir;

// Polls `pred` until it holds or `timeout` passes. Only for states no condition variable
// announces (rows written by another thread); everything else waits on conditions.
inline bool WaitUntil(const std::function<bool()>& pred,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto until = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < until) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return pred();
}

// A test driver named `name`, providing (vm, `os`, kubernetes), whose lifecycle calls all
// succeed at once; tests derive from it to override the one hook they exercise.
class NoOpDriver : public drivers::Driver {
 public:
  NoOpDriver(std::string name, std::string os) : name_(std::move(name)), os_(std::move(os)) {}
  std::string_view name() const override { return name_; }
  std::vector<drivers::Provides> provides() const override { return {{"vm", os_, "kubernetes"}}; }
  Result<void> CreateCluster(drivers::OperationContext&) override { return {}; }
  Result<void> ResizeNodeGroup(drivers::OperationContext&, const std::string&,
                               const std::vector<std::string>&) override {
    return {};
  }
  Result<void> UpgradeCluster(drivers::OperationContext&, const drivers::TemplateState&, int64_t,
                              const std::string&) override {
    return {};
  }
  Result<void> DeleteCluster(drivers::OperationContext&) override { return {}; }
  Result<void> CreateNodeGroup(drivers::OperationContext&, const std::string&) override {
    return {};
  }
  Result<void> UpdateNodeGroup(drivers::OperationContext&, const std::string&) override {
    return {};
  }
  Result<void> DeleteNodeGroup(drivers::OperationContext&, const std::string&) override {
    return {};
  }

 private:
  std::string name_, os_;
};

// A test driver whose lifecycle calls block on a gate the test opens. Records overlaps of
// operations on one cluster and the peak number of operations running at once.
class GateDriver final : public drivers::Driver {
 public:
  struct State {
    std::mutex mu;
    std::condition_variable cv;
    bool open = false;
    bool ignore_cancel = false;  // keep blocking after Cancelled() turns true
    int entered = 0;             // calls that reached the gate
    int running = 0;
    int peak = 0;
    std::map<std::string, int> running_per_cluster;
    bool overlap = false;            // two operations on one cluster at once
    std::vector<std::string> calls;  // "create:<uuid>", "delete:<uuid>", ...
    std::atomic<int> cancelled_seen{0};
    bool gate_sync = false;  // SyncStatus waits at the gate too (answers "unchanged")
    int sync_entered = 0;    // SyncStatus calls that reached the gate
  };

  explicit GateDriver(std::shared_ptr<State> state) : s_(std::move(state)) {}

  std::string_view name() const override { return "gate"; }
  std::vector<drivers::Provides> provides() const override {
    return {{"vm", "gate-os", "kubernetes"}};
  }
  bool test_only() const override { return true; }

  Result<void> CreateCluster(drivers::OperationContext& op) override { return Gate(op, "create"); }
  Result<void> ResizeNodeGroup(drivers::OperationContext& op, const std::string&,
                               const std::vector<std::string>&) override {
    return Gate(op, "resize");
  }
  Result<void> UpgradeCluster(drivers::OperationContext& op, const drivers::TemplateState&, int64_t,
                              const std::string&) override {
    return Gate(op, "upgrade");
  }
  Result<void> DeleteCluster(drivers::OperationContext& op) override { return Gate(op, "delete"); }
  Result<void> CreateNodeGroup(drivers::OperationContext& op, const std::string&) override {
    return Gate(op, "nodegroup_create");
  }
  Result<void> UpdateNodeGroup(drivers::OperationContext& op, const std::string&) override {
    return Gate(op, "nodegroup_update");
  }
  Result<void> DeleteNodeGroup(drivers::OperationContext& op, const std::string&) override {
    return Gate(op, "nodegroup_delete");
  }
  Result<void> RotateCaCertificate(drivers::OperationContext& op) override {
    return Gate(op, "rotate_ca");
  }
  Result<drivers::SyncReport> SyncStatus(const drivers::ClusterState&) override {
    std::unique_lock<std::mutex> lock(s_->mu);
    if (!s_->gate_sync) return drivers::SyncReport{};
    ++s_->sync_entered;
    s_->cv.notify_all();
    s_->cv.wait(lock, [this] { return s_->open; });
    return drivers::SyncReport{};
  }

 private:
  Result<void> Gate(drivers::OperationContext& op, const std::string& what) {
    const std::string uuid = op.cluster().uuid;
    {
      std::unique_lock<std::mutex> lock(s_->mu);
      s_->calls.push_back(what + ":" + uuid);
      ++s_->entered;
      ++s_->running;
      s_->peak = std::max(s_->peak, s_->running);
      if (++s_->running_per_cluster[uuid] > 1) s_->overlap = true;
      s_->cv.notify_all();
    }
    op.Event(what, "waiting at the gate");
    bool cancelled = false;
    {
      std::unique_lock<std::mutex> lock(s_->mu);
      while (!s_->open) {
        if (op.Cancelled()) {
          if (!cancelled) s_->cancelled_seen++;
          cancelled = true;
          s_->cv.notify_all();
          if (!s_->ignore_cancel) break;
        }
        s_->cv.wait_for(lock, std::chrono::milliseconds(5));
      }
      --s_->running;
      --s_->running_per_cluster[uuid];
      s_->cv.notify_all();
    }
    if (cancelled && !s_->ignore_cancel) {
      return Fail(Error::Unavailable("gate driver: cancelled during " + what));
    }
    op.Event(what, "passed the gate");
    return {};
  }

  std::shared_ptr<State> s_;
};

inline void OpenGate(GateDriver::State& s) {
  std::lock_guard<std::mutex> lock(s.mu);
  s.open = true;
  s.cv.notify_all();
}

inline void CloseGate(GateDriver::State& s) {
  std::lock_guard<std::mutex> lock(s.mu);
  s.open = false;
}

inline bool WaitEntered(GateDriver::State& s, int n,
                        std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  std::unique_lock<std::mutex> lock(s.mu);
  return s.cv.wait_for(lock, timeout, [&] { return s.entered >= n; });
}

// What InsertCluster inserts (designated initializers in tests: {.name = "x"}).
struct ClusterSpec {
  std::string name = "c1";
  std::string template_uuid;  // "" = a new template for `driver`
  std::string driver = "fake";
  std::string status = "CREATE_IN_PROGRESS";
  int64_t master_count = 1;
  int64_t node_count = 1;
  int64_t create_timeout = 60;
  std::map<std::string, std::string> labels;
};

// A migrated database, a registry with `fake` and `gate`, and helpers.
class ConductorTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = db::OpenDatabase("sqlite:///" + dir_.File("magnum.sqlite"));
    ASSERT_TRUE(opened) << opened.error().message();
    db_ = std::move(*opened);
    auto upgraded = db_->Upgrade();
    ASSERT_TRUE(upgraded) << upgraded.error().message();
    registry_.Register(drivers::NewFakeDriver());
    gate_ = std::make_shared<GateDriver::State>();
    registry_.Register(std::make_unique<GateDriver>(gate_));
  }

  void TearDown() override {
    // Never leave a gate-blocked worker behind.
    OpenGate(*gate_);
    for (auto& c : conductors_) c->Stop();
    conductors_.clear();
  }

  static certs::X509Options FastX509() {
    certs::X509Options o;
    o.rsa_key_size = 1024;
    return o;
  }

  std::unique_ptr<ClusterCertificates> NewCertificates(db::Database* d = nullptr) {
    return std::make_unique<ClusterCertificates>(d ? d : db_.get(),
                                                 certs::KeyEncryptor::FromKey(std::string(32, 'k')),
                                                 FastX509(), &SystemClock());
  }

  ConductorOptions Options(const std::string& host = "test-host") {
    ConductorOptions o;
    o.host = host;
    o.workers = 4;
    o.status_sync_interval = std::chrono::hours(1);  // tests call SyncStatusOnce
    o.health_poll_interval = std::chrono::hours(1);  // tests call PollHealthOnce
    o.report_interval = std::chrono::milliseconds(200);
    o.service_down_time = std::chrono::seconds(3);
    o.stop_grace = std::chrono::seconds(2);
    return o;
  }

  // A started conductor on this test's database (stopped in TearDown). With `clock` (a
  // ManualClock) and o.run_timer_thread false, time is simulated: the test advances the
  // clock and calls RunDueTasks().
  ConductorService* StartConductor(ConductorOptions o, db::Database* d = nullptr,
                                   const Clock* clock = nullptr) {
    ConductorDeps deps;
    deps.db = d ? d : db_.get();
    deps.drivers = &registry_;
    deps.clock = clock ? clock : &SystemClock();
    deps.certificates = NewCertificates(deps.db);
    conductors_.push_back(std::make_unique<ConductorService>(std::move(deps), std::move(o)));
    auto started = conductors_.back()->Start();
    EXPECT_TRUE(started) << started.error().message();
    return conductors_.back().get();
  }
  ConductorService* StartConductor() { return StartConductor(Options()); }

  std::string Now() const { return FormatDbTimestamp(SystemClock().Now()); }

  // A cluster template; `driver` "" = select by (server_type, os, coe).
  std::string InsertTemplate(const std::string& driver = "fake", bool tls_disabled = false,
                             const std::string& image = "fake-image") {
    Row t;
    const std::string uuid = GenerateUuid();
    t.Set("uuid", uuid);
    t.Set("name", "tmpl-" + uuid.substr(0, 8));
    t.Set("project_id", std::string("p1"));
    t.Set("user_id", std::string("u1"));
    t.Set("coe", std::string("kubernetes"));
    t.Set("server_type", std::string("vm"));
    t.Set("cluster_distro", std::string(driver == "gate" ? "gate-os" : "fake-os"));
    t.Set("image_id", image);
    t.Set("driver", driver);
    t.Set("tls_disabled", tls_disabled);
    t.Set("labels", std::string("{}"));
    t.Set("created_at", Now());
    auto r = db_->Insert(db::kClusterTemplateTable, t);
    EXPECT_TRUE(r) << r.error().message();
    return uuid;
  }

  // The cluster row and its default nodegroups, as the API inserts them.
  std::string InsertCluster(ClusterSpec spec) {
    if (spec.template_uuid.empty()) spec.template_uuid = InsertTemplate(spec.driver);
    const std::string uuid = GenerateUuid();
    std::string labels = "{";
    for (const auto& [k, v] : spec.labels) {
      if (labels.size() > 1) labels += ",";
      labels += "\"" + k + "\":\"" + v + "\"";
    }
    labels += "}";
    Row c;
    c.Set("uuid", uuid);
    c.Set("name", spec.name);
    c.Set("project_id", std::string("p1"));
    c.Set("user_id", std::string("u1"));
    c.Set("cluster_template_id", spec.template_uuid);
    c.Set("labels", labels);
    c.Set("status", spec.status);
    c.Set("create_timeout", spec.create_timeout);
    c.Set("driver", spec.driver);
    c.Set("flavor_id", std::string("m1.small"));
    c.Set("master_flavor_id", std::string("m1.medium"));
    c.Set("created_at", Now());
    auto r = db_->Insert(db::kClusterTable, c);
    EXPECT_TRUE(r) << r.error().message();
    InsertNodeGroup(uuid, "default-master", "master", true, spec.master_count, spec.status);
    InsertNodeGroup(uuid, "default-worker", "worker", true, spec.node_count, spec.status);
    return uuid;
  }

  std::string InsertNodeGroup(const std::string& cluster_uuid, const std::string& name,
                              const std::string& role, bool is_default, int64_t count,
                              const std::string& status) {
    Row ng;
    const std::string uuid = GenerateUuid();
    ng.Set("uuid", uuid);
    ng.Set("name", name);
    ng.Set("cluster_id", cluster_uuid);
    ng.Set("project_id", std::string("p1"));
    ng.Set("role", role);
    ng.Set("is_default", is_default);
    ng.Set("node_count", count);
    ng.Set("min_node_count", int64_t{0});
    ng.Set("image_id", std::string("fake-image"));
    ng.Set("flavor_id", std::string("m1.small"));
    ng.Set("labels", std::string("{}"));
    ng.Set("status", status);
    ng.Set("created_at", Now());
    auto r = db_->Insert(db::kNodeGroupTable, ng);
    EXPECT_TRUE(r) << r.error().message();
    return uuid;
  }

  // Moves the cluster's created_at into the past (rows the API inserted long ago).
  void Backdate(const std::string& uuid, std::chrono::seconds by = std::chrono::seconds(60)) {
    Row old;
    old.Set("created_at", FormatDbTimestamp(SystemClock().Now() - by));
    auto r = db_->Update(db::kClusterTable, Filter().Where(Condition::Eq("uuid", uuid)), old);
    EXPECT_TRUE(r) << r.error().message();
  }

  std::optional<Row> Cluster(const std::string& uuid) {
    auto r = db_->GetOne(db::kClusterTable, Filter().Where(Condition::Eq("uuid", uuid)));
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : std::nullopt;
  }
  std::string Status(const std::string& uuid) {
    auto c = Cluster(uuid);
    return c ? c->GetString("status") : "<gone>";
  }
  std::string Reason(const std::string& uuid) {
    auto c = Cluster(uuid);
    return c ? c->GetString("status_reason") : "<gone>";
  }
  std::vector<Row> NodeGroups(const std::string& cluster_uuid) {
    db::ListQuery q;
    q.filter.Where(Condition::Eq("cluster_id", cluster_uuid));
    auto r = db_->List(db::kNodeGroupTable, q);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : std::vector<Row>{};
  }
  std::optional<Row> NodeGroup(const std::string& cluster_uuid, const std::string& name) {
    for (auto& ng : NodeGroups(cluster_uuid)) {
      if (ng.GetString("name") == name) return ng;
    }
    return std::nullopt;
  }
  std::optional<Row> Lock(const std::string& cluster_uuid) {
    auto r = db_->GetOne(db::kClusterLockTable,
                         Filter().Where(Condition::Eq("cluster_uuid", cluster_uuid)));
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : std::nullopt;
  }
  bool HasEvent(const std::string& cluster_uuid, const std::string& fragment) {
    for (const auto& e : Events(cluster_uuid)) {
      if (e.GetString("message").find(fragment) != std::string::npos) return true;
    }
    return false;
  }
  std::vector<Row> Events(const std::string& cluster_uuid) {
    db::ListQuery q;
    q.filter.Where(Condition::Eq("cluster_uuid", cluster_uuid));
    auto r = db_->List(db::kClusterEventTable, q);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : std::vector<Row>{};
  }
  int64_t CountRows(const char* table, const Filter& f = Filter()) {
    auto r = db_->Count(table, f);
    EXPECT_TRUE(r) << r.error().message();
    return r ? *r : -1;
  }

  // Creates a cluster and waits until its create finished.
  std::string CreatedCluster(ConductorService* c, ClusterSpec spec = {}) {
    std::string uuid = InsertCluster(std::move(spec));
    auto r = c->ClusterCreate(Caller{}, uuid);
    EXPECT_TRUE(r) << r.error().message();
    EXPECT_TRUE(c->WaitIdle(std::chrono::seconds(20)));
    return uuid;
  }

  // Another connection set to this test's database file (outlives the conductors).
  db::Database* OtherDatabase() {
    auto opened = db::OpenDatabase("sqlite:///" + dir_.File("magnum.sqlite"));
    EXPECT_TRUE(opened) << opened.error().message();
    extra_dbs_.push_back(std::move(*opened));
    return extra_dbs_.back().get();
  }

  TempDir dir_;
  std::unique_ptr<db::Database> db_;
  std::vector<std::unique_ptr<db::Database>> extra_dbs_;
  drivers::DriverRegistry registry_;
  std::shared_ptr<GateDriver::State> gate_;
  std::vector<std::unique_ptr<ConductorService>> conductors_;
};

}  // namespace magnum::conductor::testing
