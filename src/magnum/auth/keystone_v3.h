// Writing Keystone v3 requests: the API root from a configured URL and the body of a
// password login (POST /v3/auth/tokens). Shared by the API's token validation
// (keystone_auth), the cloud checks and the trusts client.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <string>

namespace magnum::auth {

// The v3 API root of a Keystone URL given with or without "/v3" and trailing slashes.
std::string KeystoneV3Url(std::string url);

// {"id": id} when the id is set, else {"name": name} (a user, project or domain reference).
nlohmann::json KeystoneRef(const std::string& name, const std::string& id);

// {"auth": {"identity": {"methods": ["password"], "password": {"user": user}},
//           "scope": scope}}; `user` carries its password.
nlohmann::json PasswordAuthBody(nlohmann::json user, nlohmann::json scope);

}  // namespace magnum::auth
