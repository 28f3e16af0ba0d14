// libFuzzer target: the HTTP request parser path of the server. The raw bytes go through
// Boost.Beast's request_parser<string_body> with the limits beast_server.cc sets (16 KiB of
// request line + headers, the default [oslo_middleware] max_request_body_size of 114688
// body bytes), delivered in chunks (the first input byte picks the chunk size, as a socket
// would split them), then the target goes through ParseTarget and the headers are combined
// into an http::Request as the server does.
#include <stdint.h>
#include <stdlib.h>

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/http.hpp>
#include <string>

#include "magnum/http/message.h"

namespace bhttp = boost::beast::http;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return -1;
  const size_t chunk = 1 + (data[0] % 64) * 17;  // 1 .. 1072 bytes per read
  ++data;
  --size;

  bhttp::request_parser<bhttp::string_body> parser;
  parser.header_limit(16 * 1024);
  parser.body_limit(114688);
  boost::beast::error_code ec;
  size_t off = 0;
  size_t end = std::min(size, chunk);
  while (!parser.is_done()) {
    off += parser.put(boost::asio::buffer(data + off, end - off), ec);
    if (ec == bhttp::error::need_more) ec = {};
    if (ec) break;
    if (end == size) {
      // Every byte delivered: the peer closed.
      if (!parser.is_done()) parser.put_eof(ec);
      break;
    }
    end = std::min(size, end + chunk);
  }
  if (ec || !parser.is_done()) return 0;

  const auto& msg = parser.get();
  magnum::http::Request req;
  req.method = std::string(msg.method_string());
  req.target = std::string(msg.target());
  if (!magnum::http::ParseTarget(req.target, &req.path, &req.query)) return 0;
  for (const auto& field : msg) {
    auto [it, inserted] =
        req.headers.try_emplace(std::string(field.name_string()), std::string(field.value()));
    if (!inserted) {
      it->second += ", ";
      it->second.append(field.value().data(), field.value().size());
    }
  }
  req.body = msg.body();
  if (req.body.size() > 114688) abort();  // the body limit holds
  (void)req.Header("Host");
  (void)req.Header("Content-Type");
  (void)msg.keep_alive();
  return 0;
}
