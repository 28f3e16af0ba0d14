// The request context: who is calling, resolved by an AuthStrategy. Value type.
#pragma once

#include <string>
#include <vector>

namespace magnum::auth {

struct RequestContext {
  std::string user_id;
  std::string user_name;
  std::string project_id;
  std::string project_name;
  std::string domain_id;
  std::vector<std::string> roles;
  std::string auth_token;
  std::string request_id;
  bool is_admin = false;      // policy rule context_is_admin (role:admin)
  bool all_tenants = false;   // set by controllers where upstream sets it

  bool HasRole(const std::string& role) const;
};

}  // namespace magnum::auth
