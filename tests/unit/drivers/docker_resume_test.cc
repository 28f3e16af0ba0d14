// The docker driver's resumable operations (drivers/driver.h Advance) through its fake
// engine: every operation is run phase by phase with a new driver for every phase (a
// conductor restart between any two steps), and again with a "crash" at every single engine
// call — before the engine acts and after it acted but before the driver heard back — after
// which a new driver resumes from the last saved progress. The engine must end exactly as
// after an uninterrupted run: no container, volume, network or swarm member too many or
// missing, none left drained, every node on the right image.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "fake_docker_driver.h"

namespace magnum::drivers::docker {
namespace {

using fake::FakeEngine;
using fake::FakeOperation;
using fake::FakeTime;

using fake::kV2;

// What the engine holds, in a form two runs can be compared by.
std::string Snapshot(FakeEngine& e) {
  std::lock_guard l(e.mu);
  std::set<std::string> lines;
  for (const auto& c : e.containers) {
    lines.insert("container " + c.name + " " + c.image + " " + c.state + " " + c.ip + " ng=" +
                 c.labels.value("magnum.nodegroup.uuid", ""));
  }
  for (const auto& [name, labels] : e.volumes) lines.insert("volume " + name);
  for (const auto& [name, n] : e.networks) lines.insert("network " + name);
  for (const auto& m : e.swarm) {
    if (m.left) continue;
    lines.insert("member " + m.hostname + " " + m.role + " " + m.availability + " " +
                 m.labels.dump());
  }
  std::ostringstream out;
  for (const auto& l : lines) out << l << "\n";
  return out.str();
}

struct Scenario {
  std::string name;
  int64_t masters = 1, workers = 2;
  bool created = true;  // the cluster exists before the operation
  std::function<void(ClusterState&)> edit;  // the desired state the operation works on
  OperationSpec spec;
};

class DockerResumeTest : public ::testing::TestWithParam<Scenario> {
 protected:
  struct World {
    std::shared_ptr<FakeEngine> engine = std::make_shared<FakeEngine>();
    std::shared_ptr<FakeTime> time = std::make_shared<FakeTime>();
    ClusterState cluster;
  };

  // A fresh engine with the scenario's starting point.
  World Prepare() {
    const Scenario& s = GetParam();
    World w;
    w.engine->images[kV2] = {"sha256:node2", "20.10.25"};
    if (s.created) {
      auto d = fake::MakeDriver(w.engine, w.time);
      w.cluster = fake::RunningCluster(*d, s.masters, s.workers);
    } else {
      w.cluster = fake::Cluster(s.masters, s.workers);
    }
    if (s.edit) s.edit(w.cluster);
    std::lock_guard l(w.engine->mu);
    w.engine->calls.clear();
    return w;
  }

  // Runs the scenario's operation by Advance calls, each with a new driver (nothing of a
  // driver survives between two calls); an error keeps the progress saved before the call
  // (as a crash would). Gives up after `max_calls`.
  ::testing::AssertionResult RunResuming(World& w, int max_calls = 200) {
    std::string progress;
    for (int i = 0; i < max_calls; ++i) {
      auto d = fake::MakeDriver(w.engine, w.time);
      FakeOperation op(w.cluster);
      std::string next = progress;
      auto r = d->Advance(op, GetParam().spec, next);
      if (!r) continue;  // "crashed": resume from the progress saved before
      progress = next;
      if (r->done) return ::testing::AssertionSuccess();
    }
    return ::testing::AssertionFailure() << "not done after " << max_calls << " calls";
  }

  size_t CallsOf(World& w) {
    std::lock_guard l(w.engine->mu);
    return w.engine->calls.size();
  }

