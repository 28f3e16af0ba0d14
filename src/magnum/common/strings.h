// Small ASCII string helpers shared by the modules. Pure functions; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace magnum {

// `s` with A-Z lowered (bytes outside ASCII unchanged).
std::string AsciiLower(std::string_view s);
// One character folded to ASCII lower case (no locale; header names and keywords).
constexpr char AsciiLowerChar(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}

// `s` without leading and trailing spaces and tabs (HTTP's optional white space).
std::string_view TrimBlanks(std::string_view s);

// An oslo-style boolean word, any case, blanks around it ignored: true/yes/on/1 or
// false/no/off/0; nullopt otherwise. The config options and the autoscaling labels read
// booleans this way.
std::optional<bool> ParseBoolWord(std::string_view s);
// A decimal integer >= 0 that fits int64_t, blanks around it ignored ("+1", "1.0", "" and
// "-0" are refused); nullopt otherwise. The autoscaling labels' node counts, in the API's
// check and in the autoscaler alike.
std::optional<int64_t> ParseNonNegativeInt(std::string_view s);

// User input made safe to quote in a message or log line: printable ASCII kept, every other
// byte '?', at most `max` bytes, then "..." when cut.
std::string Printable(std::string_view s, size_t max);

// %XX-decodes `in` into `out` (a '+' becomes a space when `plus_is_space`, as in a query
// string; otherwise it stays '+'). False on a malformed escape (then `out` is unspecified).
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);

// Standard base64 (RFC 4648 §4, with '=' padding).
std::string Base64Encode(std::string_view bytes);
// The bytes of strict standard base64 with padding; nullopt on a character outside the
// alphabet, '=' anywhere but the last two places, or a length that is not a multiple of 4.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace magnum
