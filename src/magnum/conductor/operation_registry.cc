#include "magnum/conductor/operation_registry.h"

namespace magnum::conductor {

std::vector<OpPtr> OperationRegistry::Register(const OpPtr& op, bool supersede) {
  std::vector<OpPtr> cancelled;
  std::lock_guard<std::mutex> lock(mu_);
  if (supersede) {
    auto [b, e] = ops_.equal_range(op->cluster_uuid);
    for (auto it = b; it != e; ++it) {
      if (!it->second->control->finished.load()) cancelled.push_back(it->second);
      it->second->control->Cancel(CancelReason::kSuperseded);
    }
  }
  ops_.emplace(op->cluster_uuid, op);
  return cancelled;
}

void OperationRegistry::Done(const OpPtr& op) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto [b, e] = ops_.equal_range(op->cluster_uuid);
    for (auto it = b; it != e; ++it) {
      if (it->second == op) {
        ops_.erase(it);
        break;
      }
    }
  }
  idle_cv_.notify_all();
}

bool OperationRegistry::Has(const std::string& uuid) const {
  std::lock_guard<std::mutex> lock(mu_);
  return ops_.count(uuid) != 0;
}

bool OperationRegistry::HasNodeGroupOperation(const std::string& uuid,
                                              const std::string& nodegroup_uuid) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto [b, e] = ops_.equal_range(uuid);
  for (auto it = b; it != e; ++it) {
    if (it->second->nodegroup_uuid == nodegroup_uuid) return true;
  }
  return false;
}

std::vector<OpPtr> OperationRegistry::Snapshot() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<OpPtr> out;
  for (const auto& [uuid, op] : ops_) out.push_back(op);
  return out;
}

size_t OperationRegistry::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return ops_.size();
}

bool OperationRegistry::WaitIdle(std::chrono::milliseconds timeout) {
  std::unique_lock<std::mutex> lock(mu_);
  return idle_cv_.wait_for(lock, timeout, [this] { return ops_.empty(); });
}

bool OperationRegistry::BeginStop() {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return false;
  stopping_ = true;
  return true;
}

bool OperationRegistry::Stopping() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stopping_;
}

bool OperationRegistry::BeginStart() {
  std::lock_guard<std::mutex> lock(mu_);
  if (started_) return false;
  started_ = true;
  return true;
}

}  // namespace magnum::conductor
