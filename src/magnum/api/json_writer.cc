#include "magnum/api/json_writer.h"

#include <array>
#include <charconv>
#include <cstring>

namespace magnum::api {
namespace {

constexpr uint8_t kAccept = 0;
constexpr uint8_t kReject = 1;

// Björn Höhrmann's UTF-8 decoder automaton (the one nlohmann::json's serializer runs), so
// that invalid input is cut into the same pieces and replaced the same way.
constexpr std::array<uint8_t, 400> kUtf8 = {
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7,
    7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 8, 8, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    2, 2, 2, 2, 10, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 4, 3, 3,
    11, 6, 6, 6, 5, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 0, 1, 2, 3,
    5, 8, 7, 1, 1, 1, 4, 6, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 1, 0, 1, 1,
    1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 2, 1, 2, 1, 1, 1, 1, 1, 1,
    1, 1, 1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 1, 1,
    1, 1, 1, 1, 1, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 3,
    1, 3, 1, 1, 1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1, 3, 1, 3, 1, 1,
    1, 1, 1, 1, 1, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
};

// Whether an ASCII byte can be copied as is (printable, not '"' or '\\').
constexpr std::array<bool, 128> MakePlain() {
  std::array<bool, 128> t{};
  for (int c = 0x20; c < 0x80; ++c) t[c] = c != '"' && c != '\\';
  return t;
}
constexpr std::array<bool, 128> kPlain = MakePlain();

void AppendEscapedControl(std::string* out, unsigned char c) {
  switch (c) {
    case '\b': out->append("\\b"); return;
    case '\t': out->append("\\t"); return;
    case '\n': out->append("\\n"); return;
    case '\f': out->append("\\f"); return;
    case '\r': out->append("\\r"); return;
    case '"': out->append("\\\""); return;
    case '\\': out->append("\\\\"); return;
    default: {
      static constexpr char kHex[] = "0123456789abcdef";
      const char buf[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      out->append(buf, 6);
    }
  }
}

// Whether all 8 bytes of `x` are plain (0x20..0x7f, not '"' or '\\'): bit tricks on the
// whole word (a byte below 0x20, a high bit, or a zero byte after XOR with the quote or the
// backslash sets that byte's top bit).
inline bool PlainWord(uint64_t x) {
  constexpr uint64_t k01 = 0x0101010101010101ULL;
  constexpr uint64_t k80 = 0x8080808080808080ULL;
  const uint64_t control = (x - k01 * 0x20) & ~x;
  const uint64_t q = x ^ (k01 * '"');
  const uint64_t b = x ^ (k01 * '\\');
  return ((control | x | ((q - k01) & ~q) | ((b - k01) & ~b)) & k80) == 0;
}

// The length of the plain prefix of p[i..n), from i.
inline size_t PlainUntil(const unsigned char* p, size_t i, size_t n) {
  for (; i + 8 <= n; i += 8) {
    uint64_t x;
    std::memcpy(&x, p + i, 8);
    if (!PlainWord(x)) break;
  }
  while (i < n && p[i] < 0x80 && kPlain[p[i]]) ++i;
  return i;
}

}  // namespace

void JsonWriter::AppendString(std::string* out, std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const size_t n = s.size();
  size_t i = PlainUntil(p, 0, n);
  if (i == n) {
    // Nothing to escape (the common case): the quoted text in one copy.
    const size_t at = out->size();
    out->resize(at + n + 2);
    char* d = out->data() + at;
    d[0] = '"';
    std::memcpy(d + 1, s.data(), n);
    d[n + 1] = '"';
    return;
  }
  out->push_back('"');
  out->append(s.data(), i);
  while (i < n) {
    // Runs of plain ASCII are copied in one go.
    const size_t j = PlainUntil(p, i, n);
    if (j > i) {
      out->append(s.data() + i, j - i);
      i = j;
      if (i == n) break;
    }
    if (p[i] < 0x80) {
      AppendEscapedControl(out, p[i]);
      ++i;
      continue;
    }
    // A multi-byte sequence: validate with the automaton; keep it, or replace it.
    uint8_t state = kAccept;
    const size_t start = i;
    while (i < n) {
      const uint8_t type = kUtf8[p[i]];
      state = kUtf8[256 + state * 16 + type];
      if (state == kReject) break;
      ++i;
      if (state == kAccept) break;
    }
    if (state == kAccept) {
      out->append(s.data() + start, i - start);
    } else {
      // Invalid (or cut short at the end): one U+FFFD; a rejecting byte that followed
      // a started sequence is read again as the start of the next one.
      out->append("\xEF\xBF\xBD");
      if (state == kReject && i == start) ++i;
    }
  }
  out->push_back('"');
}

std::string JsonWriter::EncodeKey(std::string_view key) {
  std::string out;
  AppendString(&out, key);
  out.push_back(':');
  return out;
}

void JsonWriter::BeforeValue() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (depth_ == 0) return;
  const uint32_t bit = 1u << (depth_ - 1);
  if (has_member_ & bit) out_->push_back(',');
  has_member_ |= bit;
}

JsonWriter& JsonWriter::BeginObject() {
  BeforeValue();
  out_->push_back('{');
  ++depth_;
  has_member_ &= ~(1u << (depth_ - 1));
  return *this;
}

JsonWriter& JsonWriter::EndObject() {
  --depth_;
  out_->push_back('}');
  return *this;
}

JsonWriter& JsonWriter::BeginArray() {
  BeforeValue();
  out_->push_back('[');
  ++depth_;
  has_member_ &= ~(1u << (depth_ - 1));
  return *this;
}

JsonWriter& JsonWriter::EndArray() {
  --depth_;
  out_->push_back(']');
  return *this;
}

JsonWriter& JsonWriter::Key(std::string_view key) {
  BeforeValue();
  AppendString(out_, key);
  out_->push_back(':');
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::RawKey(std::string_view encoded_key) {
  BeforeValue();
  out_->append(encoded_key);
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::RawKeyAfterComma(std::string_view encoded) {
  const uint32_t bit = 1u << (depth_ - 1);
  if (has_member_ & bit) {
    out_->append(encoded);
  } else {
    out_->append(encoded.substr(1));
    has_member_ |= bit;
  }
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::String(std::string_view s) {
  BeforeValue();
  AppendString(out_, s);
  return *this;
}

JsonWriter& JsonWriter::Int(int64_t v) {
  BeforeValue();
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out_->append(buf, end - buf);
  return *this;
}

JsonWriter& JsonWriter::Bool(bool v) {
  BeforeValue();
  out_->append(v ? "true" : "false");
  return *this;
}

JsonWriter& JsonWriter::Null() {
  BeforeValue();
  out_->append("null");
  return *this;
}

JsonWriter& JsonWriter::Raw(std::string_view json) {
  BeforeValue();
  out_->append(json);
  return *this;
}

}  // namespace magnum::api
