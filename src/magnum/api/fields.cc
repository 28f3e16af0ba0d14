#include "magnum/api/fields.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>

#include "magnum/common/clock.h"
#include "magnum/common/strings.h"
#include "magnum/common/uuid.h"

namespace magnum::api {
namespace {

std::string TypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string: return "str";
    case Json::value_t::boolean: return "bool";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "int";
    case Json::value_t::number_float: return "float";
    case Json::value_t::object: return "dict";
    case Json::value_t::array: return "list";
    case Json::value_t::null: return "NoneType";
    default: return "unknown";
  }
}

std::string PythonRepr(const Json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "None";
  return PythonStr(v);
}

Result<Json> ConvertInt(const FieldSpec& spec, const Json& value) {
  int64_t n = 0;
  if (value.is_number_integer() || value.is_number_unsigned()) {
    if (value.is_number_unsigned() &&
        value.get<uint64_t>() > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return Fail(InvalidField(spec.name, value, "Value out of range."));
    }
    n = value.get<int64_t>();
  } else if (value.is_string()) {
    std::string s = value.get<std::string>();
    size_t b = s.find_first_not_of(" \t");
    size_t e = s.find_last_not_of(" \t");
    if (b == std::string::npos) {
      return Fail(InvalidField(spec.name, value, "Wrong type. Expected an integer."));
    }
    s = s.substr(b, e - b + 1);
    const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
    auto [p, ec] = std::from_chars(begin, s.data() + s.size(), n);
    if (ec == std::errc::result_out_of_range) {
      return Fail(InvalidField(spec.name, value, "Value out of range."));
    }
    if (ec != std::errc() || p != s.data() + s.size()) {
      return Fail(InvalidField(spec.name, value, "Wrong type. Expected an integer."));
    }
  } else if (value.is_number_float()) {
    double d = value.get<double>();
    if (std::floor(d) != d || std::abs(d) > 9.0e15) {
      return Fail(InvalidField(spec.name, value, "Wrong type. Expected an integer."));
    }
    n = static_cast<int64_t>(d);
  } else {
    return Fail(InvalidField(spec.name, value,
                             "Wrong type. Expected an integer, got '" + TypeName(value) + "'."));
  }
  if (n < spec.min) {
    return Fail(InvalidField(spec.name, value,
                             "Value should be greater or equal to " + std::to_string(spec.min)));
  }
  if (n > spec.max) {
    return Fail(InvalidField(spec.name, value,
                             "Value should be lower or equal to " + std::to_string(spec.max)));
  }
  return Json(n);
}

}  // namespace

