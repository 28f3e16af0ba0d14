#include "magnum/api/response_cache.h"

#include <algorithm>

#include "magnum/auth/context.h"
#include "magnum/db/schema.h"

namespace magnum::api {
namespace {

thread_local ReadSet* t_recording = nullptr;

// Appends `value` length-prefixed (so that no two field lists give one key).
void AppendKeyField(std::string* key, std::string_view value) {
  key->append(std::to_string(value.size()));
  key->push_back(':');
  key->append(value);
}

void NoteRead(std::string_view table) {
  if (t_recording != nullptr) t_recording->Read(table);
}
void NoteWrite() {
  if (t_recording != nullptr) t_recording->wrote = true;
}

// Forwards to `inner`; reads and writes are noted on the thread's recording.
class RecordingDatabase final : public db::Database {
 public:
  explicit RecordingDatabase(db::Database* inner) : inner_(inner) {}

  Result<db::Row> Insert(std::string_view table, const db::Row& values) override {
    NoteWrite();
    return inner_->Insert(table, values);
  }
  Result<std::vector<db::Row>> List(std::string_view table, const db::ListQuery& query) override {
    NoteRead(table);
    return inner_->List(table, query);
  }
  Result<void> ListRows(std::string_view table, const db::ListQuery& query,
                        const db::RowVisitor& visit) override {
    NoteRead(table);
    return inner_->ListRows(table, query, visit);
  }
  Result<std::optional<db::Row>> GetOne(std::string_view table,
                                        const db::Filter& filter) override {
    NoteRead(table);
    return inner_->GetOne(table, filter);
  }
  Result<int64_t> Count(std::string_view table, const db::Filter& filter) override {
    NoteRead(table);
    return inner_->Count(table, filter);
  }
  Result<int64_t> Update(std::string_view table, const db::Filter& filter,
                         const db::Row& changes) override {
    NoteWrite();
    return inner_->Update(table, filter, changes);
  }
  Result<int64_t> Delete(std::string_view table, const db::Filter& filter) override {
    NoteWrite();
    return inner_->Delete(table, filter);
  }
  Result<int64_t> Sum(std::string_view table, std::string_view column,
                      const db::Filter& filter) override {
    NoteRead(table);
    return inner_->Sum(table, column, filter);
  }
  Result<void> Transaction(const std::function<Result<void>(Database& tx)>& fn) override {
    return inner_->Transaction([&fn](Database& tx) -> Result<void> {
      RecordingDatabase recorded(&tx);
      return fn(recorded);
    });
  }
  Result<int> SchemaVersion() override { return inner_->SchemaVersion(); }
  Result<int> Upgrade() override {
    NoteWrite();
    return inner_->Upgrade();
  }

 private:
  db::Database* const inner_;
};

size_t EntryBytes(const std::string& key, const ResponseCache::Entry& e) {
  size_t n = key.size() + sizeof(ResponseCache::Entry) + 64;
  if (e.body) n += e.body->size();
  for (const auto& [name, value] : e.headers) n += name.size() + value.size() + 64;
  for (const auto& [table, gen] : e.depends_on) n += table.size() + 32;
  return n;
}

}  // namespace

Result<void> ReadGenerations(db::Database& db, Generations* out) {
  static const db::ListQuery kQuery = [] {
    db::ListQuery q;
    q.columns = {"name", "generation"};
    return q;
  }();
  // Refilled in place: on the cache-hit path the names keep their storage from the last read.
  size_t n = 0;
  MAGNUM_RETURN_IF_ERROR(db.ListRows(
      db::kResourceGenerationTable, kQuery,
      [out, &n](std::span<const db::ColumnView> row) -> Result<void> {
        if (row.size() < 2 || row[0].kind != db::ColumnView::Kind::kText) return {};
        const int64_t gen = row[1].kind == db::ColumnView::Kind::kNull ? 0 : row[1].integer;
        if (n < out->size()) {
          (*out)[n].first.assign(row[0].text);
          (*out)[n].second = gen;
        } else {
          out->emplace_back(std::string(row[0].text), gen);
        }
        ++n;
        return {};
      }));
  out->resize(n);
  if (!std::is_sorted(out->begin(), out->end())) std::sort(out->begin(), out->end());
  return {};
}

Result<Generations> ReadGenerations(db::Database& db) {
  Generations out;
  MAGNUM_RETURN_IF_ERROR(ReadGenerations(db, &out));
  return out;
}

void ReadSet::Read(std::string_view table) {
  for (const auto& t : tables) {
    if (t == table) return;
  }
  tables.emplace_back(table);
}

ScopedReadRecording::ScopedReadRecording(ReadSet* set) : previous_(t_recording) {
  t_recording = set;
}
ScopedReadRecording::~ScopedReadRecording() { t_recording = previous_; }

std::unique_ptr<db::Database> NewRecordingDatabase(db::Database* inner) {
  return std::make_unique<RecordingDatabase>(inner);
}

ResponseCache::ResponseCache(size_t max_bytes, size_t max_entries)
    : max_bytes_(max_bytes), max_entries_(std::max<size_t>(1, max_entries)) {}

std::shared_ptr<const ResponseCache::Entry> ResponseCache::Find(const std::string& key) {
  if (!enabled()) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.begin(), lru_, it->second);
  return it->second->entry;
}

