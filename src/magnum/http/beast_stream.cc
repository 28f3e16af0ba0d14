// The streamed responses (Response::stream) of a Session: the headers, the timer-driven
// calls of the producer on the worker pool, the chunk writes, and the end (done, client
// gone, Stop, max duration, failed write). See beast_server.cc, "Threads".

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/post.hpp>
#include <chrono>
#include <exception>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "magnum/http/beast_internal.h"

namespace magnum::http::internal {
namespace {

std::string_view StreamEndName(StreamEnd e) {
  switch (e) {
    case StreamEnd::kNone:
      return "-";
    case StreamEnd::kDone:
      return "done";
    case StreamEnd::kClientGone:
      return "client disconnected";
    case StreamEnd::kServerStop:
      return "server stopping";
    case StreamEnd::kMaxDuration:
      return "max duration";
    case StreamEnd::kWriteFailed:
      return "write failed";
  }
  return "-";
}

// On a worker: the producer's next chunk; an exception ends the stream (logged).
StreamChunk NextChunk(StreamProducer& producer, const std::string& request_id) {
  try {
    return producer.Next();
  } catch (const std::exception& e) {
    spdlog::error("{}: unhandled exception in a stream producer: {}", request_id, e.what());
  } catch (...) {
    spdlog::error("{}: unhandled non-standard exception in a stream producer", request_id);
  }
  StreamChunk done;
  done.done = true;
  return done;
}

}  // namespace

void Session::StartStream(Response r) {
  streaming_.emplace();
  Streaming& st = *streaming_;
  st.producer = std::move(r.stream->producer);
  st.interval = std::chrono::milliseconds(std::max(1, r.stream->interval_ms));
  if (r.stream->max_duration_ms > 0) {
    st.deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(r.stream->max_duration_ms);
  }
  st.status = r.status;
  st.out = StreamHeader(std::move(r), cur_.request_id, cur_.version, &st.chunked);
  // The exchange is over once the stream begins: Stop and the idle trim count streams
  // apart (StreamStarted before EndExchange, so Stop never sees neither).
  server_->StreamStarted();
  EndExchange();
  if (cur_.head) st.end = StreamEnd::kDone;  // the headers alone
  if (server_->stopping()) st.end = StreamEnd::kServerStop;
  buffer_.consume(buffer_.size());  // pipelined bytes: nothing more is served here
  // A read stays pending for the stream's life (no timeout of its own): it ends the stream
  // when the client goes away. Writes get the idle timeout each.
  stream_.expires_never();
  WatchClient();
  WriteStream();
}

void Session::WatchClient() {
  stream_.async_read_some(asio::buffer(scratch_),
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            if (ec) return self->OnClientGone();
                            self->WatchClient();  // discarded
                          });
}

void Session::OnClientGone() {
  Streaming& st = *streaming_;
  if (st.end == StreamEnd::kNone) st.end = StreamEnd::kClientGone;
  CloseStream();
}

// Writes `out` (already framed).
void Session::WriteStream() {
  Streaming& st = *streaming_;
  st.writing = true;
  ArmIdleTimer();  // the write's timeout (the pending read keeps none)
  asio::async_write(
      stream_, asio::buffer(st.out),
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnStreamWrite(ec); });
}

void Session::OnStreamWrite(beast::error_code ec) {
  Streaming& st = *streaming_;
  st.writing = false;
  if (st.closed) return;
  if (ec) {
    if (st.end == StreamEnd::kNone) st.end = StreamEnd::kWriteFailed;
    return CloseStream();
  }
  // Bounded memory: a large chunk's buffer is not kept for the next one.
  if (st.out.capacity() > 65536) {
    std::string().swap(st.out);
  } else {
    st.out.clear();
  }
  if (st.finishing) return Linger();
  StreamNext();
}

