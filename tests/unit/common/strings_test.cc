#include "magnum/common/strings.h"

#include <gtest/gtest.h>

namespace magnum {
namespace {

TEST(StringsTest, AsciiLowerLowersOnlyAscii) {
  EXPECT_EQ(AsciiLower("Application/JSON"), "application/json");
  EXPECT_EQ(AsciiLower("\xC3\x84Z"), "\xC3\x84z");  // non-ASCII bytes unchanged
}

TEST(StringsTest, TrimBlanksTrimsSpacesAndTabsOnly) {
  EXPECT_EQ(TrimBlanks(" \t chunked \t"), "chunked");
  EXPECT_EQ(TrimBlanks("\na\n"), "\na\n");
  EXPECT_EQ(TrimBlanks("  "), "");
}

TEST(StringsTest, PrintableReplacesControlAndNonAsciiAndCuts) {
  EXPECT_EQ(Printable("ok", 10), "ok");
  EXPECT_EQ(Printable(std::string("a\r\n\0\xff", 5), 10), "a????");
  EXPECT_EQ(Printable("abcdef", 3), "abc...");
}

}  // namespace
}  // namespace magnum
