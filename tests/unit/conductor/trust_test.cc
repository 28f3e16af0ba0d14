// Per-cluster trusts in the conductor (cluster_trust.h): a create whose driver UsesTrust()
// gets a trustee user and the caller's trust (in Keystone and in the row, before the driver
// runs), refusals leave nothing behind, the delete removes both; the caller's token through
// the RPC bus. Keystone is the in-memory one of tests/unit/clients/fake_keystone.h.
#include "conductor_test_util.h"
#include "magnum/clients/keystone_trusts.h"
#include "magnum/conductor/rpc_client.h"
#include "magnum/conductor/rpc_server.h"
#include "magnum/rpc/inproc_transport.h"
#include "magnum/rpc/oslo_envelope.h"
#include "unit/clients/fake_keystone.h"

namespace magnum::conductor::testing {
namespace {

using std::chrono::seconds;
using testing_util::FakeKeystone;

// A driver that uses a trust and records the trust fields its create saw.
class TrustingDriver final : public NoOpDriver {
 public:
  struct Seen {
    std::mutex mu;
    std::vector<drivers::ClusterState> creates;
  };
  explicit TrustingDriver(std::shared_ptr<Seen> seen)
      : NoOpDriver("trusting", "trust-os"), seen_(std::move(seen)) {}
  bool UsesTrust() const override { return true; }
  Result<void> CreateCluster(drivers::OperationContext& op) override {
    std::lock_guard<std::mutex> lock(seen_->mu);
    seen_->creates.push_back(op.cluster());
    return {};
  }

 private:
  std::shared_ptr<Seen> seen_;
};

class ConductorTrustTest : public ConductorTestBase {
 protected:
  void SetUp() override {
    ConductorTestBase::SetUp();
    registry_.Register(std::make_unique<TrustingDriver>(seen_));
    keystone_->AddUserToken("tok-u1", "u1", "p1", {"member", "reader"});
  }

  std::shared_ptr<clients::TrustManager> Trusts() {
    clients::TrustOptions o;
    o.trustee_domain_id = FakeKeystone::kDomainId;
    o.trustee_domain_admin_id = FakeKeystone::kAdminId;
    o.trustee_domain_admin_password = FakeKeystone::kAdminPassword;
    o.identity_url = FakeKeystone::kUrl;
    return std::make_shared<clients::TrustManager>(o, keystone_);
  }

  ConductorService* Start(std::shared_ptr<clients::TrustManager> trusts) {
    ConductorDeps deps;
    deps.db = db_.get();
    deps.drivers = &registry_;
    deps.clock = &SystemClock();
    deps.certificates = NewCertificates();
    deps.trusts = std::move(trusts);
    conductors_.push_back(std::make_unique<ConductorService>(std::move(deps), Options()));
    EXPECT_OK(conductors_.back()->Start());
    return conductors_.back().get();
  }

  static Caller Demo() {
    return Caller{"req-1", "p1", "u1", false, {"member", "reader"}, "tok-u1"};
  }

  // The four trust columns of the row ("" when NULL).
  std::vector<std::string> TrustColumns(const std::string& uuid) {
    auto row = Cluster(uuid);
    if (!row) return {};
    std::vector<std::string> v;
    for (const char* c : {"trustee_username", "trustee_password", "trustee_user_id", "trust_id"}) {
      v.push_back(row->IsNull(c) ? "" : row->GetString(c));
    }
    return v;
  }
  static bool AllEmpty(const std::vector<std::string>& v) {
    for (const auto& s : v) {
      if (!s.empty()) return false;
    }
    return true;
  }

