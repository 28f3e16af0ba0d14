// The docker driver's other seams for its unit tests: simulated time, a fixed image source,
// an OperationContext that records events and reports, cluster states, and a driver wired
// to a FakeEngine (fake_docker_engine.h). Header-only, shared by docker_driver_*_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "fake_docker_engine.h"

namespace magnum::drivers::docker::fake {

// Simulated steady time: Sleep() advances Now() at once.
class FakeTime final : public DriverTime {
 public:
  Clock::time_point Now() override {
    return Clock::time_point(std::chrono::nanoseconds(ns_.load()));
  }
  void Sleep(std::chrono::milliseconds d) override {
    ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
    ++sleeps;
  }
  // Time passing between two polls (the conductor's scheduler waits, nobody sleeps here).
  void Advance(std::chrono::milliseconds d) {
    ns_ += std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
  }
  std::atomic<int> sleeps{0};

 private:
  std::atomic<int64_t> ns_{1'000'000'000};
};

class FakeImages final : public ImageSource {
 public:
  Result<NodeImages> Ensure(const std::function<void(std::string_view)>&,
                            const std::function<bool()>&) override {
    if (fail) return magnum::Fail(Error::Internal("node image build failed (exit 1): boom"));
    return NodeImages{kNodeImage, kWorkload};
  }
  bool fail = false;
};

struct Event {
  std::string step, message, node;
  bool warning = false;
};

class FakeOperation final : public OperationContext {
 public:
  explicit FakeOperation(ClusterState c) : cluster_(std::move(c)) {}
  const ClusterState& cluster() const override { return cluster_; }
  void Event(std::string_view step, std::string_view message, std::string_view node) override {
    std::lock_guard l(mu);
    events.push_back({std::string(step), std::string(message), std::string(node), false});
    if (step == cancel_on_step) cancelled = true;
  }
  void Warning(std::string_view step, std::string_view message, std::string_view node) override {
    std::lock_guard l(mu);
    events.push_back({std::string(step), std::string(message), std::string(node), true});
  }
  Result<void> Report(const ClusterReport& r) override {
    std::lock_guard l(mu);
    reports.push_back(r);
    return {};
  }
  Result<void> ReportNodeGroup(const NodeGroupReport& r) override {
    std::lock_guard l(mu);
    ng_reports.push_back(r);
    return {};
  }
  bool Cancelled() const override { return cancelled.load(); }
  TimePoint Deadline() const override { return deadline; }
  TimePoint Now() const override { return clock != nullptr ? clock->Now() : SystemClock().Now(); }
  Result<IssuedCertificate> IssueServerCertificate(const std::string& cn,
                                                   const std::vector<std::string>&,
                                                   const std::vector<std::string>&) override {
    std::lock_guard l(mu);
    server_certs.push_back(cn);
    return IssuedCertificate{"CERT-" + cn, "KEY-" + cn, "CA"};
  }
  Result<IssuedCertificate> IssueClientCertificate(const std::string& cn,
                                                   const std::string& org) override {
    return IssuedCertificate{"CLIENT-" + cn + "-" + org, "CLIENT-KEY", "CA"};
  }

  // Steps of the events (warnings included), in order; with `node`, only that node's.
  std::vector<std::string> Nodes(const std::string& step) {
    std::lock_guard l(mu);
    std::vector<std::string> out;
    for (const auto& e : events) {
      if (e.step == step && !e.node.empty() && !e.warning) out.push_back(e.node);
    }
    return out;
  }
  bool Warned(const std::string& step, const std::string& text) {
    std::lock_guard l(mu);
    for (const auto& e : events) {
      if (e.warning && e.step == step && e.message.find(text) != std::string::npos) return true;
    }
    return false;
  }
  std::optional<std::string> Last(std::optional<std::string> NodeGroupReport::*field,
                                  const std::string& ng) {
    std::lock_guard l(mu);
    std::optional<std::string> v;
    for (const auto& r : ng_reports) {
      if (r.uuid == ng && r.*field) v = r.*field;
    }
    return v;
  }

  std::mutex mu;
  std::vector<fake::Event> events;
  std::vector<ClusterReport> reports;
  std::vector<NodeGroupReport> ng_reports;
  std::vector<std::string> server_certs;
  std::atomic<bool> cancelled{false};
  std::string cancel_on_step;
  TimePoint deadline = TimePoint::max();  // set before the operation runs
  const Clock* clock = nullptr;           // the clock `deadline` is on; null: the system clock

 private:
  ClusterState cluster_;
};

inline NodeGroupState Group(std::string uuid, std::string name, std::string role, int64_t count) {
  NodeGroupState ng;
  ng.uuid = std::move(uuid);
  ng.name = std::move(name);
  ng.role = std::move(role);
  ng.node_count = count;
  ng.is_default = ng.name.rfind("default-", 0) == 0;
  return ng;
}

// A cluster "demo" with `masters` managers and `workers` workers in the default groups.
inline ClusterState Cluster(int64_t masters, int64_t workers) {
  ClusterState c;
  c.uuid = "c0ffee00-1111-2222-3333-444455556666";
  c.name = "demo";
  c.status = "CREATE_IN_PROGRESS";
  c.cluster_template.image_id = "swarm-node";
  c.cluster_template.coe = "swarm-mode";
  c.nodegroups.push_back(Group("ng-master", "default-master", "master", masters));
  c.nodegroups.push_back(Group("ng-worker", "default-worker", "worker", workers));
  return c;
}

// A driver wired to `engine`, fake images and `time`, polling every 10 simulated ms.
inline std::unique_ptr<drivers::Driver> MakeDriver(const std::shared_ptr<FakeEngine>& engine,
                                                   const std::shared_ptr<FakeTime>& time,
                                                   DockerDriverOptions o = {}) {
  o.docker_host = kHostUrl;
  o.poll_interval = std::chrono::milliseconds(10);
  DockerDriverDeps deps;
  deps.transport_factory = [engine](const DockerEndpoint& ep, std::function<bool()>) {
    return engine->Transport(ep);
  };
  deps.images = std::make_unique<FakeImages>();
  deps.time = time;
  return NewDockerDriver(std::move(o), std::move(deps));
}

// A cluster of `masters` + `workers` created through `driver`; returns its state for the
// next operation (UPDATE_IN_PROGRESS, as the conductor hands it over).
inline ClusterState RunningCluster(drivers::Driver& driver, int64_t masters, int64_t workers) {
  ClusterState c = Cluster(masters, workers);
  FakeOperation op(c);
  auto r = driver.CreateCluster(op);
  EXPECT_TRUE(r) << r.error().message();
  c.status = "UPDATE_IN_PROGRESS";
  return c;
}

}  // namespace magnum::drivers::docker::fake
