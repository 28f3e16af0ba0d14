// Rows, values and filters exchanged with the storage layer.
//
// The storage layer is schema-driven (see schema.h): a Row maps column names to Values.
// JSON-typed columns (labels, address lists, ...) travel as their JSON text; timestamps as
// sortable text in the storage form of common/clock.h. Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace magnum::db {

// NULL, integer, boolean, or text (text, JSON text, or timestamp).
using Value = std::variant<std::monostate, int64_t, bool, std::string>;

inline bool IsNull(const Value& v) { return std::holds_alternative<std::monostate>(v); }

// The column names of a table in schema order, with a name -> position index (open
// addressing on a cheap hash, seeded at construction so that the table's names rarely
// share a slot). Immutable; thread-safe. At most 64 columns.
class RowLayout {
 public:
  explicit RowLayout(std::vector<std::string> names);

  // The layout of `table` (every column of schema.h, in schema order), or nullptr when
  // there is no such table. Built once per process; lives forever.
  static const RowLayout* ForTable(std::string_view table);

  // The position of `name`, or -1 when it is not a column of this layout.
  int Find(std::string_view name) const;
  size_t size() const { return names_.size(); }
  const std::string& name(size_t index) const { return names_[index]; }

 private:
  size_t Slot(std::string_view name) const;

  std::vector<std::string> names_;
  std::vector<int8_t> slots_;  // power-of-two size; -1 = empty, else a position
  uint32_t seed_ = 0;
};

// A row or a set of column assignments. Absent column = not given / not selected; a
// present column may hold NULL.
//
// Representation: rows read from the database are bound to their table's RowLayout and
// hold one Value per column by position, plus a presence mask (no per-column heap node or
// key string); columns set that the layout does not have (and every column of a row built
// without a layout) are kept as (name, value) pairs. References returned by Get() stay
// valid until the row is next modified. sizeof(Row) is that of a std::map (48 bytes).
class Row {
 public:
  Row() = default;
  // An empty row bound to `layout` (which must outlive the row): setting its columns by
  // name is a hash look-up instead of a search.
  explicit Row(const RowLayout* layout);
  Row(const Row& other);
  Row(Row&& other) noexcept;
  Row& operator=(const Row& other);
  Row& operator=(Row&& other) noexcept;
  ~Row() = default;

  void Set(std::string_view column, Value v);
  void SetNull(std::string_view column) { Set(column, Value()); }
  bool Has(std::string_view column) const { return Find(column) != nullptr; }
  // The value of `column`; NULL when absent.
  const Value& Get(std::string_view column) const;
  bool IsNull(std::string_view column) const { return db::IsNull(Get(column)); }
  // The value of `column`, or nullptr when absent (a present NULL is a monostate Value).
  const Value* Find(std::string_view column) const;

  // Typed accessors: the fallback when the column is absent, NULL, or of another type.
  std::string GetString(std::string_view column, const std::string& fallback = "") const;
  int64_t GetInt(std::string_view column, int64_t fallback = 0) const;
  bool GetBool(std::string_view column, bool fallback = false) const;
  std::optional<std::string> GetOptionalString(std::string_view column) const;
  std::optional<int64_t> GetOptionalInt(std::string_view column) const;
  // The text of `column` without a copy, or nullptr when absent, NULL or not text.
  const std::string* GetText(std::string_view column) const;

  // By position in layout() (for code that resolved the position once, with
  // layout()->Find): nullptr when the row has no layout, the position is out of range or
  // the column is absent.
  const RowLayout* layout() const { return layout_; }
  const Value* FindAt(int index) const {
    return layout_ != nullptr && index >= 0 && index < 64 && (present_ >> index & 1) != 0
               ? &slots_[static_cast<size_t>(index)]
               : nullptr;
  }
  // Sets the column at `index` of layout() (which the row must have).
  void SetAt(int index, Value v) { MutableAt(index) = std::move(v); }
  // The column at `index` of layout() (which the row must have), made present (NULL when
  // it was absent): for readers that fill a row in place.
  Value& MutableAt(int index) {
    present_ |= uint64_t{1} << index;
    return slots_[static_cast<size_t>(index)];
  }