  // The engine after an uninterrupted run, and how many engine calls it took.
  std::pair<std::string, size_t> Reference() {
    World w = Prepare();
    auto d = fake::MakeDriver(w.engine, w.time);
    FakeOperation op(w.cluster);
    std::string progress;
    for (int i = 0; i < 100; ++i) {
      auto r = d->Advance(op, GetParam().spec, progress);
      EXPECT_TRUE(r) << r.error().message();
      if (!r || r->done) break;
    }
    return {Snapshot(*w.engine), CallsOf(w)};
  }
};

TEST_P(DockerResumeTest, NewDriverForEveryPhaseEndsLikeOneRun) {
  auto [want, calls] = Reference();
  World w = Prepare();
  ASSERT_TRUE(RunResuming(w));
  EXPECT_EQ(Snapshot(*w.engine), want);
  EXPECT_EQ(want.find(" drain "), std::string::npos) << want;
}

TEST_P(DockerResumeTest, CrashAtEveryEngineCallThenResumeEndsLikeOneRun) {
  auto [want, calls] = Reference();
  ASSERT_GT(calls, 0u);
  for (bool after : {false, true}) {
    for (size_t n = 0; n < calls; ++n) {
      SCOPED_TRACE(std::string(after ? "after" : "before") + " engine call " + std::to_string(n));
      World w = Prepare();
      fake::Fault f;
      f.path = ".";
      f.skip = static_cast<int>(n);
      f.times = 1;
      f.after_applying = after;
      f.message = "crash";
      w.engine->Fail(f);
      ASSERT_TRUE(RunResuming(w));
      ASSERT_EQ(Snapshot(*w.engine), want);
    }
  }
}

OperationSpec Spec(OperationKind k, std::string ng = "") {
  OperationSpec s;
  s.kind = k;
  s.nodegroup_uuid = std::move(ng);
  return s;
}

std::vector<Scenario> Scenarios() {
  std::vector<Scenario> out;
  out.push_back({"create", 1, 2, false, nullptr, Spec(OperationKind::kCreate)});
  out.push_back({"create3managers", 3, 1, false, nullptr, Spec(OperationKind::kCreate)});
  out.push_back({"grow", 1, 1,  true,
                 [](ClusterState& c) { c.nodegroups[1].node_count = 3; },
                 Spec(OperationKind::kResize, "ng-worker")});
  {
    Scenario s{"shrinknamed", 1, 3, true,
               [](ClusterState& c) { c.nodegroups[1].node_count = 1; },
               Spec(OperationKind::kResize, "ng-worker")};
    s.spec.nodes_to_remove = {"demo-node-0"};
    out.push_back(s);
  }
  out.push_back({"nodegroupcreate", 1, 1, true,
                 [](ClusterState& c) {
                   c.nodegroups.push_back(fake::Group("ng-zone-b", "zone-b", "worker", 2));
                   c.nodegroups.back().node_labels = {{"zone", "b"}};
                 },
                 Spec(OperationKind::kNodeGroupCreate, "ng-zone-b")});
  out.push_back({"delete", 1, 2, true, nullptr, Spec(OperationKind::kDelete)});
  {
    Scenario s{"upgrade", 3, 2, true, nullptr, Spec(OperationKind::kUpgrade)};
    s.spec.target.image_id = "swarm-node:v2";
    s.spec.max_batch_size = 2;
    out.push_back(s);
  }
  {
    Scenario s{"upgradelonemanager", 1, 1, true, nullptr, Spec(OperationKind::kUpgrade)};
    s.spec.target.image_id = "swarm-node:v2";
    out.push_back(s);
  }
  return out;
}

INSTANTIATE_TEST_SUITE_P(Operations, DockerResumeTest, ::testing::ValuesIn(Scenarios()),
                         [](const auto& info) { return info.param.name; });

// The node-group delete runs on a cluster that has the group.
TEST(DockerResumeNodeGroupDelete, CrashAtEveryEngineCallLeavesNothingOfTheGroup) {
  auto setup = [](std::shared_ptr<FakeEngine> engine, std::shared_ptr<FakeTime> time) {
    auto d = fake::MakeDriver(engine, time);
    ClusterState c = fake::RunningCluster(*d, 1, 1);
    c.nodegroups.push_back(fake::Group("ng-zone-b", "zone-b", "worker", 2));
    FakeOperation op(c);
    EXPECT_TRUE(d->CreateNodeGroup(op, "ng-zone-b"));
    std::lock_guard l(engine->mu);
    engine->calls.clear();
    return c;
  };
  OperationSpec spec;
  spec.kind = OperationKind::kNodeGroupDelete;
  spec.nodegroup_uuid = "ng-zone-b";
  for (bool after : {false, true}) {
    for (int n = 0; n < 40; ++n) {
      SCOPED_TRACE(std::to_string(n) + (after ? " after" : " before"));
      auto engine = std::make_shared<FakeEngine>();
      auto time = std::make_shared<FakeTime>();
      ClusterState c = setup(engine, time);
      fake::Fault f;
      f.path = ".";
      f.skip = n;
      f.times = 1;
      f.after_applying = after;
      engine->Fail(f);
      std::string progress;
      bool done = false;
      for (int i = 0; i < 20 && !done; ++i) {
        FakeOperation op(c);
        std::string next = progress;
        auto r = fake::MakeDriver(engine, time)->Advance(op, spec, next);
        if (!r) continue;
        progress = next;
        done = r->done;
      }
      ASSERT_TRUE(done);
      EXPECT_EQ(engine->ContainerNames(), (std::vector<std::string>{"demo-master-0", "demo-node-0"}));
      std::lock_guard l(engine->mu);
      EXPECT_EQ(engine->volumes.size(), 2u);
      for (const auto& m : engine->swarm) {
        EXPECT_TRUE(m.hostname == "demo-master-0" || m.hostname == "demo-node-0") << m.hostname;
      }
    }
  }
}

// A killed conductor's last removal may still run in the engine when the resumed delete
// starts: its 409 is waited out, not a failure.
TEST(DockerResumeDelete, RemovalAlreadyInProgressIsWaitedOut) {
  auto engine = std::make_shared<FakeEngine>();
  auto time = std::make_shared<FakeTime>();
  auto driver = fake::MakeDriver(engine, time);
  ClusterState c = fake::RunningCluster(*driver, 1, 1);
  c.status = "DELETE_IN_PROGRESS";
  engine->Fail({"host", "DELETE", "^/containers/", 409,
                "removal of container is already in progress", 0, 4});
  engine->Fail({"host", "DELETE", "^/volumes/", 409, "volume is in use", 0, 1});
  FakeOperation op(c);
  auto r = driver->DeleteCluster(op);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(Snapshot(*engine), "");
  EXPECT_GE(time->sleeps.load(), 1);

  ClusterState d = fake::RunningCluster(*driver, 1, 1);
  d.status = "DELETE_IN_PROGRESS";
  engine->Fail({"host", "DELETE", "^/containers/", 500, "engine error", 0, 1});
  FakeOperation op2(d);
  EXPECT_FALSE(driver->DeleteCluster(op2)) << "other errors still fail the delete";
}

}  // namespace
}  // namespace magnum::drivers::docker
