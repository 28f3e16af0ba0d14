// Pure parts of the docker driver: engine error classes by HTTP status, bounded fan-out,
// flavor limits, upgrade batches.
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "magnum/config/config.h"
#include "magnum/drivers/docker/cluster_layout.h"
#include "magnum/drivers/docker/docker_client.h"
#include "magnum/drivers/docker/docker_driver.h"
#include "magnum/drivers/docker/flavor_limits.h"
#include "magnum/drivers/docker/parallel.h"

namespace magnum::drivers::docker {
namespace {

TEST(EngineFailures, ClassifiedByStatusNotText) {
  EXPECT_EQ(FailureForStatus(200), EngineFailure::kNone);
  EXPECT_EQ(FailureForStatus(204), EngineFailure::kNone);
  EXPECT_EQ(FailureForStatus(304), EngineFailure::kNone);
  EXPECT_EQ(FailureForStatus(400), EngineFailure::kBadRequest);
  EXPECT_EQ(FailureForStatus(403), EngineFailure::kForbidden);
  EXPECT_EQ(FailureForStatus(404), EngineFailure::kNoSuchObject);
  EXPECT_EQ(FailureForStatus(409), EngineFailure::kConflict);
  EXPECT_EQ(FailureForStatus(500), EngineFailure::kEngineError);
  EXPECT_EQ(FailureForStatus(503), EngineFailure::kEngineError);
  EXPECT_EQ(FailureForStatus(418), EngineFailure::kEngineError);

  // Through the client: the same message text under each status lands in its class.
  for (auto [status, want] :
       std::vector<std::pair<long, EngineFailure>>{{400, EngineFailure::kBadRequest},
                                                   {403, EngineFailure::kForbidden},
                                                   {404, EngineFailure::kNoSuchObject},
                                                   {409, EngineFailure::kConflict},
                                                   {500, EngineFailure::kEngineError},
                                                   {503, EngineFailure::kEngineError}}) {
    class One final : public DockerTransport {
     public:
      explicit One(long s) : s_(s) {}
      Result<HttpReply> Send(std::string_view, const std::string&, const std::string&,
                             std::string_view, std::chrono::milliseconds) override {
        return HttpReply{s_, R"({"message":"No such container: already exists, in use"})", ""};
      }
      const std::string& url() const override { return url_; }

     private:
      long s_;
      std::string url_ = "unix:///x";
    };
    DockerClient c(std::make_unique<One>(status));
    auto r = c.RemoveContainer("x", true, true);
    ASSERT_FALSE(r);
    EXPECT_EQ(ClassifyEngineError(r.error()), want) << status;
    EXPECT_NE(r.error().message().find("(HTTP " + std::to_string(status)), std::string::npos);
  }
  EXPECT_EQ(ClassifyEngineError(Error::Unavailable("Docker Engine at x is not reachable")),
            EngineFailure::kUnreachable);
  EXPECT_EQ(ClassifyEngineError(Error::FailedPrecondition("TLS ...")), EngineFailure::kTls);
  EXPECT_EQ(EngineFailureName(EngineFailure::kNoSuchObject), "no such object");
}

TEST(BoundedParallelFor, NeverRunsMoreThanTheBound) {
  for (size_t bound : {1u, 2u, 4u}) {
    std::mutex mu;
    std::condition_variable cv;
    size_t inside = 0, most = 0, done = 0;
    const size_t n = 9;
    auto r = BoundedParallelFor(n, bound, [&](size_t) -> Result<void> {
      std::unique_lock l(mu);
      ++inside;
      most = std::max(most, inside);
      cv.notify_all();
      // Wait until the pool is full (or the rest cannot fill it).
      cv.wait(l, [&] { return inside >= std::min(bound, n - done); });
      --inside;
      ++done;
      cv.notify_all();
      return {};
    });
    ASSERT_TRUE(r);
    EXPECT_EQ(most, bound);
    EXPECT_EQ(done, n);
  }
}

TEST(BoundedParallelFor, FirstErrorByIndexAndNoNewWorkAfterAFailure) {
  std::atomic<int> ran{0};
  auto r = BoundedParallelFor(100, 1, [&](size_t i) -> Result<void> {
    ++ran;
    if (i == 3) return Fail(Error::Internal("item 3"));
    return {};
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().message(), "item 3");
  EXPECT_EQ(ran.load(), 4);
  EXPECT_TRUE(BoundedParallelFor(0, 4, [](size_t) -> Result<void> { return {}; }));
  // A bound below 1 counts as 1.
  std::atomic<int> count{0};
  EXPECT_TRUE(BoundedParallelFor(5, 0, [&](size_t) -> Result<void> {
    ++count;
    return {};
  }));
  EXPECT_EQ(count.load(), 5);
}

TEST(FlavorLimits, BuiltInTableAndFallback) {
  FlavorLimits t = DefaultFlavorLimits();
  HostCapacity big{64, int64_t{256} << 30, true, true};
  EXPECT_EQ(LimitsForFlavor(t, "m1.tiny", big), (NodeLimits{0.5, 256}));
  EXPECT_EQ(LimitsForFlavor(t, "m1.small", big), (NodeLimits{0.5, 1024}));
  EXPECT_EQ(LimitsForFlavor(t, "m1.medium", big), (NodeLimits{1, 2048}));
  EXPECT_EQ(LimitsForFlavor(t, "m1.large", big), (NodeLimits{2, 4096}));
  EXPECT_EQ(LimitsForFlavor(t, "m1.xlarge", big), (NodeLimits{4, 8192}));
  EXPECT_EQ(LimitsForFlavor(t, "", big), (NodeLimits{1, 1024}));
  EXPECT_EQ(LimitsForFlavor(t, "ds4G", big), (NodeLimits{1, 1024}));
  EXPECT_EQ(NanoCpus({0.5, 256}), 500000000);
  EXPECT_EQ(MemoryBytes({0.5, 256}), int64_t{256} << 20);
}

TEST(FlavorLimits, CappedAtTheHostAndDroppedWhenNotEnforceable) {
  FlavorLimits t = DefaultFlavorLimits();
  HostCapacity small{2, int64_t{3} << 30, true, true};  // 2 CPUs, 3 GiB
  EXPECT_EQ(LimitsForFlavor(t, "m1.xlarge", small), (NodeLimits{2, 3072}));
  EXPECT_EQ(LimitsForFlavor(t, "m1.small", small), (NodeLimits{0.5, 1024}));
  HostCapacity no_cfs{2, int64_t{3} << 30, false, true};
  EXPECT_EQ(LimitsForFlavor(t, "m1.small", no_cfs), (NodeLimits{0, 1024}));
  HostCapacity no_mem{2, int64_t{3} << 30, true, false};
  EXPECT_EQ(LimitsForFlavor(t, "m1.small", no_mem), (NodeLimits{0.5, 0}));
  HostCapacity unknown{};
  EXPECT_EQ(LimitsForFlavor(t, "m1.xlarge", unknown), (NodeLimits{4, 8192}));
}

TEST(FlavorLimits, ConfiguredEntries) {
  auto t = ParseFlavorLimits({"m1.small = 1/512", "gpu.big=2.5/6144", "default=0/0"});
  ASSERT_TRUE(t) << t.error().message();
  HostCapacity big{64, int64_t{256} << 30, true, true};
  EXPECT_EQ(LimitsForFlavor(*t, "m1.small", big), (NodeLimits{1, 512}));
  EXPECT_EQ(LimitsForFlavor(*t, "gpu.big", big), (NodeLimits{2.5, 6144}));
  EXPECT_EQ(LimitsForFlavor(*t, "m1.tiny", big), (NodeLimits{0.5, 256}));  // built-in kept
  EXPECT_EQ(LimitsForFlavor(*t, "other", big), (NodeLimits{0, 0}));        // no limits
  EXPECT_EQ(NanoCpus({0, 0}), 0);
  for (const char* bad : {"m1.small", "m1.small=1", "=1/512", "x=-1/512", "x=1/lots", "x=1e3/5",
                          "x=1/32", "x=./512"}) {
    auto r = ParseFlavorLimits({bad});
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find("[docker] flavor_limits: entry"), std::string::npos);
  }
}

TEST(DockerConfigOptions, MaxParallelNodesAndFlavorLimits) {
  auto d = config::LoadFromString("");
  ASSERT_TRUE(d);
  EXPECT_EQ(DockerDriverOptionsFromConfig(*d).max_parallel_nodes, 4);
  EXPECT_TRUE(DockerDriverOptionsFromConfig(*d).flavor_limits.empty());
  auto c = config::LoadFromString(
      "[docker]\nmax_parallel_nodes = 2\nflavor_limits = m1.small=1/512, default=0/0\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->warnings.empty());
  DockerDriverOptions o = DockerDriverOptionsFromConfig(*c);
  EXPECT_EQ(o.max_parallel_nodes, 2);
  EXPECT_EQ(o.flavor_limits, (std::vector<std::string>{"m1.small=1/512", "default=0/0"}));
  for (const char* bad : {"0", "65", "four"}) {
    auto r = config::LoadFromString(std::string("[docker]\nmax_parallel_nodes = ") + bad + "\n");
    ASSERT_FALSE(r) << bad;
    EXPECT_NE(r.error().message().find("[docker] max_parallel_nodes"), std::string::npos);
  }
}

NodeRecord N(const std::string& name, bool master) {
  NodeRecord n;
  n.name = name;
  n.master = master;
  return n;
}

std::vector<std::vector<std::string>> Names(const std::vector<std::vector<NodeRecord>>& b) {
  std::vector<std::vector<std::string>> out;
  for (const auto& batch : b) {
    out.emplace_back();
    for (const auto& n : batch) out.back().push_back(n.name);
  }
  return out;
}

TEST(UpgradeBatches, WorkersByBatchSizeManagersByQuorum) {
  std::vector<NodeRecord> nodes = {N("m0", true),  N("w0", false), N("m1", true), N("w1", false),
                                   N("w2", false), N("m2", true),  N("m3", true), N("m4", true)};
  using V = std::vector<std::vector<std::string>>;
  EXPECT_EQ(Names(UpgradeBatches(nodes, 2, 5)),
            (V{{"w0", "w1"}, {"w2"}, {"m0", "m1"}, {"m2", "m3"}, {"m4"}}));
  EXPECT_EQ(Names(UpgradeBatches(nodes, 10, 5)),
            (V{{"w0", "w1", "w2"}, {"m0", "m1"}, {"m2", "m3"}, {"m4"}}));
  EXPECT_EQ(Names(UpgradeBatches(nodes, 1, 5)),
            (V{{"w0"}, {"w1"}, {"w2"}, {"m0"}, {"m1"}, {"m2"}, {"m3"}, {"m4"}}));
  std::vector<NodeRecord> three = {N("m0", true), N("m1", true), N("m2", true)};
  EXPECT_EQ(Names(UpgradeBatches(three, 3, 3)), (V{{"m0"}, {"m1"}, {"m2"}}));
  std::vector<NodeRecord> one = {N("m0", true), N("w0", false)};
  EXPECT_EQ(Names(UpgradeBatches(one, 5, 1)), (V{{"w0"}, {"m0"}}));
  EXPECT_EQ(Names(UpgradeBatches(one, 0, 1)), (V{{"w0"}, {"m0"}}));
  EXPECT_TRUE(UpgradeBatches({}, 3, 1).empty());
}

}  // namespace
}  // namespace magnum::drivers::docker
