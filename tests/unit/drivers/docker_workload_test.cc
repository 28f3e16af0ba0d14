// The docker driver's view of a cluster's Swarm for the built-in autoscaler
// (Driver::ObserveWorkload, drivers/docker/workload.h): the Engine's task, service and node
// replies parsed (and refused when malformed, never a crash), raw HTTP replies, times, the
// Workload built from them, and ObserveWorkload end to end through the fake engine (the
// manager asked through the host engine's exec, nothing changed).
#include <gtest/gtest.h>

#include <functional>
#include <limits>
#include <nlohmann/json.hpp>

#include "fake_docker_driver.h"
#include "magnum/drivers/docker/workload.h"

namespace magnum::drivers::docker {
namespace {

using fake::FakeEngine;
using fake::FakeTime;
using fake::json;

// A task as the Engine (API 1.41) answers GET /tasks, abridged.
json Task(const std::string& id, const std::string& service, const std::string& node,
          const std::string& state, double cpus = 0, int64_t memory = 0,
          const std::string& err = "", const std::string& desired = "running") {
  json t = {{"ID", id},
            {"Version", {{"Index", 17}}},
            {"CreatedAt", "2026-12-05T21:40:00.250000000Z"},
            {"UpdatedAt", "2026-12-05T21:40:01.5Z"},
            {"Spec",
             {{"ContainerSpec", {{"Image", "magnum-workload:latest"}}},
              {"Resources", {{"Limits", json::object()}, {"Reservations", json::object()}}},
              {"Placement", json::object()}}},
            {"ServiceID", service},
            {"Slot", 1},
            {"Status",
             {{"Timestamp", "2026-12-05T21:40:01.5Z"},
              {"State", state},
              {"Message", state == "pending" ? "pending task scheduling" : state}}},
            {"DesiredState", desired}};
  if (!node.empty()) t["NodeID"] = node;
  if (cpus > 0) {
    t["Spec"]["Resources"]["Reservations"]["NanoCPUs"] = static_cast<int64_t>(cpus * 1e9);
  }
  if (memory > 0) t["Spec"]["Resources"]["Reservations"]["MemoryBytes"] = memory;
  if (!err.empty()) t["Status"]["Err"] = err;
  return t;
}

json Service(const std::string& id, const std::string& name) {
  return {{"ID", id},
          {"Version", {{"Index", 12}}},
          {"Spec", {{"Name", name}, {"Mode", {{"Replicated", {{"Replicas", 3}}}}}}}};
}

constexpr const char* kInsufficient = "no suitable node (insufficient resources on 2 nodes)";

// Every value of `doc` replaced, one at a time, by values of other types: each variant is
// handed to `parse`, which must answer (a value or an error) without crashing.
void EachTypeConfusion(const json& doc, const std::function<void(const std::string&)>& parse) {
  const std::vector<json> others = {
      nullptr, "x", -1, 1.5, true, json::array(), json::object(), json(uint64_t{1} << 63)};
  std::function<void(json&, const std::function<void()>&)> walk =
      [&](json& node, const std::function<void()>& each) {
        json saved = node;
        for (const auto& o : others) {
          node = o;
          each();
        }
        node = saved;
        if (node.is_object()) {
          for (auto it = node.begin(); it != node.end(); ++it) walk(it.value(), each);
        } else if (node.is_array()) {
          for (auto& v : node) walk(v, each);
        }
      };
  json copy = doc;
  walk(copy, [&] { parse(copy.dump()); });
}

// Every prefix of `text`: an answer for each, never a crash.
template <typename Fn>
void EachPrefix(const std::string& text, Fn parse) {
  for (size_t n = 0; n < text.size(); ++n) parse(text.substr(0, n));
}

TEST(DockerWorkload, ParsesTasksServicesAndNodeResources) {
  json tasks = json::array({Task("t1", "s1", "n1", "running", 0.5, 256 << 20),
                            Task("t2", "s1", "", "pending", 1.5, 0, kInsufficient)});
  auto r = ParseTaskList(tasks.dump());
  ASSERT_TRUE(r) << r.error().message();
  ASSERT_EQ(r->size(), 2u);
  EXPECT_EQ((*r)[0].id, "t1");
  EXPECT_EQ((*r)[0].service_id, "s1");
  EXPECT_EQ((*r)[0].node_id, "n1");
  EXPECT_EQ((*r)[0].state, "running");
  EXPECT_EQ((*r)[0].desired_state, "running");
  EXPECT_EQ((*r)[0].reserved_nano_cpus, 500'000'000);
  EXPECT_EQ((*r)[0].reserved_memory_bytes, int64_t{256} << 20);
  EXPECT_EQ((*r)[0].created_at, "2026-12-05T21:40:00.250000000Z");
  EXPECT_EQ((*r)[1].node_id, "");
  EXPECT_EQ((*r)[1].err, kInsufficient);
  EXPECT_EQ((*r)[1].message, "pending task scheduling");

  auto s = ParseServiceList(json::array({Service("s1", "web")}).dump());
  ASSERT_TRUE(s) << s.error().message();
  ASSERT_EQ(s->size(), 1u);
  EXPECT_EQ((*s)[0].id, "s1");
  EXPECT_EQ((*s)[0].name, "web");

  auto n = ParseNodeList(R"([{"ID":"n1","Spec":{"Role":"worker","Availability":"active"},
    "Description":{"Hostname":"c1-node-0","Resources":{"NanoCPUs":2000000000,
    "MemoryBytes":25769803776}},"Status":{"State":"ready","Addr":"10.213.0.20"}}])");
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ((*n)[0].nano_cpus, 2'000'000'000);
  EXPECT_EQ((*n)[0].memory_bytes, int64_t{24} << 30);
  // No resources reported (a node still joining): zero, not an error.
  auto bare = ParseNodeList(R"([{"ID":"n2","Description":{"Hostname":"x"}}])");
  ASSERT_TRUE(bare);
  EXPECT_EQ((*bare)[0].nano_cpus, 0);
}

// A raw reply of a real node engine (Docker 20.10.24, Debian 12's docker.io) to the
// manager's GET /v1.41/tasks?filters={"desired-state":["running"]}, as the node socket
// client prints it: HTTP/1.0, no Content-Length, the body up to the end of the stream
// (NetworksAttachments left out). A service of 2 replicas reserving 1.5 CPUs each on one
// node whose engine reports 2 CPUs (its container limited to 0.5): one runs, the other is
// pending for resources.
constexpr const char* kRealTasksHead =
    "HTTP/1.0 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
    "Docker-Experimental: false\r\nOstype: linux\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\n"
    "Date: Sat, 05 Dec 2026 22:34:35 GMT\r\n\r\n";
constexpr const char* kRealTasksBody =
    R"j([{"ID":"jhn61tcbonfice4d39yensgli","Version":{"Index":68},"CreatedAt":"2026-12-05T22:3)j"
    R"j(4:24.341582896Z","UpdatedAt":"2026-12-05T22:34:24.422596033Z","Labels":{},"Spec":{"Con)j"
    R"j(tainerSpec":{"Image":"magnum-workload:latest","Args":["sleep","1000"],"Init":false,"DN)j"
    R"j(SConfig":{},"Isolation":"default"},"Resources":{"Limits":{},"Reservations":{"NanoCPUs")j"
    R"j(:1500000000,"MemoryBytes":67108864}},"Placement":{},"ForceUpdate":0},"ServiceID":"n7jx)j"
    R"j(ochw3ncybpqp6z7hlu2kx","Slot":2,"Status":{"Timestamp":"2026-12-05T22:34:24.422488358Z")j"
    R"j(,"State":"pending","Message":"pending task scheduling","Err":"no suitable node (insuff)j"
    R"j(icient resources on 1 node)","PortStatus":{}},"DesiredState":"running"},{"ID":"ovb994k)j"
    R"j(8crs3za0dbmq22cnlc","Version":{"Index":71},"CreatedAt":"2026-12-05T22:34:24.341365872Z)j"
    R"j(","UpdatedAt":"2026-12-05T22:34:26.331100998Z","Labels":{},"Spec":{"ContainerSpec":{"I)j"
    R"j(mage":"magnum-workload:latest","Args":["sleep","1000"],"Init":false,"DNSConfig":{},"Is)j"
    R"j(olation":"default"},"Resources":{"Limits":{},"Reservations":{"NanoCPUs":1500000000,"Me)j"
    R"j(moryBytes":67108864}},"Placement":{},"ForceUpdate":0},"ServiceID":"n7jxochw3ncybpqp6z7)j"
    R"j(hlu2kx","Slot":1,"NodeID":"4zn42k5ho09b0xpwjl3m882dd","Status":{"Timestamp":"2026-12-0)j"
    R"j(5T22:34:26.235944798Z","State":"running","Message":"started","ContainerStatus":{"Conta)j"
    R"j(inerID":"2f4cb7cbc84e927cf202a0df4fc167e6143fbef1b29135f9d731376bbff4085f","PID":428,")j"
    R"j(ExitCode":0},"PortStatus":{}},"DesiredState":"running"}])j";

