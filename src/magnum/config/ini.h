#pragma once

// The INI dialect of oslo.config (magnum.conf), parsed as upstream's iniparser does, so
// that an existing Python Magnum's configuration files mean the same here:
// - `[section]` starts a section; a line starting with `#` or `;` is a comment (there are no
//   comments after a value: `password = a;b` is "a;b");
// - `key = value` or `key: value`, whichever separator comes first; the value is trimmed and
//   one pair of matching surrounding quotes ('...' or "...") is removed;
// - a line starting with a space or tab continues the previous value (joined by "\n"); a
//   blank line ends it;
// - lines have no length limit; "\r\n" line ends and a leading UTF-8 BOM are accepted.
// An assignment before the first section is an error, as upstream.

#include <functional>
#include <string>
#include <string_view>

namespace magnum::config {

struct IniEntry {
  std::string section;
  std::string key;
  std::string value;
  int line = 0;  // of the key (1-based)
};

// Calls `on_entry` for each assignment in file order (a key given twice is reported twice).
// Returns "" on success, else "line N: what is wrong: 'the line'"; stops at the first
// error, and also when `on_entry` returns false (the caller keeps its own error then).
std::string ParseIni(std::string_view text, const std::function<bool(const IniEntry&)>& on_entry);

}  // namespace magnum::config