  // Calls fn(std::string_view name, const Value& value) for every present column: the
  // layout's in layout order, then the others in the order they were first set.
  template <typename F>
  void ForEach(F&& fn) const {
    for (uint64_t bits = present_; bits != 0; bits &= bits - 1) {
      const int i = __builtin_ctzll(bits);
      fn(std::string_view(layout_->name(static_cast<size_t>(i))),
         slots_[static_cast<size_t>(i)]);
    }
    for (const auto& [name, value] : extra_) fn(std::string_view(name), value);
  }
  // Every present column, sorted by name: a copy (for tests and diagnostics; prefer
  // ForEach or the accessors).
  std::map<std::string, Value> values() const;
  // The number of present columns.
  size_t size() const {
    return static_cast<size_t>(__builtin_popcountll(present_)) + extra_.size();
  }
  bool empty() const { return present_ == 0 && extra_.empty(); }
  void Erase(std::string_view column);

  // The same columns present with equal values, whatever the representation.
  bool operator==(const Row& other) const;

 private:
  const RowLayout* layout_ = nullptr;
  uint64_t present_ = 0;      // bit i: column i of layout_ is present
  std::unique_ptr<Value[]> slots_;  // layout_->size() values when layout_ is set
  std::vector<std::pair<std::string, Value>> extra_;
};

// One comparison against a column.
struct Condition {
  enum class Op { kEq, kNe, kIn, kNotIn, kIsNull, kNotNull, kLt, kGe };
  std::string column;
  Op op = Op::kEq;
  std::vector<Value> values;  // one for kEq/kNe/kLt/kGe, any number for kIn/kNotIn

  static Condition Eq(std::string c, Value v) { return {std::move(c), Op::kEq, {std::move(v)}}; }
  static Condition Ne(std::string c, Value v) { return {std::move(c), Op::kNe, {std::move(v)}}; }
  static Condition In(std::string c, std::vector<Value> vs) {
    return {std::move(c), Op::kIn, std::move(vs)};
  }
  static Condition NotIn(std::string c, std::vector<Value> vs) {
    return {std::move(c), Op::kNotIn, std::move(vs)};
  }
  static Condition Null(std::string c) { return {std::move(c), Op::kIsNull, {}}; }
  static Condition NotNull(std::string c) { return {std::move(c), Op::kNotNull, {}}; }
  static Condition Lt(std::string c, Value v) { return {std::move(c), Op::kLt, {std::move(v)}}; }
  static Condition Ge(std::string c, Value v) { return {std::move(c), Op::kGe, {std::move(v)}}; }
};

// A filter in conjunctive normal form: every clause must hold; a clause holds when any of
// its conditions does. An empty filter matches every row.
class Filter {
 public:
  Filter() = default;
  // Adds a clause with a single condition (AND).
  Filter& Where(Condition c) {
    clauses_.push_back({std::move(c)});
    return *this;
  }
  // Adds a clause that holds when any of `cs` holds (AND (c1 OR c2 ...)).
  Filter& WhereAny(std::vector<Condition> cs) {
    clauses_.push_back(std::move(cs));
    return *this;
  }
  const std::vector<std::vector<Condition>>& clauses() const { return clauses_; }

 private:
  std::vector<std::vector<Condition>> clauses_;
};

// A page of a listing. Keyset pagination: rows strictly after the marker row in
// (sort_key, id) order. NULLs sort first in ascending order, last in descending order.
struct ListQuery {
  Filter filter;
  std::string sort_key = "id";
  bool sort_desc = false;
  std::optional<int64_t> marker_id;  // the `id` of the last row of the previous page
  std::optional<int64_t> limit;      // none = no limit
  // The columns to read (rows hold only these); empty = every column.
  std::vector<std::string> columns;
};

}  // namespace magnum::db
