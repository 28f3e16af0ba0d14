// Table-driven request validation and response rendering of API resources (wsme
// semantics of §1.5): each resource is a list of FieldSpecs. Internal to the API module.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/api/api_types.h"
#include "magnum/api/field_binding.h"

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
  // The object member the field is bound to (Bound()): `render` writes it, `assign` sets it
  // from a converted value. Unset for computed and input-only fields.
  const void* bound_type = nullptr;  // TypeTag<T>() of the bound object type
  std::function<void(const void* object, JsonWriter& w)> render;
  std::function<void(void* object, const Json& value)> assign;

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

// Parses a Python literal (dict/list/str/int/float/True/False/None) as the reference's
// ast.literal_eval does for PATCH values; JSON text without true/false/null also parses.
Result<Json> ParsePythonLiteral(std::string_view text);

// Name pattern of clusters/federations.
bool MatchesNamePattern(std::string_view s);

// A distinct address per object type.
template <typename T>
const void* TypeTag() {
  static const char tag = 0;
  return &tag;
}

// `f` bound to `member` of T (timestamps, kTimestamp, render in the API form).
template <typename T, typename M>
FieldSpec Bound(FieldSpec f, M T::*member) {
  const bool timestamp = f.type == FieldType::kTimestamp;
  f.bound_type = TypeTag<T>();
  f.render = [member, timestamp](const void* object, JsonWriter& w) {
    binding::Write(w, static_cast<const T*>(object)->*member, timestamp);
  };
  f.assign = [member](void* object, const Json& value) {
    binding::Assign(static_cast<T*>(object)->*member, value);
  };
  return f;
}

// Sets the members bound to the fields present in `doc` (a ValidateBody output or a
// patched document) on `object`.
template <typename T>
void ApplyFields(const FieldList& fields, const Json& doc, T* object) {
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    const FieldSpec* f = FindField(fields, it.key());
    if (f != nullptr && f->assign && f->bound_type == TypeTag<T>()) f->assign(object, *it);
  }
}

// Adds every rendered bound field of `fields` (not hidden, not input-only) to `plan`,
// reading the object from a view with `object`.
template <typename View>
void AddBoundFields(RenderPlan<View>& plan, const FieldList& fields,
                    const void* (*object)(const View&)) {
  for (const auto& f : fields) {
    if (!f.render || f.Has(kHidden) || f.Has(kNotStored)) continue;
    plan.AddBound(f.name, &f.render, object);  // the tables are static
  }
}

// Renders `object` with the bound fields of `fields` only, as JSON (for the PATCH
// documents and tests; the list paths write through a RenderPlan).
template <typename T>
Json RenderBoundFields(const FieldList& fields, const T& object) {
  std::string text;
  JsonWriter w(&text);
  w.BeginObject();
  for (const auto& f : fields) {
    if (!f.render || f.Has(kHidden) || f.Has(kNotStored) || f.bound_type != TypeTag<T>()) {
      continue;
    }
    w.Key(f.name);
    f.render(&object, w);
  }
  w.EndObject();
  return Json::parse(text);
}

}  // namespace magnum::api
