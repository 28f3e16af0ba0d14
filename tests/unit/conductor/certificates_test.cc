// Per-cluster certificates: generated at create, encrypted at rest, used to sign CSRs,
// rotated, removed with the cluster.
#include "conductor_test_util.h"
#include "magnum/config/config.h"

namespace magnum::conductor::testing {
namespace {

using std::chrono::seconds;

class CertificatesTest : public ConductorTestBase {};

TEST_F(CertificatesTest, CreateGeneratesFourEncryptedKeyPairs) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.name = "certs"});
  auto row = Cluster(uuid);
  ASSERT_TRUE(row);
  std::vector<std::string> refs = {
      row->GetString("ca_cert_ref"), row->GetString("etcd_ca_cert_ref"),
      row->GetString("front_proxy_ca_cert_ref"), row->GetString("magnum_cert_ref")};
  std::set<std::string> distinct(refs.begin(), refs.end());
  EXPECT_EQ(distinct.size(), 4u);
  for (const auto& ref : refs) {
    SCOPED_TRACE(ref);
    auto kp = db_->GetOne(db::kX509KeyPairTable, Filter().Where(Condition::Eq("uuid", ref)));
    ASSERT_TRUE(kp && *kp);
    const std::string stored = (*kp)->GetString("private_key");
    EXPECT_EQ(stored.find("PRIVATE KEY"), std::string::npos) << "no plaintext PEM at rest";
    EXPECT_EQ(stored.rfind("v1:", 0), 0u);
    EXPECT_NE((*kp)->GetString("certificate").find("BEGIN CERTIFICATE"), std::string::npos);
    // The conductor can decrypt it again, to a key matching the certificate.
    auto pair = c->certificates().LoadKeyPair(ref);
    ASSERT_TRUE(pair) << pair.error().message();
    EXPECT_NE(pair->private_key_pem.find("BEGIN PRIVATE KEY"), std::string::npos);
  }
  auto ca = certs::InspectCertificate(*c->GetCaCertificate(Caller{}, uuid, ""));
  ASSERT_TRUE(ca);
  EXPECT_EQ(ca->subject, "CN=certs");
  EXPECT_TRUE(ca->is_ca);
  EXPECT_EQ(ca->public_key_bits, 1024);
  auto magnum = c->certificates().LoadKeyPair(refs[3]);
  ASSERT_TRUE(magnum);
  auto info = certs::InspectCertificate(magnum->certificate_pem);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->subject, "CN=admin,O=system:masters");
  EXPECT_OK(
      certs::VerifySignedBy(magnum->certificate_pem, *c->GetCaCertificate(Caller{}, uuid, "")));
}

// The set and the cluster's refs are written in one transaction: a cluster that is gone
// gets no rows, a rotation leaves every ref on the new, complete set.
TEST_F(CertificatesTest, GenerateAndSaveSwitchesAllRefsAtOnceOrStoresNothing) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.name = "rot"});
  const int64_t rows = CountRows(db::kX509KeyPairTable);
  auto gone = c->certificates().GenerateAndSave({"no-such-cluster", "x", "p1", "u1"});
  ASSERT_FALSE(gone);
  EXPECT_TRUE(gone.error().Is(ErrorCode::kNotFound)) << gone.error().message();
  EXPECT_EQ(CountRows(db::kX509KeyPairTable), rows) << "rolled back with the refs";

  const std::string old_ca = *c->GetCaCertificate(Caller{}, uuid, "");
  auto refs = c->certificates().GenerateAndSave({uuid, "rot", "p1", "u1"});
  ASSERT_OK(refs);
  EXPECT_EQ(CountRows(db::kX509KeyPairTable), rows + 4);
  auto row = Cluster(uuid);
  ASSERT_TRUE(row);
  EXPECT_EQ(row->GetString("ca_cert_ref"), refs->ca_cert_ref);
  EXPECT_EQ(row->GetString("etcd_ca_cert_ref"), refs->etcd_ca_cert_ref);
  EXPECT_EQ(row->GetString("front_proxy_ca_cert_ref"), refs->front_proxy_ca_cert_ref);
  EXPECT_EQ(row->GetString("magnum_cert_ref"), refs->magnum_cert_ref);
  EXPECT_NE(*c->GetCaCertificate(Caller{}, uuid, ""), old_ca);
}

TEST_F(CertificatesTest, CaTypesSelectDifferentCas) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c);
  auto main = c->GetCaCertificate(Caller{}, uuid, "");
  auto kube = c->GetCaCertificate(Caller{}, uuid, "kubernetes");
  auto etcd = c->GetCaCertificate(Caller{}, uuid, "etcd");
  auto proxy = c->GetCaCertificate(Caller{}, uuid, "front-proxy");
  auto proxy2 = c->GetCaCertificate(Caller{}, uuid, "front_proxy");
  ASSERT_TRUE(main && kube && etcd && proxy && proxy2);
  EXPECT_EQ(*main, *kube);
  EXPECT_NE(*main, *etcd);
  EXPECT_NE(*main, *proxy);
  EXPECT_EQ(*proxy, *proxy2);
  EXPECT_EQ(main->find("PRIVATE"), std::string::npos);
}

