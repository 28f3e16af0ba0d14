#include "magnum/db/record.h"

#include <cstdlib>
#include <utility>

#include "magnum/db/schema.h"

namespace magnum::db {
namespace {

const Value kNull{};

// A cheap hash of a column name: its length and three of its bytes, mixed with `seed`.
uint32_t NameHash(std::string_view name, uint32_t seed) {
  const size_t n = name.size();
  uint32_t h = static_cast<uint32_t>(n) * 0x9E3779B1u ^ seed;
  if (n != 0) {
    h ^= static_cast<uint8_t>(name[0]) * 0x85EBCA6Bu;
    h ^= static_cast<uint8_t>(name[n - 1]) * 0xC2B2AE35u;
    h ^= static_cast<uint8_t>(name[n / 2]) * 0x27D4EB2Fu;
  }
  h ^= h >> 15;
  h *= seed | 1u;
  return h ^ (h >> 13);
}

}  // namespace

RowLayout::RowLayout(std::vector<std::string> names) : names_(std::move(names)) {
  if (names_.size() > 64) std::abort();  // the presence mask of Row has 64 bits
  size_t capacity = 16;
  while (capacity < names_.size() * 4) capacity *= 2;
  // The first seed (of a few hundred) with no two names in one slot; else the one with the
  // fewest collisions, which linear probing then resolves.
  size_t best_collisions = SIZE_MAX;
  uint32_t best_seed = 1;
  for (uint32_t seed = 1; seed < 512 && best_collisions != 0; ++seed) {
    std::vector<bool> used(capacity);
    size_t collisions = 0;
    for (const auto& name : names_) {
      const size_t slot = NameHash(name, seed) & (capacity - 1);
      collisions += used[slot] ? 1 : 0;
      used[slot] = true;
    }
    if (collisions < best_collisions) {
      best_collisions = collisions;
      best_seed = seed;
    }
  }
  seed_ = best_seed;
  slots_.assign(capacity, int8_t{-1});
  for (size_t i = 0; i < names_.size(); ++i) {
    if (Find(names_[i]) >= 0) continue;  // a repeated name keeps its first position
    size_t slot = NameHash(names_[i], seed_) & (capacity - 1);
    while (slots_[slot] >= 0) slot = (slot + 1) & (capacity - 1);
    slots_[slot] = static_cast<int8_t>(i);
  }
}

int RowLayout::Find(std::string_view name) const {
  const size_t mask = slots_.size() - 1;
  for (size_t slot = NameHash(name, seed_) & mask;; slot = (slot + 1) & mask) {
    const int8_t i = slots_[slot];
    if (i < 0) return -1;
    if (names_[static_cast<size_t>(i)] == name) return i;
  }
}

const RowLayout* RowLayout::ForTable(std::string_view table) {
  static const std::vector<RowLayout> layouts = [] {
    std::vector<RowLayout> out;
    out.reserve(AllTables().size());
    for (const auto& t : AllTables()) {
      std::vector<std::string> names;
      names.reserve(t.columns.size());
      for (const auto& c : t.columns) names.push_back(c.name);
      out.emplace_back(std::move(names));
    }
    return out;
  }();
  const auto& tables = AllTables();
  for (size_t i = 0; i < tables.size(); ++i) {
    if (tables[i].name == table) return &layouts[i];
  }
  return nullptr;
}

Row::Row(const RowLayout* layout) : layout_(layout) {
  if (layout_ != nullptr) slots_ = std::make_unique<Value[]>(layout_->size());
}

Row::Row(const Row& other) : layout_(other.layout_), present_(other.present_), extra_(other.extra_) {
  if (layout_ != nullptr) {
    slots_ = std::make_unique<Value[]>(layout_->size());
    for (uint64_t bits = present_; bits != 0; bits &= bits - 1) {
      const auto i = static_cast<size_t>(__builtin_ctzll(bits));
      slots_[i] = other.slots_[i];
    }
  }
}

Row::Row(Row&& other) noexcept
    : layout_(std::exchange(other.layout_, nullptr)),
      present_(std::exchange(other.present_, 0)),
      slots_(std::move(other.slots_)),
      extra_(std::move(other.extra_)) {
  other.extra_.clear();
}

Row& Row::operator=(const Row& other) {
  if (this != &other) *this = Row(other);
  return *this;
}

Row& Row::operator=(Row&& other) noexcept {
  if (this != &other) {
    layout_ = std::exchange(other.layout_, nullptr);
    present_ = std::exchange(other.present_, 0);
    slots_ = std::move(other.slots_);
    extra_ = std::move(other.extra_);
    other.extra_.clear();
  }
  return *this;
}

const Value* Row::Find(std::string_view column) const {
  if (layout_ != nullptr) {
    const int i = layout_->Find(column);
    if (i >= 0) return (present_ >> i & 1) != 0 ? &slots_[static_cast<size_t>(i)] : nullptr;
  }
  for (const auto& [name, value] : extra_) {
    if (name == column) return &value;
  }
  return nullptr;
}

void Row::Set(std::string_view column, Value v) {
  if (layout_ != nullptr) {
    const int i = layout_->Find(column);
    if (i >= 0) {
      SetAt(i, std::move(v));
      return;
    }
  }
  for (auto& [name, value] : extra_) {
    if (name == column) {
      value = std::move(v);
      return;
    }
  }
  extra_.emplace_back(std::string(column), std::move(v));
}

void Row::Erase(std::string_view column) {
  if (layout_ != nullptr) {
    const int i = layout_->Find(column);
    if (i >= 0) {
      present_ &= ~(uint64_t{1} << i);
      slots_[static_cast<size_t>(i)] = Value();
      return;
    }
  }
  for (auto it = extra_.begin(); it != extra_.end(); ++it) {
    if (it->first == column) {
      extra_.erase(it);
      return;
    }
  }
}

std::map<std::string, Value> Row::values() const {
  std::map<std::string, Value> out;
  ForEach([&](std::string_view name, const Value& v) { out.emplace(std::string(name), v); });
  return out;
}

bool Row::operator==(const Row& other) const {
  if (size() != other.size()) return false;
  bool equal = true;
  ForEach([&](std::string_view name, const Value& v) {
    if (!equal) return;
    const Value* o = other.Find(name);
    equal = o != nullptr && *o == v;
  });
  return equal;
}

const Value& Row::Get(std::string_view column) const {
  const Value* v = Find(column);
  return v != nullptr ? *v : kNull;
}

const std::string* Row::GetText(std::string_view column) const {
  const Value* v = Find(column);
  return v != nullptr ? std::get_if<std::string>(v) : nullptr;
}

std::string Row::GetString(std::string_view column, const std::string& fallback) const {
  const std::string* s = GetText(column);
  return s != nullptr ? *s : fallback;
}

int64_t Row::GetInt(std::string_view column, int64_t fallback) const {
  const Value& v = Get(column);
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
  return fallback;
}

bool Row::GetBool(std::string_view column, bool fallback) const {
  const Value& v = Get(column);
  if (auto* b = std::get_if<bool>(&v)) return *b;
  if (auto* i = std::get_if<int64_t>(&v)) return *i != 0;
  return fallback;
}

std::optional<std::string> Row::GetOptionalString(std::string_view column) const {
  const std::string* s = GetText(column);
  if (s != nullptr) return *s;
  return std::nullopt;
}

std::optional<int64_t> Row::GetOptionalInt(std::string_view column) const {
  const Value& v = Get(column);
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  return std::nullopt;
}

}  // namespace magnum::db
