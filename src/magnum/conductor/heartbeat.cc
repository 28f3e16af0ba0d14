#include "magnum/conductor/heartbeat.h"

#include <spdlog/spdlog.h>

#include "magnum/common/clock.h"
#include "magnum/db/database.h"
#include "magnum/objects/mappers.h"

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
      MAGNUM_ASSIGN_OR_RETURN(auto row, objects::GetOne<objects::MagnumService>(tx, key));
      if (!row) {
        objects::MagnumService service;
        service.host = host_;
        service.binary = binary_;
        service.report_count = 1;
        service.disabled = false;
        service.forced_down = false;
        service.last_seen_up = now;
        service.created_at = now;
        MAGNUM_RETURN_IF_ERROR(objects::Insert(tx, service));
        return {};
      }
      objects::MagnumService seen = *row;
      seen.report_count = row->report_count + 1;
      seen.last_seen_up = now;
      seen.updated_at = now;
      MAGNUM_RETURN_IF_ERROR(objects::Update(tx, key, *row, seen));
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
