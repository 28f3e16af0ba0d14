#include "magnum/api/event_stream.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <utility>

#include "magnum/api/cluster_ops.h"
#include "magnum/api/controller.h"
#include "magnum/api/field_binding.h"
#include "magnum/api/json_writer.h"
#include "magnum/api/pagination.h"
#include "magnum/api/policy.h"
#include "magnum/common/strings.h"
#include "magnum/config/config.h"
#include "magnum/db/schema.h"
#include "magnum/objects/cluster.h"
#include "magnum/objects/cluster_event.h"
#include "magnum/objects/mappers.h"
#include "magnum/objects/nodegroup.h"

namespace magnum::api {
namespace {

using db::Condition;

constexpr int kMaxFailures = 3;  // consecutive failed reads end a stream (the client retries)
constexpr const char* kRetryAfterSeconds = "5";

// A non-negative event id ("0" included), or nullopt.
std::optional<int64_t> ParseEventId(std::string_view s) {
  s = TrimBlanks(s);
  int64_t v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size() || v < 0) return std::nullopt;
  return v;
}

// What a cluster message needs of the cluster row and the nodegroup rows.
db::ListQuery NodeGroupQuery(const std::string& uuid) {
  db::ListQuery q;
  q.filter.Where(Condition::Eq("cluster_id", uuid));
  q.columns = {"id", "uuid", "cluster_id", "name", "role", "node_count", "status"};
  return q;
}

}  // namespace

bool AcceptsEventStream(const http::Request& request) {
  auto accept = request.Header("Accept");
  if (!accept) return false;
  std::string_view rest = *accept;
  while (true) {
    size_t comma = rest.find(',');
    std::string_view range = rest.substr(0, comma);
    range = TrimBlanks(range.substr(0, range.find(';')));
    if (AsciiLower(range) == "text/event-stream") return true;
    if (comma == std::string_view::npos) return false;
    rest.remove_prefix(comma + 1);
  }
}

std::string SseMessage(std::string_view event, std::string_view data, std::optional<int64_t> id) {
  std::string out;
  out.reserve(data.size() + event.size() + 32);
  if (id) {
    out += "id: ";
    out += std::to_string(*id);
    out += '\n';
  }
  out += "event: ";
  out += event;
  out += '\n';
  // Each line of `data` its own data: line (CR, LF and CRLF all end a line in SSE).
  while (true) {
    size_t eol = data.find_first_of("\r\n");
    out += "data: ";
    out += data.substr(0, eol);
    out += '\n';
    if (eol == std::string_view::npos) break;
    data.remove_prefix(eol + (data.compare(eol, 2, "\r\n") == 0 ? 2 : 1));
  }
  out += '\n';
  return out;
}

void WriteClusterEvent(JsonWriter& w, const objects::ClusterEvent& e) {
  w.BeginObject();
  w.Key("created_at");
  binding::Write(w, e.created_at, true);
  w.Key("id").Int(e.id);
  w.Key("level");
  binding::Write(w, e.level, false);
  w.Key("message");
  binding::Write(w, e.message, false);
  w.Key("node");
  binding::Write(w, e.node, false);
  w.Key("step");
  binding::Write(w, e.step, false);
  w.EndObject();
}

