#include "magnum/auth/token_cache.h"

namespace magnum::auth {

std::optional<TokenCache::Entry> TokenCache::Get(const std::string& token, TimePoint now) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(token);
  if (it == index_.end()) return std::nullopt;
  if (now >= it->second->second.until) {
    lru_.erase(it->second);
    index_.erase(it);
    return std::nullopt;
  }
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->second;
}

void TokenCache::Put(const std::string& token, Entry entry) {
  if (capacity_ == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(token);
  if (it != index_.end()) {
    if (it->second->second.revoked && entry.context) return;  // revoked while validating
    it->second->second = std::move(entry);
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  lru_.emplace_front(token, std::move(entry));
  index_.emplace(token, lru_.begin());
  while (lru_.size() > capacity_) {
    index_.erase(lru_.back().first);
    lru_.pop_back();
  }
}

size_t TokenCache::size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return lru_.size();
}

}  // namespace magnum::auth
