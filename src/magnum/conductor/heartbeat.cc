#include "magnum/conductor/heartbeat.h"

#include <spdlog/spdlog.h>

#include "magnum/common/clock.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"

namespace magnum::conductor {

using db::Condition;
using db::Filter;

ServiceHeartbeat::ServiceHeartbeat(db::Database* db, const Clock* clock, std::string host,
                                   std::string binary, std::chrono::milliseconds interval)
    : db_(db),
      clock_(clock),
      host_(std::move(host)),
      binary_(std::move(binary)),
      interval_(interval) {}

ServiceHeartbeat::~ServiceHeartbeat() { Stop(); }

Result<void> ServiceHeartbeat::ReportOnce() {
  const Filter key =
      Filter().Where(Condition::Eq("host", host_)).Where(Condition::Eq("binary", binary_));
  for (int attempt = 0; attempt < 2; ++attempt) {
    const std::string now = FormatDbTimestamp(clock_->Now());
    auto r = db_->Transaction([&](db::Database& tx) -> Result<void> {
      MAGNUM_ASSIGN_OR_RETURN(auto row, tx.GetOne(db::kMagnumServiceTable, key));
      if (!row) {
        db::Row values;
        values.Set("host", host_);
        values.Set("binary", binary_);
        values.Set("report_count", int64_t{1});
        values.Set("disabled", false);
        values.SetNull("disabled_reason");
        values.Set("forced_down", false);
        values.Set("last_seen_up", now);
        values.Set("created_at", now);
        values.SetNull("updated_at");
        MAGNUM_RETURN_IF_ERROR(tx.Insert(db::kMagnumServiceTable, values));
        return {};
      }
      db::Row changes;
      changes.Set("report_count", row->GetInt("report_count") + 1);
      changes.Set("last_seen_up", now);
      changes.Set("updated_at", now);
      MAGNUM_RETURN_IF_ERROR(tx.Update(db::kMagnumServiceTable, key, changes));
      return {};
    });
    // Another process inserted the row between our read and insert: update it instead.
    if (!r && r.error().code() == ErrorCode::kAlreadyExists && attempt == 0) continue;
    return r;
  }
  return {};
}

void ServiceHeartbeat::Start() {
  if (auto r = ReportOnce(); !r) {
    spdlog::warn("heartbeat {}/{}: {}", host_, binary_, r.error().message());
  }
  thread_ = std::thread([this] { Loop(); });
}

void ServiceHeartbeat::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ServiceHeartbeat::Loop() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!cv_.wait_for(lock, interval_, [this] { return stop_; })) {
    lock.unlock();
    if (auto r = ReportOnce(); !r) {
      spdlog::warn("heartbeat {}/{}: {}", host_, binary_, r.error().message());
    }
    lock.lock();
  }
}

}  // namespace magnum::conductor