TEST_F(CertificatesTest, SignsCsrWithTheSelectedCa) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.name = "signer"});
  auto key = certs::GeneratePrivateKey(1024);
  ASSERT_TRUE(key);
  auto csr = certs::GenerateCsr("alice", *key, {{{"O", "devs"}}, {}, {}, {}});
  ASSERT_TRUE(csr) << csr.error().message();
  for (const std::string type : {"", "etcd", "front-proxy"}) {
    SCOPED_TRACE(type);
    auto pem = c->SignCertificate(Caller{}, uuid, *csr, type);
    ASSERT_TRUE(pem) << pem.error().message();
    auto ca = c->GetCaCertificate(Caller{}, uuid, type);
    ASSERT_TRUE(ca);
    EXPECT_OK(certs::VerifySignedBy(*pem, *ca));
    auto info = certs::InspectCertificate(*pem);
    ASSERT_TRUE(info);
    EXPECT_EQ(info->subject, "CN=alice,O=devs");
    EXPECT_EQ(info->issuer, "CN=signer");
  }
  auto bad = c->SignCertificate(Caller{}, uuid, "not a csr", "");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
  auto unknown = c->SignCertificate(Caller{}, GenerateUuid(), *csr, "");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code(), ErrorCode::kNotFound);
}

TEST_F(CertificatesTest, NotGeneratedYetIsAConflict) {
  auto* c = StartConductor();
  std::string uuid = InsertCluster({});
  auto r = c->GetCaCertificate(Caller{}, uuid, "");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kConflict);
}

TEST_F(CertificatesTest, RotationReplacesTheCas) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c);
  auto before = c->GetCaCertificate(Caller{}, uuid, "");
  ASSERT_TRUE(before);
  ASSERT_OK(c->RotateCaCertificate(Caller{}, uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_EQ(Status(uuid), "UPDATE_COMPLETE");
  EXPECT_EQ(Reason(uuid), "CA certificate rotated");
  auto after = c->GetCaCertificate(Caller{}, uuid, "");
  ASSERT_TRUE(after);
  EXPECT_NE(*before, *after);
  EXPECT_EQ(CountRows(db::kX509KeyPairTable), 8) << "old generation kept, as the reference does";
  ASSERT_OK(c->ClusterDelete(Caller{}, uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_EQ(CountRows(db::kX509KeyPairTable), 0) << "every generation goes with the cluster";
}

TEST_F(CertificatesTest, RotationRefusals) {
  auto* c = StartConductor();
  std::string tls_off = InsertTemplate("fake", /*tls_disabled=*/true);
  std::string uuid = CreatedCluster(c, {.template_uuid = tls_off});
  auto r = c->RotateCaCertificate(Caller{}, uuid);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(r.error().message(),
            "Rotating the CA certificate on a non-TLS cluster is not supported");
  std::string failed = CreatedCluster(c, {.name = "f", .labels = {{"fake_fail", "create"}}});
  auto f = c->RotateCaCertificate(Caller{}, failed);
  ASSERT_FALSE(f);
  EXPECT_EQ(f.error().message(),
            "Updating a cluster when status is \"CREATE_FAILED\" is not supported.");
}

TEST_F(CertificatesTest, DriverIssuesServerCertificatesFromTheClusterCa) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c);
  auto issued =
      c->certificates().IssueServerCertificate(uuid, "apiserver", {"kubernetes"}, {"192.0.2.11"});
  ASSERT_TRUE(issued) << issued.error().message();
  EXPECT_OK(certs::VerifySignedBy(issued->certificate_pem, issued->ca_certificate_pem));
  EXPECT_EQ(issued->ca_certificate_pem, *c->GetCaCertificate(Caller{}, uuid, ""));
  auto info = certs::InspectCertificate(issued->certificate_pem);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->subject_alt_names, (std::vector<std::string>{"DNS:kubernetes", "IP:192.0.2.11"}));
}

TEST_F(CertificatesTest, CertificateFailureFailsTheCreate) {
  // A key size OpenSSL refuses makes generation fail.
  ConductorDeps deps;
  deps.db = db_.get();
  deps.drivers = &registry_;
  deps.clock = &SystemClock();
  certs::X509Options bad = FastX509();
  bad.rsa_key_size = 1;
  deps.certificates = std::make_unique<ClusterCertificates>(
      db_.get(), certs::KeyEncryptor::FromKey(std::string(32, 'k')), bad, &SystemClock());
  ConductorService c(std::move(deps), Options());
  ASSERT_OK(c.Start());
  std::string uuid = InsertCluster({});
  ASSERT_OK(c.ClusterCreate(Caller{}, uuid));
  ASSERT_TRUE(c.WaitIdle(seconds(10)));
  EXPECT_EQ(Status(uuid), "CREATE_FAILED");
  EXPECT_EQ(Reason(uuid).rfind("create failed at step 'certificates': Failed to create "
                               "certificates for Cluster: " +
                                   uuid,
                               0),
            0u)
      << Reason(uuid);
  c.Stop();
}

TEST_F(CertificatesTest, EncryptionKeyFileIsCreatedPrivate) {
  config::Config cfg;
  cfg.state_path = dir_.File("state");
  auto enc = ClusterCertificates::LoadEncryptor(cfg);
  ASSERT_TRUE(enc) << enc.error().message();
  auto perms = std::filesystem::status(dir_.File("state/magnum.key")).permissions();
  EXPECT_EQ(perms & std::filesystem::perms::all,
            std::filesystem::perms::owner_read | std::filesystem::perms::owner_write);
  // The same file gives the same key.
  auto again = ClusterCertificates::LoadEncryptor(cfg);
  ASSERT_TRUE(again);
  auto token = enc->Encrypt("secret");
  ASSERT_TRUE(token);
  auto plain = again->Decrypt(*token);
  ASSERT_TRUE(plain);
  EXPECT_EQ(*plain, "secret");
}

}  // namespace
}  // namespace magnum::conductor::testing
