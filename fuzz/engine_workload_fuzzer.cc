// libFuzzer target: the docker driver's readers of a Swarm manager's answers for the built-in
// autoscaler (issue 16; drivers/docker/workload.h, docker_client.h): ParseRawHttpReply (what
// the node socket client prints), ParseNodeList / ParseTaskList / ParseServiceList,
// ParseEngineTime, LacksResources and BuildWorkload over the parsed lists.
//
// Input: parts separated by NUL bytes. Parts 0, 1, 2 are the manager's answers to GET /nodes,
// GET /tasks and GET /services: a raw HTTP/1.x reply (starts with "HTTP/"; its body is read)
// or the JSON body itself. Every further part is fed to ParseEngineTime, LacksResources and
// ParseRawHttpReply. BuildWorkload then runs on the parsed lists (an unparsable one is empty)
// with a fixed cluster and four node containers. Properties (abort = a finding):
//   * every refusal is kInternal with a message;
//   * a raw reply's status is 0 .. 999 and its body no longer than the input;
//   * a parsed list has no negative quantity;
//   * a parsed time lies within years 0000 .. 9999 (± a day), prints back (UTC, Z) to a
//     text that parses to the same instant, and, for a calendar-valid date without leap
//     second, prints back to the input's own fields; the offset moves it by that offset;
//   * LacksResources only for the scheduler's "no suitable node (... insufficient resources
//     on ...)";
//   * BuildWorkload's nodes are the containers (same names, same order), a nodegroup is the
//     container's or one of the cluster's, a node is ready only when its container runs, no
//     count or resource is negative, no node runs more tasks than there are; its pending
//     tasks are the unplaced tasks in their order, each with its since parsed from CreatedAt
//     and lacks_resources as LacksResources says; a refusal means some unplaced task's
//     CreatedAt is not a time.
// Anything else (including a thrown exception) must simply not happen.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <algorithm>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/drivers/docker/docker_client.h"
#include "magnum/drivers/docker/workload.h"

namespace {

namespace docker = magnum::drivers::docker;
using magnum::ErrorCode;
using magnum::TimePoint;
using magnum::drivers::ClusterState;
using magnum::drivers::NodeGroupState;
using magnum::drivers::Workload;

void Require(bool ok, const char* what) {
  if (!ok) {
    fprintf(stderr, "=== engine_workload finding: %s\n", what);
    abort();
  }
}

template <typename R>
void RequireRefusal(const R& r) {
  Require(r.error().code() == ErrorCode::kInternal, "a refusal is not kInternal");
  Require(!r.error().message().empty(), "a refusal without a message");
}

// Days since 1970-01-01 of a proleptic Gregorian date, and back (H. Hinnant's algorithms).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, int64_t* m, int64_t* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yoe + era * 400 + (*m <= 2);
}

bool LeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int64_t DaysInMonth(int64_t y, int64_t m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && LeapYear(y) ? 29 : kDays[m - 1];
}

