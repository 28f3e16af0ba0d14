// JSON helpers shared by the Docker Engine client files (internal to drivers/docker):
// label maps, optional string fields, and parsing that turns library exceptions into errors.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "magnum/common/error.h"
#include "magnum/drivers/docker/docker_client.h"

namespace magnum::drivers::docker::engine_json {

using json = nlohmann::json;

inline Labels LabelsOf(const json& j) {
  Labels out;
  if (!j.is_object()) return out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

inline std::string Str(const json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

inline Result<json> ParseJson(const std::string& body, std::string_view what) {
  try {
    return json::parse(body);
  } catch (const json::exception& e) {
    return Fail(Error::Internal("unparsable Docker Engine reply to " + std::string(what) + ": " +
                                e.what()));
  }
}

// Runs `fn` on parsed JSON, turning library exceptions (type errors) into errors.
template <typename T, typename Fn>
Result<T> FromJson(const std::string& body, std::string_view what, Fn fn) {
  MAGNUM_ASSIGN_OR_RETURN(json j, ParseJson(body, what));
  try {
    return fn(j);
  } catch (const json::exception& e) {
    return Fail(Error::Internal("unexpected Docker Engine reply to " + std::string(what) + ": " +
                                e.what()));
  }
}

}  // namespace magnum::drivers::docker::engine_json
