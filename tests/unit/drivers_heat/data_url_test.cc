#include "magnum/drivers/heat/data_url.h"

#include <gtest/gtest.h>

namespace magnum::drivers::heat {
namespace {

TEST(DataUrlTest, EveryByteSurvivesBothEncodings) {
  std::string all;
  for (int i = 0; i < 256; ++i) all += char(i);
  all += "-----BEGIN CERTIFICATE-----\r\nMII+/=%20%%\"'\\$`{}\n-----END CERTIFICATE-----\n";
  EXPECT_EQ(DecodeDataUrl(PercentDataUrl(all)), std::optional<std::string>(all));
  EXPECT_EQ(DecodeDataUrl(Base64DataUrl(all)), std::optional<std::string>(all));
}

TEST(DataUrlTest, PercentUrlKeepsOnlyUnreservedBytes) {
  EXPECT_EQ(PercentDataUrl("a-Z_9.~ b/c%\n"), "data:,a-Z_9.~%20b%2Fc%25%0A");
  EXPECT_EQ(Base64DataUrl("hi"), "data:;base64,aGk=");
}

TEST(DataUrlTest, RejectsMalformedUrls) {
  EXPECT_FALSE(DecodeDataUrl("http://x/,a"));
  EXPECT_FALSE(DecodeDataUrl("data:no-comma"));
  EXPECT_FALSE(DecodeDataUrl("data:,%G1"));
  EXPECT_FALSE(DecodeDataUrl("data:;base64,abc"));
  EXPECT_EQ(DecodeDataUrl("data:text/plain;charset=utf-8,x%41"), std::optional<std::string>("xA"));
}

}  // namespace
}  // namespace magnum::drivers::heat
