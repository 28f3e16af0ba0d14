// Where magnumctl's credentials and endpoint come from, as with the OpenStack clients:
// --os-* options, then OS_* environment variables, then the cloud named by --os-cloud /
// OS_CLOUD in clouds.yaml (searched in $OS_CLIENT_CONFIG_FILE, ./clouds.yaml,
// ~/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml; secure.yaml beside it adds
// secrets). Pure functions over injected environment and file readers; thread-safe.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/ctl/args.h"

namespace magnum::ctl {

struct Settings {
  std::string cloud;      // the clouds.yaml entry used ("" when none)
  std::string auth_type;  // "password", "token", "none" or "" (inferred)
  std::string auth_url;
  std::string username;
  std::string user_id;
  std::string password;
  std::string project_name;
  std::string project_id;
  std::string user_domain_name;
  std::string user_domain_id;
  std::string project_domain_name;
  std::string project_domain_id;
  std::string token;
  std::string interface;          // catalog interface; "" = public
  std::string region_name;        // "" = any
  std::string endpoint_override;  // the Magnum API URL, bypassing the catalog
  std::string cacert;
  bool insecure = false;
  std::string roles;        // noauth: the X-Roles to send
  std::string api_version;  // microversion: "latest" or "1.x" ("" = latest)
};

// A field of Settings and the names it goes by. Used by ResolveSettings and the help text.
struct SettingSource {
  std::string option;                   // "--os-auth-url"
  std::vector<std::string> env;         // "OS_AUTH_URL", in priority order
  std::vector<std::string> cloud_keys;  // "auth.auth_url", "auth_url" (dotted path in a cloud)
  std::string help;
  std::string Settings::*field;
};
const std::vector<SettingSource>& SettingSources();

// Reads the named cloud of a clouds.yaml text into `out` (fields it sets replace those in
// `out`). `origin` names the text in messages. Errors (kInvalidArgument): not YAML, no
// `clouds` mapping, no cloud of that name (the message lists those there are).
Result<void> ReadCloud(const std::string& yaml_text, const std::string& origin,
                       const std::string& cloud, Settings* out);

using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
// nullopt when the file does not exist or cannot be read.
using FileReader = std::function<std::optional<std::string>(const std::string& path)>;

// The clouds.yaml candidates in search order.
std::vector<std::string> CloudsYamlPaths(const EnvLookup& env);

// Options over environment over the cloud. Errors: a --os-cloud that no clouds.yaml has,
// an unreadable clouds.yaml (kInvalidArgument).
Result<Settings> ResolveSettings(const ParsedCommand& args, const EnvLookup& env,
                                 const FileReader& read_file);

}  // namespace magnum::ctl
