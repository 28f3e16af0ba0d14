// A small outbound HTTP client for OpenStack service APIs (Keystone, and later Glance,
// Nova, Neutron): one request in, one reply out, blocking the calling thread.
//
// HttpClient is the seam: the real one is libcurl (NewCurlHttpClient), tests substitute a
// fake. Any HTTP status is a reply; only a failure to get one (refused, timed out, TLS
// failure, malformed answer) is an error, kUnavailable with curl's reason. Implementations
// are thread-safe. Includes no curl or JSON header.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/http/message.h"

namespace magnum {

struct HttpClientRequest {
  std::string method = "GET";
  std::string url;  // absolute http:// or https:// URL
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent when not empty (or when the method is POST, PUT or PATCH)
  std::chrono::milliseconds timeout{10000};          // the whole exchange
  std::chrono::milliseconds connect_timeout{5000};   // the TCP (and TLS) connect
};

struct HttpClientReply {
  long status = 0;
  http::Headers headers;  // of the final response (after any 100 Continue)
  std::string body;
};

// TLS to the services: the CA bundle to verify them with ("" = the system's), or no
// verification at all (insecure; upstream's `insecure = true`).
struct HttpTlsOptions {
  std::string ca_file;
  bool insecure = false;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  virtual Result<HttpClientReply> Send(const HttpClientRequest& request) = 0;
};

// libcurl, reusing connections across requests (a small pool of idle handles).
std::unique_ptr<HttpClient> NewCurlHttpClient(HttpTlsOptions tls = {});

}  // namespace magnum
