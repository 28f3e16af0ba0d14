#include "magnum/ctl/output.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <nlohmann/json.hpp>

namespace magnum::ctl {
namespace {

using Json = nlohmann::json;

size_t DisplayWidth(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;
  }
  return n;
}

std::vector<std::string> SplitLines(const std::string& s) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (true) {
    size_t nl = s.find('\n', start);
    lines.push_back(s.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  for (auto& l : lines) {
    std::replace(l.begin(), l.end(), '\t', ' ');
    if (!l.empty() && l.back() == '\r') l.pop_back();
  }
  return lines;
}

// A value as a table cell: strings as they are, null as "-", booleans as the Python
// clients print them, lists of scalars joined by ", ", anything else compact JSON.
std::string Cell(const Json& v) {
  if (v.is_null()) return "-";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "True" : "False";
  if (v.is_array() && std::all_of(v.begin(), v.end(),
                                  [](const Json& e) { return e.is_primitive() && !e.is_null(); })) {
    std::string out;
    for (const auto& e : v) {
      if (!out.empty()) out += ", ";
      out += e.is_string() ? e.get<std::string>() : e.dump();
    }
    return out;
  }
  return v.dump();
}

Result<Json> ParseJson(std::string_view text) {
  Json j = Json::parse(text.begin(), text.end(), nullptr, false);
  if (j.is_discarded()) return Fail(Error::InvalidArgument("the server's answer is not JSON"));
  return j;
}

std::string DumpJson(const Json& j) { return j.dump(2) + "\n"; }

// --- YAML ----------------------------------------------------------------------------

bool LooksLikeNumber(const std::string& s) {
  if (s.empty()) return false;
  size_t i = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (i == s.size()) return false;
  bool digit = false;
  for (; i < s.size(); ++i) {
    char c = s[i];
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digit = true;
    } else if (c != '.' && c != 'e' && c != 'E' && c != '_' && c != 'x' && c != 'o' && c != '-' &&
               c != '+' && c != ':') {
      return false;
    }
  }
  return digit;
}

// Whether `s` can be written as a plain scalar and read back as the same string.
bool PlainSafe(const std::string& s) {
  if (s.empty() || s.front() == ' ' || s.back() == ' ') return false;
  static const char* kReserved[] = {"true", "false", "yes", "no",   "on",   "off",   "null",
                                    "~",    "y",     "n",   ".nan", ".inf", "-.inf", "+.inf"};
  std::string lower;
  for (char c : s) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (const char* r : kReserved) {
    if (lower == r) return false;
  }
  // Numbers, and what YAML 1.1 readers take for dates or sexagesimals (a leading digit).
  if (LooksLikeNumber(s) || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  unsigned char first = static_cast<unsigned char>(s[0]);
  if (!(std::isalnum(first) || first == '_' || first == '/' || first == '.' || first >= 0x80)) {
    return false;
  }
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) return false;
    if (std::strchr("#{}[],&*!|>'\"%@`", c) != nullptr) return false;
    if (c == ':' && (i + 1 == s.size() || s[i + 1] == ' ')) return false;
  }
  return s.find(" #") == std::string::npos;
}

std::string YamlScalar(const Json& v) {
  if (v.is_null()) return "null";
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number()) return v.dump();
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    // A JSON string is a valid YAML double-quoted scalar (YAML is a superset here).
    return PlainSafe(s) ? s : v.dump();
  }
  if (v.is_object()) return "{}";
  return "[]";
}

bool IsBlock(const Json& v) { return (v.is_object() || v.is_array()) && !v.empty(); }

void EmitBlock(const Json& v, int indent, bool first_inline, std::string& out);

// After "key:" or "- ": a scalar on the same line, a block on the next lines.
void EmitAfterKey(const Json& v, int indent, std::string& out) {
  if (!IsBlock(v)) {
    out += " " + YamlScalar(v) + "\n";
  } else {
    out += "\n";
    EmitBlock(v, indent + 2, false, out);
  }
}

// A non-empty mapping or sequence at `indent`; with `first_inline` the first line's
// indentation is already written (an item of a sequence: "- key: value").
void EmitBlock(const Json& v, int indent, bool first_inline, std::string& out) {
  bool first = true;
  auto pad = [&]() {
    if (!(first && first_inline)) out.append(static_cast<size_t>(indent), ' ');
    first = false;
  };
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      pad();
      out += YamlScalar(Json(it.key())) + ":";
      EmitAfterKey(it.value(), indent, out);
    }
    return;
  }
  for (const auto& item : v) {
    pad();
    out += "-";
    if (IsBlock(item)) {
      if (item.is_object()) {
        out += " ";
        EmitBlock(item, indent + 2, true, out);
      } else {
        out += "\n";
        EmitBlock(item, indent + 2, false, out);
      }
    } else {
      out += " " + YamlScalar(item) + "\n";
    }
  }
}

