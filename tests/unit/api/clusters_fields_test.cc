// Pure helpers of the clusters controller: field tables, status sets, label diff,
// nodegroup aggregation, rendering (brief/detail, microversions, bays) and create-time
// defaults.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "magnum/api/cluster_fields.h"

namespace magnum::api {
namespace {

db::Row ClusterRow() {
  db::Row r;
  r.Set("id", int64_t{7});
  r.Set("uuid", std::string("746e779a-751a-456b-a3e9-c883d734946f"));
  r.Set("name", std::string("k8s"));
  r.Set("project_id", std::string("p1"));
  r.Set("user_id", std::string("u1"));
  r.Set("cluster_template_id", std::string("0562d357-8641-4759-8fed-8173f02c9633"));
  r.Set("keypair", std::string("kp"));
  r.Set("docker_volume_size", int64_t{10});
  r.Set("labels", std::string(R"({"kube_tag":"v1.30.1","extra":"1","shared":"mine"})"));
  r.Set("master_flavor_id", std::string("m1.medium"));
  r.Set("flavor_id", std::string("m1.small"));
  r.Set("stack_id", std::string("stack-1"));
  r.Set("status", std::string("CREATE_COMPLETE"));
  r.SetNull("status_reason");
  r.Set("health_status", std::string("HEALTHY"));
  r.Set("health_status_reason", std::string(R"({"api":"ok"})"));
  r.Set("create_timeout", int64_t{60});
  r.SetNull("discovery_url");
  r.Set("api_address", std::string("https://192.0.2.1:6443"));
  r.Set("coe_version", std::string("v1.30.1"));
  r.SetNull("container_version");
  r.SetNull("fixed_network");
  r.SetNull("fixed_subnet");
  r.Set("floating_ip_enabled", true);
  r.Set("master_lb_enabled", false);
  r.Set("ca_cert_ref", std::string("secret"));
  r.Set("trustee_password", std::string("secret"));
  r.Set("created_at", std::string("2026-01-01T10:00:00.123456"));
  r.SetNull("updated_at");
  return r;
}

db::Row NodeGroup(const std::string& name, const std::string& role, int64_t count,
                  const std::string& addrs, const std::string& status = "CREATE_COMPLETE",
                  const std::string& reason = "") {
  db::Row r;
  r.Set("name", name);
  r.Set("role", role);
  r.Set("node_count", count);
  r.Set("node_addresses", addrs);
  r.Set("status", status);
  if (reason.empty()) {
    r.SetNull("status_reason");
  } else {
    r.Set("status_reason", reason);
  }
  return r;
}

std::vector<db::Row> NodeGroups() {
  return {NodeGroup("default-master", "master", 3, R"(["10.0.0.1","10.0.0.2","10.0.0.3"])"),
          NodeGroup("default-worker", "worker", 2, R"(["10.0.1.1","10.0.1.2"])"),
          NodeGroup("gpu", "gpu-worker", 1, R"(["10.0.2.1"])"),
          NodeGroup("broken", "worker", 0, "not json")};
}

// ---- Status sets -----------------------------------------------------------------------

// The failed set drives `faults`; the operation sets are the conductor's state table
// (tests/unit/conductor/state_table_test.cc).
TEST(ClusterStatusTest, FailedSet) {
  for (const char* s : {"UPDATE_FAILED", "CREATE_FAILED", "RESUME_FAILED", "DELETE_FAILED",
                        "ROLLBACK_FAILED"}) {
    EXPECT_TRUE(IsFailedStatus(s)) << s;
  }
  for (const char* s : {"SNAPSHOT_FAILED", "CREATE_COMPLETE", "UPDATE_IN_PROGRESS"}) {
    EXPECT_FALSE(IsFailedStatus(s)) << s;
  }
}

// ---- Labels and aggregation ---------------------------------------------------------------

TEST(LabelDiffTest, OverriddenAddedSkipped) {
  Json parent = {{"a", "1"}, {"b", "2"}, {"c", "3"}};
  Json labels = {{"a", "1"}, {"b", "20"}, {"d", "4"}};
  LabelDiff d = DiffLabels(parent, labels);
  EXPECT_EQ(d.overridden, (Json{{"b", "2"}}));  // the parent's value
  EXPECT_EQ(d.added, (Json{{"d", "4"}}));
  EXPECT_EQ(d.skipped, (Json{{"c", "3"}}));
}

TEST(LabelDiffTest, NullsCountAsEmpty) {
  LabelDiff d = DiffLabels(nullptr, Json{{"x", "1"}});
  EXPECT_EQ(d.added, (Json{{"x", "1"}}));
  d = DiffLabels(Json{{"x", "1"}}, nullptr);
  EXPECT_EQ(d.skipped, (Json{{"x", "1"}}));
  EXPECT_TRUE(d.added.empty());
}

TEST(NodeGroupTotalsTest, SumsByRoleAndConcatenatesAddresses) {
  NodeGroupTotals t = SumNodeGroups(NodeGroups());
  EXPECT_EQ(t.master_count, 3);
  EXPECT_EQ(t.node_count, 3);  // every non-master role counts as workers
  EXPECT_EQ(t.master_addresses, (Json{"10.0.0.1", "10.0.0.2", "10.0.0.3"}));
  EXPECT_EQ(t.node_addresses, (Json{"10.0.1.1", "10.0.1.2", "10.0.2.1"}));
  NodeGroupTotals none = SumNodeGroups({});
  EXPECT_EQ(none.node_count, 0);
  EXPECT_TRUE(none.node_addresses.is_array());
}

TEST(FaultsTest, OnlyFailedNodegroups) {
  std::vector<db::Row> ngs = {
      NodeGroup("default-master", "master", 1, "[]", "CREATE_COMPLETE"),
      NodeGroup("default-worker", "worker", 1, "[]", "CREATE_FAILED", "node step failed"),
      NodeGroup("x", "worker", 1, "[]", "UPDATE_FAILED")};
  EXPECT_EQ(CollectFaults(ngs), (Json{{"default-worker", "node step failed"}, {"x", nullptr}}));
}

// ---- Rendering ---------------------------------------------------------------------------

TEST(RenderClusterTest, DetailBelow113HasStackIdAndEveryField) {
  ClusterRenderOptions o;
  o.minor_version = 12;
  o.base_url = "http://h:9511";
  Json tl = {{"kube_tag", "v1.29"}, {"only_template", "t"}, {"shared", "template"}};
  o.template_labels = &tl;
  Json c = RenderCluster(ClusterRow(), NodeGroups(), o);
  EXPECT_EQ(c["stack_id"], "stack-1");
  EXPECT_FALSE(c.contains("cluster_id"));
  EXPECT_EQ(c["node_count"], 3);
  EXPECT_EQ(c["master_count"], 3);
  EXPECT_EQ(c["merge_labels"], false);
  EXPECT_EQ(c["labels_overridden"], (Json{{"kube_tag", "v1.29"}, {"shared", "template"}}));
  EXPECT_EQ(c["labels_added"], (Json{{"extra", "1"}}));
  EXPECT_EQ(c["labels_skipped"], (Json{{"only_template", "t"}}));
  EXPECT_EQ(c["health_status_reason"], (Json{{"api", "ok"}}));
  EXPECT_TRUE(c["discovery_url"].is_null());
  EXPECT_TRUE(c["updated_at"].is_null());
  EXPECT_EQ(c["created_at"], "2026-01-01T10:00:00+00:00");
  EXPECT_EQ(c["links"][0]["href"],
            "http://h:9511/v1/clusters/746e779a-751a-456b-a3e9-c883d734946f");
  EXPECT_EQ(c["links"][1]["href"], "http://h:9511/clusters/746e779a-751a-456b-a3e9-c883d734946f");
  // Secrets and internal columns never leak.
  for (const char* k : {"ca_cert_ref", "trustee_password", "driver", "id", "faults"}) {
    EXPECT_FALSE(c.contains(k)) << k;
  }
  for (const char* k :
       {"api_address", "coe_version", "container_version", "fixed_network", "fixed_subnet",
        "floating_ip_enabled", "master_lb_enabled", "project_id", "user_id", "status_reason",
        "node_addresses", "master_addresses", "keypair", "create_timeout"}) {
    EXPECT_TRUE(c.contains(k)) << k;
  }
}

TEST(RenderClusterTest, From113ClusterIdReplacesStackId) {
  ClusterRenderOptions o;
  o.minor_version = 13;
  Json c = RenderCluster(ClusterRow(), NodeGroups(), o);
  EXPECT_EQ(c["cluster_id"], "stack-1");
  EXPECT_FALSE(c.contains("stack_id"));
  o.detail = false;
  Json b = RenderCluster(ClusterRow(), NodeGroups(), o);
  EXPECT_EQ(b["cluster_id"], "stack-1");
  EXPECT_FALSE(b.contains("stack_id"));
}

TEST(RenderClusterTest, BriefHasExactlyTheListFields) {
  ClusterRenderOptions o;
  o.detail = false;
  o.minor_version = 12;
  Json b = RenderCluster(ClusterRow(), NodeGroups(), o);
  std::vector<std::string> keys;
  for (const auto& [k, v] : b.items()) keys.push_back(k);
  std::vector<std::string> want = {"cluster_template_id",
                                   "create_timeout",
                                   "docker_volume_size",
                                   "flavor_id",
                                   "health_status",
                                   "keypair",
                                   "labels",
                                   "links",
                                   "master_count",
                                   "master_flavor_id",
                                   "merge_labels",
                                   "name",
                                   "node_count",
                                   "stack_id",
                                   "status",
                                   "uuid"};
  EXPECT_EQ(keys, want);
}

TEST(RenderClusterTest, FaultsOnlyWhenAskedAndFailed) {
  db::Row row = ClusterRow();
  std::vector<db::Row> ngs = {NodeGroup("default-worker", "worker", 1, "[]", "CREATE_FAILED", "x")};
  ClusterRenderOptions o;
  o.with_faults = true;
  EXPECT_FALSE(RenderCluster(row, ngs, o).contains("faults"));  // CREATE_COMPLETE
  row.Set("status", std::string("CREATE_FAILED"));
  EXPECT_EQ(RenderCluster(row, ngs, o)["faults"], (Json{{"default-worker", "x"}}));
  o.with_faults = false;
  EXPECT_FALSE(RenderCluster(row, ngs, o).contains("faults"));
}

TEST(RenderBayTest, RenamesAndDrops) {
  ClusterRenderOptions o;
  o.minor_version = 1;
  o.with_faults = true;
  db::Row row = ClusterRow();
  row.Set("status", std::string("CREATE_FAILED"));
  Json bay = ClusterToBay(RenderCluster(row, NodeGroups(), o), true, "http://h");
  EXPECT_EQ(bay["baymodel_id"], "0562d357-8641-4759-8fed-8173f02c9633");
  EXPECT_EQ(bay["bay_create_timeout"], 60);
  EXPECT_TRUE(bay.contains("bay_faults"));
  EXPECT_EQ(bay["links"][0]["href"], "http://h/v1/bays/746e779a-751a-456b-a3e9-c883d734946f");
  for (const char* k : {"cluster_template_id", "create_timeout", "faults", "keypair",
                        "health_status", "health_status_reason", "project_id", "user_id",
                        "merge_labels", "labels_added", "cluster_id"}) {
    EXPECT_FALSE(bay.contains(k)) << k;
  }
  Json brief = ClusterToBay(RenderCluster(row, NodeGroups(), o), false, "http://h");
  std::vector<std::string> keys;
  for (const auto& [k, v] : brief.items()) keys.push_back(k);
  std::vector<std::string> want = {"bay_create_timeout",
                                   "baymodel_id",
                                   "docker_volume_size",
                                   "flavor_id",
                                   "labels",
                                   "links",
                                   "master_count",
                                   "master_flavor_id",
                                   "name",
                                   "node_count",
                                   "stack_id",
                                   "status",
                                   "uuid"};
  EXPECT_EQ(keys, want);
}

TEST(RenderBayTest, BayToClusterRenames) {
  Json c = BayToCluster({{"baymodel_id", "t"}, {"bay_create_timeout", 5}, {"name", "b"}});
  EXPECT_EQ(c, (Json{{"cluster_template_id", "t"}, {"create_timeout", 5}, {"name", "b"}}));
}

// ---- Body validation with the tables -------------------------------------------------------

TEST(ClusterFieldsTest, CreateBodyDefaultsAndErrors) {
  auto ok = ValidateBody(ClusterFields(), {{"cluster_template_id", "t"}}, "cluster", true);
  ASSERT_TRUE(ok) << ok.error().message();
  EXPECT_EQ((*ok)["node_count"], 1);
  EXPECT_EQ((*ok)["master_count"], 1);
  EXPECT_EQ((*ok)["create_timeout"], 60);
  EXPECT_EQ((*ok)["merge_labels"], false);
  EXPECT_FALSE(ok->contains("master_lb_enabled"));  // absent: the template decides

  struct Bad {
    Json body;
    std::string message_part;
  };
  const Bad bad[] = {
      {Json::object(), "cluster_template_id. Value: 'None'. Mandatory field missing."},
      {{{"cluster_template_id", "t"}, {"bogus", 1}},
       "Unknown attribute for argument cluster: bogus"},
      {{{"cluster_template_id", "t"}, {"stack_id", "x"}}, "Cannot set read only field."},
      {{{"cluster_template_id", "t"}, {"api_address", nullptr}}, "Cannot set read only field."},
      {{{"cluster_template_id", "t"}, {"status", "CREATE_COMPLETE"}},
       "Cannot set read only field."},
      {{{"cluster_template_id", "t"}, {"name", "1abc"}}, "should match the pattern"},
      {{{"cluster_template_id", "t"}, {"name", std::string(243, 'a')}},
       "maximum character requirement of 242"},
      {{{"cluster_template_id", "t"}, {"node_count", -1}}, "greater or equal to 0"},
      {{{"cluster_template_id", "t"}, {"master_count", 0}}, "greater or equal to 1"},
      {{{"cluster_template_id", "t"}, {"node_count", "two"}}, "Expected an integer"},
      {{{"cluster_template_id", "t"}, {"labels", "a=b"}}, "Expected 'dict'"},
      {{{"cluster_template_id", "t"}, {"master_lb_enabled", "maybe"}}, "Expected a boolean"},
      {{{"cluster_template_id", 5}}, "Expected 'str'"},
  };
  for (const auto& b : bad) {
    auto r = ValidateBody(ClusterFields(), b.body, "cluster", true);
    ASSERT_FALSE(r) << b.body.dump();
    EXPECT_TRUE(r.error().Is(ErrorCode::kInvalidArgument)) << b.body.dump();
    EXPECT_NE(r.error().message().find(b.message_part), std::string::npos)
        << b.body.dump() << " -> " << r.error().message();
  }
}

TEST(ClusterFieldsTest, ActionBodies) {
  auto resize = ValidateBody(ClusterResizeFields(), {{"node_count", 3}}, "r", true);
  ASSERT_TRUE(resize);
  EXPECT_EQ((*resize)["nodes_to_remove"], Json::array());
  EXPECT_FALSE(ValidateBody(ClusterResizeFields(), Json::object(), "r", true));
  EXPECT_FALSE(ValidateBody(ClusterResizeFields(), {{"node_count", 1}, {"nodes_to_remove", {1}}},
                            "r", true));
  auto upgrade = ValidateBody(ClusterUpgradeFields(), {{"cluster_template", "t2"}}, "u", true);
  ASSERT_TRUE(upgrade);
  EXPECT_EQ((*upgrade)["max_batch_size"], 1);
  EXPECT_FALSE(ValidateBody(ClusterUpgradeFields(),
                            {{"cluster_template", "t2"}, {"max_batch_size", 0}}, "u", true));
}

TEST(BayFieldsTest, NodeCountAtLeastOneAndOldNames) {
  auto ok = ValidateBody(BayFields(), {{"baymodel_id", "t"}}, "bay", true);
  ASSERT_TRUE(ok);
  EXPECT_EQ((*ok)["bay_create_timeout"], 60);
  EXPECT_FALSE(ValidateBody(BayFields(), {{"baymodel_id", "t"}, {"node_count", 0}}, "bay", true));
  EXPECT_FALSE(ValidateBody(BayFields(), {{"baymodel_id", "t"}, {"keypair", "k"}}, "bay", true));
}

// ---- Create-time defaults --------------------------------------------------------------------

Json Template() {
  return {{"keypair_id", "tkp"},
          {"labels", {{"a", "1"}, {"b", "2"}}},
          {"floating_ip_enabled", false},
          {"master_lb_enabled", true},
          {"docker_volume_size", 5},
          {"master_flavor_id", "tm"},
          {"flavor_id", "tf"},
          {"fixed_network", "tn"},
          {"fixed_subnet", nullptr}};
}

TEST(TemplateDefaultsTest, AbsentFieldsComeFromTheTemplate) {
  Json c =
      ApplyTemplateDefaults({{"cluster_template_id", "t"}, {"merge_labels", false}}, Template());
  EXPECT_EQ(c["keypair"], "tkp");
  EXPECT_EQ(c["labels"], (Json{{"a", "1"}, {"b", "2"}}));
  EXPECT_EQ(c["floating_ip_enabled"], false);
  EXPECT_EQ(c["master_lb_enabled"], true);
  EXPECT_EQ(c["docker_volume_size"], 5);
  EXPECT_EQ(c["master_flavor_id"], "tm");
  EXPECT_EQ(c["flavor_id"], "tf");
  EXPECT_EQ(c["fixed_network"], "tn");
  EXPECT_TRUE(c["fixed_subnet"].is_null());
}

TEST(TemplateDefaultsTest, GivenValuesWinAndLabelsMergeOnlyWhenAsked) {
  Json given = {{"keypair", "mine"},          {"labels", {{"b", "20"}, {"c", "3"}}},
                {"master_lb_enabled", false}, {"floating_ip_enabled", true},
                {"flavor_id", "f"},           {"docker_volume_size", 9},
                {"merge_labels", false}};
  Json c = ApplyTemplateDefaults(given, Template());
  EXPECT_EQ(c["keypair"], "mine");
  EXPECT_EQ(c["labels"], (Json{{"b", "20"}, {"c", "3"}}));
  EXPECT_EQ(c["master_lb_enabled"], false);
  EXPECT_EQ(c["floating_ip_enabled"], true);
  EXPECT_EQ(c["flavor_id"], "f");
  EXPECT_EQ(c["docker_volume_size"], 9);
  given["merge_labels"] = true;
  c = ApplyTemplateDefaults(given, Template());
  EXPECT_EQ(c["labels"], (Json{{"a", "1"}, {"b", "20"}, {"c", "3"}}));
  // Empty labels take the template's, merged or not.
  given["labels"] = Json::object();
  EXPECT_EQ(ApplyTemplateDefaults(given, Template())["labels"], (Json{{"a", "1"}, {"b", "2"}}));
}

TEST(TemplateDefaultsTest, MinNodeCountLabel) {
  EXPECT_EQ(*MinNodeCountFromLabels(Json::object(), 3), 0);
  EXPECT_EQ(*MinNodeCountFromLabels(nullptr, 3), 0);
  EXPECT_EQ(*MinNodeCountFromLabels({{"min_node_count", "2"}}, 3), 2);
  EXPECT_FALSE(MinNodeCountFromLabels({{"min_node_count", "4"}}, 3));
  EXPECT_FALSE(MinNodeCountFromLabels({{"min_node_count", "-1"}}, 3));
  EXPECT_FALSE(MinNodeCountFromLabels({{"min_node_count", "two"}}, 3));
}

TEST(QuotaTest, ReferenceMessage) {
  Error e = QuotaExceeded(2);
  EXPECT_TRUE(e.Is(ErrorCode::kPermissionDenied));
  EXPECT_EQ(e.message(),
            "Resource limit exceeded: You have reached the maximum clusters per project, 2. You "
            "may delete a cluster to make room for a new one.");
}

TEST(AutoscalingLabelsTest, OnlyTheThreeLabelPathsAreMetadata) {
  for (const char* p :
       {"/labels/auto_scaling_enabled", "/labels/min_node_count", "/labels/max_node_count"}) {
    EXPECT_TRUE(IsAutoscalingLabelPath(p)) << p;
  }
  for (const char* p : {"/labels", "/labels/kube_tag", "/labels/min_node_count/x",
                        "/labels/max_node_count_x", "/min_node_count", "/labelsmin_node_count"}) {
    EXPECT_FALSE(IsAutoscalingLabelPath(p)) << p;
  }
}

TEST(AutoscalingLabelsTest, ValidChangesGiveTheNewLabels) {
  const Json before = {{"kube_tag", "v1"}, {"min_node_count", "1"}};
  const Json patch =
      Json::array({{{"op", "add"}, {"path", "/labels/auto_scaling_enabled"}, {"value", "False"}},
                   {{"op", "add"}, {"path", "/labels/max_node_count"}, {"value", 3}},
                   {{"op", "replace"}, {"path", "/labels/min_node_count"}, {"value", "3"}}});
  const Json after = {{"kube_tag", "v1"},
                      {"auto_scaling_enabled", "False"},
                      {"min_node_count", "3"},
                      {"max_node_count", "3"}};
  auto r = AutoscalingLabelsAfter(patch, before, after);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(*r, (objects::StringMap{{"kube_tag", "v1"},
                                    {"auto_scaling_enabled", "False"},
                                    {"min_node_count", "3"},
                                    {"max_node_count", "3"}}));
  // Removing one is a change like any other.
  auto removed =
      AutoscalingLabelsAfter(Json::array({{{"op", "remove"}, {"path", "/labels/min_node_count"}}}),
                             before, {{"kube_tag", "v1"}});
  ASSERT_TRUE(removed);
  EXPECT_EQ(*removed, (objects::StringMap{{"kube_tag", "v1"}}));
}

TEST(AutoscalingLabelsTest, InvalidValuesAndOtherLabelsAreRefused) {
  const Json before = {{"kube_tag", "v1"}, {"max_node_count", "2"}};
  auto op = [](const std::string& key, const Json& value) {
    return Json::array({{{"op", "add"}, {"path", "/labels/" + key}, {"value", value}}});
  };
  auto with = [&](const std::string& key, const Json& value) {
    Json after = before;
    after[key] = value;
    return after;
  };
  struct Case {
    Json patch;
    Json after;
    std::string message;
  };
  const std::vector<Case> cases = {
      {op("auto_scaling_enabled", "maybe"), with("auto_scaling_enabled", "maybe"),
       "Label auto_scaling_enabled must be a boolean (true or false), got 'maybe'."},
      {op("auto_scaling_enabled", "tr ue"), with("auto_scaling_enabled", "tr ue"),
       "Label auto_scaling_enabled must be a boolean (true or false), got 'tr ue'."},
      {op("min_node_count", "1 2"), with("min_node_count", "1 2"),
       "Label min_node_count must be a non-negative integer, got '1 2'."},
      {op("min_node_count", "-1"), with("min_node_count", "-1"),
       "Label min_node_count must be a non-negative integer, got '-1'."},
      {op("min_node_count", "1.5"), with("min_node_count", "1.5"),
       "Label min_node_count must be a non-negative integer, got '1.5'."},
      {op("max_node_count", ""), with("max_node_count", ""),
       "Label max_node_count must be a non-negative integer, got ''."},
      {op("min_node_count", "3"), with("min_node_count", "3"),
       "Label min_node_count (3) should be less or equal to max_node_count (2)."},
      {op("kube_tag", "v2"), with("kube_tag", "v2"), "cannot change cluster property(ies) labels."},
      // The whole dict, even when only an autoscaling label differs.
      {Json::array({{{"op", "replace"},
                     {"path", "/labels"},
                     {"value", "{'kube_tag': 'v1', 'max_node_count': '3'}"}}}),
       with("max_node_count", "3"), "cannot change cluster property(ies) labels."},
  };
  for (const auto& c : cases) {
    auto r = AutoscalingLabelsAfter(c.patch, before, c.after);
    ASSERT_FALSE(r) << c.patch.dump();
    EXPECT_TRUE(r.error().Is(ErrorCode::kInvalidArgument));
    EXPECT_EQ(r.error().message(), c.message) << c.patch.dump();
  }
  // Blanks around a value are ignored, as the autoscaler reads it (common/strings.h).
  EXPECT_TRUE(
      AutoscalingLabelsAfter(op("min_node_count", " 1 "), before, with("min_node_count", " 1 ")));
  for (const char* b : {"TRUE", "False", "yes", "No", "on", "OFF", "1", "0", " true", "no\t"}) {
    EXPECT_TRUE(AutoscalingLabelsAfter(op("auto_scaling_enabled", b), before,
                                       with("auto_scaling_enabled", b)))
        << b;
  }
  // A stored value that is not valid does not block a change of another label (turning
  // the autoscaler off must always be possible).
  const Json odd = {{"max_node_count", "many"}};
  Json after = odd;
  after["auto_scaling_enabled"] = "false";
  EXPECT_TRUE(AutoscalingLabelsAfter(op("auto_scaling_enabled", "false"), odd, after));
}

}  // namespace
}  // namespace magnum::api
