#include "magnum/api/patch.h"

#include <cctype>

namespace magnum::api {
namespace {

bool ValidPath(const std::string& path) {
  // ^(/[\w-]+)+$
  if (path.empty() || path[0] != '/') return false;
  bool segment_has_char = false;
  for (size_t i = 1; i < path.size(); ++i) {
    char c = path[i];
    if (c == '/') {
      if (!segment_has_char) return false;
      segment_has_char = false;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-') {
      segment_has_char = true;
    } else {
      return false;
    }
  }
  return segment_has_char;
}

std::string TopLevel(const std::string& path) {
  size_t next = path.find('/', 1);
  return next == std::string::npos ? path : path.substr(0, next);
}

Error PatchError(const Json& patch, const std::string& reason) {
  return Error::InvalidArgument("Couldn't apply patch '" + patch.dump() + "'. Reason: " + reason);
}

}  // namespace

std::set<std::string> CommonInternalPaths() {
  return {"/created_at", "/id", "/links", "/updated_at", "/uuid", "/project_id", "/user_id"};
}

Result<Json> ApplyJsonPatch(const Json& doc, const Json& patch, const FieldList& fields,
                            const PatchRules& rules) {
  if (!patch.is_array()) {
    return Fail(Error::InvalidArgument(
        "Invalid input for argument patch: expected a JSON array of patch operations"));
  }
  if (patch.empty()) return doc;
  Json ops = Json::array();
  for (const auto& op : patch) {
    if (!op.is_object()) {
      return Fail(Error::InvalidArgument("Invalid input for argument patch: each operation must "
                                         "be an object with 'op' and 'path'"));
    }
    for (const auto& [k, v] : op.items()) {
      if (k != "op" && k != "path" && k != "value") {
        return Fail(Error::InvalidArgument("Unknown attribute for argument patch: " + k));
      }
    }
    if (!op.contains("path") || !op["path"].is_string()) {
      return Fail(InvalidField("path", op.value("path", Json(nullptr)),
                               "Mandatory field missing."));
    }
    std::string path = op["path"].get<std::string>();
    if (!ValidPath(path)) {
      return Fail(InvalidField("path", op["path"],
                               "Value should match the pattern ^(/[\\w-]+)+$"));
    }
    if (!op.contains("op") || !op["op"].is_string()) {
      return Fail(InvalidField("op", op.value("op", Json(nullptr)), "Mandatory field missing."));
    }
    std::string name = op["op"].get<std::string>();
    if (name != "add" && name != "replace" && name != "remove") {
      return Fail(InvalidField("op", op["op"], "Value should be one of: add, replace, remove"));
    }
    if (rules.internal_paths.count(path) || rules.internal_paths.count(TopLevel(path))) {
      return Fail(Error::InvalidArgument("'" + TopLevel(path) +
                                         "' is an internal attribute and can not be updated"));
    }
    if (name == "remove" && rules.mandatory_paths.count(path)) {
      return Fail(Error::InvalidArgument("'" + path +
                                         "' is a mandatory attribute and can not be removed"));
    }
    Json value = op.value("value", Json(nullptr));
    if (name != "remove") {
      if (!op.contains("value")) {
        return Fail(Error::InvalidArgument("'add' and 'replace' operations needs value"));
      }
      if (value.is_object() || value.is_array() || value.is_number_float()) {
        return Fail(InvalidField("value", value,
                                 "Wrong type. Expected a string, an integer or a boolean."));
      }
      if (name == "replace" && rules.literal_paths.count(path) && value.is_string()) {
        auto parsed = ParsePythonLiteral(value.get<std::string>());
        if (!parsed) return Fail(PatchError(patch, parsed.error().message()));
        value = *parsed;
      }
    }
    bool top = TopLevel(path) == path;
    if (name == "add" && top) {
      std::string attr = path.substr(1);
      if (!doc.contains(attr)) {
        return Fail(Error::InvalidArgument("Adding a new attribute " + path +
                                           " to the root of the resource is not allowed."));
      }
      if (!doc[attr].is_null()) {
        return Fail(Error::InvalidArgument("The attribute " + path +
                                           " has existed, please use 'replace' operation "
                                           "instead."));
      }
      name = "replace";
    }
    Json clean = {{"op", name}, {"path", path}};
    if (name != "remove") clean["value"] = value;
    ops.push_back(std::move(clean));
  }

  Json result = doc;
  for (const auto& op : ops) {
    const std::string path = op["path"].get<std::string>();
    const std::string attr = TopLevel(path).substr(1);
    bool top = TopLevel(path) == path;
    const std::string name = op["op"].get<std::string>();
    if (!top && result.contains(attr) && result[attr].is_null()) {
      // Adding a key inside an unset dict: start from an empty one.
      if (name == "add") result[attr] = Json::object();
    }
    if (name == "remove" && top) {
      if (!result.contains(attr)) {
        return Fail(PatchError(patch, "can't remove a non-existent object '" + attr + "'"));
      }
      // Removing a field resets it: to the rule's value, else to the field's default.
      const FieldSpec* f = FindField(fields, attr);
      result[attr] = rules.remove_defaults.value(
          attr, f != nullptr ? f->default_value : Json(nullptr));
      continue;
    }
    if (name == "replace" && top && !result.contains(attr)) {
      return Fail(PatchError(patch, "can't replace a non-existent object '" + attr + "'"));
    }
    if (!top) {
      // A nested path needs a dict or list parent: nlohmann's patch asserts (aborting the
      // process in debug builds) when asked to add below a scalar.
      const std::string parent = path.substr(0, path.rfind('/'));
      const Json::json_pointer ptr(parent);
      if (result.contains(ptr) && result.at(ptr).is_primitive() && !result.at(ptr).is_null()) {
        return Fail(PatchError(patch, "'" + parent + "' is not a dict or a list"));
      }
    }
    try {
      result = result.patch(Json::array({op}));
    } catch (const std::exception& e) {
      return Fail(PatchError(patch, e.what()));
    }
  }

  // Re-validate the changed attributes with the create-time type rules.
  for (const auto& attr : ChangedFields(doc, result)) {
    const FieldSpec* f = FindField(fields, attr);
    if (f == nullptr) {
      return Fail(Error::InvalidArgument("Adding a new attribute /" + attr +
                                         " to the root of the resource is not allowed."));
    }
    MAGNUM_ASSIGN_OR_RETURN(Json converted, ConvertField(*f, result[attr]));
    if (converted.is_null() && f->Has(kMandatory)) {
      return Fail(Error::InvalidArgument("'/" + attr +
                                         "' is a mandatory attribute and can not be removed"));
    }
    result[attr] = std::move(converted);
  }
  return result;
}

std::set<std::string> ChangedFields(const Json& before, const Json& after) {
  std::set<std::string> out;
  for (const auto& [k, v] : after.items()) {
    if (!before.contains(k) || before[k] != v) out.insert(k);
  }
  for (const auto& [k, v] : before.items()) {
    if (!after.contains(k)) out.insert(k);
  }
  return out;
}

}  // namespace magnum::api
