// UUID generation and recognition. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace magnum {

// Returns a random (version 4) UUID in canonical lower-case 8-4-4-4-12 form.
std::string GenerateUuid();

// True if `s` has the shape oslo's uuidutils.is_uuid_like accepts: 32 hex digits, with or
// without the four dashes, optionally in braces or with a "urn:uuid:" prefix; any case.
bool IsUuidLike(std::string_view s);

// Canonical lower-case dashed form of a UUID-like string (precondition: IsUuidLike(s)).
std::string CanonicalUuid(std::string_view s);

}  // namespace magnum
