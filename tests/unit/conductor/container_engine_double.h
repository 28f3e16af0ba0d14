// A ContainerEngine in memory for the control-plane tests of /v1/containers: containers by
// Magnum uuid with Docker's state rules (pause needs Running, a running one is removed only
// with force, exec needs Running), switches to make every call or only the create fail, and
// a record of what reached it. Thread-safe.
#pragma once

#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "magnum/conductor/conductor_api.h"
#include "magnum/conductor/container_engine.h"

namespace magnum::conductor::testing {

class ContainerEngineDouble final : public ContainerEngine {
 public:
  struct Box {
    objects::ContainerStatus status = objects::ContainerStatus::kStopped;
    std::string docker_id;
    std::string cluster;
  };

  // Every call fails with this (e.g. kUnavailable: the Engine cannot be reached).
  void FailAll(std::optional<Error> e) {
    std::lock_guard<std::mutex> l(mu_);
    fail_all_ = std::move(e);
  }
  void FailCreate(std::optional<Error> e) {
    std::lock_guard<std::mutex> l(mu_);
    fail_create_ = std::move(e);
  }
  // What happens outside Magnum: the container is removed, or its state changes.
  void Forget(const std::string& uuid) {
    std::lock_guard<std::mutex> l(mu_);
    boxes_.erase(uuid);
  }
  void SetStatus(const std::string& uuid, objects::ContainerStatus s) {
    std::lock_guard<std::mutex> l(mu_);
    boxes_[uuid].status = s;
  }
  std::optional<Box> Find(const std::string& uuid) const {
    std::lock_guard<std::mutex> l(mu_);
    auto it = boxes_.find(uuid);
    if (it == boxes_.end()) return std::nullopt;
    return it->second;
  }
  size_t Size() const {
    std::lock_guard<std::mutex> l(mu_);
    return boxes_.size();
  }
  std::vector<std::string> Calls() const {
    std::lock_guard<std::mutex> l(mu_);
    return calls_;
  }
  std::vector<std::string> Executed() const {
    std::lock_guard<std::mutex> l(mu_);
    return executed_;
  }
  ContainerLimits LastLimits() const {
    std::lock_guard<std::mutex> l(mu_);
    return last_limits_;
  }
  void SetOutput(CommandOutput out) {
    std::lock_guard<std::mutex> l(mu_);
    output_ = std::move(out);
  }

  Result<ContainerObserved> Create(const objects::Cluster& cluster,
                                   const objects::Container& c) override {
    std::lock_guard<std::mutex> l(mu_);
    calls_.push_back("create " + c.uuid);
    if (fail_all_) return Fail(*fail_all_);
    if (fail_create_) return Fail(*fail_create_);
    Box& b = boxes_[c.uuid];
    b.status = objects::ContainerStatus::kStopped;
    b.docker_id = "docker-" + c.uuid.substr(0, 8);
    b.cluster = cluster.uuid;
    return Seen(b);
  }

  Result<ContainerObserved> Show(const objects::Cluster&, const objects::Container& c) override {
    std::lock_guard<std::mutex> l(mu_);
    calls_.push_back("show " + c.uuid);
    if (fail_all_) return Fail(*fail_all_);
    auto it = boxes_.find(c.uuid);
    if (it == boxes_.end()) return Fail(Error::NotFound("no such container: " + c.uuid));
    return Seen(it->second);
  }

  Result<ContainerObserved> Act(const objects::Cluster&, const objects::Container& c,
                                ContainerAction action) override {
    using S = objects::ContainerStatus;
    std::lock_guard<std::mutex> l(mu_);
    calls_.push_back("act " + std::string(ContainerActionName(action)) + " " + c.uuid);
    if (fail_all_) return Fail(*fail_all_);
    auto it = boxes_.find(c.uuid);
    if (it == boxes_.end()) return Fail(Error::NotFound("no such container: " + c.uuid));
    Box& b = it->second;
    switch (action) {
      case ContainerAction::kStart:
      case ContainerAction::kReboot:
        if (b.status == S::kPaused) return Fail(Error::Conflict("container is paused"));
        b.status = S::kRunning;
        break;
      case ContainerAction::kStop:
        b.status = S::kStopped;
        break;
      case ContainerAction::kPause:
        if (b.status != S::kRunning) return Fail(Error::Conflict("container is not running"));
        b.status = S::kPaused;
        break;
      case ContainerAction::kUnpause:
        if (b.status != S::kPaused) return Fail(Error::Conflict("container is not paused"));
        b.status = S::kRunning;
        break;
    }
    return Seen(b);
  }

  Result<CommandOutput> Logs(const objects::Cluster&, const objects::Container& c,
                             const ContainerLimits& limits) override {
    std::lock_guard<std::mutex> l(mu_);
    calls_.push_back("logs " + c.uuid);
    last_limits_ = limits;
    if (fail_all_) return Fail(*fail_all_);
    if (boxes_.count(c.uuid) == 0) return Fail(Error::NotFound("no such container"));
    CommandOutput out = output_;
    out.exit_code = -1;
    return out;
  }

  Result<CommandOutput> Execute(const objects::Cluster&, const objects::Container& c,
                                const std::string& command,
                                const ContainerLimits& limits) override {
    std::lock_guard<std::mutex> l(mu_);
    calls_.push_back("exec " + c.uuid);
    last_limits_ = limits;
    if (fail_all_) return Fail(*fail_all_);
    auto it = boxes_.find(c.uuid);
    if (it == boxes_.end()) return Fail(Error::NotFound("no such container"));
    if (it->second.status != objects::ContainerStatus::kRunning) {
      return Fail(Error::Conflict("container is not running"));
    }
    executed_.push_back(command);
    return output_;
  }

  Result<void> Remove(const objects::Cluster&, const objects::Container& c, bool force) override {
    std::lock_guard<std::mutex> l(mu_);
    calls_.push_back(std::string("remove") + (force ? " force " : " ") + c.uuid);
    if (fail_all_) return Fail(*fail_all_);
    auto it = boxes_.find(c.uuid);
    if (it == boxes_.end()) return {};
    if (it->second.status == objects::ContainerStatus::kRunning && !force) {
      return Fail(Error::Conflict("container is running"));
    }
    boxes_.erase(it);
    return {};
  }

 private:
  static ContainerObserved Seen(const Box& b) {
    ContainerObserved o;
    o.status = b.status;
    o.docker_id = b.docker_id;
    return o;
  }

  mutable std::mutex mu_;
  std::map<std::string, Box> boxes_;
  std::optional<Error> fail_all_;
  std::optional<Error> fail_create_;
  std::vector<std::string> calls_;
  std::vector<std::string> executed_;
  ContainerLimits last_limits_;
  CommandOutput output_{"hello\n", false, 0};
};

}  // namespace magnum::conductor::testing
