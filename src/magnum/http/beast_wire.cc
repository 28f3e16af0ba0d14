// Header checks and the conversion of a Response to Beast's wire message (beast_internal.h).

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>
#include <sstream>

#include "magnum/common/strings.h"
#include "magnum/http/beast_internal.h"

namespace magnum::http::internal {
namespace {

constexpr char kRequestIdHeader[] = "x-openstack-request-id";

// RFC 7230 token characters (header names).
bool IsToken(std::string_view s) {
  if (s.empty() || s.size() > 256) return false;
  for (unsigned char c : s) {
    if (std::isalnum(c)) continue;
    if (std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) == std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool IsSafeHeaderValue(std::string_view v) {
  // Beast stores field lengths in 16 bits; CR/LF/NUL would allow header injection.
  return v.size() < 32768 && v.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

}  // namespace

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return AsciiLowerChar(x) == AsciiLowerChar(y);
         });
}

std::string_view HttpDate() {
  thread_local std::time_t cached_sec = 0;
  thread_local char buf[40];
  thread_local size_t len = 0;
  std::time_t now = std::time(nullptr);
  if (now != cached_sec || len == 0) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::tm tm{};
    gmtime_r(&now, &tm);
    int n = std::snprintf(buf, sizeof(buf), "%s, %02d %s %04d %02d:%02d:%02d GMT",
                          kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900,
                          tm.tm_hour, tm.tm_min, tm.tm_sec);
    len = n > 0 ? static_cast<size_t>(n) : 0;
    cached_sec = now;
  }
  return std::string_view(buf, len);
}

Response DefaultErrorResponse(int status, const std::string& message) {
  Response r;
  r.status = status;
  r.SetHeader("Content-Type", "text/plain; charset=UTF-8");
  r.body = message;
  return r;
}

std::optional<HeaderError> CheckHeader(const bhttp::request_header<>& h,
                                       const ServerOptions& options) {
  // (Versions other than 1.0 and 1.1 never get here: Beast's parser refuses them.)
  if (h.target().size() > options.max_header_line) {
    return HeaderError{414, fmt::format("Request target is longer than the limit of {} bytes",
                                        options.max_header_line)};
  }
  size_t hosts = 0, codings_fields = 0, lengths = 0;
  std::vector<std::string_view> codings;
  for (const auto& f : h) {
    if (f.name_string().size() + 2 + f.value().size() > options.max_header_line) {
      return HeaderError{431, fmt::format("Header '{}' is longer than the limit of {} bytes",
                                          Printable(f.name_string(), 64), options.max_header_line)};
    }
    switch (f.name()) {
      case bhttp::field::host:
        ++hosts;
        break;
      case bhttp::field::content_length:
        ++lengths;
        break;
      case bhttp::field::transfer_encoding: {
        ++codings_fields;
        std::string_view v = f.value();
        while (true) {
          size_t comma = v.find(',');
          codings.push_back(TrimBlanks(v.substr(0, comma)));
          if (comma == std::string_view::npos) break;
          v.remove_prefix(comma + 1);
        }
        break;
      }
      default:
        break;
    }
  }
  if (codings_fields > 0) {
    if (h.version() < 11) {
      return HeaderError{400, "Transfer-Encoding is not allowed in an HTTP/1.0 request"};
    }
    if (lengths > 0) {
      return HeaderError{400, "Transfer-Encoding and Content-Length together are not allowed"};
    }
    for (std::string_view coding : codings) {
      if (!IEquals(coding, "chunked")) {
        return HeaderError{501, fmt::format("Transfer-Encoding '{}' is not implemented; only "
                                            "'chunked' is",
                                            Printable(coding, 64))};
      }
    }
    if (codings.size() != 1) {
      return HeaderError{501, "Transfer-Encoding 'chunked' applied more than once is not "
                              "implemented; only a single 'chunked' is"};
    }
  }
  if (hosts > 1) return HeaderError{400, "More than one Host header"};
  if (hosts == 0 && h.version() >= 11) {
    return HeaderError{400, "Missing Host header (required in HTTP/1.1)"};
  }
  return std::nullopt;
}

size_t ToWire(Response r, const std::string& request_id, unsigned version, bool head,
              bool* keep_alive, WireResponse* res) {
  const int status = r.status;
  *res = {};
  res->version(version);
  res->result(static_cast<unsigned>(status));
  if (std::string_view reason = ReasonPhrase(status); reason != "Unknown") res->reason(reason);
  for (const auto& [name, value] : r.headers) {
    if (IEquals(name, "Content-Length") || IEquals(name, "Transfer-Encoding")) continue;
    if (IEquals(name, "Connection")) {
      if (value.find("close") != std::string::npos) *keep_alive = false;
      continue;
    }
    if (!IsToken(name) || !IsSafeHeaderValue(value)) {
      spdlog::error("{}: dropping invalid response header '{}'", request_id, name.substr(0, 64));
      continue;
    }
    res->set(name, value);
  }
  res->set(kRequestIdHeader, request_id);
  if (res->find(bhttp::field::date) == res->end()) res->set(bhttp::field::date, HttpDate());
  // 1xx, 204 and 304 have no body; we send no Content-Length for them either (RFC 7230
  // 3.3.2 forbids it for 1xx/204; for 304 it would have to describe the 200's body).
  const bool bodiless = status / 100 == 1 || status == 204 || status == 304;
  const size_t body_len = bodiless ? 0 : r.BodyView().size();
  if (!bodiless) res->set(bhttp::field::content_length, std::to_string(body_len));
  if (!bodiless && !head) {
    if (r.shared_body) {
      res->body().shared = std::move(r.shared_body);
    } else {
      res->body().owned = std::move(r.body);
    }
  }
  res->keep_alive(*keep_alive);
  return body_len;
}

std::string StreamHeader(Response r, const std::string& request_id, unsigned version,
                         bool* chunked) {
  r.body.clear();
  r.shared_body.reset();
  r.stream.reset();
  bool keep_alive = false;
  WireResponse res;
  ToWire(std::move(r), request_id, version, false, &keep_alive, &res);
  res.erase(bhttp::field::content_length);
  *chunked = version >= 11;
  if (*chunked) res.set(bhttp::field::transfer_encoding, "chunked");
  res.set(bhttp::field::connection, "close");
  std::ostringstream out;
  out << res.base();
  return std::move(out).str();
}

}  // namespace magnum::http::internal
