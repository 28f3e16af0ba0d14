// The libcurl HttpClient against a scripted loopback server: what goes on the wire, how the
// reply is read, and which failures are kUnavailable.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>

#include "magnum/common/http_client.h"

namespace magnum {
namespace {

// Accepts connections on 127.0.0.1 and answers each request with `reply` (or nothing when
// `silent`), recording the last request received.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::string reply, bool silent = false)
      : reply_(std::move(reply)), silent_(silent) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    EXPECT_EQ(bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
    listen(fd_, 8);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedServer() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    close(fd_);
    thread_.join();
  }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::string last_request() {
    std::lock_guard<std::mutex> l(mu_);
    return last_;
  }

 private:
  void Serve() {
    while (!stop_) {
      int c = accept(fd_, nullptr, nullptr);
      if (c < 0) return;
      std::string req;
      char buf[4096];
      while (true) {
        auto head = req.find("\r\n\r\n");
        if (head != std::string::npos) {
          auto cl = req.find("Content-Length: ");
          size_t want = cl == std::string::npos ? 0 : std::stoul(req.substr(cl + 16));
          if (req.size() >= head + 4 + want) break;
        }
        ssize_t n = recv(c, buf, sizeof buf, 0);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      {
        std::lock_guard<std::mutex> l(mu_);
        last_ = req;
      }
      if (silent_) {
        std::this_thread::sleep_for(std::chrono::milliseconds(600));
      } else {
        send(c, reply_.data(), reply_.size(), MSG_NOSIGNAL);
      }
      close(c);
    }
  }

  std::string reply_;
  bool silent_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::string last_;
  std::thread thread_;
};

TEST(CurlHttpClientTest, SendsHeadersAndReadsStatusHeadersAndBody) {
  ScriptedServer server(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nx-subject-token: tok-2\r\n"
      "Content-Length: 12\r\nConnection: close\r\n\r\n{\"ok\": true}");
  auto client = NewCurlHttpClient();
  HttpClientRequest req;
  req.url = server.url("/v3/auth/tokens");
  req.headers = {{"X-Auth-Token", "service"}, {"X-Subject-Token", "user"}};
  auto reply = client->Send(req);
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->status, 200);
  EXPECT_EQ(reply->body, "{\"ok\": true}");
  ASSERT_TRUE(reply->headers.count("X-Subject-Token"));  // case-insensitive
  EXPECT_EQ(reply->headers.at("X-Subject-Token"), "tok-2");
  std::string sent = server.last_request();
  EXPECT_EQ(sent.rfind("GET /v3/auth/tokens HTTP/1.1\r\n", 0), 0u) << sent;
  EXPECT_NE(sent.find("X-Auth-Token: service\r\n"), std::string::npos);
  EXPECT_NE(sent.find("X-Subject-Token: user\r\n"), std::string::npos);
}

TEST(CurlHttpClientTest, PostsTheBodyAndReturnsErrorStatusesAsReplies) {
  ScriptedServer server(
      "HTTP/1.1 401 Unauthorized\r\nContent-Length: 2\r\nConnection: close\r\n\r\nno");
  auto client = NewCurlHttpClient();
  HttpClientRequest req;
  req.method = "POST";
  req.url = server.url("/v3/auth/tokens?nocatalog");
  req.headers = {{"Content-Type", "application/json"}};
  req.body = R"({"auth": {}})";
  auto reply = client->Send(req);
  ASSERT_TRUE(reply) << reply.error().message();
  EXPECT_EQ(reply->status, 401);
  EXPECT_EQ(reply->body, "no");
  std::string sent = server.last_request();
  EXPECT_EQ(sent.rfind("POST /v3/auth/tokens?nocatalog HTTP/1.1\r\n", 0), 0u) << sent;
  EXPECT_NE(sent.find("\r\n\r\n{\"auth\": {}}"), std::string::npos) << sent;
  EXPECT_EQ(sent.find("Expect:"), std::string::npos);
}

TEST(CurlHttpClientTest, RefusedConnectionIsUnavailable) {
  int port = 0;
  {
    ScriptedServer closed("");
    port = std::stoi(closed.url("").substr(17));
  }  // closed again: nothing listens there now
  auto client = NewCurlHttpClient();
  HttpClientRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(port) + "/v3";
  auto reply = client->Send(req);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(reply.error().message().find(req.url), std::string::npos);
}

TEST(CurlHttpClientTest, SilentServerTimesOut) {
  ScriptedServer server("", /*silent=*/true);
  auto client = NewCurlHttpClient();
  HttpClientRequest req;
  req.url = server.url("/v3");
  req.timeout = std::chrono::milliseconds(200);
  auto t0 = std::chrono::steady_clock::now();
  auto reply = client->Send(req);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code(), ErrorCode::kUnavailable);
  EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(3));
}

TEST(CurlHttpClientTest, OnlyHttpSchemes) {
  auto client = NewCurlHttpClient();
  HttpClientRequest req;
  req.url = "file:///etc/passwd";
  auto reply = client->Send(req);
  ASSERT_FALSE(reply);
  EXPECT_EQ(reply.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace magnum
