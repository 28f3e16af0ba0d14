#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>

#include "magnum/config/config.h"

namespace magnum::config {
namespace {

TEST(ConfigTest, DefaultsMatchUpstream) {
  auto c = LoadFromString("");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->api_host, "127.0.0.1");
  EXPECT_EQ(c->api_port, 9511);
  EXPECT_EQ(c->api_max_limit, 1000);
  EXPECT_EQ(c->max_request_body_size, 114688);
  EXPECT_EQ(c->max_clusters_per_project, 20);
  EXPECT_EQ(c->kubernetes_default_network_driver, "flannel");
  EXPECT_EQ(c->service_down_time, 180);
  EXPECT_EQ(c->DatabaseUrl(), "sqlite:///./var/magnum.sqlite");
  EXPECT_FALSE(c->enable_test_drivers);
}

TEST(ConfigTest, ParsesUpstreamOptionNames) {
  auto c = LoadFromString(R"(
[DEFAULT]
debug = True
transport_url = rabbit://guest:guest@127.0.0.1:5672/
[api]
host = 0.0.0.0
port = 19511
max_limit = 50
[database]
connection = postgresql://magnum:pw@db/magnum
[cluster_template]
kubernetes_allowed_network_drivers = flannel , calico,cilium
[drivers]
disabled_drivers = a,b
)");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->debug);
  EXPECT_EQ(c->transport_url, "rabbit://guest:guest@127.0.0.1:5672/");
  EXPECT_EQ(c->api_host, "0.0.0.0");
  EXPECT_EQ(c->api_port, 19511);
  EXPECT_EQ(c->api_max_limit, 50);
  EXPECT_EQ(c->DatabaseUrl(), "postgresql://magnum:pw@db/magnum");
  EXPECT_EQ(c->kubernetes_allowed_network_drivers,
            (std::vector<std::string>{"flannel", "calico", "cilium"}));
  EXPECT_EQ(c->disabled_drivers, (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(c->warnings.empty());
}

TEST(ConfigTest, InvalidValuesAreRefusedWithAClearMessage) {
  struct Case {
    const char* text;
    const char* fragment;
  } cases[] = {
      {"[api]\nport = abc\n", "invalid value 'abc' for [api] port: expected an integer"},
      {"[api]\nport = 70000\n", "[api] port"},
      {"[DEFAULT]\ndebug = maybe\n", "expected a boolean"},
      {"[DEFAULT]\nauth_strategy = ldap\n", "one of: noauth, keystone"},
      {"[api]\nmax_limit = 0\n", "[api] max_limit"},
      {"[api\nport = 1\n", "syntax error on line 1"},
      {"[cluster_heat]\nwait_interval = 0.01\n", "a number of seconds between 0.050 and 3600"},
      {"[cluster_heat]\nwait_interval = 1.\n", "[cluster_heat] wait_interval"},
      {"[cluster_heat]\nwait_interval = -1\n", "[cluster_heat] wait_interval"},
      {"[cluster_heat]\nwait_interval = 1.5s\n", "[cluster_heat] wait_interval"},
      {"[cluster_heat]\nwait_interval = 3601\n", "[cluster_heat] wait_interval"},
      {"[cluster_heat]\nwait_interval = 99999999999999999999\n", "[cluster_heat] wait_interval"},
      {"[cluster_heat]\nunreachable_timeout = 0\n", "[cluster_heat] unreachable_timeout"},
  };
  for (const auto& c : cases) {
    auto r = LoadFromString(c.text, "test.conf");
    ASSERT_FALSE(r) << c.text;
    EXPECT_TRUE(r.error().Is(ErrorCode::kInvalidArgument));
    EXPECT_NE(r.error().message().find(c.fragment), std::string::npos) << r.error().message();
    EXPECT_EQ(r.error().message().rfind("test.conf", 0), 0u) << r.error().message();
  }
}

TEST(ConfigTest, HeatWaitIntervalTakesWholeAndFractionalSeconds) {
  auto d = LoadFromString("");
  ASSERT_TRUE(d);
  EXPECT_EQ(d->cluster_heat_wait_interval_ms, 500);
  EXPECT_EQ(d->cluster_heat_unreachable_timeout, 600);
  for (auto [text, ms] : {std::pair<const char*, int64_t>{"2", 2000},
                          {"0.5", 500},
                          {"0.25", 250},
                          {"1.2345", 1234},
                          {"3600", 3600000},
                          {"0.05", 50}}) {
    auto c = LoadFromString(std::string("[cluster_heat]\nwait_interval = ") + text + "\n");
    ASSERT_TRUE(c) << text << ": " << c.error().message();
    EXPECT_EQ(c->cluster_heat_wait_interval_ms, ms) << text;
  }
}

TEST(ConfigTest, UnknownOptionsWarn) {
  auto c = LoadFromString("[api]\nfrobnicate = 1\n[nosuchsection]\nx = 2\n", "a.conf");
  ASSERT_TRUE(c);
  ASSERT_EQ(c->warnings.size(), 2u);
  EXPECT_EQ(c->warnings[0], "a.conf: unknown option [api] frobnicate ignored");
}

TEST(ConfigTest, LaterFilesOverrideEarlierOnes) {
  char dir[] = "/tmp/magnum-config-test-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  std::string a = std::string(dir) + "/a.conf", b = std::string(dir) + "/b.conf";
  std::ofstream(a) << "[api]\nport = 1111\nhost = 127.0.0.2\n";
  std::ofstream(b) << "[api]\nport = 2222\n";
  auto c = Load({a, b});
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->api_port, 2222);
  EXPECT_EQ(c->api_host, "127.0.0.2");
  EXPECT_FALSE(c->host.empty());
  auto missing = Load({std::string(dir) + "/missing.conf"});
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message().find("cannot read config file"), std::string::npos);
  std::remove(a.c_str());
  std::remove(b.c_str());
  rmdir(dir);
}

}  // namespace
}  // namespace magnum::config
