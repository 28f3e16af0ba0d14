// The conductor behind the in-process bus: the API's view (RpcConductorClient) must behave
// exactly like the ConductorService itself, errors included.
#include "conductor_test_util.h"
#include "magnum/conductor/rpc_client.h"
#include "magnum/conductor/rpc_server.h"
#include "magnum/rpc/inproc_transport.h"

namespace magnum::conductor::testing {
namespace {

using std::chrono::seconds;

class ConductorRpcTest : public ConductorTestBase {
 protected:
  void SetUp() override {
    ConductorTestBase::SetUp();
    service_ = StartConductor();
    transport_ = rpc::NewInprocTransport(2);
    ASSERT_OK(ServeConductor(transport_.get(), "magnum-conductor", service_));
    client_ = NewRpcConductorClient(transport_.get(), "magnum-conductor", seconds(10));
  }
  void TearDown() override {
    transport_->Shutdown();
    ConductorTestBase::TearDown();
  }

  ConductorService* service_ = nullptr;
  std::unique_ptr<rpc::Transport> transport_;
  std::unique_ptr<ConductorApi> client_;
};

TEST_F(ConductorRpcTest, LifecycleThroughTheBus) {
  std::string uuid = InsertCluster({.node_count = 2});
  Caller caller{"req-1", "p1", "u1", false};
  ASSERT_OK(client_->ClusterCreate(caller, uuid));
  ASSERT_TRUE(service_->WaitIdle(seconds(10)));
  EXPECT_EQ(Status(uuid), "CREATE_COMPLETE");
  ASSERT_OK(client_->ClusterResize(caller, uuid, "", 3, {"192.0.2.12"}));
  ASSERT_TRUE(service_->WaitIdle(seconds(10)));
  EXPECT_EQ(NodeGroup(uuid, "default-worker")->GetInt("node_count"), 3);
  auto ca = client_->GetCaCertificate(caller, uuid, "etcd");
  ASSERT_TRUE(ca) << ca.error().message();
  EXPECT_EQ(*ca, *service_->GetCaCertificate(caller, uuid, "etcd"));
  auto key = certs::GeneratePrivateKey(1024);
  auto csr = certs::GenerateCsr("bob", *key);
  ASSERT_TRUE(csr);
  auto pem = client_->SignCertificate(caller, uuid, *csr, "");
  ASSERT_TRUE(pem) << pem.error().message();
  EXPECT_OK(certs::VerifySignedBy(*pem, *client_->GetCaCertificate(caller, uuid, "")));
  ASSERT_OK(client_->Ping());
  ASSERT_OK(client_->ClusterDelete(caller, uuid));
  ASSERT_TRUE(service_->WaitIdle(seconds(10)));
  EXPECT_FALSE(Cluster(uuid));
}

TEST_F(ConductorRpcTest, RefusalsKeepCodeAndMessage) {
  std::string uuid = CreatedCluster(service_, {.labels = {{"fake_fail", "create"}}});
  auto update = client_->ClusterUpdate(Caller{}, uuid, 5, true);
  ASSERT_FALSE(update);
  EXPECT_EQ(update.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(update.error().message(),
            "Updating a cluster when status is \"CREATE_FAILED\" is not supported.");
  auto missing = client_->ClusterDelete(Caller{}, GenerateUuid());
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code(), ErrorCode::kNotFound);
  auto bad_csr = client_->SignCertificate(Caller{}, uuid, "garbage", "");
  ASSERT_FALSE(bad_csr);
  EXPECT_EQ(bad_csr.error().code(), ErrorCode::kInvalidArgument);
  auto credential = client_->RotateCredential(Caller{}, uuid);
  ASSERT_FALSE(credential);
  EXPECT_EQ(credential.error().message(),
            "Rotating credentials when cluster status is \"CREATE_FAILED\" is not supported.");
}

TEST_F(ConductorRpcTest, DriverRefusalOfCredentialRotationComesBack) {
  std::string uuid = CreatedCluster(service_);
  auto r = client_->RotateCredential(Caller{}, uuid);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.error().message(), "Credential rotation is not supported by driver.");
  EXPECT_EQ(Status(uuid), "CREATE_COMPLETE") << "no status change";
}

TEST_F(ConductorRpcTest, MalformedRequestsAreInvalidArgument) {
  auto unknown = transport_->Call("magnum-conductor", "cluster_explode", R"({"cluster_uuid":"x"})",
                                  seconds(5));
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kInvalidArgument);
  auto no_uuid = transport_->Call("magnum-conductor", "cluster_create", "{}", seconds(5));
  ASSERT_FALSE(no_uuid);
  EXPECT_EQ(no_uuid.error().code(), ErrorCode::kInvalidArgument);
  auto wrong_type = transport_->Call("magnum-conductor", "cluster_update",
                                     R"({"cluster_uuid":"x","node_count":"3"})", seconds(5));
  ASSERT_FALSE(wrong_type);
  EXPECT_EQ(wrong_type.error().code(), ErrorCode::kInvalidArgument);
  auto not_json = transport_->Call("magnum-conductor", "cluster_create", "{", seconds(5));
  ASSERT_FALSE(not_json);
  EXPECT_EQ(not_json.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(ConductorRpcTest, NoConductorIsUnavailable) {
  transport_->StopServing("magnum-conductor");
  auto r = client_->Ping();
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
}

// A conductor is listed up only once it takes calls: the first heartbeat follows `serve`,
// so an API that waits for "up" never gets "no server is listening".
class ConductorAnnounceTest : public ConductorTestBase {
 protected:
  int64_t ConductorRows(const std::string& host) {
    auto n = db_->Count(db::kMagnumServiceTable,
                        db::Filter()
                            .Where(db::Condition::Eq("host", host))
                            .Where(db::Condition::Eq("binary", std::string("magnum-conductor"))));
    EXPECT_TRUE(n);
    return n ? *n : -1;
  }
  std::unique_ptr<ConductorService> Make(const std::string& host) {
    ConductorDeps deps;
    deps.db = db_.get();
    deps.drivers = &registry_;
    deps.clock = &SystemClock();
    deps.certificates = NewCertificates();
    return std::make_unique<ConductorService>(std::move(deps), Options(host));
  }
};

TEST_F(ConductorAnnounceTest, HeartbeatFollowsServing) {
  auto service = Make("announce-1");
  auto transport = rpc::NewInprocTransport(2);
  int64_t rows_while_serving = -1;
  ASSERT_OK(service->Start([&]() -> Result<void> {
    rows_while_serving = ConductorRows("announce-1");
    return ServeConductor(transport.get(), "magnum-conductor", service.get());
  }));
  EXPECT_EQ(rows_while_serving, 0);
  EXPECT_EQ(ConductorRows("announce-1"), 1);
  auto client = NewRpcConductorClient(transport.get(), "magnum-conductor", seconds(10));
  EXPECT_OK(client->Ping());
  transport->Shutdown();
  service->Stop();
}

TEST_F(ConductorAnnounceTest, FailedServingAnnouncesNothing) {
  auto service = Make("announce-2");
  auto started =
      service->Start([]() -> Result<void> { return Fail(Error::Unavailable("broker down")); });
  ASSERT_FALSE(started);
  EXPECT_EQ(started.error().code(), ErrorCode::kUnavailable);
  EXPECT_EQ(ConductorRows("announce-2"), 0);
  service->Stop();
}

}  // namespace
}  // namespace magnum::conductor::testing
