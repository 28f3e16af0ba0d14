#include "magnum/objects/mappers.h"

#include <algorithm>
#include <string>

#include "magnum/objects/json_columns.h"
#include "magnum/objects/mapper_columns.h"

namespace magnum::objects {
namespace {

using mapper_columns::Columns;

const db::Value kNull;

// Collects the column names a Columns() list visits, in order.
struct Namer {
  std::vector<std::string> names;
  template <typename... A>
  void Id(const char* col, A&&...) { names.emplace_back(col); }
  template <typename... A>
  void Int(const char* col, A&&...) { names.emplace_back(col); }
  template <typename... A>
  void Bool(const char* col, A&&...) { names.emplace_back(col); }
  template <typename... A>
  void Text(const char* col, A&&...) { names.emplace_back(col); }
  template <typename... A>
  void Json(const char* col, A&&...) { names.emplace_back(col); }
  template <typename... A>
  void Status(const char* col, A&&...) { names.emplace_back(col); }
};

// The status columns of both readers below: Derived::Enum(col, out, parse) reads one. The
// first stored value outside its enum is kept in `error` (the other members are still read).
template <typename Derived>
class StatusColumns {
 public:
  void Status(const char* col, std::optional<ClusterStatus>& out) {
    Self().Enum(col, out, ParseClusterStatus);
  }
  void Status(const char* col, std::optional<HealthStatus>& out) {
    Self().Enum(col, out, ParseHealthStatus);
  }
  void Status(const char* col, std::optional<FederationStatus>& out) {
    Self().Enum(col, out, ParseFederationStatus);
  }
  void Status(const char* col, std::optional<ContainerStatus>& out) {
    Self().Enum(col, out, ParseContainerStatus);
  }

  std::optional<Error> error;

 protected:
  // Column `col` of row `id` of `table` holds `text`, no value of its enum.
  void Unknown(std::string_view table, int64_t id, const char* col, std::string_view text) {
    if (error) return;
    error = Error::Internal("A stored " + std::string(table) + " row (id " + std::to_string(id) +
                            ") has an unknown " + col + " '" + std::string(text) + "'.");
  }

 private:
  Derived& Self() { return static_cast<Derived&>(*this); }
};

// Reads columns into members. The first bad value (a status outside its enum) is kept in
// `error`; the other members are still read. Rows bound to their table's layout are read
// by position (`positions`: the layout position of each column Columns() visits, in
// order); text is moved out of the row when `movable` (a row the caller gave away).
class Reader : public StatusColumns<Reader> {
 public:
  Reader(const db::Row& row, std::string_view table, const std::vector<int>& positions,
         bool movable)
      : row_(row),
        table_(table),
        positions_(positions),
        by_position_(row.layout() != nullptr && row.layout() == db::RowLayout::ForTable(table)),
        movable_(movable) {}

  void Id(const char* col, int64_t& out) { out = Int64(Next(col)).value_or(0); }
  void Int(const char* col, int64_t& out) { out = Int64(Next(col)).value_or(0); }
  void Int(const char* col, std::optional<int64_t>& out) { out = Int64(Next(col)); }
  void Bool(const char* col, std::optional<bool>& out) {
    const db::Value& v = Next(col);
    if (auto* b = std::get_if<bool>(&v)) {
      out = *b;
    } else if (auto* i = std::get_if<int64_t>(&v)) {
      out = *i != 0;
    } else {
      out.reset();
    }
  }
  void Text(const char* col, std::string& out) {
    const db::Value& v = Next(col);
    if (auto* s = std::get_if<std::string>(&v)) {
      Take(*s, out);
    } else {
      out = TextOf(v).value_or("");
    }
  }
  void Text(const char* col, std::optional<std::string>& out) {
    const db::Value& v = Next(col);
    if (auto* s = std::get_if<std::string>(&v)) {
      Take(*s, out.emplace());
    } else {
      out = TextOf(v);
    }
  }
  template <typename Container, typename Decode>
  void JsonColumn(const char* col, std::optional<Container>& out, Decode decode) {
    const db::Value& v = Next(col);
    if (auto* s = std::get_if<std::string>(&v)) {
      out = decode(*s);
    } else {
      out.reset();
    }
  }
  void Json(const char* col, std::optional<StringMap>& out) {
    JsonColumn(col, out, json_columns::DecodeStringMap);
  }
  void Json(const char* col, std::optional<NullableStringMap>& out) {
    JsonColumn(col, out, json_columns::DecodeNullableStringMap);
  }
  void Json(const char* col, std::optional<StringList>& out) {
    JsonColumn(col, out, json_columns::DecodeStringList);
  }
  void Json(const char* col, std::optional<TaintList>& out) {
    JsonColumn(col, out, json_columns::DecodeTaints);
  }
  template <typename E, typename Parse>
  void Enum(const char* col, std::optional<E>& out, Parse parse) {
    out.reset();
    auto text = TextOf(Next(col));
    if (!text) return;
    out = parse(*text);
    if (!out) Unknown(table_, Int64(row_.Get("id")).value_or(0), col, *text);
  }

