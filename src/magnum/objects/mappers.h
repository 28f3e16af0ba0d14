// One mapper per table: typed object <-> db::Row, and typed reads/writes through
// db::Database. The only place (with db/) that names columns to read rows.
//
// FromRow<T> reads every column of T's table; a stored status outside the enum is
// kInternal (the row is not what any component writes). List and ForEach read rows through
// Database::ListRows straight into objects (FromColumns), with no db::Row in between. ToRow writes every column (JSON
// columns as their JSON text, nullopt as NULL), except `id` while it is 0 (not stored
// yet, so that Insert assigns it). Thread-safe (pure functions).
#pragma once

#include <algorithm>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/common/error.h"
#include "magnum/db/database.h"
#include "magnum/db/record.h"
#include "magnum/db/schema.h"
#include "magnum/objects/autoscaler_state.h"
#include "magnum/objects/cluster.h"
#include "magnum/objects/cluster_event.h"
#include "magnum/objects/cluster_lock.h"
#include "magnum/objects/cluster_template.h"
#include "magnum/objects/container.h"
#include "magnum/objects/federation.h"
#include "magnum/objects/magnum_service.h"
#include "magnum/objects/nodegroup.h"
#include "magnum/objects/quota.h"
#include "magnum/objects/x509keypair.h"

