// objects/container.h: the memory quantity of a container.
#include "magnum/objects/container.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

namespace magnum::objects {
namespace {

TEST(DockerMemoryBytes, ParsesDockerQuantities) {
  const std::vector<std::pair<std::string, int64_t>> cases = {
      {"512m", int64_t{512} << 20},
      {"4M", int64_t{4} << 20},
      {"1g", int64_t{1} << 30},
      {"2G", int64_t{2} << 30},
      {"100k", 100 * 1024},
      {"1024", 1024},
      {"10b", 10},
      {"0", 0},
  };
  for (const auto& [text, bytes] : cases) {
    auto b = DockerMemoryBytes(text);
    ASSERT_TRUE(b) << text << ": " << b.error().message();
    EXPECT_EQ(*b, bytes) << text;
  }
  for (const std::string bad :
       {"", "m", "12x", "1.5g", "-1m", "12mb", " 1m", "1m ", "99999999999999999999",
        "9223372036854775807g", "1125899906842625", "1048577g"}) {
    auto b = DockerMemoryBytes(bad);
    ASSERT_FALSE(b) << bad;
    EXPECT_EQ(b.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST(DockerMemoryBytes, AtMostOnePebibyte) {
  EXPECT_EQ(DockerMemoryBytes("1048576g").value(), int64_t{1} << 50);
  EXPECT_EQ(DockerMemoryBytes("1125899906842624").value(), int64_t{1} << 50);
  auto over = DockerMemoryBytes("1048577g");
  ASSERT_FALSE(over);
  EXPECT_NE(over.error().message().find("1 PiB"), std::string::npos);
}

}  // namespace
}  // namespace magnum::objects
