// Database::ListRows: the rows List() returns, as column views, for every contract backend
// (SQLite reads them in place from its statement; the default builds them from List()):
// every column type, NULLs, non-ASCII and escaped text, column subsets, filter, order and
// keyset pages, a visitor's error, and (SQLite) a visitor that calls the database.
#include <gtest/gtest.h>

#include <ostream>
#include <string>
#include <vector>

#include "db_test_util.h"
#include "magnum/db/schema.h"

namespace magnum::db {
namespace {

// Forwards everything but ListRows, so that the Database default (built on List) runs.
class DefaultListRows final : public Database {
 public:
  explicit DefaultListRows(Database& inner) : inner_(inner) {}
  Result<Row> Insert(std::string_view t, const Row& v) override { return inner_.Insert(t, v); }
  Result<std::vector<Row>> List(std::string_view t, const ListQuery& q) override {
    return inner_.List(t, q);
  }
  Result<std::optional<Row>> GetOne(std::string_view t, const Filter& f) override {
    return inner_.GetOne(t, f);
  }
  Result<int64_t> Count(std::string_view t, const Filter& f) override { return inner_.Count(t, f); }
  Result<int64_t> Update(std::string_view t, const Filter& f, const Row& c) override {
    return inner_.Update(t, f, c);
  }
  Result<int64_t> Delete(std::string_view t, const Filter& f) override {
    return inner_.Delete(t, f);
  }
  Result<int64_t> Sum(std::string_view t, std::string_view c, const Filter& f) override {
    return inner_.Sum(t, c, f);
  }
  Result<void> Transaction(const std::function<Result<void>(Database& tx)>& fn) override {
    return inner_.Transaction(fn);
  }
  Result<int> SchemaVersion() override { return inner_.SchemaVersion(); }
  Result<int> Upgrade() override { return inner_.Upgrade(); }

 private:
  Database& inner_;
};

// A column view copied out of the visitor (views die with the call).
struct Cell {
  ColumnView::Kind kind;
  int64_t integer;
  std::string text;
  bool operator==(const Cell&) const = default;
};
void PrintTo(const Cell& c, std::ostream* os) {
  *os << "{kind " << static_cast<int>(c.kind) << ", " << c.integer << ", \"" << c.text << "\"}";
}
using Table = std::vector<std::vector<Cell>>;

Result<Table> ReadRows(Database& db, std::string_view table, const ListQuery& q) {
  Table out;
  MAGNUM_RETURN_IF_ERROR(db.ListRows(table, q, [&](std::span<const ColumnView> row) {
    auto& cells = out.emplace_back();
    for (const auto& v : row) cells.push_back({v.kind, v.integer, std::string(v.text)});
    return Result<void>();
  }));
  return out;
}

// The cells List() gives for the same query, in the order ListRows promises.
Table FromList(Database& db, std::string_view table, const ListQuery& q) {
  auto rows = db.List(table, q);
  EXPECT_TRUE(rows) << rows.error().message();
  std::vector<std::string> names = q.columns;
  if (names.empty()) {
    for (const auto& c : FindTable(table)->columns) names.push_back(c.name);
  }
  Table out;
  for (const Row& r : rows.value_or(std::vector<Row>())) {
    auto& cells = out.emplace_back();
    for (const auto& n : names) {
      const Value& v = r.Get(n);
      if (const auto* i = std::get_if<int64_t>(&v)) {
        cells.push_back({ColumnView::Kind::kInt, *i, ""});
      } else if (const auto* b = std::get_if<bool>(&v)) {
        cells.push_back({ColumnView::Kind::kBool, *b ? 1 : 0, ""});
      } else if (const auto* s = std::get_if<std::string>(&v)) {
        cells.push_back({ColumnView::Kind::kText, 0, *s});
      } else {
        cells.push_back({ColumnView::Kind::kNull, 0, ""});
      }
    }
  }
  return out;
}

class ListRowsTest : public testing::DatabaseContractTest {
 protected:
  // Three templates: every column type set, then mostly NULL, then text that is not ASCII,
  // has escapes and an embedded NUL.
  void InsertTemplates() {
    Row full;
    full.Set("uuid", std::string("u-0"));
    full.Set("name", std::string("plain"));
    full.Set("project_id", std::string("p"));
    full.Set("apiserver_port", int64_t{6443});
    full.Set("docker_volume_size", int64_t{-2147483648LL * 4});
    full.Set("public", true);
    full.Set("hidden", false);
    full.Set("labels", std::string(R"({"a":"1","b":"2"})"));
    full.Set("created_at", std::string("2026-01-01T10:00:00.123456"));
    ASSERT_TRUE(db_->Insert(kClusterTemplateTable, full));
    Row nulls;
    nulls.Set("uuid", std::string("u-1"));
    ASSERT_TRUE(db_->Insert(kClusterTemplateTable, nulls));
    Row text;
    text.Set("uuid", std::string("u-2"));
    text.Set("name", std::string("k8s-\xc3\xa9t\xc3\xa9 \"q\"\\ \xe2\x9c\x93 \xf0\x9f\x9a\x80"));
    text.Set("project_id", std::string("p"));
    text.Set("tags", std::string(""));
    text.Set("http_proxy", std::string("a\0b", 3));
    text.Set("labels", std::string(R"({"\u00fc":"\n\t\u0001"})"));
    text.Set("registry_enabled", true);
    ASSERT_TRUE(db_->Insert(kClusterTemplateTable, text));
  }