 private:
  // The value of the next column Columns() visits (`col`); NULL when absent.
  const db::Value& Next(const char* col) {
    const size_t i = next_++;
    const db::Value* v = by_position_ && i < positions_.size() ? row_.FindAt(positions_[i])
                                                                : row_.Find(col);
    return v != nullptr ? *v : kNull;
  }
  void Take(const std::string& s, std::string& out) {
    if (movable_) {
      out = std::move(const_cast<std::string&>(s));  // the row is the caller's to consume
    } else {
      out = s;
    }
  }
  static std::optional<int64_t> Int64(const db::Value& v) {
    if (auto* i = std::get_if<int64_t>(&v)) return *i;
    if (auto* b = std::get_if<bool>(&v)) return *b ? 1 : 0;
    return std::nullopt;
  }
  static std::optional<std::string> TextOf(const db::Value& v) {
    if (auto* s = std::get_if<std::string>(&v)) return *s;
    if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
    return std::nullopt;
  }

  const db::Row& row_;
  std::string_view table_;
  const std::vector<int>& positions_;
  const bool by_position_;
  const bool movable_;
  size_t next_ = 0;
};

// Reads ListRows column views into members (FromColumns): by the position of each column
// Columns() visits, in order; a column the row lacks leaves its member alone. Text is copied
// into the member's existing string (no allocation when it fits), labels reuse the map's nodes.
class ViewReader : public StatusColumns<ViewReader> {
 public:
  ViewReader(std::span<const db::ColumnView> row, std::string_view table,
             const std::vector<int>& positions)
      : row_(row), table_(table), positions_(positions) {}

  void Id(const char* col, int64_t& out) {
    if (const db::ColumnView* v = Next()) id_ = out = IntOf(*v).value_or(0);
    (void)col;
  }
  void Int(const char*, int64_t& out) {
    if (const db::ColumnView* v = Next()) out = IntOf(*v).value_or(0);
  }
  void Int(const char*, std::optional<int64_t>& out) {
    if (const db::ColumnView* v = Next()) out = IntOf(*v);
  }
  void Bool(const char*, std::optional<bool>& out) {
    const db::ColumnView* v = Next();
    if (v == nullptr) return;
    if (v->kind == db::ColumnView::Kind::kBool || v->kind == db::ColumnView::Kind::kInt) {
      out = v->integer != 0;
    } else {
      out.reset();
    }
  }
  void Text(const char*, std::string& out) {
    const db::ColumnView* v = Next();
    if (v == nullptr) return;
    if (!AssignText(*v, out)) out.clear();
  }
  void Text(const char*, std::optional<std::string>& out) {
    const db::ColumnView* v = Next();
    if (v == nullptr) return;
    if (!out) out.emplace();
    if (!AssignText(*v, *out)) out.reset();
  }
  template <typename Container, typename Decode>
  void JsonColumn(std::optional<Container>& out, Decode decode) {
    const db::ColumnView* v = Next();
    if (v == nullptr) return;
    if (v->kind == db::ColumnView::Kind::kText) {
      out = decode(v->text);
    } else {
      out.reset();
    }
  }
  void Json(const char*, std::optional<StringMap>& out) {
    const db::ColumnView* v = Next();
    if (v == nullptr) return;
    if (v->kind != db::ColumnView::Kind::kText || !json_columns::DecodeStringMapInto(v->text, out)) {
      out.reset();
    }
  }
  void Json(const char*, std::optional<NullableStringMap>& out) {
    JsonColumn(out, json_columns::DecodeNullableStringMap);
  }
  void Json(const char*, std::optional<StringList>& out) {
    JsonColumn(out, json_columns::DecodeStringList);
  }
  void Json(const char*, std::optional<TaintList>& out) {
    JsonColumn(out, json_columns::DecodeTaints);
  }
  template <typename E, typename Parse>
  void Enum(const char* col, std::optional<E>& out, Parse parse) {
    const db::ColumnView* v = Next();
    if (v == nullptr) return;
    out.reset();
    std::string number;  // an integer's text (only when one was stored)
    if (v->kind == db::ColumnView::Kind::kInt) number = std::to_string(v->integer);
    if (v->kind != db::ColumnView::Kind::kText && number.empty()) return;
    const std::string_view text = number.empty() ? v->text : std::string_view(number);
    out = parse(text);
    if (!out) Unknown(table_, id_, col, text);
  }

