// Upstream Magnum 15's conductor calls, fed verbatim from the captured messages (decoded as
// the RabbitMQ transport decodes them) into our conductor's RPC handler: the rows, the
// operations, the replies as primitives, the context that reaches the Caller, and the
// failures as upstream's exception classes. Our own request shapes keep working alongside.
#include <nlohmann/json.hpp>

#include "conductor_test_util.h"
#include "data/upstream_capture.h"
#include "magnum/conductor/rpc_server.h"
#include "magnum/conductor/upstream_rpc.h"
#include "magnum/objects/primitives.h"
#include "magnum/rpc/oslo_envelope.h"

namespace magnum::conductor::testing {
namespace {

using Json = nlohmann::json;
using std::chrono::seconds;

constexpr const char* kCapturedUuid = "0e13e1d1-1b11-4d27-b295-496ea0deffd8";
constexpr const char* kCapturedTemplate = "001608ea-341a-4ba3-b0ad-ca200c1cca33";

// The ConductorService, recording the Caller of every request.
class RecordingApi final : public ConductorApi {
 public:
  explicit RecordingApi(ConductorApi* inner) : inner_(inner) {}
  Caller last;
  Result<void> ClusterCreate(const Caller& c, const std::string& u) override {
    last = c;
    return inner_->ClusterCreate(c, u);
  }
  Result<void> ClusterUpdate(const Caller& c, const std::string& u, int64_t n, bool r) override {
    last = c;
    return inner_->ClusterUpdate(c, u, n, r);
  }
  Result<void> ClusterResize(const Caller& c, const std::string& u, const std::string& ng,
                             int64_t n, const std::vector<std::string>& rm) override {
    last = c;
    return inner_->ClusterResize(c, u, ng, n, rm);
  }
  Result<void> ClusterUpgrade(const Caller& c, const std::string& u, const std::string& t,
                              int64_t b, const std::string& ng) override {
    last = c;
    return inner_->ClusterUpgrade(c, u, t, b, ng);
  }
  Result<void> ClusterDelete(const Caller& c, const std::string& u) override {
    last = c;
    return inner_->ClusterDelete(c, u);
  }
  Result<void> NodeGroupCreate(const Caller& c, const std::string& u,
                               const std::string& ng) override {
    last = c;
    return inner_->NodeGroupCreate(c, u, ng);
  }
  Result<void> NodeGroupUpdate(const Caller& c, const std::string& u,
                               const std::string& ng) override {
    last = c;
    return inner_->NodeGroupUpdate(c, u, ng);
  }
  Result<void> NodeGroupDelete(const Caller& c, const std::string& u,
                               const std::string& ng) override {
    last = c;
    return inner_->NodeGroupDelete(c, u, ng);
  }
  Result<std::string> GetCaCertificate(const Caller& c, const std::string& u,
                                       const std::string& t) override {
    last = c;
    return inner_->GetCaCertificate(c, u, t);
  }
  Result<std::string> SignCertificate(const Caller& c, const std::string& u,
                                      const std::string& csr, const std::string& t) override {
    last = c;
    return inner_->SignCertificate(c, u, csr, t);
  }
  Result<void> RotateCaCertificate(const Caller& c, const std::string& u) override {
    last = c;
    return inner_->RotateCaCertificate(c, u);
  }
  Result<void> RotateCredential(const Caller& c, const std::string& u) override {
    last = c;
    return inner_->RotateCredential(c, u);
  }
  Result<void> Ping() override { return inner_->Ping(); }

 private:
  ConductorApi* inner_;
};

class UpstreamRpcTest : public ConductorTestBase {
 protected:
  void SetUp() override {
    ConductorTestBase::SetUp();
    service_ = StartConductor();
    api_ = std::make_unique<RecordingApi>(service_);
    handler_ = NewConductorRpcHandler(api_.get(), db_.get());
  }

  // The captured template id is this test's template (driver `driver`).
  void CapturedTemplate(const std::string& driver = "fake") {
    const std::string uuid = InsertTemplate(driver);
    Row r;
    r.Set("uuid", std::string(kCapturedTemplate));
    ASSERT_OK(db_->Update(db::kClusterTemplateTable, Filter().Where(Condition::Eq("uuid", uuid)), r));
  }

