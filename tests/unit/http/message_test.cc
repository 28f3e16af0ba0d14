#include "magnum/http/message.h"

#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace magnum::http {
namespace {

using Query = std::vector<std::pair<std::string, std::string>>;

struct TargetCase {
  std::string target;
  std::string path;
  Query query;
};

class ParseTargetValidTest : public ::testing::TestWithParam<TargetCase> {};

TEST_P(ParseTargetValidTest, DecodesPathAndQuery) {
  const TargetCase& c = GetParam();
  std::string path = "stale";
  Query query = {{"stale", "x"}};
  ASSERT_TRUE(ParseTarget(c.target, &path, &query)) << c.target;
  EXPECT_EQ(path, c.path) << c.target;
  EXPECT_EQ(query, c.query) << c.target;
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseTargetValidTest,
    ::testing::Values(
        TargetCase{"/", "/", {}},
        TargetCase{"/v1/clusters", "/v1/clusters", {}},
        TargetCase{"/v1/clusters?limit=2&marker=abc", "/v1/clusters",
                   {{"limit", "2"}, {"marker", "abc"}}},
        // Percent-decoding in the path; '+' is literal there.
        TargetCase{"/a%20b/c%2Fd/e+f", "/a b/c/d/e+f", {}},
        TargetCase{"/%e2%9C%93", "/\xe2\x9c\x93", {}},
        // '+' is a space in the query, %2B a plus.
        TargetCase{"/x?name=a+b%2Bc", "/x", {{"name", "a b+c"}}},
        TargetCase{"/x?na%6De=v%3D1", "/x", {{"name", "v=1"}}},
        // Repeated arguments keep their order; a bare key has an empty value.
        TargetCase{"/x?a=1&b=2&a=3&flag", "/x", {{"a", "1"}, {"b", "2"}, {"a", "3"}, {"flag", ""}}},
        // Empty parts are skipped; only the first '=' splits.
        TargetCase{"/x?&&a=b=c&", "/x", {{"a", "b=c"}}},
        TargetCase{"/x?", "/x", {}},
        TargetCase{"/x?a=&=v", "/x", {{"a", ""}, {"", "v"}}},
        // A fragment is not part of the query.
        TargetCase{"/x?a=1#frag&b=2", "/x", {{"a", "1"}}}));

class ParseTargetInvalidTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ParseTargetInvalidTest, Rejects) {
  std::string path;
  Query query;
  EXPECT_FALSE(ParseTarget(GetParam(), &path, &query)) << GetParam();
}

INSTANTIATE_TEST_SUITE_P(Table, ParseTargetInvalidTest,
                         ::testing::Values("",                    // empty
                                           "v1/clusters",         // not origin-form
                                           "http://h/v1",         // absolute-form
                                           "*",                   // asterisk-form
                                           "/%zz",                // not hex
                                           "/a%4",                // truncated escape
                                           "/a%",                 // truncated escape
                                           "/x?a=%g1",            // bad escape in a value
                                           "/x?%2=1",             // bad escape in a key
                                           "/x?a=1&b=%",          // truncated at the end
                                           // Decoded to invalid UTF-8 (issue 9: these were 500s).
                                           "/v1/clustertemplates/%ff",   // not a UTF-8 byte
                                           "/v1/clusters?sort_key=%c3%28",  // bad continuation
                                           "/v1/%c0%af",          // overlong '/'
                                           "/v1/%e0%80%af",       // overlong, 3 bytes
                                           "/v1/%f0%80%80%af",    // overlong, 4 bytes
                                           "/v1/%ed%a0%80",       // UTF-16 surrogate
                                           "/v1/%f4%90%80%80",    // above U+10FFFF
                                           "/v1/%e2%82",          // truncated sequence
                                           "/v1/%80",             // lone continuation byte
                                           "/x?%ff=1",            // invalid key
                                           "/x?a=b%fe",           // invalid value
                                           "/v1/clusters/a%00b",  // NUL in the path
                                           "/v1/\xff"));          // raw invalid byte

TEST(ParseTargetTest, AcceptsValidMultiByteUtf8) {
  std::string path;
  Query query;
  ASSERT_TRUE(ParseTarget("/v1/clusters/caf%C3%A9%E2%82%AC%F0%9F%98%80?name=%E6%97%A5&x=%00",
                          &path, &query));
  EXPECT_EQ(path, "/v1/clusters/caf\u00e9\u20ac\U0001F600");
  EXPECT_EQ(query, (Query{{"name", "\u65e5"}, {"x", std::string(1, '\0')}}));
}

