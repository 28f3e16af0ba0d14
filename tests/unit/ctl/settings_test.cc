#include "magnum/ctl/settings.h"

#include <gtest/gtest.h>

#include <map>

#include "magnum/ctl/ctl.h"

namespace magnum::ctl {
namespace {

constexpr const char* kClouds = R"(
clouds:
  dev:
    auth:
      auth_url: http://keystone:5000/v3
      username: alice
      password: from-clouds
      project_name: demo
      user_domain_name: Default
      project_domain_name: Default
    region_name: RegionOne
    interface: internal
  local:
    auth_type: none
    auth:
      endpoint: http://127.0.0.1:9511/v1
    verify: false
)";

struct World {
  std::map<std::string, std::string> env;
  std::map<std::string, std::string> files;
  EnvLookup Env() {
    return [this](const std::string& n) -> std::optional<std::string> {
      auto it = env.find(n);
      if (it == env.end()) return std::nullopt;
      return it->second;
    };
  }
  FileReader Files() {
    return [this](const std::string& p) -> std::optional<std::string> {
      auto it = files.find(p);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
  }
  Result<Settings> Resolve(std::vector<std::string> args) {
    args.push_back("cluster-list");
    auto parsed = ParseCommandLine(args, GlobalOptions(), Commands());
    EXPECT_TRUE(parsed) << parsed.error().message();
    return ResolveSettings(*parsed, Env(), Files());
  }
};

TEST(CloudsYamlTest, ReadsTheNamedCloud) {
  Settings s;
  ASSERT_TRUE(ReadCloud(kClouds, "clouds.yaml", "dev", &s));
  EXPECT_EQ(s.cloud, "dev");
  EXPECT_EQ(s.auth_url, "http://keystone:5000/v3");
  EXPECT_EQ(s.username, "alice");
  EXPECT_EQ(s.password, "from-clouds");
  EXPECT_EQ(s.project_name, "demo");
  EXPECT_EQ(s.user_domain_name, "Default");
  EXPECT_EQ(s.project_domain_name, "Default");
  EXPECT_EQ(s.region_name, "RegionOne");
  EXPECT_EQ(s.interface, "internal");
  EXPECT_FALSE(s.insecure);
  Settings l;
  ASSERT_TRUE(ReadCloud(kClouds, "clouds.yaml", "local", &l));
  EXPECT_EQ(l.auth_type, "none");
  EXPECT_EQ(l.endpoint_override, "http://127.0.0.1:9511/v1");
  EXPECT_TRUE(l.insecure);  // verify: false
}

TEST(CloudsYamlTest, Refusals) {
  Settings s;
  auto missing = ReadCloud(kClouds, "x/clouds.yaml", "prod", &s);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().message(), "x/clouds.yaml: no cloud 'prod' (there are: dev, local)");
  auto bad = ReadCloud("clouds: [unclosed", "c.yaml", "dev", &s);
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("c.yaml: not YAML"), std::string::npos);
  auto nomap = ReadCloud("other: 1\n", "c.yaml", "dev", &s);
  ASSERT_FALSE(nomap);
  EXPECT_EQ(nomap.error().message(), "c.yaml: no 'clouds' mapping");
}

TEST(ResolveSettingsTest, SearchPathOrder) {
  World w;
  w.env["HOME"] = "/home/u";
  w.env["OS_CLIENT_CONFIG_FILE"] = "/custom.yaml";
  EXPECT_EQ(CloudsYamlPaths(w.Env()),
            (std::vector<std::string>{"/custom.yaml", "clouds.yaml",
                                      "/home/u/.config/openstack/clouds.yaml",
                                      "/etc/openstack/clouds.yaml"}));
  // The first file that has the cloud wins; one without it is skipped.
  w.files["clouds.yaml"] = "clouds:\n  other: {}\n";
  w.files["/home/u/.config/openstack/clouds.yaml"] = kClouds;
  w.files["/etc/openstack/clouds.yaml"] = "clouds:\n  dev:\n    auth:\n      username: not-me\n";
  w.env["OS_CLOUD"] = "dev";
  auto s = w.Resolve({});
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->username, "alice");
}

TEST(ResolveSettingsTest, SecureYamlAddsSecrets) {
  World w;
  w.env["HOME"] = "/h";
  w.files["/h/.config/openstack/clouds.yaml"] =
      "clouds:\n  dev:\n    auth:\n      auth_url: http://k/v3\n      username: bob\n";
  w.files["/h/.config/openstack/secure.yaml"] = "clouds:\n  dev:\n    auth:\n      password: s3\n";
  auto s = w.Resolve({"--os-cloud", "dev"});
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->username, "bob");
  EXPECT_EQ(s->password, "s3");
}

TEST(ResolveSettingsTest, OptionsOverEnvironmentOverCloud) {
  World w;
  w.files["clouds.yaml"] = kClouds;
  w.env["OS_CLOUD"] = "dev";
  w.env["OS_USERNAME"] = "env-user";
  w.env["OS_PASSWORD"] = "env-pass";
  w.env["OS_TENANT_NAME"] = "legacy-project";  // the old spelling still works
  w.env["MAGNUM_API_VERSION"] = "1.10";
  auto s = w.Resolve({"--os-password", "opt-pass", "--os-interface", "admin"});
  ASSERT_TRUE(s) << s.error().message();
  EXPECT_EQ(s->auth_url, "http://keystone:5000/v3");  // cloud
  EXPECT_EQ(s->username, "env-user");                 // env over cloud
  EXPECT_EQ(s->password, "opt-pass");                 // option over env
  EXPECT_EQ(s->project_name, "legacy-project");
  EXPECT_EQ(s->interface, "admin");
  EXPECT_EQ(s->api_version, "1.10");
}

TEST(ResolveSettingsTest, EndpointOverrideSpellings) {
  for (const char* var : {"OS_ENDPOINT_OVERRIDE", "MAGNUM_URL", "OS_ENDPOINT", "BYPASS_URL"}) {
    World w;
    w.env[var] = std::string("http://") + var;
    auto s = w.Resolve({});
    ASSERT_TRUE(s);
    EXPECT_EQ(s->endpoint_override, std::string("http://") + var);
  }
  World w;
  w.env["OS_ENDPOINT_OVERRIDE"] = "http://first";
  w.env["MAGNUM_URL"] = "http://second";
  EXPECT_EQ(w.Resolve({})->endpoint_override, "http://first");
  EXPECT_EQ(w.Resolve({"--os-endpoint-override", "http://opt"})->endpoint_override, "http://opt");
  w.env["OS_INSECURE"] = "true";
  EXPECT_TRUE(w.Resolve({})->insecure);
}

TEST(ResolveSettingsTest, UnknownCloudNamesTheFilesSearched) {
  World w;
  w.env["HOME"] = "/h";
  auto s = w.Resolve({"--os-cloud", "nowhere"});
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message(),
            "cloud 'nowhere' not found in clouds.yaml (clouds.yaml, "
            "/h/.config/openstack/clouds.yaml, /etc/openstack/clouds.yaml)");
  w.files["clouds.yaml"] = "clouds: {";
  auto bad = w.Resolve({"--os-cloud", "nowhere"});
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("clouds.yaml: not YAML"), std::string::npos);
}

}  // namespace
}  // namespace magnum::ctl
