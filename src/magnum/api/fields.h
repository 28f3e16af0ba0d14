// Table-driven request validation and response rendering of API resources (wsme
// semantics of §1.5): each resource is a list of FieldSpecs. Internal to the API module.
#pragma once

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/api/api_types.h"
#include "magnum/db/record.h"

namespace magnum::api {

enum class FieldType {
  kString,      // text with length bounds (and optional name pattern)
  kInt,         // integer with value bounds; integer strings accepted
  kBool,        // JSON boolean or a strict boolean string
  kLabels,      // dict str -> scalar; values stored and returned as strings
  kStrDict,     // dict str -> str (health_status_reason, node_labels)
  kStringList,  // list of strings
  kJson,        // any JSON (validated by the controller)
  kUuid,        // UUID-like string
  kTimestamp,   // rendered from the storage form
};

enum FieldFlags : unsigned {
  kNone = 0,
  kReadOnly = 1u << 0,    // supplying it in a body is a 400
  kMandatory = 1u << 1,   // must be present and non-null on create
  kNamePattern = 1u << 2, // ^[a-zA-Z][a-zA-Z0-9_.-]*$
  kNotStored = 1u << 3,   // input-only or computed: no column
  kHidden = 1u << 4,      // stored but never rendered
};

struct FieldSpec {
  std::string name;
  FieldType type;
  unsigned flags = kNone;
  int64_t min = std::numeric_limits<int64_t>::min();  // int value / string length bounds
  int64_t max = std::numeric_limits<int64_t>::max();
  std::vector<std::string> choices;  // enum values (strings)
  Json default_value = nullptr;      // applied on create when absent (discarded = none)
  std::string column;                // db column; "" = same as name

  const std::string& Column() const { return column.empty() ? name : column; }
  bool Has(FieldFlags f) const { return (flags & f) != 0; }
  // Whether an explicit `null` is a value of this field (else a 400: a field with a default
  // has a value of its type, and absence, not null, asks for the default).
  bool Nullable() const { return default_value.is_null(); }
};

using FieldList = std::vector<FieldSpec>;

// A FieldSpec without choices, default or column override (brace-initialising the
// aggregate with trailing members left out warns under -Wextra).
inline FieldSpec MakeField(std::string name, FieldType type, unsigned flags = kNone,
                           int64_t min = std::numeric_limits<int64_t>::min(),
                           int64_t max = std::numeric_limits<int64_t>::max()) {
  FieldSpec f;
  f.name = std::move(name);
  f.type = type;
  f.flags = flags;
  f.min = min;
  f.max = max;
  return f;
}

const FieldSpec* FindField(const FieldList& fields, std::string_view name);

// "Invalid input for field/attribute <name>. Value: '<v>'. <why>"
Error InvalidField(std::string_view name, const Json& value, std::string_view why);

// Python str() of a JSON scalar as upstream renders label values ("True", "1", "a").
std::string PythonStr(const Json& value);

// Converts one input value to its canonical JSON form (int from "10", labels values to
// strings, ...) or returns the wsme-style 400. `null` converts to null for nullable fields
// and is the type-mismatch 400 for the others.
Result<Json> ConvertField(const FieldSpec& spec, const Json& value);

// Validates a create body: an object, no unknown keys ("Unknown attribute for argument
// <arg>: <names>"), no read-only keys, values converted. With `apply_defaults`, absent
// fields take their defaults and missing mandatory fields are a 400.
Result<Json> ValidateBody(const FieldList& fields, const Json& body, std::string_view arg,
                          bool apply_defaults);

// Columns for the stored fields present in `obj` (JSON-typed fields as JSON text).
db::Row ToRow(const FieldList& fields, const Json& obj);
// The API representation of a row: every rendered field, null when NULL.
Json FromRow(const FieldList& fields, const db::Row& row);

// Parses a Python literal (dict/list/str/int/float/True/False/None) as the reference's
// ast.literal_eval does for PATCH values; JSON text without true/false/null also parses.
Result<Json> ParsePythonLiteral(std::string_view text);

// Name pattern of clusters/federations.
bool MatchesNamePattern(std::string_view s);

}  // namespace magnum::api
