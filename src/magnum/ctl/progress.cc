#include "magnum/ctl/progress.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace magnum::ctl {
namespace {

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// The first `n` code points of `s`.
std::string TakeCodePoints(std::string_view s, size_t n) {
  size_t i = 0, seen = 0;
  while (i < s.size()) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) {
      if (seen == n) break;
      ++seen;
    }
    ++i;
  }
  return std::string(s.substr(0, i));
}

int Percent(double f) {
  return static_cast<int>(std::floor(std::clamp(f, 0.0, 1.0) * 100.0 + 1e-9));
}

std::string OneLine(std::string s) {
  std::replace(s.begin(), s.end(), '\n', ' ');
  std::replace(s.begin(), s.end(), '\r', ' ');
  std::replace(s.begin(), s.end(), '\t', ' ');
  return s;
}

}  // namespace

std::string RenderProgressBar(const ProgressView& view, int width) {
  constexpr int kBar = 20;
  int filled = static_cast<int>(std::floor(std::clamp(view.fraction, 0.0, 1.0) * kBar + 1e-9));
  std::string pct = std::to_string(Percent(view.fraction));
  std::string head = "[" + std::string(static_cast<size_t>(filled), '#') +
                     std::string(static_cast<size_t>(kBar - filled), '-') + "] " +
                     std::string(3 - std::min<size_t>(3, pct.size()), ' ') + pct + "% " +
                     view.status + " " + std::to_string(view.elapsed_seconds) + "s";
  std::string message = OneLine(view.message);
  size_t w = static_cast<size_t>(std::max(width, 1));
  if (CodePoints(head) >= w) return TakeCodePoints(head, w);
  if (message.empty()) return head;
  size_t room = w - CodePoints(head) - 1;  // one space between
  if (room == 0) return head;
  if (CodePoints(message) > room) {
    message = room == 1 ? "\u2026" : TakeCodePoints(message, room - 1) + "\u2026";
  }
  return head + " " + message;
}

std::string RenderProgressLine(const ProgressView& view) {
  std::string line = view.status + " " + std::to_string(Percent(view.fraction)) + "% " +
                     std::to_string(view.elapsed_seconds) + "s";
  if (!view.message.empty()) line += ": " + OneLine(view.message);
  return line;
}

int ExpectedEventCount(std::string_view operation, int nodes_before, int nodes_after,
                       int nodegroups) {
  int delta = std::abs(nodes_after - nodes_before);
  if (operation == "create") return nodes_after + 3;
  if (operation == "delete") return 3;
  if (operation == "update" || operation == "resize") return delta + 2;
  if (operation == "upgrade") return std::max(nodegroups, 1) + 2;
  if (operation == "nodegroup-create") return nodes_after + 2;
  if (operation == "nodegroup-delete") return 2;
  if (operation == "nodegroup-update") return delta + 2;
  return 3;
}

double ProgressFraction(int events_seen, int expected, bool finished) {
  if (finished) return 1.0;
  int denom = std::max(expected, events_seen + 1);
  if (denom <= 0) return 0.0;
  return std::min(0.99, static_cast<double>(events_seen) / denom);
}

}  // namespace magnum::ctl
