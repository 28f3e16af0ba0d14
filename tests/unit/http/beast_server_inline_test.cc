// ServerOptions::try_inline: answers given on the io thread without the worker pool, with a
// shared body, still with a fresh request id each; anything it declines or throws on goes to
// the Handler as before.

#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "magnum/http/message.h"
#include "magnum/http/server.h"
#include "unit/http/http_test_util.h"

namespace magnum::http {
namespace {

using namespace magnum::http::test;  // NOLINT: test helpers

class InlineServerTest : public BeastServerTest {
 protected:
  void StartInline(InlineHandler inline_handler) {
    ServerOptions options;
    options.try_inline = std::move(inline_handler);
    StartServer(options);
  }
};

TEST_F(InlineServerTest, InlineAnswersSkipTheWorkersAndKeepUniqueRequestIds) {
  auto body = std::make_shared<const std::string>(std::string(60000, 'x') + "end");
  std::atomic<int> inline_calls{0};
  std::string inline_thread;
  StartInline([&](const Request& req) -> std::optional<Response> {
    ++inline_calls;
    inline_thread = ThreadName();
    if (req.path != "/fast") return std::nullopt;
    Response r;
    r.SetHeader("Content-Type", "application/json");
    r.shared_body = body;
    return r;
  });

  TestClient client(port_);
  ASSERT_TRUE(client.connected());
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(client.Send(MakeRequest("GET", "/fast")));
    auto r = client.Read();
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200);
    EXPECT_EQ(r->body, *body);
    EXPECT_EQ(r->Header("Content-Length"), std::to_string(body->size()));
    ASSERT_TRUE(r->Header("x-openstack-request-id"));
    ids.insert(*r->Header("x-openstack-request-id"));
  }
  EXPECT_EQ(ids.size(), 3u);  // one id per response, though the body is shared
  EXPECT_EQ(recorder_.Count(), 0u);
  EXPECT_EQ(inline_thread, "magnum-http-io");

  // HEAD: the length of the shared body, no body.
  ASSERT_TRUE(client.Send(MakeRequest("HEAD", "/fast")));
  auto head = client.Read(true);
  ASSERT_TRUE(head);
  EXPECT_EQ(head->Header("Content-Length"), std::to_string(body->size()));
  // The GETs' writes finished before the HEAD was read: the server keeps no reference.
  EXPECT_EQ(body.use_count(), 1);

  // Declined: the worker pool and the Handler, as without try_inline.
  ASSERT_TRUE(client.Send(MakeRequest("GET", "/slow")));
  auto slow = client.Read();
  ASSERT_TRUE(slow);
  EXPECT_EQ(slow->body, "ok");
  EXPECT_EQ(recorder_.Count(), 1u);
  EXPECT_EQ(inline_calls.load(), 5);
}

TEST_F(InlineServerTest, AThrowingInlineHandlerFallsBackToTheHandler) {
  StartInline([](const Request&) -> std::optional<Response> {
    throw std::runtime_error("boom");
  });
  auto r = RoundTrip(MakeRequest("GET", "/x"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok");
  EXPECT_EQ(recorder_.Count(), 1u);
}

TEST_F(InlineServerTest, AnInvalidInlineStatusIsA500) {
  StartInline([](const Request&) -> std::optional<Response> {
    Response r;
    r.status = 42;
    return r;
  });
  auto r = RoundTrip(MakeRequest("GET", "/x"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 500);
  EXPECT_EQ(recorder_.Count(), 0u);
}

}  // namespace
}  // namespace magnum::http