TEST(DockerWorkload, ParsesARealEngineReply) {
  auto reply = ParseRawHttpReply(std::string(kRealTasksHead) + kRealTasksBody + "\n");
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->content_type, "application/json");
  auto tasks = ParseTaskList(reply->body);
  ASSERT_TRUE(tasks) << tasks.error().message();
  ASSERT_EQ(tasks->size(), 2u);
  const SwarmTask& pending = (*tasks)[0];
  EXPECT_EQ(pending.state, "pending");
  EXPECT_EQ(pending.node_id, "");
  EXPECT_EQ(pending.message, "pending task scheduling");
  EXPECT_TRUE(LacksResources(pending.err));
  EXPECT_EQ(pending.reserved_nano_cpus, 1'500'000'000);
  EXPECT_EQ(pending.reserved_memory_bytes, 64 << 20);
  EXPECT_EQ((*tasks)[1].state, "running");
  EXPECT_EQ((*tasks)[1].node_id, "4zn42k5ho09b0xpwjl3m882dd");
  ClusterState c = fake::Cluster(1, 0);
  NodeRecord m;
  m.name = "demo-master-0";
  m.master = true;
  m.state = "running";
  SwarmNode s;
  s.id = "4zn42k5ho09b0xpwjl3m882dd";
  s.hostname = "demo-master-0";
  s.role = "manager";
  s.state = "ready";
  s.availability = "active";
  s.nano_cpus = 2'000'000'000;
  auto w = BuildWorkload(c, {m}, {s}, *tasks, {{"n7jxochw3ncybpqp6z7hlu2kx", "big"}});
  ASSERT_TRUE(w) << w.error().message();
  EXPECT_DOUBLE_EQ(w->nodes[0].reserved_cpus, 1.5);
  ASSERT_EQ(w->pending.size(), 1u);
  EXPECT_EQ(w->pending[0].service, "big");
  EXPECT_TRUE(w->pending[0].lacks_resources);
  TimePoint t;
  ASSERT_TRUE(ParseEngineTime("2026-12-05T22:34:24.341582Z", &t));
  EXPECT_EQ(w->pending[0].since, t);  // nanoseconds cut to microseconds
}

