// Database::ListRows's default: List() and views of its rows (backends override it to read
// their result rows in place).
#include <variant>

#include "magnum/db/database.h"

namespace magnum::db {
namespace {

ColumnView ViewOf(const Value* v) {
  ColumnView out;
  if (v == nullptr) return out;
  if (const auto* i = std::get_if<int64_t>(v)) {
    out.kind = ColumnView::Kind::kInt;
    out.integer = *i;
  } else if (const auto* b = std::get_if<bool>(v)) {
    out.kind = ColumnView::Kind::kBool;
    out.integer = *b ? 1 : 0;
  } else if (const auto* s = std::get_if<std::string>(v)) {
    out.kind = ColumnView::Kind::kText;
    out.text = *s;
  }
  return out;
}

}  // namespace

Result<void> Database::ListRows(std::string_view table, const ListQuery& query,
                                const RowVisitor& visit) {
  MAGNUM_ASSIGN_OR_RETURN(std::vector<Row> rows, List(table, query));
  const RowLayout* layout = RowLayout::ForTable(table);
  std::vector<std::string_view> names(query.columns.begin(), query.columns.end());
  if (names.empty() && layout != nullptr) {
    for (size_t i = 0; i < layout->size(); ++i) names.emplace_back(layout->name(i));
  }
  std::vector<ColumnView> views(names.size());
  for (const Row& row : rows) {
    const bool by_position = query.columns.empty() && row.layout() == layout;
    for (size_t i = 0; i < names.size(); ++i) {
      views[i] = ViewOf(by_position ? row.FindAt(static_cast<int>(i)) : row.Find(names[i]));
    }
    MAGNUM_RETURN_IF_ERROR(visit(views));
  }
  return {};
}

}  // namespace magnum::db