// Called on the strand whenever nothing is pending: finish, ask the producer, or wait.
void Session::StreamNext() {
  Streaming& st = *streaming_;
  if (st.closed || st.finishing || st.polling || st.writing || st.waiting) return;
  const auto now = std::chrono::steady_clock::now();
  if (st.end == StreamEnd::kNone && st.deadline && now >= *st.deadline) {
    st.end = StreamEnd::kMaxDuration;
  }
  if (st.end != StreamEnd::kNone) return FinishStream();
  if (st.ready) return PollStream();
  auto wait = st.interval;
  if (st.deadline) {
    wait = std::min(wait, std::chrono::ceil<std::chrono::milliseconds>(*st.deadline - now));
  }
  st.waiting = true;
  stream_timer_.expires_after(wait);
  stream_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    Streaming& s = *self->streaming_;
    s.waiting = false;
    if (!ec) s.ready = true;
    self->StreamNext();
  });
}

void Session::PollStream() {
  Streaming& st = *streaming_;
  st.polling = true;
  st.ready = false;
  bool queued = server_->pool().Submit(
      [self = shared_from_this(), producer = st.producer, request_id = cur_.request_id]() {
        StreamChunk chunk = NextChunk(*producer, request_id);
        asio::post(self->executor_, [self, chunk = std::move(chunk)]() mutable {
          self->OnStreamChunk(std::move(chunk));
        });
      });
  if (!queued) {  // the queue is full (try again after the interval) or shut down
    st.polling = false;
    if (server_->stopping()) st.end = StreamEnd::kServerStop;
    StreamNext();
  }
}

void Session::OnStreamChunk(StreamChunk chunk) {
  Streaming& st = *streaming_;
  st.polling = false;
  if (st.closed) return;
  st.ready = chunk.more;
  if (chunk.done && st.end == StreamEnd::kNone) st.end = StreamEnd::kDone;
  // After a stop or the max duration the stream ends without what was produced meanwhile.
  const bool send = st.end == StreamEnd::kNone || st.end == StreamEnd::kDone;
  if (send && !chunk.data.empty()) {
    st.bytes += chunk.data.size();
    if (st.chunked) {
      st.out = fmt::format("{:x}\r\n", chunk.data.size());
      st.out += chunk.data;
      st.out += "\r\n";
    } else {
      st.out = std::move(chunk.data);
    }
    return WriteStream();
  }
  StreamNext();
}

// Ends the stream from outside (Stop): at once if it is already finishing.
void Session::EndStream(StreamEnd why) {
  Streaming& st = *streaming_;
  if (st.closed) return;
  if (st.end == StreamEnd::kNone) st.end = why;
  if (st.finishing) return CloseStream();
  stream_timer_.cancel();  // a waiting timer calls StreamNext, which finishes
  StreamNext();
}

// Writes the last chunk (chunked), then lingers until the client closes.
void Session::FinishStream() {
  Streaming& st = *streaming_;
  st.finishing = true;
  if (st.chunked && !cur_.head) {
    st.out = "0\r\n\r\n";
    return WriteStream();
  }
  Linger();
}

// The body is complete: the stream stops counting, our side closes and the pending read
// waits (kLingerSeconds at most) for the client's close, so it reads everything first.
void Session::Linger() {
  StreamEnded();
  beast::error_code ec;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return CloseStream();
  stream_timer_.expires_after(std::chrono::seconds(kLingerSeconds));
  stream_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
    if (!ec) self->CloseStream();
  });
}

void Session::CloseStream() {
  Streaming& st = *streaming_;
  if (st.closed) return;
  st.closed = true;
  stream_timer_.cancel();
  StreamEnded();
  st.producer.reset();
  Close();
}

// Once per stream: the access-log line, and the server's count.
void Session::StreamEnded() {
  Streaming& st = *streaming_;
  if (!st.counted) return;
  st.counted = false;
  st.producer.reset();
  if (server_->options().access_log) {
    double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - cur_.start)
            .count();
    spdlog::info("{} \"{} {}\" status: {} len: {} time: {:.3f}ms {} (stream: {})", remote_,
                 cur_.method, cur_.target, st.status, st.bytes, ms, cur_.request_id,
                 StreamEndName(st.end));
  }
  server_->StreamFinished();
}

}  // namespace magnum::http::internal
