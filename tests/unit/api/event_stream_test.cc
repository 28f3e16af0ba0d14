// The cluster events stream (api/event_stream.h): the SSE formatting, the producer's
// messages over a real SQLite database, and the endpoint through ApiApp.

#include "magnum/api/event_stream.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "magnum/api/json_writer.h"
#include "magnum/db/schema.h"
#include "magnum/objects/cluster.h"
#include "magnum/objects/cluster_event.h"
#include "magnum/objects/cluster_rows.h"
#include "magnum/objects/mappers.h"
#include "magnum/objects/nodegroup.h"
#include "unit/api/api_app_fixture.h"

namespace magnum::api {
namespace {

using db::Condition;
using objects::ClusterStatus;

// ---- formatting -------------------------------------------------------------------------

TEST(SseMessageTest, Formats) {
  struct Case {
    std::string event, data;
    std::optional<int64_t> id;
    std::string want;
  };
  const Case cases[] = {
      {"cluster", "{\"a\":1}", std::nullopt, "event: cluster\ndata: {\"a\":1}\n\n"},
      {"event", "{}", 42, "id: 42\nevent: event\ndata: {}\n\n"},
      {"gone", "", std::nullopt, "event: gone\ndata: \n\n"},
      // A line break in the data cannot end the message early: one data: line per line.
      {"x", "a\nb", std::nullopt, "event: x\ndata: a\ndata: b\n\n"},
      {"x", "a\r\nb\rc\n", std::nullopt, "event: x\ndata: a\ndata: b\ndata: c\ndata: \n\n"},
  };
  for (const auto& c : cases) EXPECT_EQ(SseMessage(c.event, c.data, c.id), c.want) << c.data;
  EXPECT_EQ(kSseKeepAlive, ": keep-alive\n\n");
}

TEST(SseMessageTest, AcceptsEventStream) {
  struct Case {
    std::optional<std::string> accept;
    bool want;
  };
  const Case cases[] = {
      {std::nullopt, false},
      {"application/json", false},
      {"text/event-stream", true},
      {"Text/Event-Stream", true},
      {"application/json, text/event-stream;q=0.9", true},
      {" text/event-stream ; charset=utf-8", true},
      {"text/event-streams", false},
      {"*/*", false},
  };
  for (const auto& c : cases) {
    http::Request r;
    if (c.accept) r.headers["Accept"] = *c.accept;
    EXPECT_EQ(AcceptsEventStream(r), c.want) << c.accept.value_or("(none)");
  }
}

TEST(SseMessageTest, EventJsonIsTheListsObject) {
  objects::ClusterEvent e;
  e.id = 7;
  e.cluster_uuid = "c";
  e.step = "node";
  e.node = "n-0";
  e.level = "info";
  e.message = "line \"quoted\"\nnext";
  e.created_at = "2026-12-05 14:00:01";
  std::string json;
  JsonWriter w(&json);
  WriteClusterEvent(w, e);
  EXPECT_EQ(json,
            "{\"created_at\":\"2026-12-05T14:00:01+00:00\",\"id\":7,\"level\":\"info\","
            "\"message\":\"line \\\"quoted\\\"\\nnext\",\"node\":\"n-0\",\"step\":\"node\"}");
}

// ---- the producer over SQLite -----------------------------------------------------------

// A steady clock the test moves (the producer takes a plain function pointer).
std::chrono::steady_clock::time_point g_now{};
std::chrono::steady_clock::time_point FakeNow() { return g_now; }

class EventStreamTest : public ApiAppFixture {
 protected:
  void SetUp() override {
    ApiAppFixture::SetUp();
    g_now = std::chrono::steady_clock::time_point{} + std::chrono::hours(1);
    objects::Cluster c;
    c.uuid = "5d12f6fd-a196-4bf0-ae4c-1f639a523a52";
    c.name = "demo";
    c.project_id = "p1";
    c.user_id = "u1";
    c.status = ClusterStatus::kCreateInProgress;
    c.created_at = "2026-12-05 14:00:00";
    auto master = objects::DefaultNodeGroup(c, "default-master", "master", 1, 0, {}, {});
    auto worker = objects::DefaultNodeGroup(c, "default-worker", "worker", 2, 0, {}, {});
    ASSERT_TRUE(db_->Transaction(
        [&](db::Database& tx) { return objects::InsertClusterRows(tx, c, master, worker); }));
    cluster_ = c;
  }

  int64_t AddEvent(const std::string& message) {
    objects::ClusterEvent e;
    e.cluster_uuid = cluster_.uuid;
    e.project_id = "p1";
    e.step = "create";
    e.level = "info";
    e.message = message;
    e.created_at = "2026-12-05 14:00:02";
    auto stored = objects::Insert(*db_, e);
    EXPECT_TRUE(stored) << stored.error().message();
    return stored ? stored->id : 0;
  }

  void SetStatus(ClusterStatus status) {
    objects::Cluster after = cluster_;
    after.status = status;
    ASSERT_TRUE(objects::Update(*db_, db::Filter().Where(Condition::Eq("uuid", cluster_.uuid)),
                                cluster_, after));
    cluster_ = after;
  }

