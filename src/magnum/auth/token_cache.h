// A bounded LRU cache of validated Keystone tokens: token -> the context it grants (or
// "known invalid"), each entry good until its own deadline (the token's expiry or the
// configured cache time, whichever is first). In process; thread-safe.
#pragma once

#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "magnum/auth/context.h"
#include "magnum/common/clock.h"

namespace magnum::auth {

class TokenCache {
 public:
  struct Entry {
    std::shared_ptr<const RequestContext> context;  // null: Keystone said the token is invalid
    TimePoint until;
    // Revoked here (a sign-out): until `until`, a validation that was already under way when
    // the token was revoked cannot put it back as valid (Put keeps the revocation).
    bool revoked = false;
  };

  // capacity 0 disables the cache (Get always misses, Put keeps nothing).
  explicit TokenCache(size_t capacity) : capacity_(capacity) {}

  // The entry for `token` while now < its deadline (an expired entry is dropped).
  std::optional<Entry> Get(const std::string& token, TimePoint now);
  // Adds or replaces; evicts the least recently used entry beyond capacity. A valid entry
  // does not replace a revoked one (an expired revocation is dropped by Get first).
  void Put(const std::string& token, Entry entry);
  size_t size() const;

 private:
  using Item = std::pair<std::string, Entry>;
  const size_t capacity_;
  mutable std::mutex mu_;
  std::list<Item> lru_;  // most recently used first
  std::unordered_map<std::string, std::list<Item>::iterator> index_;
};

}  // namespace magnum::auth
