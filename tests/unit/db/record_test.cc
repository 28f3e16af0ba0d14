// Row semantics (absent against NULL, typed fallbacks, equality whatever the representation)
// and RowLayout's name index.
#include "magnum/db/record.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "magnum/db/schema.h"

namespace magnum::db {
namespace {

const RowLayout& ClusterLayout() { return *RowLayout::ForTable(kClusterTable); }

// The same columns set on a row without a layout and on one bound to the cluster layout.
std::vector<Row> BothKinds() {
  std::vector<Row> rows{Row(), Row(&ClusterLayout())};
  for (Row& r : rows) {
    r.Set("name", std::string("c1"));
    r.Set("node_count_extra", int64_t{3});  // not a cluster column: kept by name
    r.SetNull("stack_id");
    r.Set("master_lb_enabled", true);
    r.Set("docker_volume_size", int64_t{20});
  }
  return rows;
}

TEST(RowLayoutTest, EveryColumnOfEveryTableIsFoundAtItsSchemaPosition) {
  for (const TableSchema& t : AllTables()) {
    const RowLayout* layout = RowLayout::ForTable(t.name);
    ASSERT_NE(layout, nullptr) << t.name;
    ASSERT_EQ(layout->size(), t.columns.size());
    for (size_t i = 0; i < t.columns.size(); ++i) {
      EXPECT_EQ(layout->Find(t.columns[i].name), static_cast<int>(i)) << t.name;
      EXPECT_EQ(layout->name(i), t.columns[i].name);
    }
    for (const char* other : {"", "x", "uuid_", "Name", "created_a", "updated_att", "idd"}) {
      EXPECT_EQ(layout->Find(other), -1) << t.name << "." << other;
    }
  }
  EXPECT_EQ(RowLayout::ForTable("no_such_table"), nullptr);
  EXPECT_EQ(RowLayout::ForTable(kClusterTable), RowLayout::ForTable(kClusterTable));
}

TEST(RowLayoutTest, NamesSharingLengthAndEndsAreToldApart) {
  std::vector<std::string> names;
  for (char c = 'a'; c <= 'z'; ++c) names.push_back(std::string("x") + c + "y");
  for (char c = 'a'; c <= 'z'; ++c) names.push_back(std::string("xy") + c + "yy");
  RowLayout layout(names);
  for (size_t i = 0; i < names.size(); ++i) EXPECT_EQ(layout.Find(names[i]), static_cast<int>(i));
  EXPECT_EQ(layout.Find("xzzy"), -1);
}

TEST(RowTest, AbsentIsNotNull) {
  for (const Row& r : BothKinds()) {
    EXPECT_TRUE(r.Has("stack_id"));
    EXPECT_TRUE(r.IsNull("stack_id"));
    EXPECT_NE(r.Find("stack_id"), nullptr);
    EXPECT_FALSE(r.Has("api_address"));  // a cluster column never set
    EXPECT_TRUE(r.IsNull("api_address"));
    EXPECT_EQ(r.Find("api_address"), nullptr);
    EXPECT_FALSE(r.Has("no_such_column"));
    EXPECT_TRUE(IsNull(r.Get("no_such_column")));
    EXPECT_EQ(r.size(), 5u);
  }
}

TEST(RowTest, TypedAccessorsFallBackOnAbsentNullAndOtherTypes) {
  for (const Row& r : BothKinds()) {
    EXPECT_EQ(r.GetString("name"), "c1");
    EXPECT_EQ(r.GetString("stack_id", "fb"), "fb");
    EXPECT_EQ(r.GetString("api_address", "fb"), "fb");
    EXPECT_EQ(r.GetString("docker_volume_size", "fb"), "fb");
    EXPECT_EQ(r.GetInt("docker_volume_size"), 20);
    EXPECT_EQ(r.GetInt("node_count_extra"), 3);
    EXPECT_EQ(r.GetInt("master_lb_enabled"), 1);  // a boolean reads as 0/1
    EXPECT_EQ(r.GetInt("name", -7), -7);
    EXPECT_EQ(r.GetInt("stack_id", -7), -7);
    EXPECT_TRUE(r.GetBool("master_lb_enabled"));
    EXPECT_TRUE(r.GetBool("docker_volume_size"));  // a non-zero integer is true
    EXPECT_TRUE(r.GetBool("api_address", true));
    EXPECT_FALSE(r.GetBool("name"));
    EXPECT_EQ(r.GetOptionalString("name"), "c1");
    EXPECT_EQ(r.GetOptionalString("stack_id"), std::nullopt);
    EXPECT_EQ(r.GetOptionalString("docker_volume_size"), std::nullopt);
    EXPECT_EQ(r.GetOptionalInt("docker_volume_size"), 20);
    EXPECT_EQ(r.GetOptionalInt("master_lb_enabled"), std::nullopt);
    EXPECT_EQ(r.GetOptionalInt("api_address"), std::nullopt);
    ASSERT_NE(r.GetText("name"), nullptr);
    EXPECT_EQ(*r.GetText("name"), "c1");
    EXPECT_EQ(r.GetText("stack_id"), nullptr);
    EXPECT_EQ(r.GetText("docker_volume_size"), nullptr);
  }
}

TEST(RowTest, EqualityIgnoresRepresentationAndSetOrder) {
  std::vector<Row> both = BothKinds();
  EXPECT_EQ(both[0], both[1]);
  EXPECT_EQ(both[1], both[0]);
  Row reordered(&ClusterLayout());
  reordered.Set("docker_volume_size", int64_t{20});
  reordered.Set("master_lb_enabled", true);
  reordered.SetNull("stack_id");
  reordered.Set("node_count_extra", int64_t{3});
  reordered.Set("name", std::string("c1"));
  EXPECT_EQ(reordered, both[0]);

  Row other = both[1];
  other.Set("name", std::string("c2"));
  EXPECT_FALSE(other == both[0]);
  Row absent = both[0];
  absent.Erase("stack_id");  // absent is not equal to NULL
  EXPECT_FALSE(absent == both[1]);
  Row null_for_value = both[1];
  null_for_value.SetNull("docker_volume_size");
  EXPECT_FALSE(null_for_value == both[0]);
  Row typed = both[0];
  typed.Set("master_lb_enabled", int64_t{1});  // same number, other type
  EXPECT_FALSE(typed == both[1]);
  EXPECT_EQ(Row(), Row(&ClusterLayout()));
}

TEST(RowTest, SetReplacesAndEraseRemoves) {
  for (Row r : BothKinds()) {
    r.Set("name", std::string("c2"));
    r.Set("node_count_extra", int64_t{4});
    EXPECT_EQ(r.size(), 5u);
    EXPECT_EQ(r.GetString("name"), "c2");
    EXPECT_EQ(r.GetInt("node_count_extra"), 4);
    r.Erase("name");
    r.Erase("node_count_extra");
    r.Erase("never_set");
    EXPECT_FALSE(r.Has("name"));
    EXPECT_FALSE(r.Has("node_count_extra"));
    EXPECT_EQ(r.size(), 3u);
    r.Erase("stack_id");
    r.Erase("master_lb_enabled");
    r.Erase("docker_volume_size");
    EXPECT_TRUE(r.empty());
    r.SetNull("name");
    EXPECT_FALSE(r.empty());
  }
}

TEST(RowTest, ValuesAreSortedByNameAndForEachVisitsEachOnce) {
  for (const Row& r : BothKinds()) {
    std::vector<std::string> names;
    for (const auto& [name, v] : r.values()) names.push_back(name);
    EXPECT_EQ(names, (std::vector<std::string>{"docker_volume_size", "master_lb_enabled", "name",
                                               "node_count_extra", "stack_id"}));
    size_t visits = 0;
    r.ForEach([&](std::string_view name, const Value& v) {
      ++visits;
      EXPECT_EQ(v, r.Get(name));
    });
    EXPECT_EQ(visits, 5u);
  }
}

TEST(RowTest, ByPositionInTheLayout) {
  Row r(&ClusterLayout());
  const int name = ClusterLayout().Find("name");
  ASSERT_GE(name, 0);
  EXPECT_EQ(r.FindAt(name), nullptr);
  r.SetAt(name, Value(std::string("c1")));
  ASSERT_NE(r.FindAt(name), nullptr);
  EXPECT_EQ(*r.FindAt(name), Value(std::string("c1")));
  EXPECT_EQ(r.GetString("name"), "c1");
  EXPECT_EQ(r.FindAt(-1), nullptr);
  EXPECT_EQ(r.FindAt(63), nullptr);
  EXPECT_EQ(Row().FindAt(0), nullptr);
  EXPECT_EQ(r.layout(), &ClusterLayout());
}

TEST(RowTest, CopiesAreIndependent) {
  Row a(&ClusterLayout());
  a.Set("name", std::string("a"));
  a.Set("extra", std::string("x"));
  Row b = a;
  b.Set("name", std::string("b"));
  b.Set("extra", std::string("y"));
  EXPECT_EQ(a.GetString("name"), "a");
  EXPECT_EQ(a.GetString("extra"), "x");
  EXPECT_EQ(b.GetString("name"), "b");
}

TEST(RowTest, MovedFromRowsAreEmptyAndReusable) {
  for (Row r : BothKinds()) {
    Row moved = std::move(r);
    EXPECT_EQ(moved.size(), 5u);
    EXPECT_TRUE(r.empty());  // NOLINT(bugprone-use-after-move): the state is specified
    EXPECT_FALSE(r.Has("name"));
    r.Set("name", std::string("again"));
    EXPECT_EQ(r.GetString("name"), "again");
    Row assigned;
    assigned = std::move(moved);
    EXPECT_EQ(assigned, BothKinds()[0]);
  }
}

}  // namespace
}  // namespace magnum::db