  // A captured message (or one edited from it) through the transport's decoding and the
  // handler; the reply's JSON or the Error.
  Result<std::string> Send(const std::string& message) {
    auto req = rpc::DecodeOsloRequest(message);
    if (!req) return Fail(req.error());
    return handler_(req->method, req->payload);
  }
  Result<std::string> Send(const char* method, Json args) {
    Json m = Json::parse(testing_data::kCaptureClusterDelete);
    m["method"] = method;
    m["args"] = std::move(args);
    return Send(m.dump());
  }
  static Json Args(const char* captured) { return Json::parse(captured)["args"]; }
  static Json ClusterArg() { return Args(testing_data::kCaptureClusterUpdate)["cluster"]; }

  // The exception class a Python client sees for `r`'s failure.
  static std::string ExceptionClass(const Result<std::string>& r) {
    auto reply = Json::parse(rpc::EncodeOsloReply(r, "m1"));
    auto failure = Json::parse(Json::parse(reply["oslo.message"].get<std::string>())["failure"]
                                   .get<std::string>());
    EXPECT_EQ(failure["module"], "magnum.common.exception");
    EXPECT_EQ(failure["message"].get<std::string>().find("[magnum"), std::string::npos);
    return failure["class"];
  }

  std::string CreateCaptured() {
    auto r = Send(testing_data::kCaptureClusterCreate);
    EXPECT_TRUE(r) << r.error().message();
    EXPECT_TRUE(service_->WaitIdle(seconds(20)));
    return r ? *r : std::string();
  }