TEST(DockerWorkload, MalformedEngineRepliesAreErrorsNotCrashes) {
  for (const char* body :
       {"", "{not json", "null", "42", R"("text")",
        R"({"message":"This node is not a swarm manager."})", R"([1])", R"([{"Status":"running"}])",
        R"([{"Spec":{"Resources":{"Reservations":{"NanoCPUs":"1"}}}}])",
        R"([{"Spec":{"Resources":{"Reservations":{"MemoryBytes":-5}}}}])",
        R"([{"Spec":{"Resources":{"Reservations":{"NanoCPUs":18446744073709551615}}}}])",
        R"([{"Spec":{"Resources":{"Reservations":{"NanoCPUs":1.5}}}}])", R"([{"ID":7}])"}) {
    auto t = ParseTaskList(body);
    ASSERT_FALSE(t) << body;
    EXPECT_EQ(t.error().code(), ErrorCode::kInternal) << body;
    EXPECT_NE(t.error().message().find("task list"), std::string::npos) << t.error().message();
  }
  EXPECT_FALSE(ParseServiceList(R"({"ID":"s1"})"));
  EXPECT_FALSE(ParseServiceList(R"([{"Spec":[]}])"));
  EXPECT_FALSE(ParseNodeList(R"({"message":"no"})"));
  EXPECT_FALSE(ParseNodeList(R"([{"Description":{"Resources":{"NanoCPUs":"2"}}}])"));
  EXPECT_FALSE(ParseNodeList(R"([{"Description":{"Resources":[]}}])"));
  EXPECT_FALSE(ParseNodeList(R"([{"Status":"ready"}])"));
  EXPECT_FALSE(ParseNodeList(R"([{"Description":{"Hostname":5}}])"));
  EXPECT_FALSE(ParseNodeList(R"([[]])"));
  EXPECT_FALSE(ParseServiceList(R"([{"ID":["s1"]}])"));

  // Structured mutations of real replies and every truncation of them: an answer each time.
  json tasks = json::array({Task("t1", "s1", "n1", "running", 0.5, 1 << 20),
                            Task("t2", "s1", "", "pending", 1, 0, kInsufficient)});
  int refused = 0;
  EachTypeConfusion(tasks, [&](const std::string& b) { refused += !ParseTaskList(b); });
  EXPECT_GT(refused, 0);
  EachPrefix(tasks.dump(), [](const std::string& b) { EXPECT_FALSE(ParseTaskList(b)); });
  json services = json::array({Service("s1", "web")});
  EachTypeConfusion(services, [](const std::string& b) { (void)ParseServiceList(b); });
  json nodes = json::parse(R"([{"ID":"n1","Version":{"Index":3},
    "Spec":{"Role":"worker","Availability":"active","Labels":{"a":"b"}},
    "Description":{"Hostname":"c1-node-0","Engine":{"EngineVersion":"20.10.24"},
      "Resources":{"NanoCPUs":2000000000,"MemoryBytes":1024}},
    "Status":{"State":"ready","Addr":"10.213.0.20"}}])");
  EachTypeConfusion(nodes, [](const std::string& b) { (void)ParseNodeList(b); });
  EachPrefix(nodes.dump(), [](const std::string& b) { EXPECT_FALSE(ParseNodeList(b)); });
}

