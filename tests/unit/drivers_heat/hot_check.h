// Structural checks of rendered HOT templates shared by the Heat driver's tests: what Heat's
// own validation would refuse (undeclared parameters or resources, unknown nested
// templates, malformed sections).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "magnum/drivers/heat/hot.h"

namespace magnum::drivers::heat::testing {

using Json = nlohmann::json;

inline void CollectRefs(const Json& j, std::set<std::string>& params,
                        std::set<std::string>& resources) {
  if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      const Json& v = it.value();
      if (it.key() == "get_param") {
        params.insert(v.is_array() ? v.at(0).get<std::string>() : v.get<std::string>());
      } else if (it.key() == "get_resource") {
        resources.insert(v.get<std::string>());
      } else if (it.key() == "get_attr") {
        resources.insert(v.at(0).get<std::string>());
      }
      CollectRefs(v, params, resources);
    }
  } else if (j.is_array()) {
    for (const Json& v : j) CollectRefs(v, params, resources);
  }
}

// Problems of one template (empty = valid); nested templates must be in `files`.
inline std::vector<std::string> CheckHot(const Json& t,
                                         const std::map<std::string, std::string>& files) {
  std::vector<std::string> bad;
  const std::set<std::string> sections = {
      "heat_template_version", "description", "parameters", "resources", "outputs", "conditions"};
  for (auto it = t.begin(); it != t.end(); ++it) {
    if (!sections.count(it.key())) bad.push_back("unknown section " + it.key());
  }
  if (!t.contains("heat_template_version") || !t["heat_template_version"].is_string() ||
      t["heat_template_version"] != kHeatTemplateVersion) {
    bad.push_back("heat_template_version is not the string " + std::string(kHeatTemplateVersion));
  }
  const std::set<std::string> types = {"string", "number", "comma_delimited_list", "json",
                                       "boolean"};
  for (auto it = t["parameters"].begin(); it != t["parameters"].end(); ++it) {
    if (!types.count(it.value().value("type", ""))) bad.push_back("param type " + it.key());
  }
  std::set<std::string> params, resources;
  const std::set<std::string> keys = {"type",          "properties",      "depends_on",
                                      "update_policy", "deletion_policy", "metadata",
                                      "condition"};
  for (auto it = t["resources"].begin(); it != t["resources"].end(); ++it) {
    const Json& r = it.value();
    for (auto k = r.begin(); k != r.end(); ++k) {
      if (!keys.count(k.key())) bad.push_back("resource " + it.key() + " key " + k.key());
    }
    if (!r.contains("type") || !r["type"].is_string()) {
      bad.push_back("resource " + it.key() + " has no type");
      continue;
    }
    std::string type = r["type"];
    if (type.find("::") == std::string::npos && !files.count(type)) {
      bad.push_back("resource " + it.key() + " names a missing file " + type);
    }
    if (r.contains("properties") && r["properties"].contains("resource_def")) {
      std::string def = r["properties"]["resource_def"]["type"];
      if (def.find("::") == std::string::npos && !files.count(def)) {
        bad.push_back("group " + it.key() + " names a missing file " + def);
      }
    }
    if (r.contains("depends_on")) {
      Json deps = r["depends_on"].is_array() ? r["depends_on"] : Json::array({r["depends_on"]});
      for (const Json& d : deps) resources.insert(d.get<std::string>());
    }
  }
  CollectRefs(t["resources"], params, resources);
  CollectRefs(t["outputs"], params, resources);
  for (const std::string& p : params) {
    if (!t["parameters"].contains(p)) bad.push_back("get_param of undeclared " + p);
  }
  for (const std::string& r : resources) {
    if (!t["resources"].contains(r)) bad.push_back("reference to undeclared resource " + r);
  }
  for (auto it = t["outputs"].begin(); it != t["outputs"].end(); ++it) {
    if (!it.value().contains("value")) bad.push_back("output without value " + it.key());
  }
  return bad;
}

// Parameters `given` against the declared ones: every given one declared, every declared
// one without a default given.
inline std::vector<std::string> CheckParameters(const Json& t,
                                                const std::map<std::string, std::string>& given) {
  std::vector<std::string> bad;
  for (const auto& [name, value] : given) {
    if (!t["parameters"].contains(name)) bad.push_back("undeclared parameter " + name);
  }
  for (auto it = t["parameters"].begin(); it != t["parameters"].end(); ++it) {
    if (!it.value().contains("default") && !given.count(it.key())) {
      bad.push_back("missing parameter " + it.key());
    }
  }
  return bad;
}

// Every resource (template and nested files) of `type`.
inline std::vector<Json> ResourcesOfType(const RenderedStack& s, const std::string& type) {
  std::vector<Json> out;
  std::vector<Json> all = {Json::parse(s.template_json)};
  for (const auto& [name, text] : s.files) all.push_back(Json::parse(text));
  for (const Json& t : all) {
    for (const Json& r : t["resources"]) {
      if (r["type"] == type) out.push_back(r);
    }
  }
  return out;
}

}  // namespace magnum::drivers::heat::testing
