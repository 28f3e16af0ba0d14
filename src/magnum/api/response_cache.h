// The API's cache of whole GET responses (internal to the API module; ApiApp uses it).
//
// An entry is the status, content headers and body of a 200 answer to one GET, under a key
// that holds everything the answer depends on (method class, target with its query, the
// effective microversion, Accept, the base URL of links, and the caller as authenticated:
// project, user, names, domains, roles, admin). Per-request headers (the request id, Date)
// are never stored: the server adds them to every response.
//
// Invalidation works across processes sharing one database: every INSERT, UPDATE and DELETE
// of a resource table bumps that table's row of "resource_generation" (triggers, migration
// 4). While a response is built, the RecordingDatabase notes which tables it read; the entry
// keeps the generations of those tables as read *before* the handler ran, and a hit is
// served only when one SELECT of the generations shows them unchanged. A write committed by
// any process after that read makes the entry stale.
//
// Bounded by bytes and entries (least recently used goes first). Thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "magnum/api/app.h"
#include "magnum/common/error.h"
#include "magnum/db/database.h"
#include "magnum/http/message.h"

namespace magnum::auth {
struct RequestContext;
}

namespace magnum::api {

// Each resource table's generation, as read at one moment (sorted by name).
using Generations = std::vector<std::pair<std::string, int64_t>>;

// Reads every table's generation with one SELECT. Fails when the database has no
// resource_generation table (then nothing is cached).
Result<Generations> ReadGenerations(db::Database& db);
// The same into `out`, reusing its storage (no allocation when the names are unchanged).
Result<void> ReadGenerations(db::Database& db, Generations* out);

// What a request did with the database while it was recorded.
struct ReadSet {
  std::vector<std::string> tables;  // tables read, each once
  bool wrote = false;               // any write (or a call the recorder cannot classify)

  void Read(std::string_view table);
};

// Records the calling thread's database use into `set` while alive (nests; restores the
// previous recording when destroyed).
class ScopedReadRecording {
 public:
  explicit ScopedReadRecording(ReadSet* set);
  ~ScopedReadRecording();
  ScopedReadRecording(const ScopedReadRecording&) = delete;
  ScopedReadRecording& operator=(const ScopedReadRecording&) = delete;

 private:
  ReadSet* previous_;
};

// A Database forwarding every call to `inner` and noting, on the calling thread's current
// recording (if any), the tables read and whether anything was written.
std::unique_ptr<db::Database> NewRecordingDatabase(db::Database* inner);

class ResponseCache {
 public:
  struct Entry {
    int status = 200;
    http::Headers headers;  // content headers only
    std::shared_ptr<const std::string> body;
    Generations depends_on;  // the tables read and their generations before the handler ran
  };

  // max_bytes 0 disables the cache (Find always misses, Put keeps nothing).
  ResponseCache(size_t max_bytes, size_t max_entries);

  bool enabled() const { return max_bytes_ > 0; }

  // The entry under `key`, if any (not yet checked against the generations).
  std::shared_ptr<const Entry> Find(const std::string& key);
  // True when every table `entry` depends on still has the generation it had.
  static bool Fresh(const Entry& entry, const Generations& now);
  // Drops the entry under `key` if it is still `entry`.
  void Erase(const std::string& key, const std::shared_ptr<const Entry>& entry);
  // Adds or replaces; evicts least recently used entries beyond the bounds. An entry larger
  // than an eighth of max_bytes is not kept.
  void Put(const std::string& key, std::shared_ptr<const Entry> entry);

  // The response for a hit: the entry's status, headers and shared body.
  static http::Response ToResponse(const Entry& entry);

  using Stats = ResponseCacheStats;
  Stats stats() const;
  void CountHit();
  void CountStale();

 private:
  struct Item {
    std::string key;
    std::shared_ptr<const Entry> entry;
    size_t bytes;
  };
  void EvictLocked();

  const size_t max_bytes_;
  const size_t max_entries_;
  mutable std::mutex mu_;
  std::list<Item> lru_;  // most recently used first; guarded by mu_
  std::unordered_map<std::string, std::list<Item>::iterator> index_;  // guarded by mu_
  size_t bytes_ = 0;                                                   // guarded by mu_
  uint64_t hits_ = 0, stale_ = 0, stores_ = 0;                          // guarded by mu_
};

// The key of a GET (or HEAD: same answer) of `request` at microversion `version` with links
// under `base_url`, by the caller `ctx` (every identity field policy or rendering can read;
// not the token, request id or catalog).
std::string ResponseCacheKey(const http::Request& request, std::string_view version,
                             std::string_view base_url, const auth::RequestContext& ctx);

}  // namespace magnum::api