// Findings of fuzz_engine_workload (inputs in fuzz/regressions/engine_workload/).
TEST(DockerWorkload, NodeVersionIndexIsANonNegativeInteger) {
  // A float Index out of uint64's range was converted by nlohmann (undefined behaviour);
  // any Index that is not a non-negative integer is now refused.
  for (const char* index : {"1e300", "-1.5", "2.5", "-1", "\"3\"", "[]"}) {
    const std::string body = std::string(R"([{"ID":"n1","Version":{"Index":)") + index + R"(}}])";
    auto n = ParseNodeList(body);
    ASSERT_FALSE(n) << body;
    EXPECT_EQ(n.error().code(), ErrorCode::kInternal);
    EXPECT_NE(n.error().message().find("Index"), std::string::npos) << n.error().message();
  }
  EXPECT_FALSE(ParseNodeList(R"([{"ID":"n1","Version":3}])"));
  auto n = ParseNodeList(R"([{"ID":"n1","Version":{"Index":9223372036854775807}},{"ID":"n2"},
    {"ID":"n3","Version":null},{"ID":"n4","Version":{"Index":null}}])");
  ASSERT_TRUE(n) << n.error().message();
  EXPECT_EQ((*n)[0].version, uint64_t{9223372036854775807});
  EXPECT_EQ((*n)[1].version, 0u);
  EXPECT_EQ((*n)[2].version, 0u);
  EXPECT_EQ((*n)[3].version, 0u);
}

TEST(DockerWorkload, ANodesReservedMemorySaturates) {
  // Two tasks on one node reserving INT64_MAX bytes each (the parser's bound): their sum
  // overflowed int64 (undefined behaviour); it now stops at INT64_MAX.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  json tasks = json::array({Task("a", "s", "n0", "running", 0, kMax),
                            Task("b", "s", "n0", "running", 0, kMax),
                            Task("c", "s", "n0", "starting", 0, 1)});
  auto parsed = ParseTaskList(tasks.dump());
  ASSERT_TRUE(parsed) << parsed.error().message();
  NodeRecord r;
  r.name = "c1-node-0";
  r.state = "running";
  SwarmNode s;
  s.id = "n0";
  s.hostname = "c1-node-0";
  s.state = "ready";
  auto w = BuildWorkload(fake::Cluster(1, 1), {r}, {s}, *parsed, {});
  ASSERT_TRUE(w) << w.error().message();
  EXPECT_EQ(w->nodes[0].reserved_memory_bytes, kMax);
  EXPECT_EQ(w->nodes[0].running_tasks, 3);
}

TEST(DockerWorkload, LacksResourcesOnlyForTheSchedulersResourceReason) {
  // Status.Err as swarmkit's scheduler writes it: "no suitable node (<reasons>)", the
  // reasons of its filters joined by "; ".
  EXPECT_TRUE(LacksResources("no suitable node (insufficient resources on 1 node)"));
  EXPECT_TRUE(LacksResources(kInsufficient));
  EXPECT_TRUE(LacksResources(
      "no suitable node (scheduling constraints not satisfied on 1 node; insufficient "
      "resources on 2 nodes)"));
  EXPECT_FALSE(
      LacksResources("no suitable node (scheduling constraints not satisfied on 3 nodes)"));
  EXPECT_FALSE(LacksResources("no suitable node (host-mode port already in use on 1 node)"));
  EXPECT_FALSE(LacksResources("no suitable node"));
  EXPECT_FALSE(LacksResources(""));
  EXPECT_FALSE(LacksResources("pending task scheduling"));
  EXPECT_FALSE(LacksResources("insufficient resources on 1 node"));  // not the scheduler's
}