  std::shared_ptr<TrustingDriver::Seen> seen_ = std::make_shared<TrustingDriver::Seen>();
  std::shared_ptr<FakeKeystone> keystone_ = std::make_shared<FakeKeystone>();
};

TEST_F(ConductorTrustTest, CreateSetsUpTheTrustAndDeleteRemovesIt) {
  ConductorService* c = Start(Trusts());
  const std::string uuid = InsertCluster({.driver = "trusting"});
  ASSERT_OK(c->ClusterCreate(Demo(), uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_EQ(Status(uuid), "CREATE_COMPLETE");

  const auto cols = TrustColumns(uuid);
  ASSERT_EQ(cols.size(), 4u);
  EXPECT_EQ(cols[0], uuid + "_p1");
  EXPECT_EQ(cols[1].size(), 32u);
  auto user = keystone_->GetUser(cols[2]);
  ASSERT_TRUE(user);
  EXPECT_EQ(user->name, uuid + "_p1");
  EXPECT_EQ(user->password, cols[1]);
  EXPECT_EQ(user->domain_id, FakeKeystone::kDomainId);
  auto trust = keystone_->GetTrust(cols[3]);
  ASSERT_TRUE(trust);
  EXPECT_EQ(trust->trustor, "u1");
  EXPECT_EQ(trust->trustee, cols[2]);
  EXPECT_EQ(trust->project, "p1");
  EXPECT_TRUE(trust->impersonation);
  EXPECT_EQ(trust->roles, (std::vector<std::string>{"member", "reader"}));
  {
    // The driver ran with the trust in its ClusterState.
    std::lock_guard<std::mutex> lock(seen_->mu);
    ASSERT_EQ(seen_->creates.size(), 1u);
    const auto& s = seen_->creates[0];
    EXPECT_EQ(s.trustee_username, cols[0]);
    EXPECT_EQ(s.trustee_password, cols[1]);
    EXPECT_EQ(s.trustee_user_id, cols[2]);
    EXPECT_EQ(s.trust_id, cols[3]);
  }
  // The token is nowhere in the database (events, lock rows).
  for (const auto& e : Events(uuid)) {
    EXPECT_EQ(e.GetString("message").find("tok-u1"), std::string::npos);
    EXPECT_EQ(e.GetString("message").find(cols[1]), std::string::npos);
  }

  ASSERT_OK(c->ClusterDelete(Demo(), uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_FALSE(Cluster(uuid));
  EXPECT_FALSE(keystone_->HasUser(cols[2]));
  EXPECT_FALSE(keystone_->GetTrust(cols[3]));
  EXPECT_EQ(keystone_->UserCount(), 0u);
}

TEST_F(ConductorTrustTest, ACreateAcceptedAgainMakesNoSecondTrust) {
  ConductorService* c = Start(Trusts());
  const std::string uuid = InsertCluster({.driver = "trusting"});
  ASSERT_OK(c->ClusterCreate(Demo(), uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  const auto cols = TrustColumns(uuid);
  auto again = c->ClusterCreate(Demo(), uuid);  // refused by state; no Keystone call
  EXPECT_FALSE(again);
  EXPECT_EQ(TrustColumns(uuid), cols);
  EXPECT_EQ(keystone_->UserCount(), 1u);
  EXPECT_EQ(keystone_->TrustCount(), 1u);
}

TEST_F(ConductorTrustTest, NoTrustsConfiguredRefusesWithWhatToSet) {
  ConductorService* c = Start(nullptr);
  const std::string uuid = InsertCluster({.driver = "trusting"});
  auto r = c->ClusterCreate(Demo(), uuid);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.error().message().find("[trust] options trustee_domain_id"), std::string::npos)
      << r.error().message();
  EXPECT_NE(r.error().message().find("auth_strategy = keystone"), std::string::npos);
  EXPECT_EQ(Status(uuid), "CREATE_IN_PROGRESS");  // untouched: the API marks it failed
  EXPECT_TRUE(AllEmpty(TrustColumns(uuid)));
  EXPECT_FALSE(Lock(uuid));
  std::lock_guard<std::mutex> lock(seen_->mu);
  EXPECT_TRUE(seen_->creates.empty());
}

TEST_F(ConductorTrustTest, NoTokenRefused) {
  ConductorService* c = Start(Trusts());
  const std::string uuid = InsertCluster({.driver = "trusting"});
  Caller no_token = Demo();
  no_token.auth_token.clear();
  auto r = c->ClusterCreate(no_token, uuid);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(r.error().message().find("no Keystone token"), std::string::npos);
  EXPECT_TRUE(AllEmpty(TrustColumns(uuid)));
  EXPECT_EQ(keystone_->UserCount(), 0u);
}

TEST_F(ConductorTrustTest, FailedTrustRemovesTheTrusteeAndWritesNothing) {
  ConductorService* c = Start(Trusts());
  const std::string uuid = InsertCluster({.driver = "trusting"});
  Caller admin_roles = Demo();
  admin_roles.roles = {"admin"};  // not held on p1: Keystone's 404
  auto r = c->ClusterCreate(admin_roles, uuid);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().message().rfind("Cannot create the cluster's trust: the trustor's token "
                                      "cannot create a trust",
                                      0),
            0u)
      << r.error().message();
  EXPECT_TRUE(AllEmpty(TrustColumns(uuid)));
  EXPECT_EQ(keystone_->UserCount(), 0u);  // the trustee went again
  EXPECT_EQ(keystone_->TrustCount(), 0u);
  EXPECT_FALSE(Lock(uuid));

  Caller revoked = Demo();
  revoked.auth_token = "revoked";
  auto u = c->ClusterCreate(revoked, uuid);
  ASSERT_FALSE(u);
  EXPECT_EQ(u.error().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(keystone_->UserCount(), 0u);
}

TEST_F(ConductorTrustTest, KeystoneDownIsUnavailableWithNothingWritten) {
  ConductorService* c = Start(Trusts());
  const std::string uuid = InsertCluster({.driver = "trusting"});
  keystone_->down = true;
  auto r = c->ClusterCreate(Demo(), uuid);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message().find("Keystone"), std::string::npos);
  EXPECT_TRUE(AllEmpty(TrustColumns(uuid)));
  EXPECT_EQ(Status(uuid), "CREATE_IN_PROGRESS");
  // Back up: the retry goes through.
  keystone_->down = false;
  ASSERT_OK(c->ClusterCreate(Demo(), uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_EQ(Status(uuid), "CREATE_COMPLETE");
  EXPECT_EQ(keystone_->UserCount(), 1u);
}

TEST_F(ConductorTrustTest, DeleteSucceedsWhenKeystoneIsDownAndCanBeRepeated) {
  ConductorService* c = Start(Trusts());
  const std::string uuid = InsertCluster({.driver = "trusting"});
  ASSERT_OK(c->ClusterCreate(Demo(), uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  const auto cols = TrustColumns(uuid);
  keystone_->down = true;
  ASSERT_OK(c->ClusterDelete(Demo(), uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_FALSE(Cluster(uuid));               // the delete did not wait for Keystone
  EXPECT_TRUE(keystone_->HasUser(cols[2]));  // left behind (logged)
  keystone_->down = false;
  // Removing what is already gone is success.
  auto tm = Trusts();
  EXPECT_OK(tm->DeleteTrusteeAndTrust(cols[2], cols[3]));
  EXPECT_OK(tm->DeleteTrusteeAndTrust(cols[2], cols[3]));
}

TEST_F(ConductorTrustTest, DriversWithoutTrustNeedNone) {
  ConductorService* c = Start(nullptr);
  const std::string uuid = InsertCluster({});  // the fake driver
  ASSERT_OK(c->ClusterCreate(Caller{}, uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_EQ(Status(uuid), "CREATE_COMPLETE");
  EXPECT_TRUE(AllEmpty(TrustColumns(uuid)));
}

TEST_F(ConductorTrustTest, FakeDriverUsesTrustOnlyWhenAsked) {
  auto fake = drivers::NewFakeDriver({.uses_trust = true});
  EXPECT_TRUE(fake->UsesTrust());
  EXPECT_FALSE(drivers::NewFakeDriver()->UsesTrust());
}

// The caller's token crosses the bus (the API's RPC client to the conductor's server) and
// is the one the trust is created with.
TEST_F(ConductorTrustTest, TokenTravelsThroughTheBus) {
  ConductorService* c = Start(Trusts());
  auto transport = rpc::NewInprocTransport(2);
  ASSERT_OK(ServeConductor(transport.get(), "magnum-conductor", c));
  auto client = NewRpcConductorClient(transport.get(), "magnum-conductor", seconds(10));
  const std::string uuid = InsertCluster({.driver = "trusting"});
  ASSERT_OK(client->ClusterCreate(Demo(), uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_EQ(Status(uuid), "CREATE_COMPLETE");
  bool trust_with_token = false;
  for (const auto& req : keystone_->sent) {
    if (req.url == std::string(FakeKeystone::kUrl) + "/v3/OS-TRUST/trusts") {
      trust_with_token = FakeKeystone::HeaderOf(req, "X-Auth-Token") == "tok-u1";
    }
  }
  EXPECT_TRUE(trust_with_token);
  transport->Shutdown();
}

// On the wire (oslo.messaging) the token is the context's auth_token, as Python services
// send and read it.
TEST(CallerWireTest, AuthTokenIsAnOsloContextKey) {
  const std::string payload =
      R"({"context":{"request_id":"r","user_id":"u","project_id":"p","auth_token":"tok"},)"
      R"("cluster_uuid":"c"})";
  auto msg = rpc::EncodeOsloRequest("cluster_create", payload, "1.0", "", "");
  ASSERT_TRUE(msg) << msg.error().message();
  EXPECT_NE(msg->find("_context_auth_token"), std::string::npos) << *msg;
  auto back = rpc::DecodeOsloRequest(*msg);
  ASSERT_TRUE(back) << back.error().message();
  auto j = nlohmann::json::parse(back->payload);
  EXPECT_EQ(j["context"]["auth_token"], "tok");
}

}  // namespace
}  // namespace magnum::conductor::testing
