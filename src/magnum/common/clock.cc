#include "magnum/common/clock.h"

#include <cstdio>
#include <ctime>

namespace magnum {
namespace {

class SystemClockImpl final : public Clock {
 public:
  TimePoint Now() const override {
    return std::chrono::time_point_cast<std::chrono::microseconds>(
        std::chrono::system_clock::now());
  }
};

std::tm ToTm(TimePoint t, long* micros) {
  auto us = t.time_since_epoch().count();
  std::time_t secs = static_cast<std::time_t>(us / 1000000);
  long frac = static_cast<long>(us % 1000000);
  if (frac < 0) {
    frac += 1000000;
    --secs;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  *micros = frac;
  return tm;
}

}  // namespace

const Clock& SystemClock() {
  static const SystemClockImpl clock;
  return clock;
}

std::string FormatDbTimestamp(TimePoint t) {
  long micros = 0;
  std::tm tm = ToTm(t, &micros);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, micros);
  return buf;
}

std::string FormatApiTimestamp(TimePoint t) {
  long micros = 0;
  std::tm tm = ToTm(t, &micros);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d+00:00", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return buf;
}

bool ParseDbTimestamp(std::string_view s, TimePoint* out) {
  if (s.size() < 19) return false;
  std::tm tm{};
  int y, mo, d, h, mi, sec;
  std::string str(s);
  if (std::sscanf(str.c_str(), "%4d-%2d-%2d%*c%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &sec) != 6) {
    return false;
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  long long micros = 0;
  if (s.size() > 20 && s[19] == '.') {
    int digits = 0;
    for (size_t i = 20; i < s.size() && digits < 6 && s[i] >= '0' && s[i] <= '9'; ++i, ++digits) {
      micros = micros * 10 + (s[i] - '0');
    }
    for (; digits < 6; ++digits) micros *= 10;
  }
  std::time_t secs = timegm(&tm);
  *out = TimePoint(std::chrono::microseconds(static_cast<long long>(secs) * 1000000 + micros));
  return true;
}

std::string DbToApiTimestamp(std::string_view db) {
  TimePoint t;
  if (!ParseDbTimestamp(db, &t)) return std::string(db);
  return FormatApiTimestamp(t);
}

}  // namespace magnum
