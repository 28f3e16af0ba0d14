// RFC 2397 data URLs as Ignition reads file contents from them ("data:,<percent-encoded>"
// or "data:;base64,<base64>"), and the base64 they use. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace magnum::drivers::heat {

// Standard base64 (RFC 4648 §4, with '=' padding).
std::string Base64Encode(std::string_view bytes);
// nullopt on a character outside the alphabet or a bad length/padding.
std::optional<std::string> Base64Decode(std::string_view text);

// "data:," followed by `bytes` with every byte outside RFC 3986's unreserved set
// (A-Z a-z 0-9 - . _ ~) written as %XX.
std::string PercentDataUrl(std::string_view bytes);
// "data:;base64," followed by the base64 of `bytes`.
std::string Base64DataUrl(std::string_view bytes);

// The bytes a data URL holds ("data:[<mediatype>][;base64],<data>"); nullopt when `url`
// is not a well-formed data URL.
std::optional<std::string> DecodeDataUrl(std::string_view url);

}  // namespace magnum::drivers::heat
