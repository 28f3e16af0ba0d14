// libFuzzer target: request-target parsing (http/message.h ParseTarget) and its inverse.
// Input: the raw request target. Properties: a parsed path has no '?'; every query value
// survives UrlEncode -> ParseTarget unchanged; Query() finds the first of repeated names.
#include <stdint.h>
#include <stdlib.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "magnum/http/message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view target(reinterpret_cast<const char*>(data), size);
  std::string path;
  std::vector<std::pair<std::string, std::string>> query;
  if (!magnum::http::ParseTarget(target, &path, &query)) return 0;

  magnum::http::Request req;
  req.query = query;
  for (const auto& [k, v] : query) {
    auto found = req.Query(k);
    if (!found) abort();
    // Round trip of both the name and the value through the encoder.
    std::string again_path;
    std::vector<std::pair<std::string, std::string>> again;
    const std::string t = "/x?" + magnum::http::UrlEncode(k) + "=" + magnum::http::UrlEncode(v);
    if (!magnum::http::ParseTarget(t, &again_path, &again)) abort();
    if (again.size() != 1 || again[0].first != k || again[0].second != v) abort();
  }
  (void)magnum::http::ReasonPhrase(static_cast<int>(size % 600));
  return 0;
}
