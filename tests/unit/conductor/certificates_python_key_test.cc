// CA keys a Python Magnum stored (a taken-over database, issue 12): encrypted PKCS#8 PEM in
// x509keypair.private_key under the row's private_key_passphrase. The conductor signs with
// them, reports an unusable one as an error, and a CA rotation replaces them with ours.
#include <gmock/gmock.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "conductor_test_util.h"
#include "magnum/certs/x509.h"

namespace magnum::conductor::testing {
namespace {

using std::chrono::seconds;
using ::testing::HasSubstr;
using ::testing::Not;

// `key_pem` encrypted as python3-cryptography's BestAvailableEncryption writes it: PKCS#8,
// AES-256-CBC under PBKDF2.
std::string PythonSealed(const std::string& key_pem, const std::string& passphrase) {
  BIO* in = BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size()));
  EVP_PKEY* key = PEM_read_bio_PrivateKey(in, nullptr, nullptr, nullptr);
  BIO_free_all(in);
  EXPECT_NE(key, nullptr);
  BIO* out = BIO_new(BIO_s_mem());
  EXPECT_EQ(PEM_write_bio_PKCS8PrivateKey(out, key, EVP_aes_256_cbc(),
                                          const_cast<char*>(passphrase.data()),
                                          static_cast<int>(passphrase.size()), nullptr, nullptr),
            1);
  char* data = nullptr;
  const long n = BIO_get_mem_data(out, &data);
  std::string pem(data, static_cast<size_t>(n));
  BIO_free_all(out);
  EVP_PKEY_free(key);
  return pem;
}

class PythonCaKeyTest : public ConductorTestBase {
 protected:
  // Replaces the cluster's main CA row with a fresh CA stored the Python way; returns its
  // certificate.
  std::string StorePythonCa(const std::string& cluster_uuid, const std::string& passphrase,
                            const std::string& stored_passphrase) {
    certs::X509Options options;
    options.rsa_key_size = 1024;
    auto ca = certs::GenerateCa("python-made", options);
    EXPECT_TRUE(ca) << ca.error().message();
    Row row;
    row.Set("certificate", ca->certificate_pem);
    row.Set("private_key", PythonSealed(ca->private_key_pem, passphrase));
    row.Set("private_key_passphrase", stored_passphrase);
    auto n = db_->Update(db::kX509KeyPairTable,
                         Filter().Where(Condition::Eq(
                             "uuid", Cluster(cluster_uuid)->GetString("ca_cert_ref"))),
                         row);
    EXPECT_TRUE(n && *n == 1);
    return ca->certificate_pem;
  }

  std::string Csr() {
    auto key = certs::GeneratePrivateKey(1024);
    EXPECT_TRUE(key);
    auto csr = certs::GenerateCsr("alice", *key, {{{"O", "devs"}}, {}, {}, {}});
    EXPECT_TRUE(csr) << csr.error().message();
    return *csr;
  }
};

TEST_F(PythonCaKeyTest, SignsWithAPythonStoredCaAndLeavesTheRowAsItIs) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.name = "taken"});
  const std::string ca = StorePythonCa(uuid, "Zx81pQ", "Zx81pQ");
  const std::string ref = Cluster(uuid)->GetString("ca_cert_ref");
  const std::string stored =
      (*db_->GetOne(db::kX509KeyPairTable, Filter().Where(Condition::Eq("uuid", ref))))
          ->GetString("private_key");
  ASSERT_EQ(*c->GetCaCertificate(Caller{}, uuid, ""), ca);
  auto pem = c->SignCertificate(Caller{}, uuid, Csr(), "");
  ASSERT_TRUE(pem) << pem.error().message();
  EXPECT_OK(certs::VerifySignedBy(*pem, ca));
  EXPECT_EQ(certs::InspectCertificate(*pem)->issuer, "CN=python-made");
  // The driver's certificates come from it too.
  auto server = c->certificates().IssueServerCertificate(uuid, "node-1", {"node-1"}, {});
  ASSERT_TRUE(server) << server.error().message();
  EXPECT_OK(certs::VerifySignedBy(server->certificate_pem, ca));
  auto row = db_->GetOne(db::kX509KeyPairTable, Filter().Where(Condition::Eq("uuid", ref)));
  EXPECT_EQ((*row)->GetString("private_key"), stored) << "read, never rewritten";
}

TEST_F(PythonCaKeyTest, WrongPassphraseIsAnInternalErrorSayingWhatToDo) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.name = "taken"});
  StorePythonCa(uuid, "right-pass", "wrong-pass");
  auto pem = c->SignCertificate(Caller{}, uuid, Csr(), "");
  ASSERT_FALSE(pem);
  EXPECT_EQ(pem.error().code(), ErrorCode::kInternal);
  EXPECT_THAT(pem.error().message(), HasSubstr("stored by the Python Magnum"));
  EXPECT_THAT(pem.error().message(), HasSubstr("wrong passphrase or damaged key"));
  EXPECT_THAT(pem.error().message(), Not(HasSubstr("right-pass")));
  // The CA's certificate is still served (the key is not needed for it).
  EXPECT_TRUE(c->GetCaCertificate(Caller{}, uuid, ""));
}

TEST_F(PythonCaKeyTest, RotationReplacesAPythonCaWithOneInOurForm) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.name = "taken"});
  const std::string python_ca = StorePythonCa(uuid, "Zx81pQ", "Zx81pQ");
  ASSERT_OK(c->RotateCaCertificate(Caller{}, uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_EQ(Status(uuid), "UPDATE_COMPLETE");
  const std::string ref = Cluster(uuid)->GetString("ca_cert_ref");
  auto row = db_->GetOne(db::kX509KeyPairTable, Filter().Where(Condition::Eq("uuid", ref)));
  EXPECT_EQ((*row)->GetString("private_key").rfind("v1:", 0), 0u);
  EXPECT_TRUE((*row)->IsNull("private_key_passphrase"));
  auto ca = c->GetCaCertificate(Caller{}, uuid, "");
  ASSERT_TRUE(ca);
  EXPECT_NE(*ca, python_ca);
  auto pem = c->SignCertificate(Caller{}, uuid, Csr(), "");
  ASSERT_TRUE(pem) << pem.error().message();
  EXPECT_OK(certs::VerifySignedBy(*pem, *ca));
}

TEST_F(PythonCaKeyTest, ThePythonRowsWithoutANameGoWithTheirCluster) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.name = "taken"});
  StorePythonCa(uuid, "Zx81pQ", "Zx81pQ");
  // As a Python Magnum leaves them: the rows the refs name carry no name of ours.
  Row unnamed;
  unnamed.SetNull("name");
  ASSERT_OK(db_->Update(db::kX509KeyPairTable, Filter(), unnamed));
  ASSERT_OK(c->ClusterDelete(Caller{}, uuid));
  ASSERT_TRUE(c->WaitIdle(seconds(10)));
  EXPECT_FALSE(*db_->GetOne(db::kClusterTable, Filter().Where(Condition::Eq("uuid", uuid))));
  EXPECT_EQ(CountRows(db::kX509KeyPairTable), 0) << "the rows its refs named went with it";
}

}  // namespace
}  // namespace magnum::conductor::testing
