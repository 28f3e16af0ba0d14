#include <gtest/gtest.h>

#include "magnum/config/config.h"
#include "magnum/drivers/docker/docker_driver.h"
#include "magnum/drivers/registry.h"

namespace magnum::drivers::docker {
namespace {

TEST(DockerConfig, Defaults) {
  auto c = config::LoadFromString("");
  ASSERT_TRUE(c);
  DockerDriverOptions o = DockerDriverOptionsFromConfig(*c);
  EXPECT_EQ(o.docker_host, "unix:///var/run/docker.sock");
  EXPECT_EQ(o.subnet_pool, "10.213.0.0/16");
  EXPECT_EQ(o.default_timeout, std::chrono::seconds(60));
  EXPECT_EQ(o.image_cache_dir, "");
  EXPECT_EQ(o.image_build_script, "");
}

TEST(DockerConfig, Options) {
  auto c = config::LoadFromString(
      "[docker]\nhost = tcp://127.0.0.1:2376\nca_file = /a\ncert_file = /b\nkey_file = /c\n"
      "default_timeout = 5\nsubnet_pool = 172.30.0.0/20\nimage_cache_dir = /tmp/x\n"
      "image_build_script = /opt/build.sh\n");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_TRUE(c->warnings.empty());
  DockerDriverOptions o = DockerDriverOptionsFromConfig(*c);
  EXPECT_EQ(o.docker_host, "tcp://127.0.0.1:2376");
  EXPECT_EQ(o.ca_file, "/a");
  EXPECT_EQ(o.key_file, "/c");
  EXPECT_EQ(o.default_timeout, std::chrono::seconds(5));
  EXPECT_EQ(o.subnet_pool, "172.30.0.0/20");
  EXPECT_EQ(o.image_cache_dir, "/tmp/x");
  EXPECT_EQ(o.image_build_script, "/opt/build.sh");
}

TEST(DockerConfig, RejectsBadSubnetPools) {
  for (const char* bad : {"10.213.0.1/16", "10.213.0.0", "10.213.0.0/25", "10.213.0.0/7",
                          "300.1.0.0/16", "pool", "10.213.0.0/16 x"}) {
    auto c = config::LoadFromString(std::string("[docker]\nsubnet_pool = ") + bad + "\n");
    ASSERT_FALSE(c) << bad;
    EXPECT_NE(c.error().message().find("[docker] subnet_pool"), std::string::npos);
  }
}

TEST(DockerConfig, RegisteredByDefaultUnlessDisabled) {
  // No engine: images() still names the node image (hermetic: nothing listens there).
  auto c = config::LoadFromString("[docker]\nhost = unix:///nonexistent/docker.sock\n");
  ASSERT_TRUE(c);
  DriverRegistry reg;
  RegisterBuiltinDrivers(&reg, *c);
  auto d = reg.Get("docker");
  ASSERT_TRUE(d);
  auto swarm = reg.FindByProvides("container", "debian", "swarm-mode");
  ASSERT_TRUE(swarm);
  EXPECT_EQ((*swarm)->name(), "docker");
  EXPECT_TRUE(reg.FindByProvides("container", "debian", "swarm"));
  auto img = reg.FindImage("swarm-node");
  ASSERT_TRUE(img);
  EXPECT_EQ(img->image.os_distro, "debian");
  EXPECT_FALSE((*d)->test_only());

  auto off = config::LoadFromString("[drivers]\ndisabled_drivers = docker\n");
  ASSERT_TRUE(off);
  DriverRegistry reg2;
  RegisterBuiltinDrivers(&reg2, *off);
  EXPECT_FALSE(reg2.Get("docker"));
}

}  // namespace
}  // namespace magnum::drivers::docker
