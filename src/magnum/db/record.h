// Rows, values and filters exchanged with the storage layer.
//
// The storage layer is schema-driven (see schema.h): a Row maps column names to Values.
// JSON-typed columns (labels, address lists, ...) travel as their JSON text; timestamps as
// sortable text in the storage form of common/clock.h. Value types; thread-compatible.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace magnum::db {

// NULL, integer, boolean, or text (text, JSON text, or timestamp).
using Value = std::variant<std::monostate, int64_t, bool, std::string>;

inline bool IsNull(const Value& v) { return std::holds_alternative<std::monostate>(v); }

// A row or a set of column assignments. Absent key = column not given / not selected.
class Row {
 public:
  Row() = default;

  void Set(const std::string& column, Value v) { values_[column] = std::move(v); }
  void SetNull(const std::string& column) { values_[column] = std::monostate{}; }
  bool Has(const std::string& column) const { return values_.count(column) != 0; }
  // The value of `column`; NULL when absent.
  const Value& Get(const std::string& column) const;
  bool IsNull(const std::string& column) const { return db::IsNull(Get(column)); }

  // Typed accessors: the fallback when the column is absent, NULL, or of another type.
  std::string GetString(const std::string& column, const std::string& fallback = "") const;
  int64_t GetInt(const std::string& column, int64_t fallback = 0) const;
  bool GetBool(const std::string& column, bool fallback = false) const;
  std::optional<std::string> GetOptionalString(const std::string& column) const;
  std::optional<int64_t> GetOptionalInt(const std::string& column) const;

  const std::map<std::string, Value>& values() const { return values_; }
  bool empty() const { return values_.empty(); }
  void Erase(const std::string& column) { values_.erase(column); }

  bool operator==(const Row& other) const { return values_ == other.values_; }

 private:
  std::map<std::string, Value> values_;
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
};

}  // namespace magnum::db
