// Time source and timestamp formatting. Clock implementations are thread-safe.
#pragma once

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

// Storage form, sortable as text: "2026-11-22T02:44:12.123456".
std::string FormatDbTimestamp(TimePoint t);
// API form as upstream renders it: "2026-11-22T02:44:12+00:00" (microseconds dropped).
std::string FormatApiTimestamp(TimePoint t);
// Converts a storage-form timestamp to the API form; returns the input on a parse failure.
std::string DbToApiTimestamp(std::string_view db);
// Parses the storage form (fraction optional); false on failure.
bool ParseDbTimestamp(std::string_view s, TimePoint* out);

}  // namespace magnum
