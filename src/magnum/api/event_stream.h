// The stream of the cluster events extension: GET /v1/clusters/{ident}/events with
// `Accept: text/event-stream` answers server-sent events fed by polling the database (the
// conductor may be another process, so its changes are seen only there):
//
//   event: cluster   the cluster's state (uuid, name, status, status_reason, health_status,
//                    node_count, master_count, updated_at, nodegroups), first and again
//                    whenever it changes
//   id: <id>         every event after `Last-Event-ID` (or `?marker=`), then each new one,
//   event: event     its data the JSON object the events list renders
//   : keep-alive     after 15 s without a message
//   event: gone      the cluster was deleted; the stream ends
//
// The server polls the producer every [api] event_stream_interval ms (http::StreamProducer:
// no thread is held in between); a stream ends after [api] event_stream_max_seconds (the
// client reconnects with Last-Event-ID). Internal to the API module; thread-safe except
// where noted.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/http/message.h"

namespace magnum {
namespace db {
class Database;
}
namespace objects {
struct Cluster;
struct ClusterEvent;
struct NodeGroup;
}  // namespace objects
}  // namespace magnum

namespace magnum::api {

class JsonWriter;
struct ApiRequest;
struct Services;

// True when `request` asks for text/event-stream (a media range of its Accept header,
// parameters ignored, case-insensitive).
bool AcceptsEventStream(const http::Request& request);

// One SSE message: `id:` (when given), `event:`, one `data:` line per line of `data` (so a
// newline in it cannot end the message early), then the blank line.
std::string SseMessage(std::string_view event, std::string_view data,
                       std::optional<int64_t> id = std::nullopt);
inline constexpr std::string_view kSseKeepAlive = ": keep-alive\n\n";

// The JSON object of one event exactly as GET /v1/clusters/{ident}/events lists it.
void WriteClusterEvent(JsonWriter& w, const objects::ClusterEvent& e);

// The data of an `event: cluster` message: the cluster's state fields, node_count and
// master_count summed over its nodegroups, and the nodegroups' uuid, name, role, status
// and node_count.
std::string ClusterStateJson(const objects::Cluster& cluster,
                             const std::vector<objects::NodeGroup>& nodegroups);

// The messages of one cluster's stream, read from `db` on each call (http::StreamProducer;
// calls never overlap). `after_id`: events up to it are not sent. Holds `slot` (the count
// of open streams) until destroyed.
class ClusterEventStream final : public http::StreamProducer {
 public:
  using SteadyNow = std::chrono::steady_clock::time_point (*)();
  static constexpr int kEventsPerCall = 100;  // more are sent on the next call, at once
  static constexpr std::chrono::seconds kKeepAlive{15};

  ClusterEventStream(db::Database* db, std::string cluster_uuid, int64_t after_id,
                     std::shared_ptr<std::atomic<int>> slot,
                     SteadyNow now = &std::chrono::steady_clock::now);
  ~ClusterEventStream() override;
  ClusterEventStream(const ClusterEventStream&) = delete;
  ClusterEventStream& operator=(const ClusterEventStream&) = delete;

  http::StreamChunk Next() override;

 private:
  // Appends the cluster message when the state changed (always on the first call);
  // false when the cluster is gone.
  Result<bool> AppendState(std::string* out);

  db::Database* const db_;
  const std::string uuid_;
  int64_t last_id_;
  std::shared_ptr<std::atomic<int>> slot_;
  const SteadyNow now_;
  std::optional<std::string> state_;  // the last cluster message's data
  std::chrono::steady_clock::time_point last_sent_;
  int failures_ = 0;  // consecutive failed reads
};

// Opens streams and bounds how many are open at once ([api] max_event_streams).
class EventStreams {
 public:
  // `services` (and what it points to) must outlive this object; the streams it opens use
  // only its database, and not after the HTTP server stopped.
  explicit EventStreams(const Services* services);
  ~EventStreams();
  EventStreams(const EventStreams&) = delete;
  EventStreams& operator=(const EventStreams&) = delete;

  // The answer to GET .../clusters/{ident}/events asking for a stream: the cluster as the
  // events list finds it (404, 409, 403 for cluster:events), 400 for an unknown query
  // argument or a `marker` / `Last-Event-ID` that is not a non-negative integer; an
  // answered 503 (Retry-After) when [api] max_event_streams are open.
  Result<http::Response> Open(const ApiRequest& req, const std::string& ident);

  int open_streams() const { return open_->load(); }

 private:
  const Services* services_;
  std::shared_ptr<std::atomic<int>> open_;
};

}  // namespace magnum::api