TEST(DockerWorkload, ParsesEngineTimes) {
  TimePoint t;
  ASSERT_TRUE(ParseEngineTime("2026-12-05T21:40:00.250000000Z", &t));
  TimePoint base;
  ASSERT_TRUE(ParseDbTimestamp("2026-12-05T21:40:00", &base));
  EXPECT_EQ((t - base).count(), 250'000);
  ASSERT_TRUE(ParseEngineTime("2026-12-05T22:40:00.25+01:00", &t));
  EXPECT_EQ((t - base).count(), 250'000);
  ASSERT_TRUE(ParseEngineTime("2026-12-05T21:39:00-00:01", &t));
  EXPECT_EQ(t, base);
  ASSERT_TRUE(ParseEngineTime("1970-01-01T00:00:00Z", &t));
  EXPECT_EQ(t.time_since_epoch().count(), 0);
  ASSERT_TRUE(ParseEngineTime("2024-02-29T12:00:00Z", &t));  // leap day
  for (const char* bad :
       {"", "0001-01-01", "2026-12-05 21:40:00Z", "2026-13-05T21:40:00Z", "2026-12-05T21:40:00",
        "2026-12-05T21:40:00.Z", "2026-12-05T25:00:00Z", "2026-12-05T21:40:00+0100",
        "2026-12-05T21:40:00Zjunk", "abcd-ef-ghTij:kl:mnZ"}) {
    EXPECT_FALSE(ParseEngineTime(bad, &t)) << bad;
  }
}

TEST(DockerWorkload, ParsesRawHttpReplies) {
  auto r = ParseRawHttpReply(
      "HTTP/1.0 200 OK\r\nApi-Version: 1.41\r\nContent-Type: application/json\r\n"
      "Content-Length: 2\r\n\r\n[]trailing");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "[]");
  EXPECT_EQ(r->content_type, "application/json");
  // HTTP/1.0 without a length: the body ends with the connection.
  r = ParseRawHttpReply(
      "HTTP/1.0 503 Service Unavailable\r\nContent-Type: application/json\r\n\r\n"
      "{\"message\":\"This node is not a swarm manager.\"}\n");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 503);
  EXPECT_EQ(EngineMessage(r->body), "This node is not a swarm manager.");
  r = ParseRawHttpReply(
      "HTTP/1.1 200 OK\r\ntransfer-encoding: Chunked\r\n\r\n3\r\n[{}\r\na;x=y\r\n,{\"a\":1}] "
      "\r\n0\r\n\r\n");
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->body, "[{},{\"a\":1}] ");
  for (const char* bad :
       {"", "garbage", "HTTP/1.0 200 OK\r\n", "HTTP/1.0 2x0 OK\r\n\r\n", "HTTP/1.0 200OK\r\n\r\n",
        "HTTP/1.0 200 OK\r\nContent-Length: 10\r\n\r\nshort",
        "HTTP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n",
        "HTTP/1.0 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nab\r\n",
        "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab\r\n0\r\n\r\n"}) {
    auto b = ParseRawHttpReply(bad);
    ASSERT_FALSE(b) << bad;
    EXPECT_EQ(b.error().code(), ErrorCode::kInternal);
  }
  const std::string chunked =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n[1,2\r\n1\r\n]\r\n0\r\n\r\n";
  EachPrefix(chunked, [](const std::string& b) { (void)ParseRawHttpReply(b); });
}

// Containers of a cluster "c1": master-0, node-0, node-1 (ng-w), node-2 (ng-b, not joined).
std::vector<NodeRecord> Records() {
  auto rec = [](const std::string& name, bool master, int index, const std::string& ng,
                const std::string& ip) {
    NodeRecord r;
    r.container_id = name + "-id";
    r.name = name;
    r.master = master;
    r.index = index;
    r.nodegroup_uuid = ng;
    r.ip = ip;
    r.state = "running";
    return r;
  };
  return {rec("c1-master-0", true, 0, "ng-m", "10.213.0.10"),
          rec("c1-node-0", false, 0, "ng-w", "10.213.0.20"),
          rec("c1-node-1", false, 1, "ng-w", "10.213.0.21"),
          rec("c1-node-2", false, 2, "ng-b", "10.213.0.22")};
}

