#include "magnum/auth/keystone_v3.h"

#include <nlohmann/json.hpp>

namespace magnum::auth {

std::string KeystoneV3Url(std::string url) {
  while (!url.empty() && url.back() == '/') url.pop_back();
  if (url.size() >= 3 && url.compare(url.size() - 3, 3, "/v3") == 0) return url;
  return url + "/v3";
}

nlohmann::json KeystoneRef(const std::string& name, const std::string& id) {
  return id.empty() ? nlohmann::json{{"name", name}} : nlohmann::json{{"id", id}};
}

nlohmann::json PasswordAuthBody(nlohmann::json user, nlohmann::json scope) {
  return {{"auth",
           {{"identity", {{"methods", {"password"}}, {"password", {{"user", std::move(user)}}}}},
            {"scope", std::move(scope)}}}};
}

}  // namespace magnum::auth
