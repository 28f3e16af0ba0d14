// Time source and timestamp formatting. Clock implementations are thread-safe.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace magnum {

// Microseconds since the Unix epoch, UTC.
using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual TimePoint Now() const = 0;
};

// The real wall clock; a process-wide instance.
const Clock& SystemClock();

// Simulated time: a clock that moves only when told to (tests advance it instead of
// sleeping). Thread-safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(TimePoint start) : us_(start.time_since_epoch().count()) {}
  TimePoint Now() const override { return TimePoint(std::chrono::microseconds(us_.load())); }
  void Advance(std::chrono::microseconds by) { us_.fetch_add(by.count()); }
  void Set(TimePoint t) { us_.store(t.time_since_epoch().count()); }

 private:
  std::atomic<int64_t> us_;
};

// Storage form, sortable as text: "2026-11-22T02:44:12.123456".
std::string FormatDbTimestamp(TimePoint t);
// API form as upstream renders it: "2026-11-22T02:44:12+00:00" (microseconds dropped).
std::string FormatApiTimestamp(TimePoint t);
// Converts a storage-form timestamp to the API form; returns the input on a parse failure.
std::string DbToApiTimestamp(std::string_view db);
// Parses the storage form (fraction optional); false on failure.
bool ParseDbTimestamp(std::string_view s, TimePoint* out);

}  // namespace magnum