const FieldSpec* FindField(const FieldList& fields, std::string_view name) {
  for (const auto& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Error InvalidField(std::string_view name, const Json& value, std::string_view why) {
  std::string v = PythonRepr(value);
  if (v.size() > 200) v = v.substr(0, 200) + "...";
  return Error::InvalidArgument("Invalid input for field/attribute " + std::string(name) +
                                ". Value: '" + v + "'. " + std::string(why));
}

std::string PythonStr(const Json& v) {
  switch (v.type()) {
    case Json::value_t::string: return v.get<std::string>();
    case Json::value_t::boolean: return v.get<bool>() ? "True" : "False";
    case Json::value_t::null: return "None";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return v.dump();
    case Json::value_t::number_float: {
      std::string s = v.dump();
      if (s.find_first_of(".eE") == std::string::npos) s += ".0";
      return s;
    }
    default: return v.dump();
  }
}

bool MatchesNamePattern(std::string_view s) {
  if (s.empty() || !std::isalpha(static_cast<unsigned char>(s[0]))) return false;
  for (char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != '.' && c != '-') {
      return false;
    }
  }
  return true;
}

namespace {

std::string ExpectedType(FieldType t) {
  switch (t) {
    case FieldType::kInt: return "int";
    case FieldType::kBool: return "bool";
    case FieldType::kLabels:
    case FieldType::kStrDict: return "dict";
    case FieldType::kStringList: return "list";
    case FieldType::kJson: return "json";
    default: return "str";
  }
}

}  // namespace

Result<Json> ConvertField(const FieldSpec& spec, const Json& value) {
  if (value.is_null()) {
    if (spec.Nullable()) return Json(nullptr);
    return Fail(InvalidField(spec.name, value,
                             "Wrong type. Expected '" + ExpectedType(spec.type) +
                                 "', got 'NoneType'"));
  }
  switch (spec.type) {
    case FieldType::kString:
    case FieldType::kUuid:
    case FieldType::kTimestamp: {
      if (!value.is_string()) {
        return Fail(InvalidField(spec.name, value,
                                 "Wrong type. Expected 'str', got '" + TypeName(value) + "'"));
      }
      const std::string s = value.get<std::string>();
      if (spec.type == FieldType::kUuid) {
        if (!IsUuidLike(s)) {
          return Fail(InvalidField(spec.name, value, "Expected a uuid but received " + s + "."));
        }
        return Json(CanonicalUuid(s));
      }
      // Length bounds count characters (code points), as Python does.
      int64_t len = 0;
      for (unsigned char c : s) len += (c & 0xC0) != 0x80;
      if (spec.min != std::numeric_limits<int64_t>::min() && len < spec.min) {
        return Fail(InvalidField(spec.name, value,
                                 "Value should have a minimum character requirement of " +
                                     std::to_string(spec.min)));
      }
      if (len > spec.max) {
        return Fail(InvalidField(spec.name, value,
                                 "Value should have a maximum character requirement of " +
                                     std::to_string(spec.max)));
      }
      if (spec.Has(kNamePattern) && !MatchesNamePattern(s)) {
        return Fail(InvalidField(spec.name, value,
                                 "Value should match the pattern ^[a-zA-Z][a-zA-Z0-9_.-]*$"));
      }
      if (!spec.choices.empty()) {
        bool ok = false;
        for (const auto& c : spec.choices) ok = ok || c == s;
        if (!ok) {
          std::string all;
          for (const auto& c : spec.choices) all += (all.empty() ? "" : ", ") + c;
          return Fail(InvalidField(spec.name, value,
                                   "Value should be one of: " + all));
        }
      }
      return Json(s);
    }
    case FieldType::kInt:
      return ConvertInt(spec, value);
    case FieldType::kBool: {
      if (value.is_boolean()) return value;
      if (value.is_string() || value.is_number_integer()) {
        std::string s = AsciiLower(value.is_string() ? value.get<std::string>() : value.dump());
        if (s == "true" || s == "yes" || s == "on" || s == "1" || s == "y" || s == "t") {
          return Json(true);
        }
        if (s == "false" || s == "no" || s == "off" || s == "0" || s == "n" || s == "f") {
          return Json(false);
        }
      }
      return Fail(InvalidField(spec.name, value, "Wrong type. Expected a boolean."));
    }
    case FieldType::kLabels:
    case FieldType::kStrDict: {
      if (!value.is_object()) {
        return Fail(InvalidField(spec.name, value,
                                 "Wrong type. Expected 'dict', got '" + TypeName(value) + "'"));
      }
      Json out = Json::object();
      for (const auto& [k, v] : value.items()) {
        if (v.is_object() || v.is_array()) {
          return Fail(InvalidField(spec.name, value,
                                   "Value of '" + k + "' must be a string, number or boolean."));
        }
        if (spec.type == FieldType::kStrDict && !v.is_string() && !v.is_null()) {
          out[k] = PythonStr(v);
        } else {
          out[k] = v.is_null() && spec.type == FieldType::kStrDict ? Json(nullptr)
                                                                   : Json(PythonStr(v));
        }
      }
      return out;
    }
    case FieldType::kStringList: {
      if (!value.is_array()) {
        return Fail(InvalidField(spec.name, value,
                                 "Wrong type. Expected 'list', got '" + TypeName(value) + "'"));
      }
      for (const auto& v : value) {
        if (!v.is_string()) {
          return Fail(InvalidField(spec.name, value, "Wrong type. Expected a list of strings."));
        }
      }
      return value;
    }
    case FieldType::kJson:
      return value;
  }
  return value;
}

Result<Json> ValidateBody(const FieldList& fields, const Json& body, std::string_view arg,
                          bool apply_defaults) {
  if (!body.is_object()) {
    return Fail(Error::InvalidArgument("Invalid input for argument " + std::string(arg) +
                                       ": expected a JSON object, got " +
                                       (body.is_array() ? std::string("an array")
                                                        : std::string(body.type_name()))));
  }
  // Keys are data: an empty or odd key is just another unknown attribute (counted, not
  // judged by the text collected, which is empty for "").
  std::string unknown;
  size_t unknown_count = 0;
  for (const auto& [k, v] : body.items()) {
    const FieldSpec* f = FindField(fields, k);
    if (f == nullptr || f->Has(kHidden)) {
      if (unknown_count++ > 0) unknown += ", ";
      if (unknown.size() < 512) {
        unknown += k.empty() ? std::string("''") : k.size() > 255 ? k.substr(0, 255) + "..." : k;
      }
    }
  }
  if (unknown_count > 0) {
    return Fail(Error::InvalidArgument("Unknown attribute for argument " + std::string(arg) +
                                       ": " + unknown));
  }
  Json out = Json::object();
  for (const auto& [k, v] : body.items()) {
    const FieldSpec* f = FindField(fields, k);  // known: unknown keys were refused above
    if (f->Has(kReadOnly)) {
      return Fail(InvalidField(k, v, "Cannot set read only field."));
    }
    MAGNUM_ASSIGN_OR_RETURN(Json converted, ConvertField(*f, v));
    out[k] = std::move(converted);
  }
  if (apply_defaults) {
    for (const auto& f : fields) {
      if (f.Has(kReadOnly)) continue;
      bool present = out.contains(f.name) && !out[f.name].is_null();
      if (!present && f.Has(kMandatory)) {
        return Fail(InvalidField(f.name, nullptr, "Mandatory field missing."));
      }
      if (!out.contains(f.name) && !f.default_value.is_null()) out[f.name] = f.default_value;
    }
  }
  return out;
}

namespace {

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

// "YYYY-MM-DD?hh:mm:ss" with every part in range: its API form is that text with a 'T'
// and "+00:00" (what parsing and formatting again would produce).
bool PlainDbTimestamp(std::string_view s) {
  int y, mo, d, h, mi, sec;
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || s[13] != ':' || s[16] != ':') return false;
  if (!Digits(s, 0, 4, &y) || !Digits(s, 5, 2, &mo) || !Digits(s, 8, 2, &d) ||
      !Digits(s, 11, 2, &h) || !Digits(s, 14, 2, &mi) || !Digits(s, 17, 2, &sec)) {
    return false;
  }
  static constexpr int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59) return false;
  return d <= kDays[mo - 1] && !(mo == 2 && d == 29 && !leap);
}

}  // namespace