std::string Yaml(const Json& v) {
  if (!IsBlock(v)) return YamlScalar(v) + "\n";
  std::string out;
  EmitBlock(v, 0, false, out);
  return out;
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "json") return OutputFormat::kJson;
  if (name == "yaml") return OutputFormat::kYaml;
  return Fail(Error::InvalidArgument("--format takes table, json or yaml, not '" +
                                     std::string(name) + "'"));
}

std::string RenderTable(const std::vector<std::string>& header,
                        const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> width(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) {
      for (const auto& line : SplitLines(row[i])) width[i] = std::max(width[i], DisplayWidth(line));
    }
  };
  measure(header);
  for (const auto& r : rows) measure(r);
  std::string rule = "+";
  for (size_t w : width) rule += std::string(w + 2, '-') + "+";
  rule += "\n";
  std::string out = rule;
  auto emit = [&](const std::vector<std::string>& row) {
    std::vector<std::vector<std::string>> cells;
    size_t height = 1;
    for (size_t i = 0; i < width.size(); ++i) {
      cells.push_back(SplitLines(i < row.size() ? row[i] : ""));
      height = std::max(height, cells.back().size());
    }
    for (size_t l = 0; l < height; ++l) {
      out += "|";
      for (size_t i = 0; i < width.size(); ++i) {
        std::string text = l < cells[i].size() ? cells[i][l] : "";
        out += " " + text + std::string(width[i] - DisplayWidth(text), ' ') + " |";
      }
      out += "\n";
    }
  };
  emit(header);
  out += rule;
  for (const auto& r : rows) emit(r);
  if (!rows.empty()) out += rule;
  return out;
}

Result<std::string> RenderObject(std::string_view json_object, OutputFormat format,
                                 const std::vector<std::string>& fields) {
  MAGNUM_ASSIGN_OR_RETURN(Json obj, ParseJson(json_object));
  if (!obj.is_object()) return Fail(Error::InvalidArgument("the server's answer is not an object"));
  if (!fields.empty()) {
    Json picked = Json::object();
    for (const auto& f : fields) {
      if (obj.contains(f)) picked[f] = obj[f];
    }
    if (format == OutputFormat::kTable) {
      std::vector<std::vector<std::string>> rows;
      for (const auto& f : fields) rows.push_back({f, obj.contains(f) ? Cell(obj[f]) : ""});
      return RenderTable({"Field", "Value"}, rows);
    }
    obj = std::move(picked);
  }
  switch (format) {
    case OutputFormat::kJson:
      return DumpJson(obj);
    case OutputFormat::kYaml:
      return Yaml(obj);
    case OutputFormat::kTable:
      break;
  }
  std::vector<std::vector<std::string>> rows;
  for (auto it = obj.begin(); it != obj.end(); ++it) rows.push_back({it.key(), Cell(it.value())});
  return RenderTable({"Field", "Value"}, rows);  // nlohmann's object iterates sorted by key
}

Result<std::string> RenderList(std::string_view json_array, OutputFormat format,
                               const std::vector<std::string>& columns, bool only_columns) {
  MAGNUM_ASSIGN_OR_RETURN(Json arr, ParseJson(json_array));
  if (!arr.is_array()) return Fail(Error::InvalidArgument("the server's answer is not a list"));
  if (format != OutputFormat::kTable) {
    if (only_columns) {
      Json picked = Json::array();
      for (const auto& item : arr) {
        Json o = Json::object();
        for (const auto& c : columns) {
          if (item.is_object() && item.contains(c)) o[c] = item[c];
        }
        picked.push_back(std::move(o));
      }
      arr = std::move(picked);
    }
    return format == OutputFormat::kJson ? DumpJson(arr) : Yaml(arr);
  }
  std::vector<std::vector<std::string>> rows;
  for (const auto& item : arr) {
    std::vector<std::string> row;
    for (const auto& c : columns) {
      row.push_back(item.is_object() && item.contains(c) ? Cell(item[c]) : "");
    }
    rows.push_back(std::move(row));
  }
  return RenderTable(columns, rows);
}

Result<std::string> JsonToYaml(std::string_view json) {
  MAGNUM_ASSIGN_OR_RETURN(Json j, ParseJson(json));
  return Yaml(j);
}

}  // namespace magnum::ctl
