// A streaming JSON writer: appends compact JSON text straight to a string (the response
// body), with no intermediate document. Strings are escaped exactly as nlohmann::json's
// dump(-1, ' ', false, error_handler_t::replace) escapes them (control characters as
// \u00XX or their short escapes, UTF-8 kept, each invalid UTF-8 sequence replaced by one
// U+FFFD), so the text equals what the API produced before, byte for byte per value.
//
// Commas are placed automatically: Key() before each member of an object, values in
// arrays one after another. Nesting is tracked up to 32 levels. Not thread-safe (one
// writer per response).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace magnum::api {

class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}

  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  // The next member's key.
  JsonWriter& Key(std::string_view key);
  // A key already encoded as `"key":` (see EncodeKey), for tables of keys built once.
  JsonWriter& RawKey(std::string_view encoded_key);
  // The same with `encoded` = `,"key":` (the comma is dropped before a first member).
  JsonWriter& RawKeyAfterComma(std::string_view encoded);

  JsonWriter& String(std::string_view s);
  JsonWriter& Int(int64_t v);
  JsonWriter& Bool(bool v);
  JsonWriter& Null();
  // Pre-encoded JSON text of one value, copied as is.
  JsonWriter& Raw(std::string_view json);

  // `"key":` for RawKey.
  static std::string EncodeKey(std::string_view key);
  // Appends the JSON string literal of `s` (quotes included) to `out`.
  static void AppendString(std::string* out, std::string_view s);

  std::string* out() { return out_; }

 private:
  void BeforeValue();

  std::string* out_;
  uint32_t depth_ = 0;
  uint32_t has_member_ = 0;  // bit d: the container at depth d has a member already
  bool after_key_ = false;
};

}  // namespace magnum::api