void WriteApiTimestamp(JsonWriter& w, std::string_view db) {
  if (PlainDbTimestamp(db)) {
    char buf[25];
    std::memcpy(buf, db.data(), 19);
    buf[10] = 'T';
    std::memcpy(buf + 19, "+00:00", 6);
    w.String(std::string_view(buf, 25));
    return;
  }
  w.String(DbToApiTimestamp(db));
}

// ---- Python literal parser --------------------------------------------------------------

namespace {

class LiteralParser {
 public:
  explicit LiteralParser(std::string_view s) : s_(s) {}

  Result<Json> Parse() {
    MAGNUM_ASSIGN_OR_RETURN(Json v, Value());
    SkipSpace();
    if (pos_ != s_.size()) return Err("unexpected trailing characters");
    return v;
  }

 private:
  tl::unexpected<Error> Err(std::string_view why) const {
    return Fail(Error::InvalidArgument("malformed literal at position " + std::to_string(pos_) +
                                  ": " + std::string(why)));
  }
  void SkipSpace() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  Result<Json> Value() {
    if (++depth_ > 64) return Err("nesting too deep");
    SkipSpace();
    if (pos_ >= s_.size()) return Err("unexpected end");
    char c = s_[pos_];
    Result<Json> r;
    if (c == '{') {
      r = Dict();
    } else if (c == '[' || c == '(') {
      r = List(c == '[' ? ']' : ')');
    } else if (c == '\'' || c == '"') {
      r = String();
    } else if (c == '-' || c == '+' || std::isdigit(static_cast<unsigned char>(c)) || c == '.') {
      r = Number();
    } else {
      r = Word();
    }
    --depth_;
    return r;
  }

