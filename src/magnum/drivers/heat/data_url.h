// RFC 2397 data URLs as Ignition reads file contents from them ("data:,<percent-encoded>"
// or "data:;base64,<base64>"; the base64 is common/strings.h's). Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace magnum::drivers::heat {

// "data:," followed by `bytes` with every byte outside RFC 3986's unreserved set
// (A-Z a-z 0-9 - . _ ~) written as %XX.
std::string PercentDataUrl(std::string_view bytes);
// "data:;base64," followed by the base64 of `bytes`.
std::string Base64DataUrl(std::string_view bytes);

// The bytes a data URL holds ("data:[<mediatype>][;base64],<data>"); nullopt when `url`
// is not a well-formed data URL.
std::optional<std::string> DecodeDataUrl(std::string_view url);

}  // namespace magnum::drivers::heat