  void ExpectSameAsList(const ListQuery& q) {
    const Table want = FromList(*db_, kClusterTemplateTable, q);
    ASSERT_OK_AND_ASSIGN(Table got, ReadRows(*db_, kClusterTemplateTable, q));
    EXPECT_EQ(got, want);
    DefaultListRows fallback(*db_);
    ASSERT_OK_AND_ASSIGN(Table by_default, ReadRows(fallback, kClusterTemplateTable, q));
    EXPECT_EQ(by_default, want);
  }
};

TEST_P(ListRowsTest, EveryColumnInSchemaOrderWithItsType) {
  InsertTemplates();
  ASSERT_OK_AND_ASSIGN(Table got, ReadRows(*db_, kClusterTemplateTable, ListQuery()));
  ASSERT_EQ(got.size(), 3u);
  const TableSchema& schema = *FindTable(kClusterTemplateTable);
  ASSERT_EQ(got[0].size(), schema.columns.size());
  auto cell = [&](size_t row, std::string_view name) {
    for (size_t i = 0; i < schema.columns.size(); ++i) {
      if (schema.columns[i].name == name) return got[row][i];
    }
    ADD_FAILURE() << "no column " << name;
    return Cell{};
  };
  EXPECT_EQ(cell(0, "id"), (Cell{ColumnView::Kind::kInt, 1, ""}));
  EXPECT_EQ(cell(0, "uuid"), (Cell{ColumnView::Kind::kText, 0, "u-0"}));
  EXPECT_EQ(cell(0, "apiserver_port"), (Cell{ColumnView::Kind::kInt, 6443, ""}));
  EXPECT_EQ(cell(0, "docker_volume_size"), (Cell{ColumnView::Kind::kInt, -8589934592LL, ""}));
  EXPECT_EQ(cell(0, "public"), (Cell{ColumnView::Kind::kBool, 1, ""}));
  EXPECT_EQ(cell(0, "hidden"), (Cell{ColumnView::Kind::kBool, 0, ""}));
  EXPECT_EQ(cell(0, "labels"), (Cell{ColumnView::Kind::kText, 0, R"({"a":"1","b":"2"})"}));
  EXPECT_EQ(cell(0, "created_at"),
            (Cell{ColumnView::Kind::kText, 0, "2026-01-01T10:00:00.123456"}));
  // NULL in every type.
  for (const char* name : {"name", "apiserver_port", "public", "labels", "created_at"}) {
    EXPECT_EQ(cell(1, name), (Cell{ColumnView::Kind::kNull, 0, ""})) << name;
  }
  EXPECT_EQ(cell(2, "name").text, "k8s-\xc3\xa9t\xc3\xa9 \"q\"\\ \xe2\x9c\x93 \xf0\x9f\x9a\x80");
  EXPECT_EQ(cell(2, "tags"), (Cell{ColumnView::Kind::kText, 0, ""}));  // empty, not NULL
  EXPECT_EQ(cell(2, "http_proxy").text, std::string("a\0b", 3));
  EXPECT_EQ(cell(2, "labels").text, R"({"\u00fc":"\n\t\u0001"})");
  ExpectSameAsList(ListQuery());
}

TEST_P(ListRowsTest, ColumnsInTheQuerysOrder) {
  InsertTemplates();
  ListQuery q;
  q.columns = {"labels", "id", "public", "name"};
  ASSERT_OK_AND_ASSIGN(Table got, ReadRows(*db_, kClusterTemplateTable, q));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], (std::vector<Cell>{{ColumnView::Kind::kText, 0, R"({"a":"1","b":"2"})"},
                                       {ColumnView::Kind::kInt, 1, ""},
                                       {ColumnView::Kind::kBool, 1, ""},
                                       {ColumnView::Kind::kText, 0, "plain"}}));
  EXPECT_EQ(got[1][0].kind, ColumnView::Kind::kNull);
  EXPECT_EQ(got[1][1].integer, 2);
  ExpectSameAsList(q);
}