SwarmNode Member(const std::string& id, const std::string& host, const std::string& role,
                 const std::string& state, const std::string& availability = "active") {
  SwarmNode s;
  s.id = id;
  s.hostname = host;
  s.role = role;
  s.state = state;
  s.availability = availability;
  s.nano_cpus = 2'000'000'000;
  s.memory_bytes = int64_t{24} << 30;
  return s;
}

TEST(DockerWorkload, BuildsNodesAndPendingTasks) {
  ClusterState c = fake::Cluster(1, 2);
  auto records = Records();
  std::vector<SwarmNode> nodes = {
      Member("m0", "c1-master-0", "manager", "ready"), Member("w0", "c1-node-0", "worker", "ready"),
      // node-1 re-joined: its old entry is down, the new one ready and drained.
      Member("w1-old", "c1-node-1", "worker", "down"),
      Member("w1", "c1-node-1", "worker", "ready", "drain"),
      // A swarm entry without a container (removed by hand): not a node of the cluster.
      Member("ghost", "c1-node-7", "worker", "down")};
  std::vector<SwarmTask> tasks;
  for (const json& t :
       {Task("a", "s-web", "w0", "running", 0.5, 512 << 20),
        Task("b", "s-web", "w0", "starting", 0.25), Task("c", "s-web", "m0", "assigned", 1),
        Task("d", "s-web", "w1-old", "running", 0, 1 << 20),
        Task("e", "s-web", "w0", "running", 4, 0, "", "shutdown"),
        Task("f", "s-web", "w0", "failed", 4),
        Task("g", "s-web", "", "pending", 1.5, 1 << 30, kInsufficient),
        Task("h", "s-db", "", "pending", 0, 0,
             "no suitable node (scheduling constraints not satisfied on 3 nodes)"),
        Task("i", "s-gone", "", "new")}) {
    auto parsed = ParseTaskList(json::array({t}).dump());
    ASSERT_TRUE(parsed) << parsed.error().message();
    tasks.push_back((*parsed)[0]);
  }
  std::vector<SwarmService> services = {{"s-web", "web"}, {"s-db", "db"}};
  auto w = BuildWorkload(c, records, nodes, tasks, services);
  ASSERT_TRUE(w) << w.error().message();
  ASSERT_EQ(w->nodes.size(), 4u);
  const WorkloadNode& m = w->nodes[0];
  EXPECT_EQ(m.name, "c1-master-0");
  EXPECT_EQ(m.address, "10.213.0.10");
  EXPECT_EQ(m.nodegroup_uuid, "ng-m");
  EXPECT_TRUE(m.master);
  EXPECT_TRUE(m.ready);
  EXPECT_TRUE(m.schedulable);
  EXPECT_DOUBLE_EQ(m.reserved_cpus, 1);
  EXPECT_EQ(m.running_tasks, 1);
  const WorkloadNode& n0 = w->nodes[1];
  EXPECT_EQ(n0.name, "c1-node-0");
  EXPECT_FALSE(n0.master);
  EXPECT_DOUBLE_EQ(n0.cpus, 2);
  EXPECT_EQ(n0.memory_bytes, int64_t{24} << 30);
  EXPECT_DOUBLE_EQ(n0.reserved_cpus, 0.75);  // a + b; e is shut down, f failed
  EXPECT_EQ(n0.reserved_memory_bytes, int64_t{512} << 20);
  EXPECT_EQ(n0.running_tasks, 2);
  const WorkloadNode& n1 = w->nodes[2];
  EXPECT_TRUE(n1.ready);  // the ready entry counts
  EXPECT_FALSE(n1.schedulable);
  EXPECT_EQ(n1.running_tasks, 1);  // d, on its old entry
  EXPECT_EQ(n1.reserved_memory_bytes, 1 << 20);
  const WorkloadNode& n2 = w->nodes[3];
  EXPECT_EQ(n2.name, "c1-node-2");
  EXPECT_EQ(n2.nodegroup_uuid, "ng-b");
  EXPECT_FALSE(n2.ready);
  EXPECT_FALSE(n2.schedulable);
  EXPECT_DOUBLE_EQ(n2.cpus, 0);

  ASSERT_EQ(w->pending.size(), 3u);
  const PendingTask& g = w->pending[0];
  EXPECT_EQ(g.id, "g");
  EXPECT_EQ(g.service, "web");
  EXPECT_DOUBLE_EQ(g.cpus, 1.5);
  EXPECT_EQ(g.memory_bytes, 1 << 30);
  EXPECT_TRUE(g.lacks_resources);
  EXPECT_EQ(g.reason, kInsufficient);
  TimePoint created;
  ASSERT_TRUE(ParseEngineTime("2026-12-05T21:40:00.25Z", &created));
  EXPECT_EQ(g.since, created);
  EXPECT_EQ(w->pending[1].service, "db");
  EXPECT_FALSE(w->pending[1].lacks_resources);
  EXPECT_EQ(w->pending[2].service, "s-gone");  // no such service (any more): its id
  EXPECT_EQ(w->pending[2].reason, "new");

  // A container's stopped: not ready even if the swarm has not noticed yet.
  records[1].state = "exited";
  w = BuildWorkload(c, records, nodes, tasks, services);
  ASSERT_TRUE(w);
  EXPECT_FALSE(w->nodes[1].ready);

  // A nodegroup known only from the swarm label (container label lost).
  records[1].nodegroup_uuid.clear();
  nodes[1].labels = {{"magnum.nodegroup", "default-worker"}};
  w = BuildWorkload(c, records, nodes, tasks, services);
  ASSERT_TRUE(w);
  EXPECT_EQ(w->nodes[1].nodegroup_uuid, "ng-worker");

  tasks.back().created_at = "yesterday";
  w = BuildWorkload(c, records, nodes, tasks, services);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code(), ErrorCode::kInternal);
  EXPECT_NE(w.error().message().find("task i"), std::string::npos);
}

