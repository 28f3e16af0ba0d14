// Nodegroup validators and rendering (§2.3): table-driven.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "magnum/api/nodegroups.h"

namespace magnum::api {
namespace {

struct CountCase {
  int64_t node_count;
  int64_t min;
  std::optional<int64_t> max;
  bool ok;
  std::string message;  // expected message when !ok
};

TEST(NodeGroupCountsTest, Table) {
  const CountCase cases[] = {
      {1, 0, std::nullopt, true, ""},
      {0, 0, std::nullopt, true, ""},
      {5, 2, 5, true, ""},
      {2, 2, 2, true, ""},
      {1, 2, std::nullopt, false,
       "min_node_count for ng is invalid (min_node_count (2) should be less or equal to "
       "node_count (1))."},
      {3, 1, 2, false,
       "max_node_count for ng is invalid (node_count (3) should be less or equal to "
       "max_node_count (2))."},
      {1, 3, 2, false,
       "max_node_count for ng is invalid (min_node_count (3) should be less or equal to "
       "max_node_count (2))."},
      {1, 0, 0, false,
       "max_node_count for ng is invalid (node_count (1) should be less or equal to "
       "max_node_count (0))."},
  };
  for (const auto& c : cases) {
    auto r = ValidateNodeGroupCounts("ng", c.node_count, c.min, c.max);
    EXPECT_EQ(static_cast<bool>(r), c.ok) << c.node_count << " " << c.min;
    if (!r) {
      EXPECT_TRUE(r.error().Is(ErrorCode::kConflict));  // NodeGroupInvalidInput is a 409
      EXPECT_EQ(r.error().message(), c.message);
    }
  }
}

TEST(NodeLabelsTest, Table) {
  struct Case {
    Json labels;
    bool ok;
  };
  const Case cases[] = {
      {nullptr, true},
      {Json::object(), true},
      {{{"workload", "gpu"}, {"tier", ""}}, true},
      {{{"example.com/team", "a.b-c_d"}}, true},
      {{{"kubernetes.io/arch", "amd64"}}, true},          // kubelet-allowed label
      {{{"topology.kubernetes.io/zone", "z1"}}, true},    // kubelet-allowed label
      {{{"node.kubernetes.io/anything", "x"}}, true},     // allowed namespace
      {{{"foo.kubelet.kubernetes.io/x", "y"}}, true},     // allowed namespace suffix
      {{{"kubernetes.io/role", "x"}}, false},             // reserved namespace
      {{{"node-role.kubernetes.io/master", ""}}, false},  // reserved (suffix)
      {{{"k8s.io/x", "y"}}, false},
      {{{"sub.k8s.io/x", "y"}}, false},
      {{{"node-restriction.kubernetes.io/x", "y"}}, false},
      {{{"", "x"}}, false},
      {{{"-bad", "x"}}, false},
      {{{"Bad_Prefix.COM/x", "y"}}, false},
      {{{"ok", "not valid!"}}, false},
      {{{"ok", std::string(64, 'a')}}, false},
      {Json::array(), false},
  };
  for (const auto& c : cases) {
    auto r = ValidateNodeLabels("gpu", c.labels);
    EXPECT_EQ(static_cast<bool>(r), c.ok) << c.labels.dump();
    if (!r) {
      EXPECT_TRUE(r.error().Is(ErrorCode::kConflict));
      EXPECT_EQ(r.error().message().rfind("node_labels for gpu is invalid (", 0), 0u)
          << r.error().message();
    }
  }
}

TEST(NodeTaintsTest, Table) {
  struct Case {
    Json taints;
    bool ok;
  };
  const Case cases[] = {
      {nullptr, true},
      {Json::array(), true},
      {Json::parse(R"([{"key":"nvidia.com/gpu","value":"present","effect":"NoSchedule"}])"), true},
      {Json::parse(R"([{"key":"dedicated","effect":"NoExecute"}])"), true},
      {Json::parse(R"([{"key":"a","value":null,"effect":"PreferNoSchedule"}])"), true},
      {Json::parse(R"([{"key":"a","effect":"Sometimes"}])"), false},
      {Json::parse(R"([{"key":"a"}])"), false},
      {Json::parse(R"([{"key":"","effect":"NoSchedule"}])"), false},
      {Json::parse(R"([{"value":"v","effect":"NoSchedule"}])"), false},
      {Json::parse(R"([{"key":"a","effect":"NoSchedule","extra":1}])"), false},
      {Json::parse(R"([{"key":"a","value":5,"effect":"NoSchedule"}])"), false},
      {Json::parse(R"(["a=b:NoSchedule"])"), false},
      {Json::parse(R"({"key":"a","effect":"NoSchedule"})"), false},
  };
  for (const auto& c : cases) {
    auto r = ValidateNodeTaints("gpu", c.taints);
    EXPECT_EQ(static_cast<bool>(r), c.ok) << c.taints.dump();
    if (!r) {
      EXPECT_TRUE(r.error().Is(ErrorCode::kConflict));
      EXPECT_EQ(r.error().message().rfind("node_taints for gpu is invalid (", 0), 0u);
    }
  }
}

db::Row NodeGroupRow() {
  db::Row r;
  r.Set("id", int64_t{3});
  r.Set("uuid", std::string("ng-uuid"));
  r.Set("name", std::string("gpu"));
  r.Set("cluster_id", std::string("c-uuid"));
  r.Set("project_id", std::string("p"));
  r.Set("labels", std::string(R"({"a":"1","gpu":"true"})"));
  r.Set("flavor_id", std::string("g1"));
  r.Set("image_id", std::string("img"));
  r.Set("node_addresses", std::string(R"(["192.0.2.5"])"));
  r.Set("node_count", int64_t{2});
  r.Set("min_node_count", int64_t{1});
  r.Set("max_node_count", int64_t{5});
  r.Set("role", std::string("worker"));
  r.Set("is_default", false);
  r.SetNull("stack_id");
  r.Set("status", std::string("CREATE_IN_PROGRESS"));
  r.Set("node_labels", std::string(R"({"workload":"gpu"})"));
  r.SetNull("node_taints");
  r.Set("created_at", std::string("2026-01-01T00:00:00"));
  return r;
}

TEST(RenderNodeGroupTest, DetailHasDiffAndLinks) {
  Json ng = RenderNodeGroup(NodeGroupRow(), Json{{"a", "1"}, {"b", "2"}}, true, "http://h");
  EXPECT_EQ(ng["id"], 3);
  EXPECT_EQ(ng["labels_added"], (Json{{"gpu", "true"}}));
  EXPECT_EQ(ng["labels_skipped"], (Json{{"b", "2"}}));
  EXPECT_EQ(ng["labels_overridden"], Json::object());
  EXPECT_EQ(ng["node_labels"], (Json{{"workload", "gpu"}}));
  EXPECT_TRUE(ng["node_taints"].is_null());
  EXPECT_EQ(ng["node_addresses"], (Json{"192.0.2.5"}));
  EXPECT_EQ(ng["merge_labels"], false);
  EXPECT_EQ(ng["links"][0]["href"], "http://h/v1/clusters/c-uuid/nodegroups/ng-uuid");
  EXPECT_EQ(ng["links"][1]["href"], "http://h/clusters/c-uuid/nodegroups/ng-uuid");
}

TEST(RenderNodeGroupTest, BriefFieldsWithStoredBounds) {
  Json ng = RenderNodeGroup(NodeGroupRow(), Json::object(), false, "http://h");
  std::vector<std::string> keys;
  for (const auto& [k, v] : ng.items()) keys.push_back(k);
  std::vector<std::string> want = {"flavor_id",    "image_id",       "is_default", "max_node_count",
                                   "merge_labels", "min_node_count", "name",       "node_count",
                                   "role",         "stack_id",       "status",     "uuid"};
  EXPECT_EQ(keys, want);
  EXPECT_EQ(ng["min_node_count"], 1);
  EXPECT_EQ(ng["max_node_count"], 5);
}

TEST(NodeGroupFieldsTest, CreateBody) {
  auto ok = ValidateBody(NodeGroupFields(), {{"name", "gpu"}}, "nodegroup", true);
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)["node_count"], 1);
  EXPECT_EQ((*ok)["min_node_count"], 0);
  EXPECT_EQ((*ok)["role"], "worker");
  EXPECT_FALSE(ValidateBody(NodeGroupFields(), Json::object(), "nodegroup", true));
  for (const char* ro :
       {"id", "cluster_id", "project_id", "is_default", "status", "node_addresses", "stack_id"}) {
    auto r = ValidateBody(NodeGroupFields(), {{"name", "x"}, {ro, nullptr}}, "nodegroup", true);
    ASSERT_FALSE(r) << ro;
    EXPECT_NE(r.error().message().find("Cannot set read only field."), std::string::npos);
  }
  EXPECT_FALSE(
      ValidateBody(NodeGroupFields(), {{"name", "x"}, {"max_node_count", -1}}, "nodegroup", true));
}

}  // namespace
}  // namespace magnum::api
