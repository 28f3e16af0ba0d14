#include <gtest/gtest.h>

#include <set>

#include "magnum/common/clock.h"
#include "magnum/common/error.h"
#include "magnum/common/uuid.h"

namespace magnum {
namespace {

TEST(UuidTest, GeneratedUuidsAreV4AndUnique) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string u = GenerateUuid();
    ASSERT_EQ(u.size(), 36u);
    EXPECT_EQ(u[14], '4') << u;
    EXPECT_NE(std::string("89ab").find(u[19]), std::string::npos) << u;
    EXPECT_TRUE(IsUuidLike(u));
    seen.insert(u);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(UuidTest, IsUuidLike) {
  struct Case {
    const char* in;
    bool like;
  } cases[] = {
      {"746e779a-751a-456b-a3e9-c883d734946f", true},
      {"746E779A-751A-456B-A3E9-C883D734946F", true},
      {"746e779a751a456ba3e9c883d734946f", true},
      {"{746e779a-751a-456b-a3e9-c883d734946f}", true},
      {"urn:uuid:746e779a-751a-456b-a3e9-c883d734946f", true},
      {"746e779a-751a-456b-a3e9-c883d734946", false},
      {"746e779a-751a-456b-a3e9-c883d734946fa", false},
      {"746e779a-751a456b-a3e9-c883d734946f0", false},
      {"746e779a-751a-456b-a3e9-c883d734946g", false},
      {"k8s", false},
      {"", false},
  };
  for (const auto& c : cases) EXPECT_EQ(IsUuidLike(c.in), c.like) << c.in;
  EXPECT_EQ(CanonicalUuid("746E779A751A456BA3E9C883D734946F"),
            "746e779a-751a-456b-a3e9-c883d734946f");
}

TEST(ClockTest, FormatsAndParses) {
  TimePoint t(std::chrono::microseconds(1472453491123456LL));  // 2016-08-29T06:51:31.123456
  EXPECT_EQ(FormatDbTimestamp(t), "2016-08-29T06:51:31.123456");
  EXPECT_EQ(FormatApiTimestamp(t), "2016-08-29T06:51:31+00:00");
  TimePoint back;
  ASSERT_TRUE(ParseDbTimestamp("2016-08-29T06:51:31.123456", &back));
  EXPECT_EQ(back, t);
  ASSERT_TRUE(ParseDbTimestamp("2016-08-29T06:51:31", &back));
  EXPECT_EQ(FormatApiTimestamp(back), "2016-08-29T06:51:31+00:00");
  EXPECT_FALSE(ParseDbTimestamp("yesterday", &back));
  EXPECT_EQ(DbToApiTimestamp("2016-08-29T06:51:31.5"), "2016-08-29T06:51:31+00:00");
  EXPECT_EQ(DbToApiTimestamp("garbage"), "garbage");
}

Result<int> Half(int n) {
  if (n % 2) return Fail(Error::InvalidArgument(std::to_string(n) + " is odd"));
  return n / 2;
}

Result<int> Quarter(int n) {
  MAGNUM_ASSIGN_OR_RETURN(int h, Half(n));
  return Half(h);
}

TEST(ErrorTest, MacrosPropagate) {
  EXPECT_EQ(*Quarter(8), 2);
  auto r = Quarter(6);
  ASSERT_FALSE(r);
  EXPECT_TRUE(r.error().Is(ErrorCode::kInvalidArgument));
  EXPECT_EQ(r.error().message(), "3 is odd");
  EXPECT_EQ(r.error().WithContext("quartering").message(), "quartering: 3 is odd");
  EXPECT_EQ(ErrorCodeName(ErrorCode::kAlreadyExists), "already_exists");
}

}  // namespace
}  // namespace magnum