  ConductorService* service_ = nullptr;
  std::unique_ptr<RecordingApi> api_;
  rpc::Handler handler_;
};

TEST_F(UpstreamRpcTest, CapturedCreateInsertsTheRowsAndCreates) {
  CapturedTemplate();
  auto reply = Send(testing_data::kCaptureClusterCreate);
  ASSERT_TRUE(reply) << reply.error().message();
  auto cluster = objects::DecodeClusterPrimitive(*reply);
  ASSERT_TRUE(cluster) << cluster.error().message();
  EXPECT_EQ(cluster->value.uuid, kCapturedUuid);
  EXPECT_GT(cluster->value.id, 0);
  EXPECT_EQ(cluster->value.name, "omsg-cl");
  // The context travelled as _context_* keys and reached the Caller.
  EXPECT_EQ(api_->last.project_id, "56d6485c7e284941a0209c741b4dcdb3");
  EXPECT_EQ(api_->last.user_id, "67c7d8543e224d87903a57bb58dd6ca7");
  EXPECT_EQ(api_->last.request_id, "req-1c36d92f-709b-4004-8e5e-d3f065e8ad72");
  EXPECT_TRUE(api_->last.is_admin);
  EXPECT_EQ(api_->last.roles, (std::vector<std::string>{"admin", "reader", "member"}));
  EXPECT_EQ(api_->last.auth_token, "<redacted>");  // _context_auth_token (redacted capture)
  ASSERT_TRUE(service_->WaitIdle(seconds(20)));
  EXPECT_EQ(Status(kCapturedUuid), "CREATE_COMPLETE");
  auto row = Cluster(kCapturedUuid);
  EXPECT_EQ(row->GetString("project_id"), "56d6485c7e284941a0209c741b4dcdb3");
  EXPECT_EQ(row->GetString("keypair"), "default");
  EXPECT_EQ(row->GetInt("create_timeout"), 60);
  ASSERT_EQ(NodeGroups(kCapturedUuid).size(), 2u);
  EXPECT_EQ(NodeGroup(kCapturedUuid, "default-master")->GetInt("node_count"), 1);
  EXPECT_EQ(NodeGroup(kCapturedUuid, "default-worker")->GetInt("node_count"), 1);
  EXPECT_EQ(NodeGroup(kCapturedUuid, "default-worker")->GetString("flavor_id"), "m1.small");
  EXPECT_EQ(NodeGroup(kCapturedUuid, "default-worker")->GetString("image_id"), "fake-image");
}

TEST_F(UpstreamRpcTest, RedeliveredCreateCreatesOnce) {
  CapturedTemplate("gate");
  ASSERT_OK(Send(testing_data::kCaptureClusterCreate));
  ASSERT_TRUE(WaitEntered(*gate_, 1));
  // The same message again while the create runs, and once more after it finished.
  ASSERT_OK(Send(testing_data::kCaptureClusterCreate));
  OpenGate(*gate_);
  ASSERT_TRUE(service_->WaitIdle(seconds(20)));
  ASSERT_OK(Send(testing_data::kCaptureClusterCreate));
  ASSERT_TRUE(service_->WaitIdle(seconds(20)));
  EXPECT_EQ(Status(kCapturedUuid), "CREATE_COMPLETE");
  EXPECT_EQ(NodeGroups(kCapturedUuid).size(), 2u);
  int creates = 0;
  {
    std::lock_guard<std::mutex> l(gate_->mu);
    for (const auto& c : gate_->calls) creates += c == std::string("create:") + kCapturedUuid;
  }
  EXPECT_EQ(creates, 1);
}

TEST_F(UpstreamRpcTest, CapturedUpdateCertificateAndDelete) {
  CapturedTemplate();
  CreateCaptured();
  // cluster_update node_count=2 (the primitive's stale CREATE_FAILED is not the truth).
  auto updated = Send(testing_data::kCaptureClusterUpdate);
  ASSERT_TRUE(updated) << updated.error().message();
  ASSERT_TRUE(service_->WaitIdle(seconds(20)));
  EXPECT_EQ(NodeGroup(kCapturedUuid, "default-worker")->GetInt("node_count"), 2);
  EXPECT_EQ(Status(kCapturedUuid), "UPDATE_COMPLETE");
  // The same again: nothing changes, null as upstream returns. (The conductor polled the
  // cluster's health after the update; the captured message carries the health the API
  // read before any poll, null and {}: the row gets that again.)
  Row unpolled;
  unpolled.SetNull("health_status");
  unpolled.Set("health_status_reason", std::string("{}"));
  ASSERT_OK(db_->Update(db::kClusterTable,
                        Filter().Where(Condition::Eq("uuid", std::string(kCapturedUuid))),
                        unpolled));
  auto same = Send(testing_data::kCaptureClusterUpdate);
  ASSERT_TRUE(same) << same.error().message();
  EXPECT_EQ(*same, "null");
  // get_ca_certificate: a Certificate 1.2 with our CA's PEM.
  auto ca = Send(testing_data::kCaptureGetCaCertificate);
  ASSERT_TRUE(ca) << ca.error().message();
  auto cert = objects::DecodeCertificatePrimitive(*ca);
  ASSERT_TRUE(cert) << cert.error().message();
  EXPECT_EQ(cert->version, "1.2");
  EXPECT_EQ(cert->value.cluster_uuid, kCapturedUuid);
  EXPECT_EQ(cert->value.project_id, "56d6485c7e284941a0209c741b4dcdb3");
  EXPECT_EQ(cert->value.pem, *service_->GetCaCertificate(Caller{}, kCapturedUuid, ""));
  // sign_certificate: the Certificate comes back with a PEM signed by that CA.
  auto key = certs::GeneratePrivateKey(1024);
  auto csr = certs::GenerateCsr("bob", *key);
  ASSERT_TRUE(csr);
  objects::Certificate request;
  request.cluster_uuid = kCapturedUuid;
  request.csr = *csr;
  request.ca_cert_type = "kubernetes";
  auto signed_reply = Send("sign_certificate",
                           {{"cluster", ClusterArg()},
                            {"certificate", Json::parse(objects::EncodeCertificatePrimitive(request))}});
  ASSERT_TRUE(signed_reply) << signed_reply.error().message();
  auto signed_cert = objects::DecodeCertificatePrimitive(*signed_reply);
  ASSERT_TRUE(signed_cert && signed_cert->value.pem);
  EXPECT_EQ(signed_cert->value.csr, *csr);
  EXPECT_OK(certs::VerifySignedBy(*signed_cert->value.pem, *cert->value.pem));
  // cluster_delete(uuid): gone.
  auto deleted = Send(testing_data::kCaptureClusterDelete);
  ASSERT_TRUE(deleted) << deleted.error().message();
  EXPECT_EQ(*deleted, "null");
  ASSERT_TRUE(service_->WaitIdle(seconds(20)));
  EXPECT_FALSE(Cluster(kCapturedUuid));
}

TEST_F(UpstreamRpcTest, NodeGroupsAndResizeWithPrimitives) {
  CapturedTemplate();
  CreateCaptured();
  objects::NodeGroup ng;
  ng.uuid = GenerateUuid();
  ng.name = "ng-extra";
  ng.cluster_id = kCapturedUuid;
  ng.project_id = "56d6485c7e284941a0209c741b4dcdb3";
  ng.role = "worker";
  ng.node_count = 2;
  ng.min_node_count = 0;
  ng.is_default = false;
  ng.flavor_id = "m1.small";
  ng.image_id = "fake-image";
  Json prim = Json::parse(objects::EncodeNodeGroupPrimitive(ng));
  prim["magnum_object.data"].erase("id");  // not stored yet, as the API sends it
  auto created = Send("nodegroup_create", {{"cluster", ClusterArg()}, {"nodegroup", prim}});
  ASSERT_TRUE(created) << created.error().message();
  ASSERT_TRUE(service_->WaitIdle(seconds(20)));
  ASSERT_TRUE(NodeGroup(kCapturedUuid, "ng-extra"));
  EXPECT_EQ(NodeGroup(kCapturedUuid, "ng-extra")->GetString("status"), "CREATE_COMPLETE");
  // Redelivered: still one such nodegroup.
  ASSERT_OK(Send("nodegroup_create", {{"cluster", ClusterArg()}, {"nodegroup", prim}}));
  ASSERT_TRUE(service_->WaitIdle(seconds(20)));
  EXPECT_EQ(NodeGroups(kCapturedUuid).size(), 3u);
  // nodegroup_update: the changed max_node_count is written.
  Json patched = prim;
  patched["magnum_object.data"]["max_node_count"] = 5;
  patched["magnum_object.changes"] = {"max_node_count"};
  auto updated = Send("nodegroup_update", {{"cluster", ClusterArg()}, {"nodegroup", patched}});
  ASSERT_TRUE(updated) << updated.error().message();
  auto updated_ng = objects::DecodeNodeGroupPrimitive(*updated);
  ASSERT_TRUE(updated_ng) << updated_ng.error().message();
  EXPECT_EQ(updated_ng->value.max_node_count, 5);
  ASSERT_TRUE(service_->WaitIdle(seconds(20)));
  EXPECT_EQ(NodeGroup(kCapturedUuid, "ng-extra")->GetInt("max_node_count"), 5);
  // cluster_resize of that nodegroup.
  auto resized = Send("cluster_resize", {{"cluster", ClusterArg()}, {"node_count", 3},
                                         {"nodes_to_remove", Json::array()}, {"nodegroup", prim}});
  ASSERT_TRUE(resized) << resized.error().message();
  ASSERT_TRUE(service_->WaitIdle(seconds(20)));
  EXPECT_EQ(NodeGroup(kCapturedUuid, "ng-extra")->GetInt("node_count"), 3);
  // nodegroup_delete.
  auto deleted = Send("nodegroup_delete", {{"cluster", ClusterArg()}, {"nodegroup", prim}});
  ASSERT_TRUE(deleted) << deleted.error().message();
  ASSERT_TRUE(service_->WaitIdle(seconds(20)));
  EXPECT_FALSE(NodeGroup(kCapturedUuid, "ng-extra"));
}

TEST_F(UpstreamRpcTest, FailuresCarryUpstreamExceptionClasses) {
  // Unknown clusters, by uuid and by primitive.
  auto missing = Send(testing_data::kCaptureClusterDelete);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(ExceptionClass(missing), "ClusterNotFound");
  auto no_ca = Send(testing_data::kCaptureGetCaCertificate);
  ASSERT_FALSE(no_ca);
  EXPECT_EQ(ExceptionClass(no_ca), "ClusterNotFound");
  EXPECT_EQ(ExceptionClass(Send(testing_data::kCaptureClusterUpdate)), "ClusterNotFound");
  // cluster_create of an unknown template.
  EXPECT_EQ(ExceptionClass(Send(testing_data::kCaptureClusterCreate)), "ClusterTemplateNotFound");
  EXPECT_FALSE(Cluster(kCapturedUuid));
  // Malformed primitives and arguments.
  Json bad = Args(testing_data::kCaptureClusterCreate);
  bad["cluster"]["magnum_object.name"] = "Bay";
  auto wrong_name = Send("cluster_create", bad);
  ASSERT_FALSE(wrong_name);
  EXPECT_EQ(wrong_name.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(ExceptionClass(wrong_name), "InvalidParameterValue");
  bad = Args(testing_data::kCaptureClusterCreate);
  bad["cluster"]["magnum_object.data"]["labels"] = "a=b";
  EXPECT_EQ(ExceptionClass(Send("cluster_create", bad)), "InvalidParameterValue");
  bad = Args(testing_data::kCaptureClusterCreate);
  bad.erase("node_count");
  EXPECT_EQ(ExceptionClass(Send("cluster_create", bad)), "InvalidParameterValue");
  bad = Args(testing_data::kCaptureClusterCreate);
  bad["cluster"] = "0e13e1d1-1b11-4d27-b295-496ea0deffd8";
  EXPECT_EQ(ExceptionClass(Send("cluster_create", bad)), "InvalidParameterValue");
  // A state that does not allow it; an unknown nodegroup; the indirection API.
  CapturedTemplate();
  Json failing = Args(testing_data::kCaptureClusterCreate);
  failing["cluster"]["magnum_object.data"]["labels"] = {{"fake_fail", "create"}};
  ASSERT_OK(Send("cluster_create", failing));
  ASSERT_TRUE(service_->WaitIdle(seconds(20)));
  ASSERT_EQ(Status(kCapturedUuid), "CREATE_FAILED");
  auto refused = Send(testing_data::kCaptureClusterUpdate);
  ASSERT_FALSE(refused);
  EXPECT_EQ(ExceptionClass(refused), "NotSupported");
  EXPECT_EQ(refused.error().message().find("Updating a cluster when status is"),
            std::string("[magnum.common.exception.NotSupported] ").size());
  objects::NodeGroup ghost;
  ghost.uuid = GenerateUuid();
  ghost.name = "ghost";
  ghost.cluster_id = kCapturedUuid;
  EXPECT_EQ(ExceptionClass(Send("nodegroup_delete",
                                {{"cluster", ClusterArg()},
                                 {"nodegroup", Json::parse(objects::EncodeNodeGroupPrimitive(ghost))}})),
            "NodeGroupNotFound");
  EXPECT_EQ(ExceptionClass(Send("object_class_action", {{"objname", "Cluster"}})), "NotSupported");
}

TEST_F(UpstreamRpcTest, OurOwnShapesStillServed) {
  const std::string uuid = InsertCluster({});
  ASSERT_OK(handler_("cluster_create", Json{{"cluster_uuid", uuid}}.dump()));
  ASSERT_TRUE(service_->WaitIdle(seconds(20)));
  EXPECT_EQ(Status(uuid), "CREATE_COMPLETE");
  auto pem = handler_("get_ca_certificate", Json{{"cluster_uuid", uuid}}.dump());
  ASSERT_TRUE(pem) << pem.error().message();
  EXPECT_TRUE(Json::parse(*pem).contains("pem"));
  auto ping = handler_("ping_conductor", "{}");
  ASSERT_TRUE(ping);
  EXPECT_EQ(*ping, "null");
  // Our failures keep our classes (module magnum.rpc.errors).
  auto missing = handler_("cluster_delete", Json{{"cluster_uuid", GenerateUuid()}}.dump());
  ASSERT_FALSE(missing);
  auto reply = Json::parse(rpc::EncodeOsloReply(missing, "m1"));
  auto failure = Json::parse(Json::parse(reply["oslo.message"].get<std::string>())["failure"]
                                 .get<std::string>());
  EXPECT_EQ(failure["class"], "NotFound");
  EXPECT_EQ(failure["module"], "magnum.rpc.errors");
  // Without the database only our shapes are known: upstream's are refused as malformed.
  auto ours_only = NewConductorRpcHandler(api_.get());
  auto refused = ours_only("cluster_delete", Json{{"uuid", GenerateUuid()}}.dump());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace magnum::conductor::testing