class DockerObserveTest : public ::testing::Test {
 protected:
  std::shared_ptr<FakeEngine> engine = std::make_shared<FakeEngine>();
  std::shared_ptr<FakeTime> time = std::make_shared<FakeTime>();
  std::unique_ptr<Driver> driver = fake::MakeDriver(engine, time);

  // Every call after the first `from` that is not a read.
  std::vector<std::string> Writes(size_t from) {
    std::lock_guard l(engine->mu);
    std::vector<std::string> out;
    for (size_t i = from; i < engine->calls.size(); ++i) {
      const auto& c = engine->calls[i];
      bool exec = c.path.find("/exec") != std::string::npos;  // the reads' transport
      if (c.method != "GET" && !exec) out.push_back(c.engine + " " + c.method + " " + c.path);
    }
    return out;
  }
  size_t CallCount() {
    std::lock_guard l(engine->mu);
    return engine->calls.size();
  }
};

TEST_F(DockerObserveTest, AsksTheManagersSwarmThroughTheHostEngine) {
  ClusterState c = fake::RunningCluster(*driver, 1, 2);
  std::string w0, w1;
  {
    std::lock_guard l(engine->mu);
    w0 = engine->MemberNamed("demo-node-0")->id;
    w1 = engine->MemberNamed("demo-node-1")->id;
    engine->swarm_services = json::array({Service("s-web", "web")});
    engine->swarm_tasks = json::array({Task("t1", "s-web", w0, "running", 1, 128 << 20),
                                       Task("t2", "s-web", w1, "running", 1),
                                       Task("t3", "s-web", "", "pending", 1, 0, kInsufficient),
                                       Task("t4", "s-web", w0, "shutdown", 1, 0, "", "shutdown")});
  }
  size_t before = CallCount();
  auto w = driver->ObserveWorkload(c);
  ASSERT_TRUE(w.has_value());
  ASSERT_TRUE(*w) << w->error().message();
  ASSERT_EQ((*w)->nodes.size(), 3u);
  const auto& nodes = (*w)->nodes;
  EXPECT_EQ(nodes[0].name, "demo-master-0");
  EXPECT_TRUE(nodes[0].master);
  EXPECT_EQ(nodes[0].nodegroup_uuid, "ng-master");
  EXPECT_EQ(nodes[1].name, "demo-node-0");
  EXPECT_EQ(nodes[1].address, "10.213.0.20");
  EXPECT_EQ(nodes[1].nodegroup_uuid, "ng-worker");
  EXPECT_TRUE(nodes[1].ready);
  EXPECT_TRUE(nodes[1].schedulable);
  EXPECT_DOUBLE_EQ(nodes[1].cpus, 2);  // the host's CPUs, as the node's engine reports them
  EXPECT_EQ(nodes[1].memory_bytes, engine->mem_total);
  EXPECT_DOUBLE_EQ(nodes[1].reserved_cpus, 1);
  EXPECT_EQ(nodes[1].reserved_memory_bytes, 128 << 20);
  EXPECT_EQ(nodes[1].running_tasks, 1);
  EXPECT_EQ(nodes[2].running_tasks, 1);
  ASSERT_EQ((*w)->pending.size(), 1u);
  EXPECT_EQ((*w)->pending[0].service, "web");
  EXPECT_TRUE((*w)->pending[0].lacks_resources);

  // Read-only, through an exec in the manager's container (no certificate needed).
  EXPECT_EQ(Writes(before), std::vector<std::string>{});
  auto execs = engine->Calls("POST", "^/containers/[^/]+/exec$");
  ASSERT_EQ(execs.size(), 3u);
  auto cmd = json::parse(execs[0].body)["Cmd"].get<std::vector<std::string>>();
  ASSERT_EQ(cmd.size(), 6u);
  EXPECT_EQ(cmd, NodeSocketCommand("GET", "/nodes"));
  EXPECT_EQ(cmd[0], "perl");
  EXPECT_EQ(cmd[3], "GET");
  EXPECT_EQ(cmd[4], "/v1.41/nodes");
  EXPECT_EQ(cmd[5], "/var/run/docker.sock");
  EXPECT_EQ(json::parse(execs[1].body)["Cmd"][4].get<std::string>(),
            "/v1.41/tasks?filters=" + EncodeFilters({{"desired-state", {"running"}}}));
  EXPECT_EQ(execs[0].path, "/containers/" + engine->FindContainer("demo-master-0")->id + "/exec");
  EXPECT_EQ(engine->Calls("GET", "^/services$").size(), 1u);  // answered by the manager
}