  Result<Json> Dict() {
    ++pos_;
    Json out = Json::object();
    if (Consume('}')) return out;
    while (true) {
      MAGNUM_ASSIGN_OR_RETURN(Json k, Value());
      if (!k.is_string()) {
        if (k.is_primitive() && !k.is_null()) {
          k = PythonStr(k);
        } else {
          return Err("dict keys must be strings");
        }
      }
      if (!Consume(':')) return Err("expected ':'");
      MAGNUM_ASSIGN_OR_RETURN(Json v, Value());
      out[k.get<std::string>()] = std::move(v);
      if (Consume(',')) {
        if (Consume('}')) return out;
        continue;
      }
      if (Consume('}')) return out;
      return Err("expected ',' or '}'");
    }
  }

  Result<Json> List(char close) {
    ++pos_;
    Json out = Json::array();
    if (Consume(close)) return out;
    while (true) {
      MAGNUM_ASSIGN_OR_RETURN(Json v, Value());
      out.push_back(std::move(v));
      if (Consume(',')) {
        if (Consume(close)) return out;
        continue;
      }
      if (Consume(close)) return out;
      return Err("expected ',' or closing bracket");
    }
  }

  Result<Json> String() {
    char q = s_[pos_++];
    std::string out;
    while (pos_ < s_.size() && s_[pos_] != q) {
      char c = s_[pos_++];
      if (c == '\\' && pos_ < s_.size()) {
        char e = s_[pos_++];
        switch (e) {
          case 'n': out.push_back('\n'); break;
          case 't': out.push_back('\t'); break;
          case 'r': out.push_back('\r'); break;
          case '0': out.push_back('\0'); break;
          case '\\': case '\'': case '"': out.push_back(e); break;
          case 'u': {
            if (pos_ + 4 > s_.size()) return Err("bad \\u escape");
            unsigned cp = 0;
            auto [p, ec] = std::from_chars(s_.data() + pos_, s_.data() + pos_ + 4, cp, 16);
            if (ec != std::errc() || p != s_.data() + pos_ + 4) return Err("bad \\u escape");
            pos_ += 4;
            if (cp < 0x80) {
              out.push_back(static_cast<char>(cp));
            } else if (cp < 0x800) {
              out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
              out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
            } else {
              out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
              out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
              out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
            }
            break;
          }
          default: out.push_back('\\'); out.push_back(e); break;
        }
      } else {
        out.push_back(c);
      }
    }
    if (pos_ >= s_.size()) return Err("unterminated string");
    ++pos_;
    return Json(out);
  }

  Result<Json> Number() {
    size_t start = pos_;
    if (s_[pos_] == '+' || s_[pos_] == '-') ++pos_;
    bool is_float = false;
    while (pos_ < s_.size() &&
           (std::isdigit(static_cast<unsigned char>(s_[pos_])) || s_[pos_] == '.' ||
            s_[pos_] == 'e' || s_[pos_] == 'E' ||
            ((s_[pos_] == '-' || s_[pos_] == '+') && (s_[pos_ - 1] == 'e' || s_[pos_ - 1] == 'E')))) {
      if (s_[pos_] == '.' || s_[pos_] == 'e' || s_[pos_] == 'E') is_float = true;
      ++pos_;
    }
    std::string text(s_.substr(start, pos_ - start));
    if (text[0] == '+') text.erase(0, 1);
    Json j = Json::parse(text, nullptr, false);
    if (j.is_discarded() || !j.is_number()) {
      // Python accepts "1." and ".5"; normalise them.
      try {
        size_t used = 0;
        double d = std::stod(text, &used);
        if (used != text.size()) return Err("bad number");
        return Json(d);
      } catch (...) {
        return Err("bad number");
      }
    }
    (void)is_float;
    return j;
  }

  Result<Json> Word() {
    size_t start = pos_;
    while (pos_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    std::string_view w = s_.substr(start, pos_ - start);
    if (w == "True") return Json(true);
    if (w == "False") return Json(false);
    if (w == "None") return Json(nullptr);
    pos_ = start;
    return Err("unexpected token");
  }

  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

Result<Json> ParsePythonLiteral(std::string_view text) { return LiteralParser(text).Parse(); }

}  // namespace magnum::api
