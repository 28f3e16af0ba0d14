// JSON-patch on API resources with upstream's rules (§1.8). Internal to the API module.
#pragma once

#include <set>
#include <string>

#include "magnum/api/api_types.h"
#include "magnum/api/fields.h"

namespace magnum::api {

struct PatchRules {
  std::set<std::string> internal_paths;      // e.g. "/uuid": any op is a 400
  std::set<std::string> mandatory_paths;     // "remove" is a 400
  std::set<std::string> literal_paths;       // "replace" value is a Python literal string
  // Removing an optional top-level attribute resets it to this value (default: null).
  Json remove_defaults = Json::object();
};

// The internal paths every resource shares.
std::set<std::string> CommonInternalPaths();

// Validates `patch` (must be a JSON array of {op, path, value}) and applies it to `doc`
// (the resource's API representation). The result's fields are re-validated with
// ConvertField. Errors are 400s with the reference's messages.
Result<Json> ApplyJsonPatch(const Json& doc, const Json& patch, const FieldList& fields,
                            const PatchRules& rules);

// The top-level attributes whose values differ between `before` and `after`.
std::set<std::string> ChangedFields(const Json& before, const Json& after);

}  // namespace magnum::api
