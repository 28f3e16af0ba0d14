#include "magnum/common/strings.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

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

TEST(StringsTest, ParseBoolWordTakesOsloWordsInAnyCaseWithBlanksAround) {
  for (const char* t : {"true", "TRUE", "Yes", "on", "1", " true", "on\t"}) {
    EXPECT_EQ(ParseBoolWord(t), std::optional<bool>(true)) << t;
  }
  for (const char* f : {"false", "No", "OFF", "0", "  false  "}) {
    EXPECT_EQ(ParseBoolWord(f), std::optional<bool>(false)) << f;
  }
  for (const char* bad : {"", " ", "t", "2", "truee", "y es", "true\n"}) {
    EXPECT_EQ(ParseBoolWord(bad), std::nullopt) << bad;
  }
}

TEST(StringsTest, ParseNonNegativeIntTakesDecimalsFromZeroToInt64Max) {
  EXPECT_EQ(ParseNonNegativeInt("0"), std::optional<int64_t>(0));
  EXPECT_EQ(ParseNonNegativeInt(" 3\t"), std::optional<int64_t>(3));
  EXPECT_EQ(ParseNonNegativeInt("007"), std::optional<int64_t>(7));
  EXPECT_EQ(ParseNonNegativeInt("9223372036854775807"),
            std::optional<int64_t>(9223372036854775807LL));
  for (const char* bad : {"", "  ", "-1", "-0", "+1", "1.0", "1e3", "0x10", "3 4", "abc",
                          "9223372036854775808", "99999999999999999999"}) {
    EXPECT_EQ(ParseNonNegativeInt(bad), std::nullopt) << bad;
  }
}

TEST(StringsTest, PrintableReplacesControlAndNonAsciiAndCuts) {
  EXPECT_EQ(Printable("ok", 10), "ok");
  EXPECT_EQ(Printable(std::string("a\r\n\0\xff", 5), 10), "a????");
  EXPECT_EQ(Printable("abcdef", 3), "abc...");
}

TEST(StringsTest, PercentDecodeDecodesEscapesAndPlusOnlyWhenAsked) {
  std::string out;
  ASSERT_TRUE(PercentDecode("p%40ss%2Fw%3ad+x", false, &out));
  EXPECT_EQ(out, "p@ss/w:d+x");
  ASSERT_TRUE(PercentDecode("a+b%20c", true, &out));
  EXPECT_EQ(out, "a b c");
  ASSERT_TRUE(PercentDecode("%00%FF", false, &out));
  EXPECT_EQ(out, std::string("\0\xff", 2));
  ASSERT_TRUE(PercentDecode("", false, &out));
  EXPECT_EQ(out, "");
}

TEST(StringsTest, PercentDecodeRefusesMalformedEscapes) {
  std::string out;
  EXPECT_FALSE(PercentDecode("%", false, &out));
  EXPECT_FALSE(PercentDecode("ab%4", false, &out));
  EXPECT_FALSE(PercentDecode("%zz", false, &out));
  EXPECT_FALSE(PercentDecode("%4g", true, &out));
}

TEST(StringsTest, Base64KnownVectorsAndRefusals) {
  // RFC 4648 §10.
  const std::pair<const char*, const char*> cases[] = {{"", ""},
                                                       {"f", "Zg=="},
                                                       {"fo", "Zm8="},
                                                       {"foo", "Zm9v"},
                                                       {"foob", "Zm9vYg=="},
                                                       {"fooba", "Zm9vYmE="},
                                                       {"foobar", "Zm9vYmFy"}};
  for (const auto& [plain, encoded] : cases) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    EXPECT_EQ(Base64Decode(encoded), std::optional<std::string>(plain));
  }
  EXPECT_FALSE(Base64Decode("Zm9"));
  EXPECT_FALSE(Base64Decode("Zm9v!A=="));
  EXPECT_FALSE(Base64Decode("Zg=A"));
  EXPECT_FALSE(Base64Decode("Zg==Zm9v"));
}

}  // namespace
}  // namespace magnum
