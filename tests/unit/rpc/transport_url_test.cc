#include "magnum/rpc/transport_url.h"

#include <gtest/gtest.h>

namespace magnum::rpc {
namespace {

TEST(TransportUrlTest, OneHostWithEverything) {
  auto u = ParseTransportUrl("rabbit://magnum:s3cret@mq.example.org:5673/openstack");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->scheme, "rabbit");
  ASSERT_EQ(u->hosts.size(), 1u);
  EXPECT_EQ(u->hosts[0].host, "mq.example.org");
  EXPECT_EQ(u->hosts[0].port, 5673);
  EXPECT_EQ(u->hosts[0].username, "magnum");
  EXPECT_EQ(u->hosts[0].password, "s3cret");
  EXPECT_EQ(u->virtual_host, "openstack");
}

TEST(TransportUrlTest, DefaultsPortVhostAndGuest) {
  auto u = ParseTransportUrl("rabbit://127.0.0.1");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->hosts[0].port, 5672);
  EXPECT_EQ(u->hosts[0].username, "guest");
  EXPECT_EQ(u->hosts[0].password, "guest");
  EXPECT_EQ(u->virtual_host, "/");
  auto slash = ParseTransportUrl("rabbit://h/");
  ASSERT_TRUE(slash);
  EXPECT_EQ(slash->virtual_host, "/");
  auto escaped = ParseTransportUrl("rabbit://h/%2F");
  ASSERT_TRUE(escaped);
  EXPECT_EQ(escaped->virtual_host, "/");
}

TEST(TransportUrlTest, SeveralHostsForFailover) {
  auto u =
      ParseTransportUrl("rabbit://u1:p1@a:5672,b:5673,u3:p3@[fd00::3]:5674,[::1]/vh?ssl=1&x=%41");
  ASSERT_TRUE(u) << u.error().message();
  ASSERT_EQ(u->hosts.size(), 4u);
  EXPECT_EQ(u->hosts[0].host, "a");
  EXPECT_EQ(u->hosts[1].host, "b");
  EXPECT_EQ(u->hosts[1].port, 5673);
  // A host without credentials uses the first ones given.
  EXPECT_EQ(u->hosts[1].username, "u1");
  EXPECT_EQ(u->hosts[1].password, "p1");
  EXPECT_EQ(u->hosts[2].host, "fd00::3");
  EXPECT_EQ(u->hosts[2].port, 5674);
  EXPECT_EQ(u->hosts[2].username, "u3");
  EXPECT_EQ(u->hosts[3].host, "::1");
  EXPECT_EQ(u->hosts[3].port, 5672);
  EXPECT_EQ(u->virtual_host, "vh");
  EXPECT_EQ(u->query.at("ssl"), "1");
  EXPECT_EQ(u->query.at("x"), "A");
}

TEST(TransportUrlTest, PercentEscapesInCredentialsAndVhost) {
  auto u = ParseTransportUrl("rabbit://us%40er:p%3Aa%2Fs%40s%25@h/v%20h");
  ASSERT_TRUE(u) << u.error().message();
  EXPECT_EQ(u->hosts[0].username, "us@er");
  EXPECT_EQ(u->hosts[0].password, "p:a/s@s%");
  EXPECT_EQ(u->virtual_host, "v h");
  // An unescaped '@' or '/' in the password still parses (the last '@' ends it).
  auto raw = ParseTransportUrl("rabbit://user:pa@ss/wd@host:5672/vh");
  ASSERT_TRUE(raw) << raw.error().message();
  EXPECT_EQ(raw->hosts[0].password, "pa@ss/wd");
  EXPECT_EQ(raw->hosts[0].host, "host");
  EXPECT_EQ(raw->virtual_host, "vh");
}

TEST(TransportUrlTest, RedactedHidesEveryPassword) {
  auto u = ParseTransportUrl("rabbit://a:topsecret@h1,b:othersecret@h2:5673/v");
  ASSERT_TRUE(u);
  std::string r = u->Redacted();
  EXPECT_EQ(r, "rabbit://a:***@h1:5672,b:***@h2:5673/v");
}

TEST(TransportUrlTest, ErrorsAreClearAndNeverEchoThePassword) {
  const char* kSecret = "Zq9-SECRET";
  struct Case {
    std::string url;
    std::string expect;
  } cases[] = {
      {"amqp://u:Zq9-SECRET@h/", "not supported"},
      {"rabbit//u:Zq9-SECRET@h/", "expected <driver>://"},
      {"rabbit://u:Zq9-SECRET@/", "host name is empty"},
      {"rabbit://u:Zq9-SECRET@h:99999/", "port is not a number"},
      {"rabbit://u:Zq9-SECRET@h:/", "port is not a number"},
      {"rabbit://u:Zq9-SECRET%zz@h/", "password has a malformed %-escape"},
      {"rabbit://u%4:Zq9-SECRET@h/", "user name has a malformed %-escape"},
      {"rabbit://u:Zq9-SECRET@h/%G1", "virtual host has a malformed"},
      {"rabbit://u:Zq9-SECRET@h,,k/", "broker 2 is empty"},
      {"rabbit://u:Zq9-SECRET@[::1/", "closing ']'"},
      {"rabbit://u:Zq9-SECRET@[::1]x/", "after ']'"},
      {"rabbit://u:Zq9-SECRET@h1,h2:x/", "broker 2: the port"},
      // A ':' typed instead of '@' leaves the password where the port goes.
      {"rabbit://u:Zq9-SECRET/", "port is not a number"},
      {"rabbit://", "no broker host"},
      {"Zq9-SECRET://h/", "not supported"},
  };
  for (const auto& c : cases) {
    auto u = ParseTransportUrl(c.url);
    ASSERT_FALSE(u) << c.url;
    EXPECT_EQ(u.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(u.error().message().find(c.expect), std::string::npos)
        << c.url << " -> " << u.error().message();
    EXPECT_EQ(u.error().message().find(kSecret), std::string::npos)
        << c.url << " -> " << u.error().message();
  }
}

TEST(TransportUrlTest, RecognisesTheScheme) {
  EXPECT_TRUE(IsRabbitTransportUrl("rabbit://h/"));
  EXPECT_FALSE(IsRabbitTransportUrl("inproc://"));
  EXPECT_FALSE(IsRabbitTransportUrl(""));
}

}  // namespace
}  // namespace magnum::rpc