 private:
  // The view of the next column Columns() visits; nullptr when the row does not have it.
  const db::ColumnView* Next() {
    const size_t i = next_++;
    const int pos = i < positions_.size() ? positions_[i] : -1;
    return pos >= 0 && static_cast<size_t>(pos) < row_.size() ? &row_[static_cast<size_t>(pos)]
                                                               : nullptr;
  }
  static std::optional<int64_t> IntOf(const db::ColumnView& v) {
    if (v.kind == db::ColumnView::Kind::kInt || v.kind == db::ColumnView::Kind::kBool) {
      return v.integer;
    }
    return std::nullopt;
  }
  // The text of `v` into `out` (an integer as its decimal text, as Reader::TextOf); false
  // when it has none (NULL or a boolean).
  static bool AssignText(const db::ColumnView& v, std::string& out) {
    if (v.kind == db::ColumnView::Kind::kText) {
      out.assign(v.text);
      return true;
    }
    if (v.kind == db::ColumnView::Kind::kInt) {
      out = std::to_string(v.integer);
      return true;
    }
    return false;
  }

  std::span<const db::ColumnView> row_;
  std::string_view table_;
  const std::vector<int>& positions_;
  size_t next_ = 0;
  int64_t id_ = 0;
};

// Writes members into columns (nullopt as NULL).
class Writer {
 public:
  void Id(const char* col, int64_t id) {
    if (id != 0) row.Set(col, id);
  }
  void Int(const char* col, int64_t v) { row.Set(col, v); }
  void Int(const char* col, const std::optional<int64_t>& v) { Put(col, v); }
  void Bool(const char* col, const std::optional<bool>& v) { Put(col, v); }
  void Text(const char* col, const std::string& v) { row.Set(col, v); }
  void Text(const char* col, const std::optional<std::string>& v) { Put(col, v); }
  template <typename Container>
  void Json(const char* col, const std::optional<Container>& v) {
    if (v) {
      row.Set(col, json_columns::Encode(*v));
    } else {
      row.SetNull(col);
    }
  }
  template <typename E>
  void Status(const char* col, const std::optional<E>& v) {
    if (v) {
      row.Set(col, std::string(Name(*v)));
    } else {
      row.SetNull(col);
    }
  }

  db::Row row;