int64_t Digits(std::string_view s) {
  int64_t v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

// `t` as the Engine writes a UTC time, with microseconds.
std::string FormatUtc(TimePoint t) {
  const int64_t us = t.time_since_epoch().count();
  int64_t secs = us / 1'000'000, frac = us % 1'000'000;
  if (frac < 0) {
    frac += 1'000'000;
    --secs;
  }
  int64_t days = secs / 86400, rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  int64_t y, m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[64];
  snprintf(buf, sizeof buf, "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld.%06lldZ",
           static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
           static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
           static_cast<long long>(rem % 60), static_cast<long long>(frac));
  return buf;
}

void Time(std::string_view text) {
  TimePoint t;
  if (!docker::ParseEngineTime(text, &t)) return;
  const int64_t secs = t.time_since_epoch().count() / 1'000'000;
  Require(secs >= DaysFromCivil(0, 1, 1) * 86400 - 86400 &&
              secs <= DaysFromCivil(10000, 1, 1) * 86400 + 86400,
          "a parsed time out of range");
  // Accepted: "YYYY-MM-DDTHH:MM:SS[.frac]" then Z or an offset, every field digits.
  Require(text.size() >= 20, "a time shorter than its fields");
  const int64_t year = Digits(text.substr(0, 4)), month = Digits(text.substr(5, 2)),
                day = Digits(text.substr(8, 2)), second = Digits(text.substr(17, 2));
  Require(month >= 1 && month <= 12 && day >= 1 && day <= 31, "a date field out of range");
  const std::string utc = FormatUtc(t);
  TimePoint again;
  if (utc.size() == 27 && utc[0] != '-') {  // a year 0000 .. 9999 after the offset
    Require(docker::ParseEngineTime(utc, &again) && again == t, "a time does not round-trip");
  }
  const char zone = text.back();
  std::string_view head = text;
  bool offset = false;
  if (zone != 'Z' && zone != 'z') {
    Require(text.size() >= 25, "an offset time shorter than its fields");
    head = text.substr(0, text.size() - 6);
    offset = true;
  } else {
    head = text.substr(0, text.size() - 1);
  }
  if (offset) {
    // The same wall time in UTC differs by exactly the offset.
    TimePoint z;
    Require(docker::ParseEngineTime(std::string(head) + "Z", &z), "the UTC form is refused");
    const std::string_view off = text.substr(text.size() - 6);
    const int64_t seconds = (Digits(off.substr(1, 2)) * 3600 + Digits(off.substr(4, 2)) * 60) *
                            (off[0] == '+' ? 1 : -1);
    Require((z - t).count() == seconds * 1'000'000, "the offset is not applied");
  } else if (day <= DaysInMonth(year, month) && second < 60) {
    std::string fields(head.substr(0, 19));
    fields[10] = 'T';
    Require(utc.compare(0, 19, fields) == 0, "a canonical time prints back to other fields");
  }
}

void Lacks(std::string_view text) {
  if (!docker::LacksResources(text)) return;
  Require(text.rfind("no suitable node", 0) == 0 &&
              text.find("insufficient resources on ") != std::string_view::npos,
          "LacksResources for another reason");
}

// Parses `raw` as a raw reply; its body, or nothing on a refusal.
std::optional<std::string> Raw(std::string_view raw) {
  auto r = docker::ParseRawHttpReply(raw);
  if (!r) {
    RequireRefusal(r);
    return std::nullopt;
  }
  Require(raw.rfind("HTTP/1.", 0) == 0, "a reply that is not HTTP/1.x");
  Require(r->status >= 0 && r->status <= 999, "a status out of range");
  Require(r->body.size() <= raw.size(), "a body longer than the reply");
  Require(!r->truncated && !r->timed_out, "a raw reply marked truncated");
  return std::move(r->body);
}

// The body of an answer part: the reply's body, or the part itself.
std::optional<std::string> Body(std::string_view part) {
  if (part.rfind("HTTP/", 0) == 0) return Raw(part);
  return std::string(part);
}

template <typename T, typename Parse>
std::vector<T> List(std::string_view part, Parse parse) {
  auto body = Body(part);
  if (!body) return {};
  auto r = parse(*body);
  if (!r) {
    RequireRefusal(r);
    return {};
  }
  return std::move(*r);
}

ClusterState Cluster() {
  ClusterState c;
  c.uuid = "8d5ea4f5-3c2e-4d5b-9d8e-5a3f1b2c7e10";
  c.name = "c1";
  NodeGroupState m;
  m.uuid = "ng-m";
  m.name = "default-master";
  m.role = "master";
  m.is_default = true;
  m.node_count = 1;
  NodeGroupState w;
  w.uuid = "ng-w";
  w.name = "default-worker";
  w.role = "worker";
  w.is_default = true;
  w.node_count = 3;
  c.nodegroups = {m, w};
  return c;
}

// c1-master-0 and c1-node-0 (nodegroups from their labels), c1-node-1 (its label lost: the
// swarm's magnum.nodegroup label names it), c1-node-2 (exited).
std::vector<docker::NodeRecord> Containers() {
  auto rec = [](const char* name, bool master, int index, const char* ng, const char* ip,
                const char* state) {
    docker::NodeRecord r;
    r.container_id = std::string(name) + "-id";
    r.name = name;
    r.master = master;
    r.index = index;
    r.nodegroup_uuid = ng;
    r.ip = ip;
    r.state = state;
    return r;
  };
  return {rec("c1-master-0", true, 0, "ng-m", "10.213.0.10", "running"),
          rec("c1-node-0", false, 0, "ng-w", "10.213.0.20", "running"),
          rec("c1-node-1", false, 1, "", "", "running"),
          rec("c1-node-2", false, 2, "ng-w", "10.213.0.22", "exited")};
}

bool Unplaced(const docker::SwarmTask& t) {
  return t.desired_state == "running" && t.node_id.empty() &&
         (t.state == "new" || t.state == "allocated" || t.state == "pending");
}

void Build(const std::vector<docker::SwarmNode>& nodes, const std::vector<docker::SwarmTask>& tasks,
           const std::vector<docker::SwarmService>& services) {
  static const ClusterState cluster = Cluster();
  static const std::vector<docker::NodeRecord> containers = Containers();
  auto w = docker::BuildWorkload(cluster, containers, nodes, tasks, services);
  if (!w) {
    RequireRefusal(w);
    bool bad_time = false;
    for (const auto& t : tasks) {
      TimePoint ignored;
      bad_time = bad_time || (Unplaced(t) && !docker::ParseEngineTime(t.created_at, &ignored));
    }
    Require(bad_time, "BuildWorkload refused without a task whose CreatedAt is not a time");
    return;
  }
  Require(w->nodes.size() == containers.size(), "the workload's nodes are not the containers");
  for (size_t i = 0; i < containers.size(); ++i) {
    const auto& n = w->nodes[i];
    const auto& c = containers[i];
    Require(n.name == c.name, "a node named other than its container");
    Require(!c.master || n.master, "a master container's node is not a master");
    Require(!n.ready || c.running(), "a node ready while its container is not running");
    Require(n.nodegroup_uuid.empty() || n.nodegroup_uuid == c.nodegroup_uuid ||
                cluster.FindNodeGroup(n.nodegroup_uuid) != nullptr,
            "a node in a nodegroup that is neither its container's nor the cluster's");
    Require(c.nodegroup_uuid.empty() || n.nodegroup_uuid == c.nodegroup_uuid,
            "a node moved out of its container's nodegroup");
    Require(
        n.cpus >= 0 && n.memory_bytes >= 0 && n.reserved_cpus >= 0 && n.reserved_memory_bytes >= 0,
        "a node with a negative resource");
    Require(n.running_tasks >= 0 && static_cast<size_t>(n.running_tasks) <= tasks.size(),
            "a node running a negative or impossible number of tasks");
  }
  // The pending tasks are the unplaced tasks, in their order.
  std::vector<const docker::SwarmTask*> unplaced;
  for (const auto& t : tasks) {
    if (Unplaced(t)) unplaced.push_back(&t);
  }
  Require(w->pending.size() == unplaced.size(), "the pending tasks are not the unplaced ones");
  for (size_t i = 0; i < unplaced.size(); ++i) {
    const auto& p = w->pending[i];
    const auto& t = *unplaced[i];
    Require(p.id == t.id, "a pending task that is not the unplaced task");
    Require(p.cpus >= 0 && p.memory_bytes >= 0, "a pending task with a negative reservation");
    Require(p.memory_bytes == t.reserved_memory_bytes, "a pending task's memory is not its own");
    Require(p.lacks_resources == docker::LacksResources(t.err),
            "a pending task's lacks_resources is not the scheduler's reason");
    Require(p.reason == (t.err.empty() ? t.message : t.err), "a pending task's reason");
    TimePoint since;
    Require(docker::ParseEngineTime(t.created_at, &since) && since == p.since,
            "a pending task's since is not its CreatedAt");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 256 * 1024) return -1;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::vector<std::string_view> parts;
  while (true) {
    const size_t nul = in.find('\0');
    parts.push_back(in.substr(0, nul));
    if (nul == std::string_view::npos) break;
    in.remove_prefix(nul + 1);
  }
  parts.resize(std::max<size_t>(parts.size(), 3));
  auto nodes = List<docker::SwarmNode>(
      parts[0], [](const std::string& b) { return docker::ParseNodeList(b); });
  for (const auto& n : nodes) {
    Require(n.nano_cpus >= 0 && n.memory_bytes >= 0, "a node with negative resources");
  }
  auto tasks = List<docker::SwarmTask>(
      parts[1], [](const std::string& b) { return docker::ParseTaskList(b); });
  for (const auto& t : tasks) {
    Require(t.reserved_nano_cpus >= 0 && t.reserved_memory_bytes >= 0,
            "a task with a negative reservation");
    Time(t.created_at);
    Lacks(t.err);
  }
  auto services = List<docker::SwarmService>(
      parts[2], [](const std::string& b) { return docker::ParseServiceList(b); });
  for (size_t i = 3; i < parts.size(); ++i) {
    Time(parts[i]);
    Lacks(parts[i]);
    (void)Raw(parts[i]);
  }
  Build(nodes, tasks, services);
  return 0;
}
