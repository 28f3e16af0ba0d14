#include "magnum/common/uuid.h"

#include <array>
#include <cctype>
#include <random>

namespace magnum {
namespace {

constexpr char kHex[] = "0123456789abcdef";

std::string StripUuid(std::string_view s) {
  if (s.size() >= 9 && (s.substr(0, 9) == "urn:uuid:" || s.substr(0, 9) == "URN:UUID:")) {
    s.remove_prefix(9);
  }
  if (s.size() >= 2 && s.front() == '{' && s.back() == '}') s = s.substr(1, s.size() - 2);
  std::string hex;
  hex.reserve(32);
  for (char c : s) {
    if (c == '-') continue;
    hex.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  return hex;
}

}  // namespace

std::string GenerateUuid() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::array<unsigned char, 16> b{};
  for (int i = 0; i < 16; i += 8) {
    uint64_t v = rng();
    for (int j = 0; j < 8; ++j) b[i + j] = static_cast<unsigned char>(v >> (8 * j));
  }
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0xf]);
  }
  return out;
}

bool IsUuidLike(std::string_view s) {
  std::string_view body = s;
  if (body.size() >= 9 && (body.substr(0, 9) == "urn:uuid:" || body.substr(0, 9) == "URN:UUID:")) {
    body.remove_prefix(9);
  }
  if (body.size() >= 2 && body.front() == '{' && body.back() == '}') {
    body = body.substr(1, body.size() - 2);
  }
  size_t hex = 0;
  size_t dashes = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c == '-') {
      ++dashes;
      continue;
    }
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
    ++hex;
  }
  if (hex != 32) return false;
  if (dashes == 0) return true;
  if (dashes != 4 || body.size() != 36) return false;
  return body[8] == '-' && body[13] == '-' && body[18] == '-' && body[23] == '-';
}

std::string CanonicalUuid(std::string_view s) {
  std::string hex = StripUuid(s);
  if (hex.size() != 32) return std::string(s);
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

}  // namespace magnum