  std::unique_ptr<ClusterEventStream> Open(int64_t after = 0) {
    return std::make_unique<ClusterEventStream>(db_.get(), cluster_.uuid, after, slot_, &FakeNow);
  }

  objects::Cluster cluster_;
  std::shared_ptr<std::atomic<int>> slot_ = std::make_shared<std::atomic<int>>(1);
};

TEST_F(EventStreamTest, FirstTheStateThenTheEventsThenOnlyChanges) {
  const int64_t e1 = AddEvent("one");
  const int64_t e2 = AddEvent("two");
  auto stream = Open();
  http::StreamChunk first = stream->Next();
  EXPECT_FALSE(first.done);
  EXPECT_FALSE(first.more);
  const std::string state =
      "event: cluster\ndata: {\"uuid\":\"5d12f6fd-a196-4bf0-ae4c-1f639a523a52\",\"name\":\"demo\","
      "\"status\":\"CREATE_IN_PROGRESS\",\"status_reason\":null,\"health_status\":null,"
      "\"node_count\":2,\"master_count\":1,\"updated_at\":null,\"nodegroups\":[";
  ASSERT_EQ(first.data.rfind(state, 0), 0u) << first.data;
  EXPECT_NE(first.data.find("\"name\":\"default-master\",\"role\":\"master\","
                            "\"status\":\"CREATE_IN_PROGRESS\",\"node_count\":1}"),
            std::string::npos)
      << first.data;
  const size_t one = first.data.find("id: " + std::to_string(e1) + "\nevent: event\ndata: {");
  const size_t two = first.data.find("id: " + std::to_string(e2) + "\nevent: event\ndata: {");
  ASSERT_NE(one, std::string::npos) << first.data;
  ASSERT_NE(two, std::string::npos) << first.data;
  EXPECT_LT(first.data.find("event: cluster"), one);
  EXPECT_LT(one, two);

  // Nothing changed: nothing is sent.
  EXPECT_EQ(stream->Next().data, "");
  // A new event alone.
  const int64_t e3 = AddEvent("three");
  http::StreamChunk third = stream->Next();
  EXPECT_EQ(third.data.rfind("id: " + std::to_string(e3) + "\nevent: event\n", 0), 0u)
      << third.data;
  EXPECT_EQ(third.data.find("event: cluster"), std::string::npos);
  // A status change: the state again.
  SetStatus(ClusterStatus::kCreateComplete);
  http::StreamChunk status = stream->Next();
  EXPECT_EQ(status.data.rfind("event: cluster\ndata: {", 0), 0u) << status.data;
  EXPECT_NE(status.data.find("\"status\":\"CREATE_COMPLETE\""), std::string::npos);
  EXPECT_EQ(stream->Next().data, "");
}

TEST_F(EventStreamTest, ResumesAfterTheLastSeenId) {
  AddEvent("one");
  const int64_t e2 = AddEvent("two");
  const int64_t e3 = AddEvent("three");
  auto stream = Open(e2);
  std::string data = stream->Next().data;
  EXPECT_EQ(data.find("\"message\":\"one\""), std::string::npos) << data;
  EXPECT_EQ(data.find("\"message\":\"two\""), std::string::npos) << data;
  EXPECT_NE(data.find("id: " + std::to_string(e3) + "\n"), std::string::npos) << data;
}

TEST_F(EventStreamTest, ALongBacklogComesInBoundedChunks) {
  const int n = ClusterEventStream::kEventsPerCall + 20;
  for (int i = 0; i < n; ++i) AddEvent("e" + std::to_string(i));
  auto stream = Open();
  auto count = [](const std::string& s) {
    size_t k = 0;
    for (size_t p = s.find("event: event\n"); p != std::string::npos;
         p = s.find("event: event\n", p + 1)) {
      ++k;
    }
    return k;
  };
  http::StreamChunk a = stream->Next();
  EXPECT_TRUE(a.more);
  EXPECT_EQ(count(a.data), static_cast<size_t>(ClusterEventStream::kEventsPerCall));
  http::StreamChunk b = stream->Next();
  EXPECT_FALSE(b.more);
  EXPECT_EQ(count(b.data), 20u);
  EXPECT_NE(b.data.find("\"message\":\"e" + std::to_string(n - 1) + "\""), std::string::npos);
}

TEST_F(EventStreamTest, KeepAliveAfterFifteenSecondsOfSilence) {
  auto stream = Open();
  ASSERT_NE(stream->Next().data, "");
  g_now += std::chrono::seconds(14);
  EXPECT_EQ(stream->Next().data, "");
  g_now += std::chrono::seconds(1);
  EXPECT_EQ(stream->Next().data, ": keep-alive\n\n");
  g_now += std::chrono::seconds(10);
  EXPECT_EQ(stream->Next().data, "");
  AddEvent("news");  // a message resets the silence
  g_now += std::chrono::seconds(5);
  EXPECT_NE(stream->Next().data, "");
  g_now += std::chrono::seconds(14);
  EXPECT_EQ(stream->Next().data, "");
}

TEST_F(EventStreamTest, GoneEndsTheStreamAndTheSlotIsFreed) {
  auto stream = Open();
  ASSERT_NE(stream->Next().data, "");
  ASSERT_TRUE(db_->Delete(db::kNodeGroupTable,
                          db::Filter().Where(Condition::Eq("cluster_id", cluster_.uuid))));
  ASSERT_TRUE(
      db_->Delete(db::kClusterTable, db::Filter().Where(Condition::Eq("uuid", cluster_.uuid))));
  http::StreamChunk gone = stream->Next();
  EXPECT_TRUE(gone.done);
  EXPECT_EQ(gone.data,
            "event: gone\ndata: {\"uuid\":\"5d12f6fd-a196-4bf0-ae4c-1f639a523a52\"}\n\n");
  EXPECT_EQ(slot_->load(), 1);
  stream.reset();
  EXPECT_EQ(slot_->load(), 0);
}

// ---- the endpoint through ApiApp --------------------------------------------------------

class EventStreamAppTest : public EventStreamTest {
 protected:
  http::Request Get(const std::string& target, bool stream = true) {
    http::Request r;
    r.method = "GET";
    r.target = target;
    EXPECT_TRUE(http::ParseTarget(target, &r.path, &r.query));
    r.headers["Host"] = "localhost";
    if (stream) r.headers["Accept"] = "text/event-stream";
    r.request_id = "req-test";
    return r;
  }
};

TEST_F(EventStreamAppTest, OpensAStreamWithTheHeaders) {
  config_.api_event_stream_interval = 100;
  config_.api_event_stream_max_seconds = 60;
  BuildApp();
  http::Response r = app_->Serve(Get("/v1/clusters/demo/events"));
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_TRUE(r.stream);
  ASSERT_TRUE(r.stream->producer);
  EXPECT_EQ(r.stream->interval_ms, 100);
  EXPECT_EQ(r.stream->max_duration_ms, 60000);
  EXPECT_EQ(r.headers["Content-Type"], "text/event-stream");
  EXPECT_EQ(r.headers["Cache-Control"], "no-store");
  EXPECT_EQ(r.headers["X-Accel-Buffering"], "no");
  http::StreamChunk first = r.stream->producer->Next();
  EXPECT_EQ(first.data.rfind("event: cluster\n", 0), 0u);
}

TEST_F(EventStreamAppTest, WithoutTheAcceptHeaderTheListIsUnchanged) {
  AddEvent("one");
  BuildApp();
  http::Response r = app_->Serve(Get("/v1/clusters/demo/events", false));
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(r.stream);
  EXPECT_EQ(r.headers["Content-Type"], "application/json");
  EXPECT_NE(r.body.find("\"events\":[{\"created_at\""), std::string::npos) << r.body;
}

TEST_F(EventStreamAppTest, RefusalsAsTheListAndBadIds) {
  BuildApp();
  struct Case {
    std::string target;
    std::string last_event_id;
    int status;
  };
  const Case cases[] = {
      {"/v1/clusters/nope/events", "", 404},
      {"/v1/clusters/demo/events?marker=x", "", 400},
      {"/v1/clusters/demo/events?marker=-1", "", 400},
      {"/v1/clusters/demo/events?limit=3", "", 400},
      {"/v1/clusters/demo/events", "abc", 400},
      {"/v1/clusters/demo/events?marker=2", "5", 200},
  };
  for (const auto& c : cases) {
    http::Request req = Get(c.target);
    if (!c.last_event_id.empty()) req.headers["Last-Event-ID"] = c.last_event_id;
    http::Response r = app_->Serve(req);
    EXPECT_EQ(r.status, c.status) << c.target << " " << r.body;
    EXPECT_EQ(static_cast<bool>(r.stream), c.status == 200) << c.target;
  }
}

TEST_F(EventStreamAppTest, AnotherProjectGets404) {
  auto other = auth::NewNoAuth("p2", "u2", "member,reader");
  ApiDependencies deps = Deps();
  deps.auth = other.get();
  app_ = MakeApp(deps);
  http::Response r = app_->Serve(Get("/v1/clusters/" + cluster_.uuid + "/events"));
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_FALSE(r.stream);
}

TEST_F(EventStreamAppTest, AboveTheLimit503WithRetryAfterUntilOneCloses) {
  config_.api_max_event_streams = 2;
  BuildApp();
  http::Response a = app_->Serve(Get("/v1/clusters/demo/events"));
  http::Response b = app_->Serve(Get("/v1/clusters/demo/events"));
  ASSERT_EQ(a.status, 200);
  ASSERT_EQ(b.status, 200);
  http::Response c = app_->Serve(Get("/v1/clusters/demo/events"));
  EXPECT_EQ(c.status, 503);
  EXPECT_FALSE(c.stream);
  EXPECT_EQ(c.headers["Retry-After"], "5");
  EXPECT_NE(c.body.find("\"errors\""), std::string::npos) << c.body;
  a = http::Response{};  // the stream ends: its slot is free
  EXPECT_EQ(app_->Serve(Get("/v1/clusters/demo/events")).status, 200);
}

}  // namespace
}  // namespace magnum::api
