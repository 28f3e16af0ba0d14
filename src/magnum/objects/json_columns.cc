#include "magnum/objects/json_columns.h"

#include <nlohmann/json.hpp>

namespace magnum::objects::json_columns {
namespace {

using Json = nlohmann::json;

// A cursor over flat JSON: objects or arrays whose values are strings (or null). Any other
// shape makes it give up (ok() false) so that the caller falls back to nlohmann::json.
class FlatReader {
 public:
  explicit FlatReader(std::string_view s) : s_(s) {}

  bool ok() const { return ok_; }
  bool AtEnd() {
    SkipSpace();
    return pos_ == s_.size();
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  bool PeekNull() {
    SkipSpace();
    if (s_.substr(pos_, 4) == "null") {
      pos_ += 4;
      return true;
    }
    return false;
  }
  // A JSON string into `out`; false (and !ok()) when the next token is not one.
  bool String(std::string* out) {
    SkipSpace();
    if (pos_ >= s_.size() || s_[pos_] != '"') return Stop();
    ++pos_;
    out->clear();
    while (pos_ < s_.size()) {
      const size_t run = PlainRun();
      if (run == std::string_view::npos) return Stop();
      out->append(s_.data() + pos_, run - pos_);
      pos_ = run;
      if (s_[pos_] == '"') {
        ++pos_;
        return true;
      }
      if (!Escape(out)) return Stop();
    }
    return Stop();
  }
  // A JSON string as a view: into the text when it has no escapes (the common case), else
  // decoded into `scratch`.
  bool StringView(std::string_view* out, std::string* scratch) {
    SkipSpace();
    if (pos_ >= s_.size() || s_[pos_] != '"') return Stop();
    const size_t start = pos_ + 1;
    pos_ = start;
    const size_t run = PlainRun();
    if (run == std::string_view::npos) return Stop();
    if (s_[run] == '"') {
      *out = s_.substr(start, run - start);
      pos_ = run + 1;
      return true;
    }
    pos_ = start - 1;
    if (!String(scratch)) return false;
    *out = *scratch;
    return true;
  }

 private:
  bool Stop() {
    ok_ = false;
    return false;
  }
  // The position of the next '"' or '\\' from pos_; npos at the end of the text or at a
  // control character (which JSON strings cannot hold).
  size_t PlainRun() const {
    for (size_t i = pos_; i < s_.size(); ++i) {
      const auto c = static_cast<unsigned char>(s_[i]);
      if (c == '"' || c == '\\') return i;
      if (c < 0x20) return std::string_view::npos;
    }
    return std::string_view::npos;
  }
  void SkipSpace() {
    while (pos_ < s_.size() &&
           (s_[pos_] == ' ' || s_[pos_] == '\n' || s_[pos_] == '\r' || s_[pos_] == '\t')) {
      ++pos_;
    }
  }
  bool Hex4(unsigned* cp) {
    if (pos_ + 4 > s_.size()) return false;
    unsigned v = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = s_[pos_++];
      v <<= 4;
      if (c >= '0' && c <= '9') v |= c - '0';
      else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
      else return false;
    }
    *cp = v;
    return true;
  }
  static void AppendUtf8(unsigned cp, std::string* out) {
    if (cp < 0x80) {
      out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
  }
  // At a backslash.
  bool Escape(std::string* out) {
    if (++pos_ >= s_.size()) return false;
    const char e = s_[pos_++];
    switch (e) {
      case '"': out->push_back('"'); return true;
      case '\\': out->push_back('\\'); return true;
      case '/': out->push_back('/'); return true;
      case 'b': out->push_back('\b'); return true;
      case 'f': out->push_back('\f'); return true;
      case 'n': out->push_back('\n'); return true;
      case 'r': out->push_back('\r'); return true;
      case 't': out->push_back('\t'); return true;
      case 'u': {
        unsigned cp = 0;
        if (!Hex4(&cp)) return false;
        if (cp >= 0xDC00 && cp <= 0xDFFF) return false;
        if (cp >= 0xD800 && cp <= 0xDBFF) {
          unsigned lo = 0;
          if (pos_ + 2 > s_.size() || s_[pos_] != '\\' || s_[pos_ + 1] != 'u') return false;
          pos_ += 2;
          if (!Hex4(&lo) || lo < 0xDC00 || lo > 0xDFFF) return false;
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
        }
        AppendUtf8(cp, out);
        return true;
      }
      default: return false;
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  bool ok_ = true;
};

// {"k": "v", ...} with string values (null values too when `allow_null`); false when the
// text has another shape.
template <typename Map, typename Put>
bool ReadFlatObject(std::string_view text, bool allow_null, Map* out, Put put) {
  FlatReader r(text);
  if (!r.Consume('{')) return false;
  std::string key, value;
  if (!r.Consume('}')) {
    do {
      if (!r.String(&key) || !r.Consume(':')) return false;
      if (allow_null && r.PeekNull()) {
        put(out, key, std::nullopt);
      } else {
        if (!r.String(&value)) return false;
        put(out, key, std::optional<std::string>(value));
      }
    } while (r.Consume(','));
    if (!r.Consume('}')) return false;
  }
  return r.AtEnd() && r.ok();
}

std::string ScalarText(const Json& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::string Dump(const Json& j) { return j.dump(-1, ' ', false, Json::error_handler_t::replace); }

// A flat {"k": "v", ...} of strings into `out`, reusing the nodes of the keys that come in
// the map's order; false when the text has another shape (`out` then holds some of it).
bool ReadFlatStringMap(std::string_view text, StringMap& out) {
  FlatReader r(text);
  if (!r.Consume('{')) return false;
  std::string key_scratch, value_scratch;  // only for strings with escapes
  auto it = out.begin();
  bool in_place = true;
  if (!r.Consume('}')) {
    do {
      std::string_view key, value;
      if (!r.StringView(&key, &key_scratch) || !r.Consume(':') ||
          !r.StringView(&value, &value_scratch)) {
        return false;
      }
      if (in_place && it != out.end() && it->first == key) {
        it->second.assign(value);
        ++it;
        continue;
      }
      if (in_place) {
        out.erase(it, out.end());
        in_place = false;
      }
      out.insert_or_assign(out.end(), std::string(key), std::string(value));  // last one wins
    } while (r.Consume(','));
    if (!r.Consume('}')) return false;
  }
  if (in_place) out.erase(it, out.end());
  return r.AtEnd() && r.ok();
}

}  // namespace

bool DecodeStringMapInto(std::string_view text, std::optional<StringMap>& out) {
  if (!out) out.emplace();
  if (ReadFlatStringMap(text, *out)) return true;
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return false;
  out->clear();
  for (auto it = j.begin(); it != j.end(); ++it) (*out)[it.key()] = ScalarText(*it);
  return true;
}

std::optional<StringMap> DecodeStringMap(std::string_view text) {
  std::optional<StringMap> out;
  if (!DecodeStringMapInto(text, out)) return std::nullopt;
  return out;
}

std::optional<NullableStringMap> DecodeNullableStringMap(std::string_view text) {
  NullableStringMap out;
  auto put = [](NullableStringMap* m, const std::string& k, std::optional<std::string> v) {
    (*m)[k] = std::move(v);
  };
  if (ReadFlatObject(text, true, &out, put)) return out;
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return std::nullopt;
  out.clear();
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it->is_null()) {
      out[it.key()] = std::nullopt;
    } else {
      out[it.key()] = ScalarText(*it);
    }
  }
  return out;
}

std::optional<StringList> DecodeStringList(std::string_view text) {
  StringList out;
  {
    FlatReader r(text);
    bool flat = r.Consume('[');
    if (flat && !r.Consume(']')) {
      std::string v;
      do {
        flat = r.String(&v);
        if (flat) out.push_back(v);
      } while (flat && r.Consume(','));
      flat = flat && r.Consume(']');
    }
    if (flat && r.AtEnd() && r.ok()) return out;
  }
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return std::nullopt;
  out.clear();
  for (const auto& v : j) out.push_back(ScalarText(v));
  return out;
}

std::optional<TaintList> DecodeTaints(std::string_view text) {
  Json j = Json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_array()) return std::nullopt;
  TaintList out;
  for (const auto& t : j) {
    if (!t.is_object()) return std::nullopt;
    Taint taint;
    for (auto it = t.begin(); it != t.end(); ++it) {
      if (it.key() == "key" && it->is_string()) {
        taint.key = it->get<std::string>();
      } else if (it.key() == "effect" && it->is_string()) {
        taint.effect = it->get<std::string>();
      } else if (it.key() == "value" && (it->is_string() || it->is_null())) {
        taint.value = it->is_null() ? std::optional<std::string>()
                                    : std::optional<std::string>(it->get<std::string>());
      } else {
        return std::nullopt;  // not a taint the API would have stored
      }
    }
    out.push_back(std::move(taint));
  }
  return out;
}

std::string Encode(const StringMap& map) {
  Json j = Json::object();
  for (const auto& [k, v] : map) j[k] = v;
  return Dump(j);
}

std::string Encode(const NullableStringMap& map) {
  Json j = Json::object();
  for (const auto& [k, v] : map) j[k] = v ? Json(*v) : Json(nullptr);
  return Dump(j);
}

std::string Encode(const StringList& list) {
  Json j = Json::array();
  for (const auto& v : list) j.push_back(v);
  return Dump(j);
}

std::string Encode(const TaintList& taints) {
  Json j = Json::array();
  for (const auto& t : taints) {
    Json o = {{"key", t.key}, {"effect", t.effect}};
    if (t.value) o["value"] = *t.value ? Json(**t.value) : Json(nullptr);
    j.push_back(std::move(o));
  }
  return Dump(j);
}

}  // namespace magnum::objects::json_columns
