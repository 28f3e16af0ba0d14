#include "magnum/ctl/settings.h"

#include <yaml-cpp/yaml.h>

#include "magnum/common/strings.h"

namespace magnum::ctl {
namespace {

// The scalar at a dotted path of `node`, or nullopt.
std::optional<std::string> ScalarAt(const YAML::Node& node, const std::string& dotted) {
  // reset(), not assignment: assigning a YAML::Node writes into the node it refers to.
  YAML::Node cur;
  cur.reset(node);
  size_t start = 0;
  while (true) {
    size_t dot = dotted.find('.', start);
    std::string key =
        dotted.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    if (!cur.IsMap()) return std::nullopt;
    const YAML::Node& const_cur = cur;
    YAML::Node next = const_cur[key];  // the const operator[] does not insert
    if (!next) return std::nullopt;
    cur.reset(next);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (!cur.IsScalar()) return std::nullopt;
  return cur.Scalar();
}

bool Truthy(std::string v) {
  v = AsciiLower(v);
  return v == "1" || v == "true" || v == "yes" || v == "on";
}

std::string DirOf(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

const std::vector<SettingSource>& SettingSources() {
  static const std::vector<SettingSource> kSources = {
      {"--os-auth-type",
       {"OS_AUTH_TYPE"},
       {"auth_type"},
       "password, token or none (default: inferred)",
       &Settings::auth_type},
      {"--os-auth-url", {"OS_AUTH_URL"}, {"auth.auth_url"}, "Keystone URL", &Settings::auth_url},
      {"--os-username", {"OS_USERNAME"}, {"auth.username"}, "user name", &Settings::username},
      {"--os-user-id",
       {"OS_USER_ID"},
       {"auth.user_id"},
       "user id (also noauth's X-User-Id)",
       &Settings::user_id},
      {"--os-password", {"OS_PASSWORD"}, {"auth.password"}, "password", &Settings::password},
      {"--os-project-name",
       {"OS_PROJECT_NAME", "OS_TENANT_NAME"},
       {"auth.project_name", "auth.tenant_name"},
       "project name",
       &Settings::project_name},
      {"--os-project-id",
       {"OS_PROJECT_ID", "OS_TENANT_ID"},
       {"auth.project_id", "auth.tenant_id"},
       "project id (also noauth's X-Project-Id)",
       &Settings::project_id},
      {"--os-user-domain-name",
       {"OS_USER_DOMAIN_NAME"},
       {"auth.user_domain_name"},
       "the user's domain name",
       &Settings::user_domain_name},
      {"--os-user-domain-id",
       {"OS_USER_DOMAIN_ID"},
       {"auth.user_domain_id"},
       "the user's domain id",
       &Settings::user_domain_id},
      {"--os-project-domain-name",
       {"OS_PROJECT_DOMAIN_NAME"},
       {"auth.project_domain_name"},
       "the project's domain name",
       &Settings::project_domain_name},
      {"--os-project-domain-id",
       {"OS_PROJECT_DOMAIN_ID"},
       {"auth.project_domain_id"},
       "the project's domain id",
       &Settings::project_domain_id},
      {"--os-token",
       {"OS_TOKEN"},
       {"auth.token"},
       "a Keystone token instead of a password",
       &Settings::token},
      {"--os-interface",
       {"OS_INTERFACE", "OS_ENDPOINT_TYPE"},
       {"interface", "endpoint_type"},
       "catalog interface: public (default), internal or admin",
       &Settings::interface},
      {"--os-region-name",
       {"OS_REGION_NAME"},
       {"region_name"},
       "catalog region",
       &Settings::region_name},
      {"--os-endpoint-override",
       {"OS_ENDPOINT_OVERRIDE", "MAGNUM_URL", "OS_ENDPOINT", "BYPASS_URL"},
       {"container_infra_endpoint_override", "auth.endpoint"},
       "the Magnum API URL, bypassing the catalog",
       &Settings::endpoint_override},
      {"--os-cacert", {"OS_CACERT"}, {"cacert"}, "CA bundle to verify TLS with", &Settings::cacert},
      {"--os-roles", {"OS_ROLES"}, {"roles"}, "noauth: the X-Roles to send", &Settings::roles},
      {"--magnum-api-version",
       {"MAGNUM_API_VERSION"},
       {"container_infra_api_version"},
       "microversion: latest (default) or 1.x",
       &Settings::api_version},
  };
  return kSources;
}

Result<void> ReadCloud(const std::string& yaml_text, const std::string& origin,
                       const std::string& cloud, Settings* out) {
  YAML::Node root;
  try {
    root = YAML::Load(yaml_text);
  } catch (const YAML::Exception& e) {
    return Fail(Error::InvalidArgument(origin + ": not YAML: " + e.what()));
  }
  if (!root.IsMap() || !root["clouds"] || !root["clouds"].IsMap()) {
    return Fail(Error::InvalidArgument(origin + ": no 'clouds' mapping"));
  }
  const YAML::Node& const_root = root;
  YAML::Node entry = const_root["clouds"][cloud];
  if (!entry || !entry.IsMap()) {
    std::string known;
    for (const auto& kv : root["clouds"]) {
      known += (known.empty() ? "" : ", ") + kv.first.as<std::string>();
    }
    return Fail(Error::NotFound(origin + ": no cloud '" + cloud +
                                "' (there are: " + (known.empty() ? "none" : known) + ")"));
  }
  for (const auto& src : SettingSources()) {
    for (const auto& key : src.cloud_keys) {
      if (auto v = ScalarAt(entry, key)) {
        out->*src.field = *v;
        break;
      }
    }
  }
  if (auto verify = ScalarAt(entry, "verify")) out->insecure = !Truthy(*verify);
  if (auto insecure = ScalarAt(entry, "insecure")) out->insecure = Truthy(*insecure);
  out->cloud = cloud;
  return {};
}

std::vector<std::string> CloudsYamlPaths(const EnvLookup& env) {
  std::vector<std::string> paths;
  if (auto f = env("OS_CLIENT_CONFIG_FILE"); f && !f->empty()) paths.push_back(*f);
  paths.push_back("clouds.yaml");
  if (auto home = env("HOME"); home && !home->empty()) {
    paths.push_back(*home + "/.config/openstack/clouds.yaml");
  }
  paths.push_back("/etc/openstack/clouds.yaml");
  return paths;
}

Result<Settings> ResolveSettings(const ParsedCommand& args, const EnvLookup& env,
                                 const FileReader& read_file) {
  Settings s;
  std::string cloud = args.Global("--os-cloud").value_or(env("OS_CLOUD").value_or(""));
  if (!cloud.empty()) {
    bool found = false;
    for (const auto& path : CloudsYamlPaths(env)) {
      auto text = read_file(path);
      if (!text) continue;
      auto r = ReadCloud(*text, path, cloud, &s);
      if (!r) {
        if (r.error().Is(ErrorCode::kNotFound)) continue;  // the next file may have it
        return Fail(r.error());
      }
      found = true;
      // secure.yaml beside it holds the secrets (same layout); optional.
      std::string secure = DirOf(path) + "/secure.yaml";
      if (auto stext = read_file(secure)) {
        auto sr = ReadCloud(*stext, secure, cloud, &s);
        if (!sr && !sr.error().Is(ErrorCode::kNotFound)) return Fail(sr.error());
      }
      break;
    }
    if (!found) {
      std::string searched;
      for (const auto& p : CloudsYamlPaths(env)) searched += (searched.empty() ? "" : ", ") + p;
      return Fail(Error::InvalidArgument("cloud '" + cloud + "' not found in clouds.yaml (" +
                                         searched + ")"));
    }
  }
  for (const auto& src : SettingSources()) {
    for (const auto& name : src.env) {
      if (auto v = env(name); v && !v->empty()) {
        s.*src.field = *v;
        break;
      }
    }
    if (auto v = args.Global(src.option)) s.*src.field = *v;
  }
  if (auto v = env("OS_INSECURE"); v && !v->empty()) s.insecure = Truthy(*v);
  if (args.GlobalFlag("--insecure")) s.insecure = true;
  return s;
}

}  // namespace magnum::ctl
