#include "magnum/config/ini.h"

#include <utility>

namespace magnum::config {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v'; }

std::string_view Strip(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view RStrip(std::string_view s) {
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

// At most 80 bytes of the offending line, so that an error message stays readable.
std::string Quote(std::string_view line) {
  std::string out = "'";
  out.append(line.substr(0, 80));
  if (line.size() > 80) out += "...";
  return out + "'";
}

std::string Fail(int line, const char* what, std::string_view text) {
  return "line " + std::to_string(line) + ": " + what + ": " + Quote(text);
}

}  // namespace

std::string ParseIni(std::string_view text, const std::function<bool(const IniEntry&)>& on_entry) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
  std::string section;
  bool in_section = false;
  bool pending = false;  // an assignment whose value may continue on the next lines
  IniEntry entry;
  auto flush = [&]() {
    pending = false;
    return on_entry(entry);
  };
  int lineno = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view raw = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++lineno;
    std::string_view line = RStrip(raw);
    if (line.empty()) {
      if (pending && !flush()) return "";
      continue;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (!pending) return Fail(lineno, "unexpected continuation line", line);
      entry.value += '\n';
      entry.value.append(Strip(line));
      continue;
    }
    if (pending && !flush()) return "";
    if (line.front() == '[') {
      if (line.back() != ']') return Fail(lineno, "invalid section (must end with ])", line);
      if (line.size() <= 2) return Fail(lineno, "empty section name", line);
      section.assign(line.substr(1, line.size() - 2));
      in_section = true;
      continue;
    }
    if (line.front() == '#' || line.front() == ';') continue;
    size_t colon = line.find(':');
    size_t equal = line.find('=');
    if (colon == std::string_view::npos && equal == std::string_view::npos) {
      return Fail(lineno, "no ':' or '=' found in assignment", line);
    }
    size_t sep = equal < colon ? equal : colon;
    std::string_view key = Strip(line.substr(0, sep));
    std::string_view value = Strip(line.substr(sep + 1));
    if (key.empty()) return Fail(lineno, "key cannot be empty", line);
    if (!in_section) return Fail(lineno, "section must be started before assignment", line);
    if (!value.empty() && (value.front() == '"' || value.front() == '\'') &&
        value.front() == value.back()) {
      value = value.size() == 1 ? std::string_view() : value.substr(1, value.size() - 2);
    }
    entry.section = section;
    entry.key.assign(key);
    entry.value.assign(value);
    entry.line = lineno;
    pending = true;
  }
  if (pending) flush();
  return "";
}

}  // namespace magnum::config
