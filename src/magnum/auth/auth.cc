#include "magnum/auth/auth.h"

#include <algorithm>
#include <cctype>
#include <sstream>

#include "magnum/auth/keystone_auth.h"
#include "magnum/config/config.h"

namespace magnum::auth {

bool RequestContext::HasRole(const std::string& role) const {
  return std::find(roles.begin(), roles.end(), role) != roles.end();
}

namespace {

std::vector<std::string> SplitRoles(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    auto b = item.find_first_not_of(" \t");
    auto e = item.find_last_not_of(" \t");
    if (b == std::string::npos) continue;
    std::string r = item.substr(b, e - b + 1);
    for (auto& c : r) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.push_back(r);
  }
  return out;
}

class NoAuth final : public AuthStrategy {
 public:
  NoAuth(std::string project, std::string user, std::string roles)
      : project_(std::move(project)), user_(std::move(user)), roles_(std::move(roles)) {}

  Result<RequestContext> Authenticate(const http::Request& request) const override {
    RequestContext ctx;
    ctx.project_id = request.Header("X-Project-Id").value_or(
        request.Header("X-Tenant-Id").value_or(project_));
    ctx.user_id = request.Header("X-User-Id").value_or(user_);
    ctx.project_name = request.Header("X-Project-Name").value_or("");
    ctx.user_name = request.Header("X-User-Name").value_or("");
    ctx.auth_token = request.Header("X-Auth-Token").value_or("");
    ctx.roles = SplitRoles(request.Header("X-Roles").value_or(roles_));
    ctx.is_admin = ctx.HasRole("admin");
    ctx.request_id = request.request_id;
    return ctx;
  }

 private:
  std::string project_;
  std::string user_;
  std::string roles_;
};

}  // namespace

std::unique_ptr<AuthStrategy> NewNoAuth(std::string default_project, std::string default_user,
                                        std::string default_roles) {
  return std::make_unique<NoAuth>(std::move(default_project), std::move(default_user),
                                  std::move(default_roles));
}

Result<std::unique_ptr<AuthStrategy>> NewAuthStrategy(const config::Config& config) {
  if (config.auth_strategy == "noauth") {
    return NewNoAuth(config.default_project_id, config.default_user_id, config.default_roles);
  }
  if (config.auth_strategy == "keystone") {
    MAGNUM_ASSIGN_OR_RETURN(KeystoneAuthOptions options, KeystoneOptionsFromConfig(config));
    std::shared_ptr<HttpClient> http = NewCurlHttpClient({options.cafile, options.insecure});
    return std::unique_ptr<AuthStrategy>(
        std::make_unique<KeystoneAuth>(std::move(options), std::move(http)));
  }
  return Fail(Error::InvalidArgument("auth_strategy '" + config.auth_strategy +
                                     "' is not known; use noauth or keystone"));
}

}  // namespace magnum::auth
