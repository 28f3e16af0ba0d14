#include "magnum/drivers/heat/data_url.h"

#include "magnum/common/strings.h"

namespace magnum::drivers::heat {
namespace {

bool Unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

}  // namespace

std::string PercentDataUrl(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out = "data:,";
  out.reserve(out.size() + bytes.size() * 3);
  for (unsigned char c : bytes) {
    if (Unreserved(c)) {
      out += char(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

std::string Base64DataUrl(std::string_view bytes) { return "data:;base64," + Base64Encode(bytes); }

std::optional<std::string> DecodeDataUrl(std::string_view url) {
  constexpr std::string_view kScheme = "data:";
  if (url.substr(0, kScheme.size()) != kScheme) return std::nullopt;
  url.remove_prefix(kScheme.size());
  size_t comma = url.find(',');
  if (comma == std::string_view::npos) return std::nullopt;
  std::string_view meta = url.substr(0, comma);
  std::string_view data = url.substr(comma + 1);
  constexpr std::string_view kBase64 = ";base64";
  bool base64 =
      meta.size() >= kBase64.size() && meta.substr(meta.size() - kBase64.size()) == kBase64;
  std::string decoded;
  if (!PercentDecode(data, /*plus_is_space=*/false, &decoded)) return std::nullopt;
  if (base64) return Base64Decode(decoded);
  return decoded;
}

}  // namespace magnum::drivers::heat