namespace magnum::objects {

// The table each object lives in.
template <typename T>
inline constexpr const char* kTableOf = nullptr;
template <> inline constexpr const char* kTableOf<ClusterTemplate> = db::kClusterTemplateTable;
template <> inline constexpr const char* kTableOf<Cluster> = db::kClusterTable;
template <> inline constexpr const char* kTableOf<NodeGroup> = db::kNodeGroupTable;
template <> inline constexpr const char* kTableOf<X509KeyPair> = db::kX509KeyPairTable;
template <> inline constexpr const char* kTableOf<Quota> = db::kQuotaTable;
template <> inline constexpr const char* kTableOf<Federation> = db::kFederationTable;
template <> inline constexpr const char* kTableOf<MagnumService> = db::kMagnumServiceTable;
template <> inline constexpr const char* kTableOf<ClusterEvent> = db::kClusterEventTable;
template <> inline constexpr const char* kTableOf<ClusterLock> = db::kClusterLockTable;
template <>
inline constexpr const char* kTableOf<Container> = db::kContainerTable;
template <>
inline constexpr const char* kTableOf<AutoscalerState> = db::kAutoscalerStateTable;

// Defined (explicitly instantiated) for every object type above.
template <typename T>
Result<T> FromRow(const db::Row& row);
// The same, moving the row's text into the object (the row is left valid but unspecified).
template <typename T>
Result<T> FromRow(db::Row&& row);

db::Row ToRow(const ClusterTemplate& t);
db::Row ToRow(const Cluster& c);
db::Row ToRow(const NodeGroup& ng);
db::Row ToRow(const X509KeyPair& k);
db::Row ToRow(const Quota& q);
db::Row ToRow(const Federation& f);
db::Row ToRow(const MagnumService& s);
db::Row ToRow(const ClusterEvent& e);
db::Row ToRow(const ClusterLock& l);
db::Row ToRow(const Container& c);
db::Row ToRow(const AutoscalerState& a);

// The columns whose stored value differs between `before` and `after` (with after's
// values): the change set of an Update.
db::Row ChangedColumns(const db::Row& before, const db::Row& after);
template <typename T>
db::Row ChangedColumns(const T& before, const T& after) {
  return ChangedColumns(ToRow(before), ToRow(after));
}
// The columns `patch` sets: those whose value differs from a default-constructed T's (a
// member set to a non-null value). For writes of a few columns without a stored row.
template <typename T>
db::Row SetColumns(const T& patch) {
  return ChangedColumns(T{}, patch);
}

// A condition that `column` still holds its value in `stored` (IS NULL for NULL): for
// compare-and-set updates.
db::Condition Unchanged(const db::Row& stored, const std::string& column);

// The JSON text a JSON column stores for these values (byte-identical to what the
// mappers write), e.g. for a compare-and-set condition.
std::string EncodeJsonColumn(const StringMap& map);
std::string EncodeJsonColumn(const NullableStringMap& map);
std::string EncodeJsonColumn(const StringList& list);
std::string EncodeJsonColumn(const TaintList& taints);

// The `id` of a stored row of any table (nullopt when it has none).
std::optional<int64_t> IdOf(const db::Row& row);

template <typename T>
Result<std::vector<T>> FromRows(const std::vector<db::Row>& rows) {
  std::vector<T> out;
  out.reserve(rows.size());
  for (const auto& r : rows) {
    MAGNUM_ASSIGN_OR_RETURN(T obj, FromRow<T>(r));
    out.push_back(std::move(obj));
  }
  return out;
}

// ---- Objects from column views (Database::ListRows) -----------------------------------

// Where each column T's mapper reads (in its own order) is in a ListRows row: its index, or
// -1 when the row does not have it. Built once per query shape.
using ColumnPositions = std::vector<int>;
// For rows of every column of T's table (a query naming no columns). Built once; lives forever.
template <typename T>
const ColumnPositions& AllColumnPositions();
// For rows of `columns` (a query's; empty: AllColumnPositions<T>()).
template <typename T>
ColumnPositions ColumnPositionsFor(const std::vector<std::string>& columns);
// The positions for rows of `query`: AllColumnPositions<T>(), or those of its columns kept in
// `storage`.
template <typename T>
const ColumnPositions& ColumnPositionsOf(const db::ListQuery& query, ColumnPositions& storage) {
  if (query.columns.empty()) return AllColumnPositions<T>();
  storage = ColumnPositionsFor<T>(query.columns);
  return storage;
}

// Sets each member of `obj` whose column `positions` finds in `row` (NULL resets it); the
// others are left as they are, so an object can be reused row after row (its strings and
// label maps keep their storage). A stored status outside its enum is kInternal (every other
// member is still set).
template <typename T>
Result<void> FromColumns(std::span<const db::ColumnView> row, const ColumnPositions& positions,
                         T& obj);

// ---- Typed database access ---------------------------------------------------------

// Calls fn(const T&) -> Result<void> for each object `query` lists, in order. The object is
// one instance refilled for every row (copy what must outlive the call); `fn` must not use
// `db` (see Database::ListRows). An error from `fn` stops the listing and is returned.
template <typename T, typename Fn>
Result<void> ForEach(db::Database& db, const db::ListQuery& query, Fn&& fn) {
  ColumnPositions storage;
  const ColumnPositions& positions = ColumnPositionsOf<T>(query, storage);
  T obj;
  return db.ListRows(kTableOf<T>, query,
                     [&](std::span<const db::ColumnView> row) -> Result<void> {
                       MAGNUM_RETURN_IF_ERROR(FromColumns<T>(row, positions, obj));
                       return fn(static_cast<const T&>(obj));
                     });
}

template <typename T>
Result<std::vector<T>> List(db::Database& db, const db::ListQuery& query) {
  ColumnPositions storage;
  const ColumnPositions& positions = ColumnPositionsOf<T>(query, storage);
  std::vector<T> out;
  if (query.limit) out.reserve(static_cast<size_t>(std::clamp<int64_t>(*query.limit, 0, 64)));
  MAGNUM_RETURN_IF_ERROR(db.ListRows(kTableOf<T>, query,
                                     [&](std::span<const db::ColumnView> row) -> Result<void> {
                                       return FromColumns<T>(row, positions, out.emplace_back());
                                     }));
  return out;
}

template <typename T>
Result<std::optional<T>> GetOne(db::Database& db, const db::Filter& filter) {
  MAGNUM_ASSIGN_OR_RETURN(auto row, db.GetOne(kTableOf<T>, filter));
  if (!row) return std::optional<T>();
  MAGNUM_ASSIGN_OR_RETURN(T obj, FromRow<T>(std::move(*row)));
  return std::optional<T>(std::move(obj));
}

// Writes the columns of `after` that differ from `before` to the rows matching `filter`
// (typically `before`'s row, with the expected current values for a compare-and-set).
// Returns the rows changed; when nothing differs, the rows matching `filter`.
template <typename T>
Result<int64_t> Update(db::Database& db, const db::Filter& filter, const T& before,
                       const T& after) {
  db::Row changes = ChangedColumns(before, after);
  if (changes.empty()) return db.Count(kTableOf<T>, filter);
  return db.Update(kTableOf<T>, filter, changes);
}

// Inserts `obj` (its id must be 0) and returns it as stored, with its id.
template <typename T>
Result<T> Insert(db::Database& db, const T& obj) {
  MAGNUM_ASSIGN_OR_RETURN(db::Row row, db.Insert(kTableOf<T>, ToRow(obj)));
  return FromRow<T>(std::move(row));
}

}  // namespace magnum::objects