 private:
  template <typename V>
  void Put(const char* col, const std::optional<V>& v) {
    if (v) {
      row.Set(col, *v);
    } else {
      row.SetNull(col);
    }
  }
};

template <typename T>
Result<T> Read(const db::Row& row, bool movable = false) {
  T obj;
  Reader r(row, kTableOf<T>, AllColumnPositions<T>(), movable);
  Columns(r, obj, static_cast<const T*>(nullptr));
  if (r.error) return Fail(*r.error);
  return obj;
}

// The names of T's columns in Columns() order.
template <typename T>
const std::vector<std::string>& ColumnNames() {
  static const std::vector<std::string> names = [] {
    Namer namer;
    T obj;
    Columns(namer, obj, static_cast<const T*>(nullptr));
    return std::move(namer.names);
  }();
  return names;
}

template <typename T>
db::Row Write(const T& obj) {
  Writer w;
  Columns(w, obj, static_cast<const T*>(nullptr));
  return std::move(w.row);
}

}  // namespace

template <typename T>
const ColumnPositions& AllColumnPositions() {
  // ListRows rows of every column are in schema order, the order of the table's RowLayout.
  static const ColumnPositions positions = [] {
    const db::RowLayout* layout = db::RowLayout::ForTable(kTableOf<T>);
    ColumnPositions out;
    for (const auto& n : ColumnNames<T>()) out.push_back(layout ? layout->Find(n) : -1);
    return out;
  }();
  return positions;
}

template <typename T>
ColumnPositions ColumnPositionsFor(const std::vector<std::string>& columns) {
  if (columns.empty()) return AllColumnPositions<T>();
  ColumnPositions out;
  for (const auto& n : ColumnNames<T>()) {
    const auto it = std::find(columns.begin(), columns.end(), n);
    out.push_back(it == columns.end() ? -1 : static_cast<int>(it - columns.begin()));
  }
  return out;
}

template <typename T>
Result<void> FromColumns(std::span<const db::ColumnView> row, const ColumnPositions& positions,
                         T& obj) {
  ViewReader r(row, kTableOf<T>, positions);
  Columns(r, obj, static_cast<const T*>(nullptr));
  if (r.error) return Fail(*r.error);
  return {};
}

template <typename T>
Result<T> FromRow(const db::Row& row) {
  return Read<T>(row, false);
}

template <typename T>
Result<T> FromRow(db::Row&& row) {
  return Read<T>(row, true);
}

// The objects there are mappers for.
#define MAGNUM_OBJECT_MAPPER(T)                                                       \
  template Result<T> FromRow<T>(const db::Row& row);                                 \
  template Result<T> FromRow<T>(db::Row && row);                                     \
  template const ColumnPositions& AllColumnPositions<T>();                           \
  template ColumnPositions ColumnPositionsFor<T>(const std::vector<std::string>& columns); \
  template Result<void> FromColumns<T>(std::span<const db::ColumnView> row,          \
                                       const ColumnPositions& positions, T& obj);
MAGNUM_OBJECT_MAPPER(ClusterTemplate)
MAGNUM_OBJECT_MAPPER(Cluster)
MAGNUM_OBJECT_MAPPER(NodeGroup)
MAGNUM_OBJECT_MAPPER(X509KeyPair)
MAGNUM_OBJECT_MAPPER(Quota)
MAGNUM_OBJECT_MAPPER(Federation)
MAGNUM_OBJECT_MAPPER(MagnumService)
MAGNUM_OBJECT_MAPPER(ClusterEvent)
MAGNUM_OBJECT_MAPPER(ClusterLock)
MAGNUM_OBJECT_MAPPER(Container)
MAGNUM_OBJECT_MAPPER(AutoscalerState)
#undef MAGNUM_OBJECT_MAPPER

db::Row ToRow(const ClusterTemplate& t) { return Write(t); }
db::Row ToRow(const Cluster& c) { return Write(c); }
db::Row ToRow(const NodeGroup& ng) { return Write(ng); }
db::Row ToRow(const X509KeyPair& k) { return Write(k); }
db::Row ToRow(const Quota& q) { return Write(q); }
db::Row ToRow(const Federation& f) { return Write(f); }
db::Row ToRow(const MagnumService& s) { return Write(s); }
db::Row ToRow(const ClusterEvent& e) { return Write(e); }
db::Row ToRow(const ClusterLock& l) { return Write(l); }
db::Row ToRow(const Container& c) { return Write(c); }
db::Row ToRow(const AutoscalerState& a) { return Write(a); }

std::optional<int64_t> IdOf(const db::Row& row) {
  const db::Value& v = row.Get("id");
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  return std::nullopt;
}

db::Row ChangedColumns(const db::Row& before, const db::Row& after) {
  db::Row out;
  after.ForEach([&](std::string_view col, const db::Value& value) {
    const db::Value* was = before.Find(col);
    if (was == nullptr || *was != value) out.Set(col, value);
  });
  return out;
}

db::Condition Unchanged(const db::Row& stored, const std::string& column) {
  if (stored.IsNull(column)) return db::Condition::Null(column);
  return db::Condition::Eq(column, stored.Get(column));
}

std::string EncodeJsonColumn(const StringMap& map) { return json_columns::Encode(map); }
std::string EncodeJsonColumn(const NullableStringMap& map) { return json_columns::Encode(map); }
std::string EncodeJsonColumn(const StringList& list) { return json_columns::Encode(list); }
std::string EncodeJsonColumn(const TaintList& taints) { return json_columns::Encode(taints); }

}  // namespace magnum::objects
