#include "magnum/drivers/heat/labels.h"

#include <gtest/gtest.h>

namespace magnum::drivers::heat {
namespace {

TEST(HeatLabelsTest, DefaultsWhenNoLabels) {
  auto l = ParseLabels({});
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_EQ(l->kube_tag, "v1.27.8");
  EXPECT_EQ(l->network_driver, NetworkDriver::kFlannel);
  EXPECT_EQ(l->container_runtime, "containerd");
  EXPECT_EQ(l->boot_volume_size, 0);
  EXPECT_EQ(l->docker_volume_size, 0);
  EXPECT_FALSE(l->master_lb_floating_ip_enabled.has_value());
  EXPECT_EQ(l->pod_cidr, "10.100.0.0/16");
}

TEST(HeatLabelsTest, ParsesEveryHonouredLabel) {
  auto l = ParseLabels({{"kube_tag", "v1.28.4"},
                        {"container_runtime", "containerd"},
                        {"boot_volume_size", "20"},
                        {"boot_volume_type", "ssd"},
                        {"docker_volume_size", "50"},
                        {"docker_volume_type", "fast ssd"},
                        {"master_lb_floating_ip_enabled", "True"},
                        {"flannel_backend", "host-gw"},
                        {"flannel_network_cidr", "10.200.0.0/16"},
                        {"service_cluster_ip_range", "10.96.0.0/12"},
                        {"fixed_subnet_cidr", "192.168.10.0/24"},
                        {"availability_zone", "nova"},
                        {"flannel_tag", "v0.25.1"},
                        {"selinux_mode", "permissive"},
                        {"kubelet_options", "--max-pods=200"},
                        {"unrelated_label", "kept out"}},
                       "flannel", 7);
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_EQ(l->kube_tag, "v1.28.4");
  EXPECT_EQ(l->boot_volume_size, 20);
  EXPECT_EQ(l->boot_volume_type, "ssd");
  EXPECT_EQ(l->docker_volume_size, 50);  // the label overrides the field
  EXPECT_EQ(l->docker_volume_type, "fast ssd");
  EXPECT_EQ(l->master_lb_floating_ip_enabled, std::optional<bool>(true));
  EXPECT_EQ(l->flannel_backend, "host-gw");
  EXPECT_EQ(l->pod_cidr, "10.200.0.0/16");
  EXPECT_EQ(l->service_cidr, "10.96.0.0/12");
  EXPECT_EQ(l->fixed_subnet_cidr, "192.168.10.0/24");
  EXPECT_EQ(l->availability_zone, "nova");
  EXPECT_EQ(l->flannel_tag, "v0.25.1");
  EXPECT_EQ(l->selinux_mode, "permissive");
  EXPECT_EQ(l->kubelet_options, "--max-pods=200");
}

TEST(HeatLabelsTest, CalicoTakesItsPoolLabelAndTheFieldSizes) {
  auto l = ParseLabels({{"calico_ipv4pool", "172.16.0.0/16"},
                        {"flannel_network_cidr", "10.1.0.0/16"},
                        {"calico_tag", "v3.27.0"}},
                       "calico", 12);
  ASSERT_TRUE(l) << l.error().message();
  EXPECT_EQ(l->network_driver, NetworkDriver::kCalico);
  EXPECT_EQ(l->pod_cidr, "172.16.0.0/16");
  EXPECT_EQ(l->calico_tag, "v3.27.0");
  EXPECT_EQ(l->docker_volume_size, 12);
}

struct BadCase {
  const char* label;
  const char* value;
};

class HeatLabelsBadTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(HeatLabelsBadTest, RefusedNamingTheLabel) {
  auto l = ParseLabels({{GetParam().label, GetParam().value}});
  ASSERT_FALSE(l) << GetParam().label << "=" << GetParam().value;
  EXPECT_TRUE(l.error().Is(ErrorCode::kInvalidArgument));
  EXPECT_NE(l.error().message().find(GetParam().label), std::string::npos) << l.error().message();
}

INSTANTIATE_TEST_SUITE_P(
    Table, HeatLabelsBadTest,
    ::testing::Values(
        BadCase{"kube_tag", "1.27.8"}, BadCase{"kube_tag", "v1.27"},
        BadCase{"kube_tag", "v1.27.8; rm -rf /"}, BadCase{"kube_tag", ""},
        BadCase{"container_runtime", "docker"}, BadCase{"boot_volume_size", "-1"},
        BadCase{"boot_volume_size", "ten"}, BadCase{"boot_volume_size", "10GB"},
        BadCase{"docker_volume_size", "99999999999999999999"},
        BadCase{"docker_volume_size", "16385"}, BadCase{"boot_volume_type", "bad\ntype"},
        BadCase{"master_lb_floating_ip_enabled", "yes"}, BadCase{"flannel_backend", "wireguard"},
        BadCase{"flannel_network_cidr", "10.0.0.0"},
        BadCase{"flannel_network_cidr", "300.0.0.0/16"},
        BadCase{"service_cluster_ip_range", "10.0.0.0/31"},
        BadCase{"fixed_subnet_cidr", "fe80::/64"}, BadCase{"calico_tag", "v3 latest"},
        BadCase{"selinux_mode", "off"}, BadCase{"kubelet_options", "--x=\"$(reboot)\""},
        BadCase{"availability_zone", "-zone"}));

TEST(HeatLabelsTest, RefusesAnUnknownNetworkDriverAndANegativeVolume) {
  auto l = ParseLabels({}, "weave");
  ASSERT_FALSE(l);
  EXPECT_NE(l.error().message().find("network_driver"), std::string::npos);
  auto v = ParseLabels({}, "", -3);
  ASSERT_FALSE(v);
  EXPECT_NE(v.error().message().find("docker_volume_size"), std::string::npos);
}

TEST(HeatLabelsTest, ClusterLabelsOverrideTheTemplates) {
  LabelMap merged =
      MergeLabels({{"kube_tag", "v1.26.0"}, {"boot_volume_size", "10"}}, {{"kube_tag", "v1.27.1"}});
  EXPECT_EQ(merged.at("kube_tag"), "v1.27.1");
  EXPECT_EQ(merged.at("boot_volume_size"), "10");
}

}  // namespace
}  // namespace magnum::drivers::heat