bool ResponseCache::Fresh(const Entry& entry, const Generations& now) {
  for (const auto& [table, gen] : entry.depends_on) {
    auto it = std::lower_bound(now.begin(), now.end(), table,
                               [](const auto& a, const std::string& b) { return a.first < b; });
    if (it == now.end() || it->first != table || it->second != gen) return false;
  }
  return true;
}

void ResponseCache::Erase(const std::string& key, const std::shared_ptr<const Entry>& entry) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = index_.find(key);
  if (it == index_.end() || it->second->entry != entry) return;
  bytes_ -= it->second->bytes;
  lru_.erase(it->second);
  index_.erase(it);
}

void ResponseCache::Put(const std::string& key, std::shared_ptr<const Entry> entry) {
  if (!enabled() || !entry) return;
  const size_t bytes = EntryBytes(key, *entry);
  if (bytes > max_bytes_ / 8) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = index_.find(key); it != index_.end()) {
    bytes_ -= it->second->bytes;
    lru_.erase(it->second);
    index_.erase(it);
  }
  lru_.push_front(Item{key, std::move(entry), bytes});
  index_.emplace(key, lru_.begin());
  bytes_ += bytes;
  ++stores_;
  EvictLocked();
}

void ResponseCache::EvictLocked() {
  while (!lru_.empty() && (bytes_ > max_bytes_ || lru_.size() > max_entries_)) {
    const Item& last = lru_.back();
    bytes_ -= last.bytes;
    index_.erase(last.key);
    lru_.pop_back();
  }
}

http::Response ResponseCache::ToResponse(const Entry& entry) {
  http::Response r;
  r.status = entry.status;
  r.headers = entry.headers;
  r.shared_body = entry.body;
  return r;
}

ResponseCache::Stats ResponseCache::stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return Stats{lru_.size(), bytes_, hits_, stale_, stores_};
}

void ResponseCache::CountHit() {
  std::lock_guard<std::mutex> lock(mu_);
  ++hits_;
}

void ResponseCache::CountStale() {
  std::lock_guard<std::mutex> lock(mu_);
  ++stale_;
}

std::string ResponseCacheKey(const http::Request& request, std::string_view version,
                             std::string_view base_url, const auth::RequestContext& ctx) {
  std::string key;
  key.reserve(256 + request.target.size());
  AppendKeyField(&key, request.method);
  AppendKeyField(&key, request.target);
  AppendKeyField(&key, version);
  AppendKeyField(&key, request.Header("Accept").value_or("\x01"));
  AppendKeyField(&key, base_url);
  for (const std::string* field :
       {&ctx.project_id, &ctx.user_id, &ctx.project_name, &ctx.user_name, &ctx.domain_id,
        &ctx.user_domain_id, &ctx.user_domain_name, &ctx.project_domain_id,
        &ctx.project_domain_name}) {
    AppendKeyField(&key, *field);
  }
  AppendKeyField(&key, std::to_string(ctx.roles.size()));
  for (const auto& role : ctx.roles) AppendKeyField(&key, role);
  AppendKeyField(&key, ctx.is_admin ? "admin" : "-");
  AppendKeyField(&key, ctx.all_tenants ? "all" : "-");
  return key;
}

}  // namespace magnum::api