TEST_F(DockerObserveTest, MalformedOrMissingAnswersAreErrors) {
  ClusterState c = fake::RunningCluster(*driver, 1, 1);
  {
    std::lock_guard l(engine->mu);
    engine->exec_replies["/tasks"] = {200, R"({"unexpected":"object"})", "application/json"};
  }
  auto w = driver->ObserveWorkload(c);
  ASSERT_TRUE(w.has_value());
  ASSERT_FALSE(*w);
  EXPECT_EQ(w->error().code(), ErrorCode::kInternal);
  EXPECT_NE(w->error().message().find("workload of cluster demo: unexpected Docker Engine reply "
                                      "to task list"),
            std::string::npos)
      << w->error().message();

  {
    std::lock_guard l(engine->mu);
    engine->exec_replies["/tasks"] = {503, R"({"message":"This node is not a swarm manager."})",
                                      "application/json"};
  }
  w = driver->ObserveWorkload(c);
  ASSERT_FALSE(*w);
  EXPECT_EQ(ClassifyEngineError(w->error()), EngineFailure::kEngineError);
  EXPECT_NE(w->error().message().find("This node is not a swarm manager. (HTTP 503 from "
                                      "exec://demo-master-0/var/run/docker.sock)"),
            std::string::npos)
      << w->error().message();

  {
    std::lock_guard l(engine->mu);
    engine->exec_replies.clear();
    engine->exec_exit = 127;  // an image without perl
  }
  w = driver->ObserveWorkload(c);
  ASSERT_FALSE(*w);
  EXPECT_EQ(w->error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(w->error().message().find("exited with 127: exec: perl: not found"), std::string::npos)
      << w->error().message();

  {
    std::lock_guard l(engine->mu);
    engine->exec_exit = 0;
    engine->FindContainer("demo-master-0")->state = "exited";
  }
  w = driver->ObserveWorkload(c);
  ASSERT_FALSE(*w);
  EXPECT_EQ(w->error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(w->error().message().find("no manager node container is running"), std::string::npos);

  engine->Fail({"host", "GET", "^/containers/json", 500, "engine down"});
  w = driver->ObserveWorkload(c);
  ASSERT_FALSE(*w);
  EXPECT_NE(w->error().message().find("engine down"), std::string::npos);
}

TEST_F(DockerObserveTest, AnotherManagerAnswersWhenTheFirstCannot) {
  ClusterState c = fake::RunningCluster(*driver, 3, 1);
  {
    std::lock_guard l(engine->mu);
    // The first manager's engine is gone (the exec fails: container not running).
    engine->FindContainer("demo-master-0")->state = "exited";
  }
  auto w = driver->ObserveWorkload(c);
  ASSERT_TRUE(*w) << w->error().message();
  EXPECT_EQ((*w)->nodes.size(), 4u);
  EXPECT_FALSE((*w)->nodes[0].ready);
  auto execs = engine->Calls("POST", "^/containers/[^/]+/exec$");
  ASSERT_FALSE(execs.empty());
  EXPECT_EQ(execs[0].path, "/containers/" + engine->FindContainer("demo-master-1")->id + "/exec");
}

}  // namespace
}  // namespace magnum::drivers::docker