std::string ClusterStateJson(const objects::Cluster& c,
                             const std::vector<objects::NodeGroup>& nodegroups) {
  int64_t node_count = 0, master_count = 0;
  for (const auto& ng : nodegroups) {
    (ng.IsMaster() ? master_count : node_count) += ng.node_count.value_or(0);
  }
  std::string out;
  JsonWriter w(&out);
  w.BeginObject();
  w.Key("uuid").String(c.uuid);
  w.Key("name");
  binding::Write(w, c.name, false);
  w.Key("status");
  binding::Write(w, c.status, false);
  w.Key("status_reason");
  binding::Write(w, c.status_reason, false);
  w.Key("health_status");
  binding::Write(w, c.health_status, false);
  w.Key("node_count").Int(node_count);
  w.Key("master_count").Int(master_count);
  w.Key("updated_at");
  binding::Write(w, c.updated_at, true);
  w.Key("nodegroups").BeginArray();
  for (const auto& ng : nodegroups) {
    w.BeginObject();
    w.Key("uuid").String(ng.uuid);
    w.Key("name").String(ng.name);
    w.Key("role");
    binding::Write(w, ng.role, false);
    w.Key("status");
    binding::Write(w, ng.status, false);
    w.Key("node_count");
    binding::Write(w, ng.node_count, false);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return out;
}

// ---- ClusterEventStream ------------------------------------------------------------------

ClusterEventStream::ClusterEventStream(db::Database* db, std::string cluster_uuid, int64_t after_id,
                                       std::shared_ptr<std::atomic<int>> slot, SteadyNow now)
    : db_(db),
      uuid_(std::move(cluster_uuid)),
      last_id_(after_id),
      slot_(std::move(slot)),
      now_(now),
      last_sent_(now()) {}

ClusterEventStream::~ClusterEventStream() {
  if (slot_) slot_->fetch_sub(1);
}

Result<bool> ClusterEventStream::AppendState(std::string* out) {
  MAGNUM_ASSIGN_OR_RETURN(
      auto cluster,
      objects::GetOne<objects::Cluster>(*db_, db::Filter().Where(Condition::Eq("uuid", uuid_))));
  if (!cluster) return false;
  MAGNUM_ASSIGN_OR_RETURN(auto nodegroups,
                          objects::List<objects::NodeGroup>(*db_, NodeGroupQuery(uuid_)));
  std::string state = ClusterStateJson(*cluster, nodegroups);
  if (state_ != state) {
    *out += SseMessage("cluster", state);
    state_ = std::move(state);
  }
  return true;
}

http::StreamChunk ClusterEventStream::Next() {
  http::StreamChunk chunk;
  std::string& out = chunk.data;
  bool alive = true;
  auto step = [&]() -> Result<void> {
    // The state first on the first call; afterwards the events first, so that the events
    // of a deleted cluster's last moments are sent before `gone`.
    if (!state_) {
      MAGNUM_ASSIGN_OR_RETURN(alive, AppendState(&out));
      if (!alive) return {};
    }
    db::ListQuery q;
    q.filter.Where(Condition::Eq("cluster_uuid", uuid_)).Where(Condition::Ge("id", last_id_ + 1));
    q.limit = kEventsPerCall;
    MAGNUM_ASSIGN_OR_RETURN(auto events, objects::List<objects::ClusterEvent>(*db_, q));
    std::string json;
    for (const auto& e : events) {
      json.clear();
      JsonWriter w(&json);
      WriteClusterEvent(w, e);
      out += SseMessage("event", json, e.id);
      last_id_ = e.id;
    }
    chunk.more = events.size() == static_cast<size_t>(kEventsPerCall);
    MAGNUM_ASSIGN_OR_RETURN(alive, AppendState(&out));
    return {};
  };
  const size_t before = out.size();
  if (auto done = step(); !done) {
    // What was read is sent; the stream ends after a few failures in a row (the client
    // reconnects with the last id it saw).
    spdlog::warn("event stream of cluster {}: reading the database failed: {}", uuid_,
                 done.error().message());
    chunk.more = false;
    if (++failures_ >= kMaxFailures) chunk.done = true;
  } else {
    failures_ = 0;
  }
  if (!alive) {
    std::string json;
    JsonWriter(&json).BeginObject().Key("uuid").String(uuid_).EndObject();
    out += SseMessage("gone", json);
    chunk.done = true;
    chunk.more = false;
  }
  const auto now = now_();
  if (out.size() > before) {
    last_sent_ = now;
  } else if (!chunk.done && now - last_sent_ >= kKeepAlive) {
    out += kSseKeepAlive;
    last_sent_ = now;
  }
  return chunk;
}

// ---- EventStreams -------------------------------------------------------------------------

EventStreams::EventStreams(const Services* services)
    : services_(services), open_(std::make_shared<std::atomic<int>>(0)) {}

EventStreams::~EventStreams() = default;

Result<http::Response> EventStreams::Open(const ApiRequest& req, const std::string& ident) {
  MAGNUM_RETURN_IF_ERROR(CheckQueryArgs(req, {"marker"}));
  int64_t after = 0;
  if (auto last = req.http->Header("Last-Event-ID")) {
    auto id = ParseEventId(*last);
    if (!id) return Fail(Error::InvalidArgument("Last-Event-ID must be an event id"));
    after = *id;
  } else if (auto marker = req.Query("marker")) {
    auto id = ParseEventId(*marker);
    if (!id) return Fail(Error::InvalidArgument("marker must be an event id"));
    after = *id;
  }
  ClusterOps ops(*services_);
  MAGNUM_ASSIGN_OR_RETURN(objects::Cluster cluster,
                          ops.Find(req, ident, "cluster:get_one_all_projects"));
  MAGNUM_RETURN_IF_ERROR(EnforcePolicy(req, "cluster:events", TargetOf(cluster)));

  const config::Config& config = *services_->config;
  if (open_->fetch_add(1) >= config.api_max_event_streams) {
    open_->fetch_sub(1);
    spdlog::warn("{}: event stream refused: {} open ([api] max_event_streams)", req.ctx.request_id,
                 config.api_max_event_streams);
    http::Response busy =
        ErrorToResponse(Error::Unavailable("Too many event streams are open; retry later"));
    busy.SetHeader("Retry-After", kRetryAfterSeconds);
    return busy;
  }
  // The stream holds the slot taken above from here on.
  auto producer = std::make_shared<ClusterEventStream>(services_->db, cluster.uuid, after, open_);
  http::Response r;
  r.status = 200;
  r.SetHeader("Content-Type", "text/event-stream");
  r.SetHeader("Cache-Control", "no-store");
  r.SetHeader("X-Accel-Buffering", "no");
  r.stream = http::StreamBody{std::move(producer), config.api_event_stream_interval,
                              config.api_event_stream_max_seconds * 1000};
  return r;
}

}  // namespace magnum::api
