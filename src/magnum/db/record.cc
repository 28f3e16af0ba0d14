#include "magnum/db/record.h"

namespace magnum::db {
namespace {
const Value kNull{};
}

const Value& Row::Get(const std::string& column) const {
  auto it = values_.find(column);
  return it == values_.end() ? kNull : it->second;
}

std::string Row::GetString(const std::string& column, const std::string& fallback) const {
  const Value& v = Get(column);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  return fallback;
}

int64_t Row::GetInt(const std::string& column, int64_t fallback) const {
  const Value& v = Get(column);
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
  return fallback;
}

bool Row::GetBool(const std::string& column, bool fallback) const {
  const Value& v = Get(column);
  if (auto* b = std::get_if<bool>(&v)) return *b;
  if (auto* i = std::get_if<int64_t>(&v)) return *i != 0;
  return fallback;
}

std::optional<std::string> Row::GetOptionalString(const std::string& column) const {
  const Value& v = Get(column);
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  return std::nullopt;
}

std::optional<int64_t> Row::GetOptionalInt(const std::string& column) const {
  const Value& v = Get(column);
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  return std::nullopt;
}

}  // namespace magnum::db
