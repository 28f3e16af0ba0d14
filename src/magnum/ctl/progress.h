// The progress display of `--wait`: a bar redrawn on one line when stderr is a terminal,
// a plain line per change otherwise. The drawing and the estimate are pure functions (the
// waiting loop is in commands.cc); thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace magnum::ctl {

struct ProgressView {
  std::string status;   // the cluster's (or nodegroup's) status, "CREATE_IN_PROGRESS"
  double fraction = 0;  // 0..1
  std::string message;  // the latest event, "node started (demo-default-worker-0)"
  int elapsed_seconds = 0;
};

// "[#########-----------]  45% CREATE_IN_PROGRESS 12s node started (...)": at most `width`
// code points (the message is cut with "…" first, then the rest); no line break.
std::string RenderProgressBar(const ProgressView& view, int width);

// "CREATE_IN_PROGRESS 45% 12s: node started (...)" (for logs and pipes).
std::string RenderProgressLine(const ProgressView& view);

// How many events an operation is expected to record, from what the drivers record: one
// per node started or removed, plus the steps around them. An estimate: the bar is capped
// below 100% until the status is final. `operation`: create, delete, update, resize,
// upgrade, nodegroup-create, nodegroup-delete, nodegroup-update.
int ExpectedEventCount(std::string_view operation, int nodes_before, int nodes_after,
                       int nodegroups);

// seen/expected, at most 0.99 while not `finished`; 1 when finished.
double ProgressFraction(int events_seen, int expected, bool finished);

}  // namespace magnum::ctl
