// Bounded fan-out for per-node work: at most `max_parallel` items run at once on a few
// short-lived threads (never a thread per node), items handed out in index order.
#pragma once

#include <cstddef>
#include <functional>

#include "magnum/common/error.h"

namespace magnum::drivers::docker {

// Runs fn(0..n-1) with at most `max_parallel` (values below 1 count as 1) running at once;
// returns when every started item has finished. After the first failure no further item is
// started; the error returned is that of the lowest failed index. n == 1 or
// max_parallel == 1 runs on the calling thread.
Result<void> BoundedParallelFor(size_t n, size_t max_parallel,
                                const std::function<Result<void>(size_t)>& fn);

}  // namespace magnum::drivers::docker
