#include "magnum/db/connection_registry.h"

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

namespace magnum::db {
namespace {

std::atomic<uint64_t> g_next_registry_id{1};

}  // namespace

struct ConnectionRegistryBase::Slots {
  mutable std::mutex mu;
  std::map<std::thread::id, Handle> by_thread;  // guarded by mu
};

ConnectionRegistryBase::ConnectionRegistryBase(Opener open)
    : id_(g_next_registry_id.fetch_add(1)),
      open_(std::move(open)),
      slots_(std::make_unique<Slots>()) {}

ConnectionRegistryBase::~ConnectionRegistryBase() {
  std::lock_guard lock(slots_->mu);
  slots_->by_thread.clear();
}

Result<void*> ConnectionRegistryBase::FindOrOpen() {
  const std::thread::id self = std::this_thread::get_id();
  std::lock_guard lock(slots_->mu);
  auto it = slots_->by_thread.find(self);
  if (it == slots_->by_thread.end()) {
    MAGNUM_ASSIGN_OR_RETURN(Handle opened, open_());
    it = slots_->by_thread.emplace(self, std::move(opened)).first;
  }
  return it->second.get();
}

size_t ConnectionRegistryBase::ConnectionCount() const {
  std::lock_guard lock(slots_->mu);
  return slots_->by_thread.size();
}

}  // namespace magnum::db
