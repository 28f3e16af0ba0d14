// The request context: who is calling, resolved by an AuthStrategy. Value type.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace magnum::auth {

// The message of every 401 for a missing, invalid or refused token (Keystone's wording).
inline constexpr const char* kAuthenticationRequired =
    "The request you have made requires authentication.";

struct ServiceCatalog;  // service_catalog.h

struct RequestContext {
  std::string user_id;
  std::string user_name;
  std::string project_id;
  std::string project_name;
  std::string domain_id;            // a domain-scoped token's domain
  std::string user_domain_id;       // keystone: the user's and the project's domains
  std::string user_domain_name;
  std::string project_domain_id;
  std::string project_domain_name;
  std::vector<std::string> roles;
  std::string auth_token;
  std::string request_id;
  bool is_admin = false;      // policy rule context_is_admin (role:admin)
  bool all_tenants = false;   // set by controllers where upstream sets it
  // keystone: the token's service catalog (for the Glance, Nova and Neutron clients);
  // null under noauth.
  std::shared_ptr<const ServiceCatalog> service_catalog;

  bool HasRole(const std::string& role) const;
};

}  // namespace magnum::auth
