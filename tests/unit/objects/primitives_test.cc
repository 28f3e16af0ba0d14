// Upstream's versioned-object primitives: the captured Magnum 15 messages decode into our
// objects, what we encode decodes back, and malformed primitives are refused by name.
#include "magnum/objects/primitives.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>

#include "data/upstream_capture.h"

namespace magnum::objects {
namespace {

using Json = nlohmann::json;

std::string ArgOf(const char* message, const char* arg) {
  return Json::parse(message)["args"][arg].dump();
}

TEST(PrimitivesTest, CapturedCreateCluster) {
  auto d = DecodeClusterPrimitive(ArgOf(testing_data::kCaptureClusterCreate, "cluster"));
  ASSERT_TRUE(d) << d.error().message();
  const Cluster& c = d->value;
  EXPECT_EQ(d->version, "1.23");
  EXPECT_EQ(c.id, 0);  // not stored yet: the conductor inserts it
  EXPECT_EQ(c.uuid, "0e13e1d1-1b11-4d27-b295-496ea0deffd8");
  EXPECT_EQ(c.name, "omsg-cl");
  EXPECT_EQ(c.project_id, "56d6485c7e284941a0209c741b4dcdb3");
  EXPECT_EQ(c.cluster_template_id, "001608ea-341a-4ba3-b0ad-ca200c1cca33");
  EXPECT_EQ(c.keypair, "default");
  EXPECT_EQ(c.flavor_id, "m1.small");
  EXPECT_FALSE(c.master_flavor_id);
  EXPECT_FALSE(c.docker_volume_size);
  EXPECT_EQ(c.labels, StringMap{});
  EXPECT_EQ(c.create_timeout, 60);
  EXPECT_EQ(c.floating_ip_enabled, true);
  EXPECT_EQ(c.master_lb_enabled, false);
  EXPECT_FALSE(c.status);
  EXPECT_EQ(d->changes.size(), 18u);
  EXPECT_TRUE(d->Changed("labels"));
  EXPECT_FALSE(d->Changed("status"));
  EXPECT_TRUE(d->Has("fixed_subnet"));
  EXPECT_FALSE(d->Has("id"));
}

TEST(PrimitivesTest, CapturedStoredCluster) {
  auto d = DecodeClusterPrimitive(ArgOf(testing_data::kCaptureClusterUpdate, "cluster"));
  ASSERT_TRUE(d) << d.error().message();
  const Cluster& c = d->value;
  EXPECT_EQ(c.id, 1);
  EXPECT_EQ(c.status, ClusterStatus::kCreateFailed);
  EXPECT_EQ(c.health_status_reason, NullableStringMap{});
  EXPECT_FALSE(c.health_status);
  EXPECT_EQ(c.ca_cert_ref, "38927045-7c38-4ca4-bc04-49447042d5a3");
  EXPECT_EQ(c.trustee_password, "<redacted>");
  ASSERT_TRUE(c.created_at);
  EXPECT_EQ(DbTimeToPrimitive(*c.created_at), "2026-12-04T10:20:21Z");
  EXPECT_TRUE(d->changes.empty());
  // What we write decodes to the same cluster (our driver column is not upstream's).
  Cluster ours = c;
  ours.driver = "fake";
  auto again = DecodeClusterPrimitive(EncodeClusterPrimitive(ours));
  ASSERT_TRUE(again) << again.error().message();
  EXPECT_EQ(again->value, c);
  EXPECT_EQ(Json::parse(EncodeClusterPrimitive(ours))["magnum_object.data"].count("driver"), 0u);
}

TEST(PrimitivesTest, CapturedCertificateReply) {
  auto d = DecodeCertificatePrimitive(Json::parse(testing_data::kCaptureCaReply)["result"].dump());
  ASSERT_TRUE(d) << d.error().message();
  EXPECT_EQ(d->version, "1.2");
  EXPECT_EQ(d->value.cluster_uuid, "0e13e1d1-1b11-4d27-b295-496ea0deffd8");
  EXPECT_EQ(d->value.pem, "-----BEGIN CERTIFICATE-----\n...\n-----END CERTIFICATE-----\n");
  EXPECT_FALSE(d->value.csr);
  // Ours has the same shape: only the set fields, each listed as a change.
  Json ours = Json::parse(EncodeCertificatePrimitive(d->value));
  Json theirs = Json::parse(testing_data::kCaptureCaReply)["result"];
  EXPECT_EQ(ours["magnum_object.data"], theirs["magnum_object.data"]);
  std::vector<std::string> a = ours["magnum_object.changes"], b = theirs["magnum_object.changes"];
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  EXPECT_EQ(a, b);
}

TEST(PrimitivesTest, NodeGroupRoundTripLeavesOutUnsetRequiredFields) {
  NodeGroup ng;
  ng.id = 7;
  ng.uuid = "5b1c1d55-0000-4000-8000-000000000001";
  ng.name = "ng-extra";
  ng.cluster_id = "0e13e1d1-1b11-4d27-b295-496ea0deffd8";
  ng.role = "worker";
  ng.node_count = 2;
  ng.labels = StringMap{{"a", "b"}};
  ng.node_addresses = StringList{"10.0.0.1"};
  ng.status = ClusterStatus::kCreateComplete;
  ng.node_labels = StringMap{{"ours", "only"}};
  Json j = Json::parse(EncodeNodeGroupPrimitive(ng));
  EXPECT_EQ(j["magnum_object.version"], "1.1");
  EXPECT_EQ(j.count("magnum_object.changes"), 0u);
  const Json& data = j["magnum_object.data"];
  EXPECT_EQ(data.count("min_node_count"), 0u);  // not nullable upstream: left out
  EXPECT_EQ(data.count("project_id"), 0u);
  EXPECT_TRUE(data["max_node_count"].is_null());  // nullable: null
  EXPECT_EQ(data.count("node_labels"), 0u);       // not in 1.1
  auto back = DecodeNodeGroupPrimitive(j.dump());
  ASSERT_TRUE(back) << back.error().message();
  NodeGroup expected = ng;
  expected.node_labels.reset();
  EXPECT_EQ(back->value, expected);
}

TEST(PrimitivesTest, TimestampForms) {
  EXPECT_EQ(PrimitiveTimeToDb("2026-12-04T10:20:21Z"), PrimitiveTimeToDb("2026-12-04T10:20:21"));
  EXPECT_EQ(PrimitiveTimeToDb("2026-12-04T10:20:21+00:00"),
            PrimitiveTimeToDb("2026-12-04T10:20:21.000000Z"));
  EXPECT_FALSE(PrimitiveTimeToDb("yesterday"));
  EXPECT_FALSE(PrimitiveTimeToDb("2026-12-04"));
}

// A captured primitive with one change applied by `edit`.
std::string Edited(const std::function<void(Json&)>& edit) {
  Json j = Json::parse(ArgOf(testing_data::kCaptureClusterUpdate, "cluster"));
  edit(j);
  return j.dump();
}

TEST(PrimitivesTest, MalformedClustersAreRefusedByName) {
  struct Case {
    const char* what;
    std::function<void(Json&)> edit;
    const char* message;
  };
  const Case cases[] = {
      {"name", [](Json& j) { j["magnum_object.name"] = "Bay"; }, "expected a Cluster"},
      {"no name", [](Json& j) { j.erase("magnum_object.name"); }, "lacks magnum_object.name"},
      {"namespace", [](Json& j) { j["magnum_object.namespace"] = "nova"; }, "namespace"},
      {"major version", [](Json& j) { j["magnum_object.version"] = "2.0"; }, "version '2.0'"},
      {"version text", [](Json& j) { j["magnum_object.version"] = "1.x"; }, "version '1.x'"},
      {"data", [](Json& j) { j["magnum_object.data"] = Json::array(); }, "data is not an object"},
      {"changes", [](Json& j) { j["magnum_object.changes"] = "labels"; }, "changes"},
      {"labels", [](Json& j) { j["magnum_object.data"]["labels"] = {{"a", 1}}; },
       "field 'labels' is not a dict of strings"},
      {"id null", [](Json& j) { j["magnum_object.data"]["id"] = nullptr; },
       "field 'id' is not set"},
      {"id text", [](Json& j) { j["magnum_object.data"]["id"] = "1"; },
       "field 'id' is not an integer"},
      {"timeout bool", [](Json& j) { j["magnum_object.data"]["create_timeout"] = true; },
       "field 'create_timeout' is not an integer"},
      {"status", [](Json& j) { j["magnum_object.data"]["status"] = "BROKEN"; },
       "field 'status' is not a known status (got 'BROKEN')"},
      {"health", [](Json& j) { j["magnum_object.data"]["health_status"] = 3; },
       "field 'health_status' is not a status name"},
      {"time", [](Json& j) { j["magnum_object.data"]["created_at"] = "yesterday"; },
       "field 'created_at' is not an ISO 8601"},
      {"bool", [](Json& j) { j["magnum_object.data"]["floating_ip_enabled"] = "yes"; },
       "field 'floating_ip_enabled' is not a boolean"},
      {"nested template",
       [](Json& j) {
         j["magnum_object.data"]["cluster_template"] = {{"magnum_object.name", "Cluster"}};
       },
       "field 'cluster_template'"},
  };
  for (const auto& c : cases) {
    auto d = DecodeClusterPrimitive(Edited(c.edit));
    ASSERT_FALSE(d) << c.what;
    EXPECT_EQ(d.error().code(), ErrorCode::kInvalidArgument) << c.what;
    EXPECT_NE(d.error().message().find(c.message), std::string::npos)
        << c.what << ": " << d.error().message();
    EXPECT_EQ(d.error().message().rfind("magnum_object Cluster", 0), 0u) << c.what;
  }
  for (const char* text : {"", "[]", "{", "null", "{\"magnum_object.name\": 5}"}) {
    auto d = DecodeClusterPrimitive(text);
    ASSERT_FALSE(d) << text;
    EXPECT_EQ(d.error().code(), ErrorCode::kInvalidArgument);
  }
  // A newer minor version's unknown fields are ignored, as oslo does.
  auto newer = DecodeClusterPrimitive(Edited([](Json& j) {
    j["magnum_object.version"] = "1.30";
    j["magnum_object.data"]["from_the_future"] = {1, 2};
  }));
  ASSERT_TRUE(newer) << newer.error().message();
  EXPECT_EQ(newer->version, "1.30");
}

TEST(PrimitivesTest, OtherObjectsCheckTheirName) {
  const std::string cluster = ArgOf(testing_data::kCaptureClusterUpdate, "cluster");
  auto ng = DecodeNodeGroupPrimitive(cluster);
  ASSERT_FALSE(ng);
  EXPECT_NE(ng.error().message().find("expected a NodeGroup, got a 'Cluster'"), std::string::npos);
  EXPECT_FALSE(DecodeCertificatePrimitive(cluster));
  EXPECT_FALSE(DecodeClusterTemplatePrimitive(cluster));
  Json cert = Json::parse(testing_data::kCaptureCaReply)["result"];
  cert["magnum_object.data"]["csr"] = Json::array();
  auto bad = DecodeCertificatePrimitive(cert.dump());
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("field 'csr' is not a string"), std::string::npos);
}

}  // namespace
}  // namespace magnum::objects
