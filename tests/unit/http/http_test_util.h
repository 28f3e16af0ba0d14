// Test helpers for the HTTP server tests: a blocking POSIX-socket client, request builders
// and a fixture that runs a real server on 127.0.0.1, port 0.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "magnum/http/message.h"
#include "magnum/http/server.h"

namespace magnum::http::test {

inline constexpr int kClientTimeoutSeconds = 10;  // a broken server fails a test instead of hanging it

struct ClientResponse {
  std::string version;
  int status = 0;
  Headers headers;
  std::string body;

  std::optional<std::string> Header(std::string_view name) const {
    auto it = headers.find(name);
    if (it == headers.end()) return std::nullopt;
    return it->second;
  }
};

// One blocking connection to 127.0.0.1:port.
class TestClient {
 public:
  explicit TestClient(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{kClientTimeoutSeconds, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      connect_errno_ = errno;
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~TestClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  TestClient(const TestClient&) = delete;
  TestClient& operator=(const TestClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  int connect_errno() const { return connect_errno_; }

  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads one response; nullopt on EOF, reset or timeout. `head`: a response to HEAD (no body).
  std::optional<ClientResponse> Read(bool head = false) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    std::string header_block = buf_.substr(0, end);
    buf_.erase(0, end + 4);

    ClientResponse r;
    std::istringstream lines(header_block);
    std::string line;
    std::getline(lines, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::istringstream status_line(line);
    status_line >> r.version >> r.status;
    while (std::getline(lines, line)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      std::string value = line.substr(colon + 1);
      value.erase(0, value.find_first_not_of(' '));
      r.headers[line.substr(0, colon)] = value;
    }
    if (head || r.status / 100 == 1 || r.status == 204 || r.status == 304) return r;
    if (auto cl = r.Header("Content-Length")) {
      size_t n = std::stoul(*cl);
      while (buf_.size() < n) {
        if (!Fill()) return std::nullopt;
      }
      r.body = buf_.substr(0, n);
      buf_.erase(0, n);
    } else {  // delimited by close (the server under test always sends Content-Length)
      while (Fill()) {
      }
      r.body = std::move(buf_);
      buf_.clear();
    }
    return r;
  }

  // True when the server closes the connection (EOF or reset) before anything else arrives.
  bool WaitClosed() {
    if (!buf_.empty()) return false;
    char c;
    ssize_t n = ::recv(fd_, &c, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

  std::string ReadAvailable() { return std::exchange(buf_, {}); }

 private:
  bool Fill() {
    char tmp[8192];
    ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }

  int fd_ = -1;
  int connect_errno_ = 0;
  std::string buf_;
};

inline std::string MakeRequest(std::string_view method, std::string_view target,
                        const std::vector<std::string>& headers = {}, std::string_view body = {},
                        std::string_view version = "HTTP/1.1") {
  std::string out = std::string(method) + " " + std::string(target) + " " + std::string(version) +
                    "\r\nHost: localhost\r\n";
  for (const auto& h : headers) out += h + "\r\n";
  if (!body.empty()) out += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  out += "\r\n";
  out += body;
  return out;
}

inline std::string ThreadName() {
  char name[32] = {};
  pthread_getname_np(pthread_self(), name, sizeof name);
  return name;
}

// Renders errors the way the API layer does (a JSON body), so tests can tell it was used.
inline Response JsonErrorRenderer(int status, const std::string& message) {
  Response r;
  r.status = status;
  r.SetHeader("Content-Type", "application/json");
  r.body = "{\"errors\": [{\"status\": " + std::to_string(status) + ", \"detail\": \"" + message +
           "\"}]}";
  return r;
}

// Records every request the handler saw. Thread-safe.
class Recorder {
 public:
  void Add(const Request& r) {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(r);
  }
  std::vector<Request> All() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  size_t Count() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_.size();
  }

 private:
  std::mutex mu_;
  std::vector<Request> requests_;
};

class BeastServerTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (server_) server_->Stop(2000);
  }

  // Starts the server on 127.0.0.1:0 with `handler` (default: echo the body, record).
  void StartServer(ServerOptions options = {}, Handler handler = nullptr) {
    options.host = "127.0.0.1";
    options.port = 0;
    options.access_log = false;
    if (!handler) {
      handler = [this](const Request& req) {
        recorder_.Add(req);
        Response res;
        res.status = 200;
        res.SetHeader("Content-Type", "text/plain");
        res.body = req.body.empty() ? "ok" : req.body;
        return res;
      };
    }
    server_ = NewServer(options, std::move(handler));
    auto started = server_->Start();
    ASSERT_TRUE(started) << started.error().message();
    port_ = server_->port();
    ASSERT_NE(port_, 0);
  }

  // One request on a fresh connection.
  std::optional<ClientResponse> RoundTrip(const std::string& request) {
    TestClient client(port_);
    if (!client.connected() || !client.Send(request)) return std::nullopt;
    return client.Read(request.rfind("HEAD ", 0) == 0);
  }

  std::unique_ptr<Server> server_;
  uint16_t port_ = 0;
  Recorder recorder_;
};

}  // namespace magnum::http::test