TEST(IsValidUtf8Test, Boundaries) {
  EXPECT_TRUE(IsValidUtf8(""));
  EXPECT_TRUE(IsValidUtf8("\x7f"));
  EXPECT_TRUE(IsValidUtf8("\xc2\x80"));                  // U+0080
  EXPECT_TRUE(IsValidUtf8("\xed\x9f\xbf"));              // U+D7FF, just below surrogates
  EXPECT_TRUE(IsValidUtf8("\xee\x80\x80"));              // U+E000, just above
  EXPECT_TRUE(IsValidUtf8("\xf4\x8f\xbf\xbf"));          // U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xc1\xbf"));                  // overlong
  EXPECT_FALSE(IsValidUtf8("\xed\xbf\xbf"));              // surrogate
  EXPECT_FALSE(IsValidUtf8("\xf5\x80\x80\x80"));          // lead byte above F4
  EXPECT_FALSE(IsValidUtf8("\xe2\x28\xa1"));              // bad second byte
  EXPECT_FALSE(IsValidUtf8("\xe2\x82\x28"));              // bad third byte
  EXPECT_FALSE(IsValidUtf8("a\xf0\x9f\x98"));             // truncated at the end
}

TEST(ParseTargetTest, ClearsQueryOnReuse) {
  std::string path;
  Query query;
  ASSERT_TRUE(ParseTarget("/x?a=1", &path, &query));
  ASSERT_TRUE(ParseTarget("/y", &path, &query));
  EXPECT_EQ(path, "/y");
  EXPECT_TRUE(query.empty());
}

TEST(UrlEncodeTest, EncodesReservedAndNonAscii) {
  EXPECT_EQ(UrlEncode(""), "");
  EXPECT_EQ(UrlEncode("AZaz09-_.~"), "AZaz09-_.~");
  EXPECT_EQ(UrlEncode("a b&c=d/e+f?"), "a%20b%26c%3Dd%2Fe%2Bf%3F");
  EXPECT_EQ(UrlEncode("\xc3\xa9"), "%C3%A9");
  EXPECT_EQ(UrlEncode(std::string("\0\x7f", 2)), "%00%7F");
}

TEST(UrlEncodeTest, RoundTripsThroughParseTarget) {
  const std::vector<std::string> values = {"plain", "a b", "a+b", "100%", "x=y&z",
                                           "\xe2\x9c\x93", std::string("nul\0byte", 8), "#?/"};
  for (const std::string& v : values) {
    std::string path;
    Query query;
    ASSERT_TRUE(ParseTarget("/p?k=" + UrlEncode(v), &path, &query)) << v;
    ASSERT_EQ(query.size(), 1u) << v;
    EXPECT_EQ(query[0].second, v);
  }
}

TEST(HeadersTest, LookupIsCaseInsensitive) {
  Request req;
  req.headers["Content-Type"] = "application/json";
  req.headers["X-Auth-Token"] = "t";
  EXPECT_EQ(req.Header("content-type"), "application/json");
  EXPECT_EQ(req.Header("CONTENT-TYPE"), "application/json");
  EXPECT_EQ(req.Header("x-auth-token"), "t");
  EXPECT_EQ(req.Header("X-Auth"), std::nullopt);
  EXPECT_EQ(req.Header("X-Auth-Token-2"), std::nullopt);
}

TEST(HeadersTest, NamesDifferingOnlyInCaseAreOneKey) {
  Response res;
  res.SetHeader("Content-Type", "text/plain");
  res.SetHeader("content-type", "application/json");
  ASSERT_EQ(res.headers.size(), 1u);
  EXPECT_EQ(res.headers.begin()->second, "application/json");
}

TEST(HeadersTest, OrderingIgnoresCase) {
  CaseInsensitiveLess less;
  EXPECT_TRUE(less("a", "B"));
  EXPECT_TRUE(less("A", "b"));
  EXPECT_FALSE(less("b", "A"));
  EXPECT_FALSE(less("abc", "ABC"));
  EXPECT_FALSE(less("ABC", "abc"));
  EXPECT_TRUE(less("ab", "ABC"));
}

TEST(RequestTest, QueryReturnsFirstValue) {
  Request req;
  req.query = {{"a", "1"}, {"b", "2"}, {"a", "3"}};
  EXPECT_EQ(req.Query("a"), "1");
  EXPECT_EQ(req.Query("b"), "2");
  EXPECT_EQ(req.Query("A"), std::nullopt);  // query keys are case-sensitive
}

TEST(ReasonPhraseTest, KnownAndUnknown) {
  EXPECT_EQ(ReasonPhrase(200), "OK");
  EXPECT_EQ(ReasonPhrase(404), "Not Found");
  EXPECT_EQ(ReasonPhrase(413), "Request Entity Too Large");
  EXPECT_EQ(ReasonPhrase(799), "Unknown");
}

}  // namespace
}  // namespace magnum::http
