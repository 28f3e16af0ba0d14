// JsonWriter: structure and commas, numbers, and string escaping identical to
// nlohmann::json's dump with error_handler_t::replace (the API's encoding before), checked
// on fixed cases and on many random byte strings (valid and invalid UTF-8).
#include "magnum/api/json_writer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <random>
#include <string>

namespace magnum::api {
namespace {

using Json = nlohmann::json;

std::string Nlohmann(const std::string& s) {
  return Json(s).dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string Ours(const std::string& s) {
  std::string out;
  JsonWriter::AppendString(&out, s);
  return out;
}

TEST(JsonWriterTest, NestedStructureAndCommas) {
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("a").Int(1);
  w.Key("b").BeginArray().String("x").Null().Bool(true).BeginObject().EndObject().EndArray();
  w.Key("c").BeginObject().Key("d").Bool(false).Key("e").Raw(R"({"k":[1,2]})").EndObject();
  w.RawKey(JsonWriter::EncodeKey("f\"")).BeginArray().EndArray();
  w.EndObject();
  EXPECT_EQ(out, R"({"a":1,"b":["x",null,true,{}],"c":{"d":false,"e":{"k":[1,2]}},"f\"":[]})");
  EXPECT_NO_THROW((void)Json::parse(out));
}

TEST(JsonWriterTest, IntegersAtTheLimits) {
  std::string out;
  JsonWriter w(&out);
  w.BeginArray()
      .Int(0)
      .Int(-1)
      .Int(std::numeric_limits<int64_t>::min())
      .Int(std::numeric_limits<int64_t>::max())
      .EndArray();
  EXPECT_EQ(out, Json::array({0, -1, std::numeric_limits<int64_t>::min(),
                              std::numeric_limits<int64_t>::max()})
                     .dump());
}

TEST(JsonWriterTest, EscapesLikeNlohmann) {
  const std::string cases[] = {
      "",
      "plain",
      "\"quoted\" and \\back\\",
      std::string("\x00\x01\x1f\x7f", 4),
      "\b\f\n\r\t/",
      "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80",       // é € 😀
      "\xff",                                       // invalid start byte
      "a\xc3",                                      // cut short at the end
      "\xc3(",                                      // bad continuation, then ASCII
      "\xe2\x82",                                   // cut short
      "\xed\xa0\x80",                               // surrogate
      "\xf4\x90\x80\x80",                           // above U+10FFFF
      "\xc0\xaf",                                   // overlong
      "\x80\x80x\xe2\x82\xac\xe2",                  // continuation bytes alone
      "\xf0\x9f\x98\xc3\xa9",                       // cut 4-byte, then a valid 2-byte
  };
  for (const auto& s : cases) EXPECT_EQ(Ours(s), Nlohmann(s)) << Json(s).dump(-1, ' ', true, Json::error_handler_t::replace);
}

TEST(JsonWriterTest, RandomBytesEncodeLikeNlohmann) {
  std::mt19937 rng(1234);
  // Bytes weighted towards the interesting ranges: ASCII, controls, UTF-8 lead and
  // continuation bytes.
  const std::string alphabet =
      std::string("aZ09 \"\\/\x01\x1f\x7f\n\0", 13)  // 12 characters and a NUL
      + "\x80\xbf\xc2\xc3\xdf\xe0\xe2\xed\xef\xf0\xf4\xf5\xff\xa0\x9f";
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::uniform_int_distribution<int> len(0, 12);
  for (int n = 0; n < 20000; ++n) {
    std::string s;
    const int l = len(rng);
    for (int i = 0; i < l; ++i) s.push_back(alphabet[pick(rng)]);
    ASSERT_EQ(Ours(s), Nlohmann(s)) << "case " << n;
  }
}

}  // namespace
}  // namespace magnum::api
