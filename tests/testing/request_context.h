// Test helper: a request context as the auth strategies build it (is_admin from the role).
// Shared by the unit-test modules.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "magnum/auth/context.h"

namespace magnum::testing_util {

inline auth::RequestContext Ctx(std::string project, std::string user,
                                std::vector<std::string> roles) {
  auth::RequestContext c;
  c.project_id = std::move(project);
  c.user_id = std::move(user);
  c.roles = std::move(roles);
  c.is_admin = c.HasRole("admin");  // as the auth strategies set it
  return c;
}

}  // namespace magnum::testing_util
