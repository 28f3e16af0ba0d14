// A scripted HttpClient for the ctl tests: every request is recorded and answered by a
// handler (the boundary that cannot run here without a server).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "magnum/common/http_client.h"

namespace magnum::ctl::testing {

class FakeHttp : public HttpClient {
 public:
  using Handler = std::function<HttpClientReply(const HttpClientRequest&)>;
  explicit FakeHttp(Handler h) : handler_(std::move(h)) {}
  Result<HttpClientReply> Send(const HttpClientRequest& request) override {
    requests.push_back(request);
    return handler_(request);
  }
  static std::string HeaderOf(const HttpClientRequest& r, const std::string& name) {
    for (const auto& [k, v] : r.headers) {
      if (k == name) return v;
    }
    return "";
  }
  std::vector<HttpClientRequest> requests;

 private:
  Handler handler_;
};

inline HttpClientReply Reply(long status, std::string body) {
  HttpClientReply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

}  // namespace magnum::ctl::testing
