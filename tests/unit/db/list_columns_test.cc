// The contract's column selection (ListQuery::columns): rows hold the columns named and no
// others; filter, order, limit and keyset pages work on columns not read; unknown names are
// refused. Run against every contract backend.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "db_test_util.h"
#include "magnum/db/schema.h"

namespace magnum::db {
namespace {

class ListColumnsTest : public testing::DatabaseContractTest {
 protected:
  void InsertTemplates() {
    for (int i = 0; i < 5; ++i) {
      Row r;
      r.Set("uuid", "u-" + std::to_string(i));
      r.Set("name", "t" + std::to_string(4 - i));  // names sort against ids
      r.Set("project_id", std::string(i % 2 == 0 ? "p" : "q"));
      r.Set("labels", std::string(R"({"i": ")" + std::to_string(i) + R"("})"));
      ASSERT_TRUE(db_->Insert(kClusterTemplateTable, r));
    }
  }
};

TEST_P(ListColumnsTest, RowsHoldOnlyTheNamedColumns) {
  InsertTemplates();
  ListQuery q;
  q.columns = {"uuid", "labels"};
  auto rows = db_->List(kClusterTemplateTable, q);
  ASSERT_TRUE(rows) << rows.error().message();
  ASSERT_EQ(rows->size(), 5u);
  for (size_t i = 0; i < rows->size(); ++i) {
    const Row& r = (*rows)[i];
    EXPECT_EQ(r.size(), 2u);
    EXPECT_EQ(r.GetString("uuid"), "u-" + std::to_string(i));  // still in id order
    EXPECT_EQ(r.GetString("labels"), R"({"i": ")" + std::to_string(i) + R"("})");
    EXPECT_FALSE(r.Has("name"));
    EXPECT_FALSE(r.Has("id"));
  }
}

TEST_P(ListColumnsTest, FilterOrderAndPagesUseColumnsNotRead) {
  InsertTemplates();
  ListQuery q;
  q.columns = {"uuid"};
  q.filter.Where(Condition::Eq("project_id", std::string("p")));  // ids 1, 3, 5
  q.sort_key = "name";  // t4, t2, t0 by id: reversed by name
  q.limit = 2;
  auto first = db_->List(kClusterTemplateTable, q);
  ASSERT_TRUE(first) << first.error().message();
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].GetString("uuid"), "u-4");
  EXPECT_EQ((*first)[1].GetString("uuid"), "u-2");
  q.marker_id = 3;  // u-2's id
  auto next = db_->List(kClusterTemplateTable, q);
  ASSERT_TRUE(next) << next.error().message();
  ASSERT_EQ(next->size(), 1u);
  EXPECT_EQ((*next)[0].GetString("uuid"), "u-0");
  EXPECT_EQ((*next)[0].size(), 1u);
}

TEST_P(ListColumnsTest, UnknownColumnIsInvalidArgument) {
  ListQuery q;
  q.columns = {"uuid", "no_such_column"};
  auto rows = db_->List(kClusterTemplateTable, q);
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(rows.error().message().find("no_such_column"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, ListColumnsTest,
                         ::testing::ValuesIn(testing::ContractBackends()), testing::BackendName);

}  // namespace
}  // namespace magnum::db
