#include <gtest/gtest.h>

#include "magnum/drivers/docker/subnet_pool.h"

namespace magnum::drivers::docker {
namespace {

TEST(DockerSubnetPool, ParsesCidrs) {
  struct Case {
    const char* in;
    bool ok;
    const char* out;
  };
  for (const Case& c : std::vector<Case>{{"10.213.0.0/16", true, "10.213.0.0/16"},
                                         {"0.0.0.0/0", true, "0.0.0.0/0"},
                                         {"192.168.7.0/24", true, "192.168.7.0/24"},
                                         {"10.213.0.1/16", false, ""},
                                         {"10.213.0.0", false, ""},
                                         {"10.213.0.0/33", false, ""},
                                         {"10.256.0.0/16", false, ""},
                                         {"10.213.0/16", false, ""},
                                         {"10.213.0.0/16x", false, ""},
                                         {"", false, ""}}) {
    auto r = ParseCidr(c.in);
    EXPECT_EQ(r.has_value(), c.ok) << c.in;
    if (r && c.ok) {
      EXPECT_EQ(r->ToString(), c.out);
    }
  }
  auto bad = ParseCidr("10.213.0.1/16");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("did you mean 10.213.0.0/16"), std::string::npos);
}

TEST(DockerSubnetPool, PicksFirstFreeSubnet) {
  Cidr pool = *ParseCidr("10.213.0.0/16");
  struct Case {
    std::vector<std::string> used;
    std::vector<std::string> exclude;
    const char* want;
  };
  for (const Case& c : std::vector<Case>{
           {{}, {}, "10.213.0.0/24"},
           {{"172.17.0.0/16", "fd00::/64", "garbage"}, {}, "10.213.0.0/24"},
           {{"10.213.0.0/24", "10.213.1.0/24"}, {}, "10.213.2.0/24"},
           {{"10.213.1.0/24"}, {}, "10.213.0.0/24"},
           // A wider network elsewhere covers 16 of our subnets.
           {{"10.213.0.0/20"}, {}, "10.213.16.0/24"},
           // A narrower one still blocks the whole /24 it sits in.
           {{"10.213.0.128/25"}, {}, "10.213.1.0/24"},
           // Refused by the engine (another process took it): skipped.
           {{}, {"10.213.0.0/24"}, "10.213.1.0/24"},
           {{"10.0.0.0/8"}, {}, nullptr},
       }) {
    std::vector<Cidr> exclude;
    for (const auto& e : c.exclude) exclude.push_back(*ParseCidr(e));
    auto r = PickFreeSubnet(pool, 24, c.used, exclude);
    if (c.want == nullptr) {
      ASSERT_FALSE(r);
      EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
      EXPECT_NE(r.error().message().find("exhausted"), std::string::npos);
    } else {
      ASSERT_TRUE(r) << r.error().message();
      EXPECT_EQ(r->ToString(), c.want);
    }
  }
}

TEST(DockerSubnetPool, ExhaustsASmallPool) {
  Cidr pool = *ParseCidr("10.213.0.0/23");  // two /24s
  std::vector<std::string> used;
  for (int i = 0; i < 2; ++i) {
    auto r = PickFreeSubnet(pool, 24, used);
    ASSERT_TRUE(r);
    used.push_back(r->ToString());
  }
  EXPECT_EQ(used, (std::vector<std::string>{"10.213.0.0/24", "10.213.1.0/24"}));
  auto r = PickFreeSubnet(pool, 24, used);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message().find("all 2 /24 subnets are in use"), std::string::npos);
  EXPECT_FALSE(PickFreeSubnet(pool, 22, {}));  // wider than the pool
}

TEST(DockerSubnetPool, NodeAddresses) {
  Cidr s = *ParseCidr("10.213.5.0/24");
  EXPECT_EQ(s.Address(1), "10.213.5.1");
  EXPECT_EQ(*MasterAddress(s, 0), "10.213.5.10");
  EXPECT_EQ(*MasterAddress(s, 2), "10.213.5.12");
  EXPECT_FALSE(MasterAddress(s, 10));
  EXPECT_EQ(*WorkerAddress(s, 0), "10.213.5.20");
  EXPECT_EQ(MaxWorkerIndex(s), 234);
  EXPECT_EQ(*WorkerAddress(s, 234), "10.213.5.254");
  EXPECT_FALSE(WorkerAddress(s, 235));  // would be the broadcast address
  EXPECT_FALSE(WorkerAddress(s, -1));
}

}  // namespace
}  // namespace magnum::drivers::docker
