// The waits of a session as polls (drivers/driver.h resumable contract): a phase that waits
// looks once, records the wait in its progress and answers Step::PollAfter(poll interval);
// the next Advance() looks again. No thread sleeps while nodes start, rejoin or drain. The
// deadline and the next look at the node containers (a dead node fails the wait at once)
// are kept on the driver's steady clock, for this driver instance only: a conductor that
// resumes the operation after a restart starts the wait's time afresh.
#include <algorithm>

#include "magnum/drivers/docker/session.h"

namespace magnum::drivers::docker {

using namespace std::chrono_literals;

namespace {

int64_t Ticks(DriverTime::Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

int64_t Ticks(std::chrono::milliseconds d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

std::string Seconds(std::chrono::milliseconds d) {
  return std::to_string(std::chrono::duration_cast<std::chrono::seconds>(d).count()) + " s";
}

bool HasId(const std::vector<std::string>& v, const std::string& x) {
  return std::find(v.begin(), v.end(), x) != v.end();
}

// "2 tasks of service web and 1 task of service db were already pending ...": the tasks
// `ignored` by a drain (drain_pending) that still do not run, by service (in `tasks`' order;
// `names`: service id -> name); "" when none.
std::string StillPendingBeforeDrain(const std::vector<SwarmTask>& tasks,
                                    const std::vector<std::string>& ignored,
                                    const std::vector<SwarmService>& names) {
  std::vector<std::pair<std::string, int>> by_service;
  int total = 0;
  for (const auto& t : tasks) {
    if (t.desired_state != "running" || t.state == "running" || !HasId(ignored, t.id)) continue;
    auto it = std::find_if(by_service.begin(), by_service.end(),
                           [&](const auto& e) { return e.first == t.service_id; });
    if (it == by_service.end()) {
      by_service.emplace_back(t.service_id, 1);
    } else {
      ++it->second;
    }
    ++total;
  }
  if (total == 0) return std::string();
  std::string out;
  for (size_t i = 0; i < by_service.size(); ++i) {
    const auto& [id, n] = by_service[i];
    std::string name = id;
    for (const auto& sv : names) {
      if (sv.id == id && !sv.name.empty()) name = sv.name;
    }
    if (i > 0) out += i + 1 == by_service.size() ? " and " : ", ";
    out += std::to_string(n) + (n == 1 ? " task" : " tasks") + " of service " + name;
  }
  return out + (total == 1 ? " was" : " were") + " already pending before the drain and " +
         (total == 1 ? "was" : "were") + " not waited for";
}

}  // namespace

Result<std::optional<Step>> Session::Wait(OpProgress* p, const WaitSpec& w,
                                          const std::vector<NodeRecord>& watch,
                                          const WaitLook& look) {
  if (p == nullptr) {
    // Blocking: the same looks on a scratch record, sleeping between them.
    OpProgress scratch;
    while (true) {
      MAGNUM_ASSIGN_OR_RETURN(std::optional<Step> s, Wait(&scratch, w, watch, look));
      if (!s) return s;
      core_->deps.time->Sleep(s->after);
    }
  }
  MAGNUM_ASSIGN_OR_RETURN(std::string pending, look());
  if (pending.empty()) {
    if (p->wait == w.what) p->wait.clear();
    return std::optional<Step>();
  }
  MAGNUM_RETURN_IF_ERROR(CheckCancelled(w.step));
  const int64_t now = Ticks(Now());
  if (p->wait != w.what || p->wait_owner != core_->instance) {
    p->wait = std::string(w.what);
    p->wait_owner = core_->instance;
    p->wait_deadline = now + Ticks(w.timeout);
    p->wait_check = now + Ticks(options().container_check_interval);
  }
  if (now >= p->wait_check) {
    p->wait_check = now + Ticks(options().container_check_interval);
    for (const auto& n : watch) {
      MAGNUM_ASSIGN_OR_RETURN(std::string why, ContainerFailure(n));
      if (!why.empty()) {
        p->wait.clear();
        op_->Warning(w.step, why, n.name);
        return Fail(Error::Internal(why));
      }
    }
  }
  if (now > p->wait_deadline) {
    p->wait.clear();
    std::string why = pending + " (waited " + Seconds(w.timeout) + ")";
    if (!w.fail_on_timeout) {
      op_->Warning(w.step, why + "; going on anyway");
      return std::optional<Step>();
    }
    op_->Warning(w.step, why);
    return Fail(Error::Unavailable(why));
  }
  return std::optional<Step>(Step::PollAfter(options().poll_interval));
}

Result<std::optional<Step>> Session::WaitReady(const std::vector<NodeRecord>& nodes,
                                               OpProgress* p) {
  WaitSpec w{"ready", options().node_ready_timeout, "node"};
  return Wait(p, w, nodes, [&]() -> Result<std::string> {
    std::string pending;
    size_t others = 0;
    for (const auto& n : nodes) {
      MAGNUM_ASSIGN_OR_RETURN(DockerClient * c, NodeClient(n.ip));
      // Short: a dead node's address does not even refuse (no ARP answer), it just hangs.
      auto img = c->InspectImage(workload_ref_, 1500ms);
      if (img) continue;
      // Not up yet (no reply) or not loaded yet (404): wait. Anything else is final.
      EngineFailure why = ClassifyEngineError(img.error());
      if (why != EngineFailure::kUnreachable && why != EngineFailure::kNoSuchObject) {
        op_->Warning("node", "node " + n.name + ": " + img.error().message(), n.name);
        return Fail(img.error());
      }
      if (pending.empty()) {
        pending = "node " + n.name + " not ready in time: " + img.error().message();
      } else {
        ++others;
      }
    }
    if (others > 0) pending += " (and " + std::to_string(others) + " more nodes)";
    return pending;
  });
}

Result<std::optional<Step>> Session::WaitSwarmReady(const NodeRecord& manager,
                                                    const std::vector<NodeRecord>& nodes,
                                                    OpProgress* p) {
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  WaitSpec w{"swarm", options().node_ready_timeout, "ready"};
  return Wait(p, w, nodes, [&]() -> Result<std::string> {
    auto list = mc->ListNodes();
    if (!list) return "swarm nodes not Ready in time: " + list.error().message();
    std::string missing;
    for (const auto& n : nodes) {
      auto it = std::find_if(list->begin(), list->end(), [&](const SwarmNode& s) {
        return s.hostname == n.name && s.state == "ready";
      });
      if (it == list->end()) missing += (missing.empty() ? "" : ", ") + n.name;
    }
    return missing.empty() ? missing : "swarm nodes not Ready in time: " + missing;
  });
}

Result<std::optional<Step>> Session::WaitRejoined(const std::vector<NodeRecord>& nodes,
                                                  OpProgress* p) {
  WaitSpec w{"rejoin", options().node_ready_timeout, "upgrade"};
  // Whether the nodes' containers died is the ready wait's (and the swarm wait's) to tell.
  return Wait(p, w, {}, [&]() -> Result<std::string> {
    for (const auto& n : nodes) {
      MAGNUM_ASSIGN_OR_RETURN(DockerClient * nc, NodeClient(n.ip));
      auto st = nc->SwarmState();
      if (!st || st->state != "active") return "node " + n.name + " did not rejoin the swarm";
    }
    return std::string();
  });
}

Result<std::optional<Step>> Session::Drain(const NodeRecord& manager,
                                           const std::vector<NodeRecord>& nodes, OpProgress* p) {
  if (nodes.empty()) {
    // Nothing to drain (e.g. a resumed upgrade batch whose nodes are replaced already):
    // no engine call, the manager may be one of those being replaced.
    if (p != nullptr) p->EndDrain();
    return std::optional<Step>();
  }
  MAGNUM_ASSIGN_OR_RETURN(DockerClient * mc, NodeClient(manager.ip));
  MAGNUM_ASSIGN_OR_RETURN(auto members, mc->ListNodes());
  auto member = [&](const std::string& name) -> const SwarmNode* {
    for (const auto& s : members) {
      if (s.hostname == name) return &s;
    }
    return nullptr;
  };
  // The services whose tasks run on the nodes now (before the drain moves them; a polled
  // drain keeps those of its earlier polls): the drain ends when their tasks run again
  // elsewhere, so that a removed node takes no replica with it.
  std::vector<std::string> services = p != nullptr ? p->drain_services : std::vector<std::string>{};
  for (const auto& n : nodes) {
    const SwarmNode* s = member(n.name);
    if (s == nullptr) continue;
    MAGNUM_ASSIGN_OR_RETURN(auto tasks,
                            mc->ListTasks({{"node", {s->id}}, {"desired-state", {"running"}}}));
    for (const auto& t : tasks) {
      if (t.service_id.empty() || t.desired_state != "running") continue;
      if (std::find(services.begin(), services.end(), t.service_id) == services.end()) {
        services.push_back(t.service_id);
      }
    }
  }
  // The tasks of those services that are to run but do not before the drain moves anything
  // (pending for lack of resources, ...): not the drain's doing, so not waited for. Looked
  // at once, at the drain's first look (a polled drain keeps them); a drain that finds one
  // of its nodes drained already (a resumed one) cannot tell them from moved tasks and
  // ignores none. A moved task's replacement has a new task ID: it is still waited for.
  const bool begins = p == nullptr || p->wait != "drain";
  std::vector<std::string> ignored = begins ? std::vector<std::string>{} : p->drain_pending;
  const bool drained_before = std::any_of(nodes.begin(), nodes.end(), [&](const NodeRecord& n) {
    const SwarmNode* s = member(n.name);
    return s != nullptr && s->availability == "drain";
  });
  if (begins && !drained_before && !services.empty()) {
    MAGNUM_ASSIGN_OR_RETURN(auto tasks,
                            mc->ListTasks({{"service", services}, {"desired-state", {"running"}}}));
    for (const auto& t : tasks) {
      if (t.desired_state == "running" && t.state != "running") ignored.push_back(t.id);
    }
  }
  // Every node first, so tasks do not move from one node of the batch to another.
  std::vector<NodeRecord> draining;
  for (const auto& n : nodes) {
    auto set = SetAvailability(manager, n.name, "drain");
    if (!set) {
      if (set.error().Is(ErrorCode::kNotFound)) continue;  // never joined
      return Fail(set.error());
    }
    draining.push_back(n);
  }
  if (draining.empty()) {
    if (p != nullptr) p->EndDrain();
    return std::optional<Step>();
  }
  if (p != nullptr) {
    p->drain_services = services;
    p->drain_pending = ignored;
  }
  WaitSpec w{"drain", options().drain_timeout, "drain", /*fail_on_timeout=*/false};
  MAGNUM_ASSIGN_OR_RETURN(
      std::optional<Step> s, Wait(p, w, {}, [&]() -> Result<std::string> {
        MAGNUM_ASSIGN_OR_RETURN(auto list, mc->ListNodes());
        std::vector<std::string> ids;
        for (const auto& node : draining) {
          auto it = std::find_if(list.begin(), list.end(),
                                 [&](const SwarmNode& s) { return s.hostname == node.name; });
          if (it == list.end()) continue;
          ids.push_back(it->id);
          auto n = mc->RunningTaskCount(it->id);
          if (n && *n > 0) {
            return "node " + node.name + " still has " + std::to_string(*n) + " running tasks";
          }
        }
        // Their replacements: every task of those services the orchestrator wants running
        // runs (on a node that is not drained). No wait when no other node can take them (a
        // lone node's upgrade).
        const bool room = std::any_of(list.begin(), list.end(), [&](const SwarmNode& s) {
          return s.availability == "active" && s.state == "ready" &&
                 std::find(ids.begin(), ids.end(), s.id) == ids.end();
        });
        if (services.empty() || !room) return std::string();
        MAGNUM_ASSIGN_OR_RETURN(
            auto tasks, mc->ListTasks({{"service", services}, {"desired-state", {"running"}}}));
        for (const auto& t : tasks) {
          if (t.desired_state != "running" || t.state == "running") continue;
          if (HasId(ids, t.node_id) || HasId(ignored, t.id)) continue;
          std::string name = t.service_id;
          if (auto all = mc->ListServices()) {
            for (const auto& sv : *all) {
              if (sv.id == t.service_id && !sv.name.empty()) name = sv.name;
            }
          }
          return "the tasks of service " + name + " moved off " + draining[0].name +
                 (draining.size() > 1 ? " (and " + std::to_string(draining.size() - 1) + " more)"
                                      : "") +
                 " do not all run elsewhere yet: task " + t.id + " is " + t.state +
                 (t.err.empty() ? "" : " (" + t.err + ")");
        }
        return std::string();
      }));
  if (s) return s;
  if (p != nullptr) p->EndDrain();
  if (!ignored.empty()) {
    // Told, not waited for: a failed look here changes nothing of the drain.
    auto tasks = mc->ListTasks({{"service", services}, {"desired-state", {"running"}}});
    if (tasks) {
      auto names = mc->ListServices();
      std::string told =
          StillPendingBeforeDrain(*tasks, ignored, names ? *names : std::vector<SwarmService>{});
      if (!told.empty()) op_->Event("drain", told);
    }
  }
  for (const auto& n : draining) op_->Event("drain", "node " + n.name + " drained", n.name);
  return s;
}

}  // namespace magnum::drivers::docker
