// The JSON text of the JSON-typed columns <-> the objects' containers (types.h). Internal
// to the objects module (the mappers use it); keeps the JSON library out of its headers.
//
// Decoding is lenient like the API always was: text that is not JSON of the column's shape
// decodes to nullopt (rendered as null); a non-string scalar where a string belongs keeps
// its JSON text. Flat objects and arrays of strings (what the API stores) are read by a
// small allocation-light parser; anything else goes through nlohmann::json. Encoding
// matches nlohmann's compact dump (sorted keys, UTF-8 kept, invalid bytes replaced), so
// stored text is byte-identical to what the API wrote before. Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "magnum/objects/types.h"

namespace magnum::objects::json_columns {

std::optional<StringMap> DecodeStringMap(std::string_view text);
// The same into `out`, reusing its map's nodes and strings for the keys that come in the same
// order (stored maps are sorted, so rows with the same label keys allocate nothing). False,
// with `out` unspecified, when the text is not a JSON object.
bool DecodeStringMapInto(std::string_view text, std::optional<StringMap>& out);
std::optional<NullableStringMap> DecodeNullableStringMap(std::string_view text);
std::optional<StringList> DecodeStringList(std::string_view text);
std::optional<TaintList> DecodeTaints(std::string_view text);

std::string Encode(const StringMap& map);
std::string Encode(const NullableStringMap& map);
std::string Encode(const StringList& list);
std::string Encode(const TaintList& taints);

}  // namespace magnum::objects::json_columns
