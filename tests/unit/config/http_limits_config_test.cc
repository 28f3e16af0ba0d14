// The HTTP server's limits in the configuration (issue 9; docs/operations.md "Limits").

#include <gtest/gtest.h>

#include "magnum/config/config.h"

namespace magnum::config {
namespace {

TEST(HttpLimitsConfigTest, Defaults) {
  auto c = LoadFromString("");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->api_max_connections, 1000);
  EXPECT_EQ(c->api_header_timeout, 10);
  EXPECT_EQ(c->api_body_timeout, 30);
  EXPECT_EQ(c->api_max_header_size, 32768);
  EXPECT_EQ(c->api_max_queued_requests, 1024);
  EXPECT_EQ(c->client_socket_timeout, 60);
  EXPECT_EQ(c->max_header_line, 16384);
  EXPECT_TRUE(c->wsgi_keep_alive);
}

TEST(HttpLimitsConfigTest, ParsesUpstreamAndOurNames) {
  auto c = LoadFromString(R"(
[DEFAULT]
client_socket_timeout = 900
max_header_line = 8192
wsgi_keep_alive = false
[api]
max_connections = 50
header_timeout = 5
body_timeout = 0
max_header_size = 65536
max_queued_requests = 10
)");
  ASSERT_TRUE(c) << c.error().message();
  EXPECT_EQ(c->client_socket_timeout, 900);
  EXPECT_EQ(c->max_header_line, 8192);
  EXPECT_FALSE(c->wsgi_keep_alive);
  EXPECT_EQ(c->api_max_connections, 50);
  EXPECT_EQ(c->api_header_timeout, 5);
  EXPECT_EQ(c->api_body_timeout, 0);
  EXPECT_EQ(c->api_max_header_size, 65536);
  EXPECT_EQ(c->api_max_queued_requests, 10);
  EXPECT_TRUE(c->warnings.empty());
}

TEST(HttpLimitsConfigTest, OutOfRangeValuesAreRefused) {
  for (const char* text : {"[api]\nmax_connections = -1\n", "[api]\nheader_timeout = 99999\n",
                           "[api]\nmax_header_size = 100\n", "[api]\nmax_queued_requests = 0\n",
                           "[DEFAULT]\nmax_header_line = 10\n",
                           "[DEFAULT]\nclient_socket_timeout = x\n"}) {
    auto c = LoadFromString(text);
    EXPECT_FALSE(c) << text;
  }
}

}  // namespace
}  // namespace magnum::config