TEST_P(ListRowsTest, FilterOrderLimitAndKeysetPagesAsList) {
  InsertTemplates();
  ListQuery q;
  q.filter.Where(Condition::Eq("project_id", std::string("p")));
  ExpectSameAsList(q);
  q.sort_key = "name";
  q.sort_desc = true;
  ExpectSameAsList(q);
  q = ListQuery();
  q.sort_key = "name";  // NULL first ascending
  q.limit = 2;
  ExpectSameAsList(q);
  q.marker_id = 2;  // u-1, whose name is NULL: the rest of the page takes two selects
  ExpectSameAsList(q);
  ASSERT_OK_AND_ASSIGN(Table page, ReadRows(*db_, kClusterTemplateTable, q));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0][0].integer, 3);  // "k8s-été..." before "plain"
  EXPECT_EQ(page[1][0].integer, 1);
}

TEST_P(ListRowsTest, TheVisitorsErrorStopsTheListing) {
  InsertTemplates();
  int calls = 0;
  auto r = db_->ListRows(kClusterTemplateTable, ListQuery(), [&](std::span<const ColumnView>) {
    ++calls;
    return Result<void>(Fail(Error::FailedPrecondition("stop here")));
  });
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(calls, 1);
  // The database is usable afterwards (the statement was reset).
  ASSERT_OK_AND_ASSIGN(Table all, ReadRows(*db_, kClusterTemplateTable, ListQuery()));
  EXPECT_EQ(all.size(), 3u);
}

TEST_P(ListRowsTest, InsideATransactionItSeesTheTransactionsWrites) {
  InsertTemplates();
  ASSERT_OK(db_->Transaction([](Database& tx) -> Result<void> {
    Row r;
    r.Set("uuid", std::string("u-3"));
    MAGNUM_RETURN_IF_ERROR(tx.Insert(kClusterTemplateTable, r));
    MAGNUM_ASSIGN_OR_RETURN(Table rows, ReadRows(tx, kClusterTemplateTable, ListQuery()));
    EXPECT_EQ(rows.size(), 4u);
    return {};
  }));
}

TEST_P(ListRowsTest, AnUnknownTableOrColumnIsRefused) {
  auto visit = [](std::span<const ColumnView>) { return Result<void>(); };
  auto r = db_->ListRows("no_such_table", ListQuery(), visit);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  ListQuery q;
  q.columns = {"no_such_column"};
  r = db_->ListRows(kClusterTemplateTable, q, visit);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
}

INSTANTIATE_TEST_SUITE_P(Backends, ListRowsTest, ::testing::ValuesIn(testing::ContractBackends()),
                         testing::BackendName);

// SQLite steps its cached statement while the visitor runs: a call back into the database
// from there is refused (kInternal), and the listing and the database go on working.
using testing::SqliteTest;

TEST_F(SqliteTest, ListRowsRefusesCallsFromItsVisitor) {
  Row r;
  r.Set("uuid", std::string("u-0"));
  ASSERT_TRUE(db_->Insert(kClusterTemplateTable, r));
  r.Set("uuid", std::string("u-1"));
  ASSERT_TRUE(db_->Insert(kClusterTemplateTable, r));
  int rows = 0;
  ASSERT_OK(db_->ListRows(kClusterTemplateTable, ListQuery(), [&](std::span<const ColumnView>) {
    ++rows;
    auto nested = db_->List(kClusterTemplateTable, ListQuery());
    EXPECT_FALSE(nested);
    if (!nested) {
      EXPECT_EQ(nested.error().code(), ErrorCode::kInternal);
    }
    return Result<void>();
  }));
  EXPECT_EQ(rows, 2);
  ASSERT_OK_AND_ASSIGN(auto all, db_->List(kClusterTemplateTable, ListQuery()));
  EXPECT_EQ(all.size(), 2u);
}

}  // namespace
}  // namespace magnum::db
