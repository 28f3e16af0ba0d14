#include "magnum/certs/x509.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "magnum/common/clock.h"
#include "magnum/config/config.h"

namespace magnum::certs {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

// ---------------------------------------------------------------------------------------------
// Helpers.

class FakeClock : public Clock {
 public:
  explicit FakeClock(int64_t unix_seconds)
      : now_(std::chrono::duration_cast<std::chrono::microseconds>(
            std::chrono::seconds(unix_seconds))) {}
  TimePoint Now() const override { return now_; }

 private:
  TimePoint now_;
};

constexpr int64_t kNow = 1'750'000'000;  // 2025-06-15T15:06:40Z
constexpr int64_t kDay = 86'400;

const FakeClock& TestClock() {
  static const FakeClock clock(kNow);
  return clock;
}

// Small keys where the size does not matter; a fixed clock.
X509Options TestOptions() {
  X509Options o;
  o.rsa_key_size = 1024;
  o.clock = &TestClock();
  return o;
}

template <typename T>
T Must(Result<T> r) {
  if (!r) {
    ADD_FAILURE() << "unexpected error: " << r.error().message();
    return T{};
  }
  return std::move(*r);
}

const KeyPair& SharedCa() {
  static const KeyPair ca = Must(GenerateCa("cluster-1", TestOptions()));
  return ca;
}

const std::string& SharedKey() {
  static const std::string key = Must(GeneratePrivateKey(1024));
  return key;
}

struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct ReqFree {
  void operator()(X509_REQ* r) const { X509_REQ_free(r); }
};
struct X509BioFree {
  void operator()(BIO* b) const { BIO_free_all(b); }
};
struct X509PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
struct StoreFree {
  void operator()(X509_STORE* s) const { X509_STORE_free(s); }
};
struct StoreCtxFree {
  void operator()(X509_STORE_CTX* c) const { X509_STORE_CTX_free(c); }
};
using X509Ptr = std::unique_ptr<X509, X509Free>;
using ReqPtr = std::unique_ptr<X509_REQ, ReqFree>;
using BioPtr = std::unique_ptr<BIO, X509BioFree>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, X509PkeyFree>;

BioPtr MemBio(const std::string& s) {
  return BioPtr(BIO_new_mem_buf(s.data(), static_cast<int>(s.size())));
}

std::string BioString(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

X509Ptr ParseCert(const std::string& pem) {
  X509Ptr x(PEM_read_bio_X509(MemBio(pem).get(), nullptr, nullptr, nullptr));
  EXPECT_TRUE(x) << pem;
  return x;
}

ReqPtr ParseReq(const std::string& pem) {
  ReqPtr r(PEM_read_bio_X509_REQ(MemBio(pem).get(), nullptr, nullptr, nullptr));
  EXPECT_TRUE(r) << pem;
  return r;
}

PkeyPtr ParseKey(const std::string& pem) {
  PkeyPtr k(PEM_read_bio_PrivateKey(MemBio(pem).get(), nullptr, nullptr, nullptr));
  EXPECT_TRUE(k);
  return k;
}

// Full path validation as a TLS peer would do it, at kNow.
bool ChainVerifies(const std::string& cert_pem, const std::string& ca_pem, int purpose) {
  X509Ptr cert = ParseCert(cert_pem);
  X509Ptr ca = ParseCert(ca_pem);
  std::unique_ptr<X509_STORE, StoreFree> store(X509_STORE_new());
  X509_STORE_add_cert(store.get(), ca.get());
  std::unique_ptr<X509_STORE_CTX, StoreCtxFree> ctx(X509_STORE_CTX_new());
  X509_STORE_CTX_init(ctx.get(), store.get(), cert.get(), nullptr);
  X509_STORE_CTX_set_purpose(ctx.get(), purpose);
  X509_STORE_CTX_set_time(ctx.get(), 0, static_cast<time_t>(kNow));
  const bool ok = X509_verify_cert(ctx.get()) == 1;
  if (!ok) {
    ADD_FAILURE() << X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx.get()));
  }
  return ok;
}

std::string DerSubject(const X509_NAME* name) {
  unsigned char* der = nullptr;
  const int n = i2d_X509_NAME(name, &der);
  std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(n));
  OPENSSL_free(der);
  return out;
}

bool HasExtension(const CertificateInfo& info, const std::string& name, bool critical) {
  for (const ExtensionInfo& e : info.extensions) {
    if (e.name == name) return e.critical == critical;
  }
  return false;
}

bool HasExtensionNamed(const CertificateInfo& info, const std::string& name) {
  for (const ExtensionInfo& e : info.extensions) {
    if (e.name == name) return true;
  }
  return false;
}

std::string PaddedSerial(const CertificateInfo& info) {
  return std::string(32 - std::min<size_t>(32, info.serial_hex.size()), '0') + info.serial_hex;
}

void ExpectUuid4Serial(const CertificateInfo& info) {
  ASSERT_LE(info.serial_hex.size(), 32u) << info.serial_hex;
  const std::string s = PaddedSerial(info);
  EXPECT_EQ(s[12], '4') << s;                                          // UUID version 4
  EXPECT_NE(std::string("89ab").find(s[16]), std::string::npos) << s;  // RFC 4122 variant
}

// ---------------------------------------------------------------------------------------------
// CA.

TEST(GenerateCaTest, HasTheCaProfile) {
  const KeyPair& ca = SharedCa();
  EXPECT_THAT(ca.certificate_pem, StartsWith("-----BEGIN CERTIFICATE-----\n"));
  EXPECT_EQ(ca.certificate_pem.back(), '\n');
  EXPECT_THAT(ca.private_key_pem, StartsWith("-----BEGIN PRIVATE KEY-----\n"));

  CertificateInfo info = Must(InspectCertificate(ca.certificate_pem));
  EXPECT_EQ(info.subject, "CN=cluster-1");
  EXPECT_EQ(info.issuer, "CN=cluster-1");
  EXPECT_EQ(info.version, 3);
  EXPECT_TRUE(info.is_ca);
  EXPECT_EQ(info.path_length, 0);
  EXPECT_THAT(info.key_usage, ElementsAre("Certificate Sign"));
  EXPECT_THAT(info.extended_key_usage, IsEmpty());
  EXPECT_THAT(info.subject_alt_names, IsEmpty());
  ASSERT_EQ(info.extensions.size(), 3u);
  EXPECT_TRUE(HasExtension(info, "basicConstraints", true));
  EXPECT_TRUE(HasExtension(info, "keyUsage", true));
  EXPECT_TRUE(HasExtension(info, "subjectKeyIdentifier", false));
  EXPECT_EQ(info.subject_key_identifier_hex.size(), 40u);  // SHA-1 of the public key
  EXPECT_EQ(info.not_before, kNow - kDay);
  EXPECT_EQ(info.not_after, kNow + 1825 * kDay);
  EXPECT_EQ(info.signature_algorithm, "sha256WithRSAEncryption");
  EXPECT_EQ(info.public_key_bits, 1024);
  ExpectUuid4Serial(info);

  // Self-signed, and the key belongs to the certificate.
  EXPECT_TRUE(VerifySignedBy(ca.certificate_pem, ca.certificate_pem));
  EXPECT_EQ(X509_check_private_key(ParseCert(ca.certificate_pem).get(),
                                   ParseKey(ca.private_key_pem).get()),
            1);
  X509Ptr x = ParseCert(ca.certificate_pem);
  EXPECT_EQ(X509_check_ca(x.get()), 1);
}

TEST(GenerateCaTest, DefaultOptionsGive2048BitKeysAndTheSystemClock) {
  X509Options defaults;
  EXPECT_EQ(defaults.rsa_key_size, 2048);
  EXPECT_EQ(defaults.term_of_validity_days, 1825);
  EXPECT_FALSE(defaults.allow_ca);
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  KeyPair ca = Must(GenerateCa("big", defaults));
  CertificateInfo info = Must(InspectCertificate(ca.certificate_pem));
  EXPECT_EQ(info.public_key_bits, 2048);
  EXPECT_NEAR(static_cast<double>(info.not_before), static_cast<double>(now - kDay), 60);
  EXPECT_NEAR(static_cast<double>(info.not_after), static_cast<double>(now + 1825 * kDay), 60);
  PkeyPtr key = ParseKey(ca.private_key_pem);
  EXPECT_EQ(EVP_PKEY_get_base_id(key.get()), EVP_PKEY_RSA);
  BIGNUM* e = nullptr;
  ASSERT_EQ(EVP_PKEY_get_bn_param(key.get(), "e", &e), 1);
  EXPECT_EQ(BN_get_word(e), 65537u);
  BN_free(e);
}

TEST(GenerateCaTest, SerialsAreFreshUuid4Integers) {
  KeyPair a = Must(GenerateCa("c", TestOptions()));
  KeyPair b = Must(GenerateCa("c", TestOptions()));
  CertificateInfo ia = Must(InspectCertificate(a.certificate_pem));
  CertificateInfo ib = Must(InspectCertificate(b.certificate_pem));
  ExpectUuid4Serial(ia);
  ExpectUuid4Serial(ib);
  EXPECT_NE(ia.serial_hex, ib.serial_hex);
  EXPECT_NE(a.private_key_pem, b.private_key_pem);
}

TEST(GenerateCaTest, TermOfValidityIsConfigurable) {
  X509Options o = TestOptions();
  o.term_of_validity_days = 30;
  CertificateInfo info = Must(InspectCertificate(Must(GenerateCa("c", o)).certificate_pem));
  EXPECT_EQ(info.not_after, kNow + 30 * kDay);
  o.term_of_validity_days = 0;
  auto bad = GenerateCa("c", o);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code(), ErrorCode::kInvalidArgument);
}

TEST(GenerateCaTest, RejectsBadInput) {
  struct Case {
    std::string name;
    int bits;
  };
  for (const Case& c :
       std::vector<Case>{{"", 1024}, {std::string(65, 'x'), 1024}, {"ok", 512}, {"ok", 100000}}) {
    X509Options o = TestOptions();
    o.rsa_key_size = c.bits;
    auto r = GenerateCa(c.name, o);
    ASSERT_FALSE(r) << c.name << " " << c.bits;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << r.error().message();
  }
}

TEST(GenerateCaTest, Utf8CommonName) {
  KeyPair ca = Must(GenerateCa("clüster-ä", TestOptions()));
  EXPECT_EQ(Must(InspectCertificate(ca.certificate_pem)).subject, "CN=clüster-ä");
}

TEST(X509OptionsTest, FromConfig) {
  config::Config c;
  c.rsa_key_size = 4096;
  c.term_of_validity = 10;
  c.allow_ca = true;
  c.allowed_extensions = {"keyUsage"};
  c.allowed_key_usage = {"Digital Signature"};
  X509Options o = X509OptionsFromConfig(c);
  EXPECT_EQ(o.rsa_key_size, 4096);
  EXPECT_EQ(o.term_of_validity_days, 10);
  EXPECT_TRUE(o.allow_ca);
  EXPECT_THAT(o.allowed_extensions, ElementsAre("keyUsage"));
  EXPECT_THAT(o.allowed_key_usage, ElementsAre("Digital Signature"));
  EXPECT_EQ(o.clock, nullptr);

  // The defaults agree with config's.
  X509Options d = X509OptionsFromConfig(config::Config{});
  X509Options plain;
  EXPECT_EQ(d.allowed_extensions, plain.allowed_extensions);
  EXPECT_EQ(d.allowed_key_usage, plain.allowed_key_usage);
  EXPECT_EQ(d.rsa_key_size, plain.rsa_key_size);
  EXPECT_EQ(d.term_of_validity_days, plain.term_of_validity_days);
}

// ---------------------------------------------------------------------------------------------
// Client and server certificates.

TEST(IssueClientCertificateTest, MagnumAdminCertificate) {
  const KeyPair& ca = SharedCa();
  KeyPair client = Must(IssueClientCertificate(ca, "admin", "system:masters", TestOptions()));
  CertificateInfo info = Must(InspectCertificate(client.certificate_pem));
  EXPECT_EQ(info.subject, "CN=admin,O=system:masters");
  EXPECT_EQ(info.issuer, "CN=cluster-1");
  EXPECT_FALSE(info.is_ca);
  EXPECT_THAT(info.key_usage, ElementsAre("Digital Signature", "Key Encipherment"));
  EXPECT_THAT(info.extended_key_usage, ElementsAre("clientAuth"));
  EXPECT_TRUE(HasExtension(info, "keyUsage", true));
  EXPECT_TRUE(HasExtension(info, "extendedKeyUsage", false));
  EXPECT_TRUE(HasExtension(info, "basicConstraints", true));
  EXPECT_TRUE(HasExtension(info, "subjectKeyIdentifier", false));
  EXPECT_EQ(info.extensions.size(), 4u);
  EXPECT_EQ(info.not_before, kNow - kDay);
  EXPECT_EQ(info.not_after, kNow + 1825 * kDay);
  EXPECT_EQ(info.public_key_bits, 1024);
  ExpectUuid4Serial(info);

  EXPECT_TRUE(VerifySignedBy(client.certificate_pem, ca.certificate_pem));
  EXPECT_TRUE(ChainVerifies(client.certificate_pem, ca.certificate_pem, X509_PURPOSE_SSL_CLIENT));
  EXPECT_EQ(X509_check_private_key(ParseCert(client.certificate_pem).get(),
                                   ParseKey(client.private_key_pem).get()),
            1);

  // Not signed by another CA.
  KeyPair other = Must(GenerateCa("cluster-1", TestOptions()));  // same name, other key
  auto v = VerifySignedBy(client.certificate_pem, other.certificate_pem);
  ASSERT_FALSE(v);
  EXPECT_EQ(v.error().code(), ErrorCode::kInvalidArgument);
  KeyPair renamed = Must(GenerateCa("cluster-2", TestOptions()));
  EXPECT_FALSE(VerifySignedBy(client.certificate_pem, renamed.certificate_pem));
}

TEST(IssueClientCertificateTest, WithoutOrganization) {
  KeyPair client = Must(IssueClientCertificate(SharedCa(), "bob", "", TestOptions()));
  EXPECT_EQ(Must(InspectCertificate(client.certificate_pem)).subject, "CN=bob");
}

TEST(IssueClientCertificateTest, BadCaIsInternal) {
  KeyPair garbage{"nope", "nope"};
  auto r = IssueClientCertificate(garbage, "admin", "system:masters", TestOptions());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
  EXPECT_THAT(r.error().message(), HasSubstr("CA certificate"));

  // Certificate and key that do not belong together.
  KeyPair other = Must(GenerateCa("x", TestOptions()));
  KeyPair mismatched{SharedCa().certificate_pem, other.private_key_pem};
  r = IssueClientCertificate(mismatched, "admin", "system:masters", TestOptions());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
  EXPECT_THAT(r.error().message(), HasSubstr("does not match"));
}

TEST(IssueServerCertificateTest, ServerProfileWithSans) {
  const KeyPair& ca = SharedCa();
  KeyPair server = Must(IssueServerCertificate(ca, "docker.example.com",
                                               {"docker.example.com", "*.apps.example.com"},
                                               {"10.0.0.5", "::1"}, TestOptions()));
  CertificateInfo info = Must(InspectCertificate(server.certificate_pem));
  EXPECT_EQ(info.subject, "CN=docker.example.com");
  EXPECT_EQ(info.issuer, "CN=cluster-1");
  EXPECT_FALSE(info.is_ca);
  EXPECT_THAT(info.key_usage, ElementsAre("Digital Signature", "Key Encipherment"));
  EXPECT_THAT(info.extended_key_usage, ElementsAre("serverAuth"));
  EXPECT_THAT(
      info.subject_alt_names,
      ElementsAre("DNS:docker.example.com", "DNS:*.apps.example.com", "IP:10.0.0.5", "IP:::1"));
  EXPECT_TRUE(HasExtension(info, "keyUsage", true));
  EXPECT_TRUE(HasExtension(info, "basicConstraints", true));
  EXPECT_TRUE(HasExtension(info, "subjectAltName", false));
  EXPECT_TRUE(HasExtension(info, "subjectKeyIdentifier", false));
  EXPECT_TRUE(VerifySignedBy(server.certificate_pem, ca.certificate_pem));
  EXPECT_TRUE(ChainVerifies(server.certificate_pem, ca.certificate_pem, X509_PURPOSE_SSL_SERVER));

  X509Ptr x = ParseCert(server.certificate_pem);
  EXPECT_EQ(X509_check_host(x.get(), "docker.example.com", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(x.get(), "web.apps.example.com", 0, 0, nullptr), 1);
  EXPECT_EQ(X509_check_host(x.get(), "evil.example.org", 0, 0, nullptr), 0);
  EXPECT_EQ(X509_check_ip_asc(x.get(), "10.0.0.5", 0), 1);
  EXPECT_EQ(X509_check_ip_asc(x.get(), "10.0.0.6", 0), 0);
}

TEST(IssueServerCertificateTest, NoSansMeansNoSanExtension) {
  KeyPair server = Must(IssueServerCertificate(SharedCa(), "s", {}, {}, TestOptions()));
  CertificateInfo info = Must(InspectCertificate(server.certificate_pem));
  EXPECT_FALSE(HasExtensionNamed(info, "subjectAltName"));
  EXPECT_THAT(info.subject_alt_names, IsEmpty());
}

TEST(IssueServerCertificateTest, RejectsBadSans) {
  struct Case {
    std::vector<std::string> dns;
    std::vector<std::string> ips;
  };
  for (const Case& c : std::vector<Case>{{{}, {"10.0.0.256"}},
                                         {{}, {"not-an-ip"}},
                                         {{}, {""}},
                                         {{"has space"}, {}},
                                         {{""}, {}}}) {
    auto r = IssueServerCertificate(SharedCa(), "s", c.dns, c.ips, TestOptions());
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << r.error().message();
    EXPECT_THAT(r.error().message(), HasSubstr("subjectAltName"));
  }
}

// ---------------------------------------------------------------------------------------------
// CSR signing.

struct SignCase {
  std::string name;
  CsrOptions csr;
  std::function<void(X509Options*)> configure;  // may be empty
  std::string error;                            // expected InvalidArgument text; "" = success
  std::function<void(const CertificateInfo&)> check;
};

std::vector<SignCase> SignCases() {
  using Ext = CsrOptions::Extension;
  auto with = [](std::vector<Ext> exts) {
    CsrOptions o;
    o.extensions = std::move(exts);
    return o;
  };
  auto allow_ca = [](X509Options* o) { o->allow_ca = true; };
  std::vector<SignCase> cases;
  cases.push_back({"Plain", {}, {}, "", [](const CertificateInfo& info) {
                     ASSERT_EQ(info.extensions.size(), 1u);
                     EXPECT_TRUE(HasExtension(info, "subjectKeyIdentifier", false));
                     EXPECT_FALSE(info.is_ca);
                     EXPECT_THAT(info.key_usage, IsEmpty());
                   }});
  cases.push_back({"NonCriticalCaTrueBecomesCaFalse",
                   with({{"basicConstraints", "CA:TRUE"}}),
                   {},
                   "",
                   [](const CertificateInfo& info) {
                     EXPECT_FALSE(info.is_ca);
                     EXPECT_TRUE(HasExtension(info, "basicConstraints", false));
                   }});
  cases.push_back({"CriticalCaTrueRefused",
                   with({{"basicConstraints", "critical,CA:TRUE"}}),
                   {},
                   "Extension 'basicConstraints' not allowed",
                   {}});
  cases.push_back({"CriticalCaFalseKept",
                   with({{"basicConstraints", "critical,CA:FALSE"}}),
                   {},
                   "",
                   [](const CertificateInfo& info) {
                     EXPECT_FALSE(info.is_ca);
                     EXPECT_TRUE(HasExtension(info, "basicConstraints", true));
                   }});
  cases.push_back({"AllowCaLetsCaTrueThrough",
                   with({{"basicConstraints", "critical,CA:TRUE,pathlen:1"}}), allow_ca, "",
                   [](const CertificateInfo& info) {
                     EXPECT_TRUE(info.is_ca);
                     EXPECT_EQ(info.path_length, 1);
                     EXPECT_TRUE(HasExtension(info, "basicConstraints", true));
                   }});
  cases.push_back({"CriticalKeyCertSignRefused",
                   with({{"keyUsage", "critical,digitalSignature,keyCertSign"}}),
                   {},
                   "Extension 'keyUsage' not allowed",
                   {}});
  cases.push_back({"NonCriticalKeyCertSignCleared",
                   with({{"keyUsage", "digitalSignature,keyCertSign,cRLSign"}}),
                   {},
                   "",
                   [](const CertificateInfo& info) {
                     EXPECT_THAT(info.key_usage, ElementsAre("Digital Signature"));
                     EXPECT_TRUE(HasExtension(info, "keyUsage", false));
                   }});
  cases.push_back({"AllowCaStillNeedsTheUsageAllowed",
                   with({{"keyUsage", "critical,keyCertSign"}}),
                   allow_ca,
                   "Extension 'keyUsage' not allowed",
                   {}});
  cases.push_back({"AllowCaWithCertificateSignAllowed",
                   with({{"keyUsage", "critical,keyCertSign,cRLSign"}}),
                   [](X509Options* o) {
                     o->allow_ca = true;
                     o->allowed_key_usage.push_back("Certificate Sign");
                     o->allowed_key_usage.push_back("CRL Sign");
                   },
                   "",
                   [](const CertificateInfo& info) {
                     EXPECT_THAT(info.key_usage, ElementsAre("Certificate Sign", "CRL Sign"));
                   }});
  cases.push_back({"CertificateSignNeverWithoutAllowCa",
                   with({{"keyUsage", "critical,keyCertSign"}}),
                   [](X509Options* o) { o->allowed_key_usage.push_back("Certificate Sign"); },
                   "Extension 'keyUsage' not allowed",
                   {}});
  cases.push_back({"AllowedCriticalKeyUsageKept",
                   with({{"keyUsage", "critical,digitalSignature,keyEncipherment,nonRepudiation"}}),
                   {},
                   "",
                   [](const CertificateInfo& info) {
                     EXPECT_THAT(info.key_usage, ElementsAre("Digital Signature", "Non Repudiation",
                                                             "Key Encipherment"));
                     EXPECT_TRUE(HasExtension(info, "keyUsage", true));
                   }});
  cases.push_back(
      {"NonCriticalDisallowedUsageCleared",
       with({{"keyUsage", "keyEncipherment,dataEncipherment,keyAgreement,encipherOnly"}}),
       {},
       "",
       [](const CertificateInfo& info) {
         EXPECT_THAT(info.key_usage, ElementsAre("Key Encipherment"));
       }});
  cases.push_back({"ConfiguredKeyUsageList",
                   with({{"keyUsage", "critical,keyAgreement,encipherOnly"}}),
                   [](X509Options* o) {
                     o->allowed_key_usage = {"Key Agreement", "Encipher Only"};
                   },
                   "",
                   [](const CertificateInfo& info) {
                     EXPECT_THAT(info.key_usage, ElementsAre("Key Agreement", "Encipher Only"));
                   }});
  cases.push_back({"DisallowedCriticalExtensionRefused",
                   with({{"nameConstraints", "critical,permitted;DNS:example.com"}}),
                   {},
                   "Extension 'nameConstraints' not allowed",
                   {}});
  cases.push_back(
      {"DisallowedNonCriticalExtensionDropped",
       with({{"issuerAltName", "DNS:ca.example.com"}, {"extendedKeyUsage", "clientAuth"}}),
       {},
       "",
       [](const CertificateInfo& info) {
         EXPECT_FALSE(HasExtensionNamed(info, "issuerAltName"));
         EXPECT_THAT(info.extended_key_usage, ElementsAre("clientAuth"));
         EXPECT_EQ(info.extensions.size(), 2u);
       }});
  cases.push_back({"ConfiguredExtensionAllowed",
                   with({{"nameConstraints", "critical,permitted;DNS:example.com"}}),
                   [](X509Options* o) { o->allowed_extensions.push_back("nameConstraints"); }, "",
                   [](const CertificateInfo& info) {
                     EXPECT_TRUE(HasExtension(info, "nameConstraints", true));
                   }});
  cases.push_back({"UnknownCriticalExtensionRefused",
                   with({{"1.2.3.4.5", "critical,DER:05:00"}}),
                   {},
                   "Extension '1.2.3.4.5' not allowed",
                   {}});
  cases.push_back({"UnknownNonCriticalExtensionDropped",
                   with({{"1.2.3.4.5", "DER:05:00"}}),
                   {},
                   "",
                   [](const CertificateInfo& info) { EXPECT_EQ(info.extensions.size(), 1u); }});
  cases.push_back({"CryptographySpellingOfCrlDistributionPoints",
                   with({{"crlDistributionPoints", "critical,URI:http://example.com/crl"}}),
                   {},
                   "Extension 'cRLDistributionPoints' not allowed",
                   {}});
  cases.push_back({"ExtendedKeyUsageCopied",
                   with({{"extendedKeyUsage", "critical,serverAuth,clientAuth"}}),
                   {},
                   "",
                   [](const CertificateInfo& info) {
                     EXPECT_THAT(info.extended_key_usage, ElementsAre("serverAuth", "clientAuth"));
                     EXPECT_TRUE(HasExtension(info, "extendedKeyUsage", true));
                   }});
  cases.push_back({"ExtendedKeyUsageNotAllowedWhenUnlisted",
                   with({{"extendedKeyUsage", "critical,serverAuth"}}),
                   [](X509Options* o) { o->allowed_extensions = {"keyUsage"}; },
                   "Extension 'extendedKeyUsage' not allowed",
                   {}});
  {
    CsrOptions o;
    o.dns_sans = {"node-1", "node-1.cluster.local"};
    o.ip_sans = {"192.168.1.10", "fd00::1"};
    cases.push_back({"SubjectAltNameCopied", o, {}, "", [](const CertificateInfo& info) {
                       EXPECT_THAT(info.subject_alt_names,
                                   ElementsAre("DNS:node-1", "DNS:node-1.cluster.local",
                                               "IP:192.168.1.10", "IP:fd00::1"));
                     }});
  }
  cases.push_back({"CsrSubjectKeyIdentifierReplacedByOurs",
                   with({{"subjectKeyIdentifier", "01:02:03:04"}}),
                   {},
                   "",
                   [](const CertificateInfo& info) {
                     int count = 0;
                     for (const auto& e : info.extensions)
                       count += e.name == "subjectKeyIdentifier";
                     EXPECT_EQ(count, 1);
                     EXPECT_EQ(info.subject_key_identifier_hex.size(), 40u);
                     EXPECT_NE(info.subject_key_identifier_hex, "01020304");
                   }});
  cases.push_back({"CsrSubjectKeyIdentifierHash",
                   with({{"subjectKeyIdentifier", "hash"}}),
                   {},
                   "",
                   [](const CertificateInfo& info) { EXPECT_EQ(info.extensions.size(), 1u); }});
  return cases;
}

class SignCsrTest : public ::testing::TestWithParam<SignCase> {};

TEST_P(SignCsrTest, FollowsTheExtensionRules) {
  const SignCase& c = GetParam();
  X509Options options = TestOptions();
  if (c.configure) c.configure(&options);
  CsrOptions csr_options = c.csr;
  csr_options.subject_prefix = {{"O", "system:nodes"}};
  const std::string csr = Must(GenerateCsr("system:node:node-1", SharedKey(), csr_options));

  auto signed_pem = SignCsr(SharedCa(), csr, options);
  if (!c.error.empty()) {
    ASSERT_FALSE(signed_pem) << *signed_pem;
    EXPECT_EQ(signed_pem.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(signed_pem.error().message(), c.error);
    return;
  }
  ASSERT_TRUE(signed_pem) << signed_pem.error().message();
  const std::string& pem = *signed_pem;
  EXPECT_THAT(pem, StartsWith("-----BEGIN CERTIFICATE-----\n"));
  EXPECT_THAT(pem, ::testing::EndsWith("-----END CERTIFICATE-----"));  // no trailing newline

  CertificateInfo info = Must(InspectCertificate(pem));
  EXPECT_EQ(info.subject, "CN=system:node:node-1,O=system:nodes");
  EXPECT_EQ(info.issuer, "CN=cluster-1");
  EXPECT_EQ(info.version, 3);
  EXPECT_EQ(info.not_before, kNow - kDay);
  EXPECT_EQ(info.not_after, kNow + 1825 * kDay);
  EXPECT_EQ(info.signature_algorithm, "sha256WithRSAEncryption");
  EXPECT_TRUE(HasExtension(info, "subjectKeyIdentifier", false));
  EXPECT_EQ(info.extensions.back().name, "subjectKeyIdentifier");  // appended last
  ExpectUuid4Serial(info);
  EXPECT_TRUE(VerifySignedBy(pem, SharedCa().certificate_pem));
  // The public key is the CSR's.
  EXPECT_EQ(X509_check_private_key(ParseCert(pem).get(), ParseKey(SharedKey()).get()), 1);
  if (c.check) c.check(info);
}

INSTANTIATE_TEST_SUITE_P(Cases, SignCsrTest, ::testing::ValuesIn(SignCases()),
                         [](const ::testing::TestParamInfo<SignCase>& i) { return i.param.name; });

TEST(SignCsrMiscTest, SubjectCopiedVerbatim) {
  CsrOptions o;
  o.subject_prefix = {
      {"C", "CH"}, {"ST", "Zürich"}, {"O", "system:nodes"}, {"O", "second org"}, {"OU", "a,b+c"}};
  const std::string csr = Must(GenerateCsr("system:node:ä", SharedKey(), o));
  const std::string pem = Must(SignCsr(SharedCa(), csr, TestOptions()));
  ReqPtr req = ParseReq(csr);
  X509Ptr cert = ParseCert(pem);
  EXPECT_EQ(DerSubject(X509_get_subject_name(cert.get())),
            DerSubject(X509_REQ_get_subject_name(req.get())));
  EXPECT_EQ(Must(InspectCertificate(pem)).subject,
            "CN=system:node:ä,OU=a\\,b\\+c,O=second org,O=system:nodes,ST=Zürich,C=CH");
}

TEST(SignCsrMiscTest, ServesAKubeletStyleEcdsaCsr) {
  std::unique_ptr<EVP_PKEY, X509PkeyFree> ec(EVP_EC_gen("P-256"));
  ASSERT_TRUE(ec);
  BioPtr bio(BIO_new(BIO_s_mem()));
  ASSERT_EQ(PEM_write_bio_PrivateKey(bio.get(), ec.get(), nullptr, nullptr, 0, nullptr, nullptr),
            1);
  const std::string key_pem = BioString(bio.get());
  CsrOptions o;
  o.subject_prefix = {{"O", "system:nodes"}};
  o.extensions = {{"keyUsage", "critical,digitalSignature,keyEncipherment"},
                  {"extendedKeyUsage", "clientAuth"}};
  const std::string pem =
      Must(SignCsr(SharedCa(), Must(GenerateCsr("system:node:n1", key_pem, o)), TestOptions()));
  EXPECT_EQ(X509_check_private_key(ParseCert(pem).get(), ec.get()), 1);
  EXPECT_TRUE(ChainVerifies(pem, SharedCa().certificate_pem, X509_PURPOSE_SSL_CLIENT));
}

TEST(SignCsrMiscTest, SignedCertificatesGetFreshSerials) {
  const std::string csr = Must(GenerateCsr("n", SharedKey()));
  CertificateInfo a = Must(InspectCertificate(Must(SignCsr(SharedCa(), csr, TestOptions()))));
  CertificateInfo b = Must(InspectCertificate(Must(SignCsr(SharedCa(), csr, TestOptions()))));
  EXPECT_NE(a.serial_hex, b.serial_hex);
}

TEST(SignCsrMiscTest, AcceptsTheLegacyNewCertificateRequestLabel) {
  std::string csr = Must(GenerateCsr("n", SharedKey()));
  for (const char* label : {"-----BEGIN ", "-----END "}) {
    const size_t at = csr.find(label);
    ASSERT_NE(at, std::string::npos);
    csr.insert(at + std::string(label).size(), "NEW ");
  }
  ASSERT_THAT(csr, StartsWith("-----BEGIN NEW CERTIFICATE REQUEST-----"));
  EXPECT_TRUE(SignCsr(SharedCa(), csr, TestOptions()));
}

TEST(SignCsrMiscTest, InvalidCsrs) {
  const std::string good = Must(GenerateCsr("n", SharedKey()));

  // Same CSR with one byte of the signature flipped.
  std::string tampered;
  {
    ReqPtr req = ParseReq(good);
    unsigned char* der = nullptr;
    const int n = i2d_X509_REQ(req.get(), &der);
    ASSERT_GT(n, 0);
    der[n - 1] ^= 0x01;
    const unsigned char* p = der;
    ReqPtr bad(d2i_X509_REQ(nullptr, &p, n));
    OPENSSL_free(der);
    ASSERT_TRUE(bad);
    BioPtr bio(BIO_new(BIO_s_mem()));
    ASSERT_EQ(PEM_write_bio_X509_REQ(bio.get(), bad.get()), 1);
    tampered = BioString(bio.get());
  }
  // Duplicate extensions.
  CsrOptions dup;
  dup.extensions = {{"keyUsage", "digitalSignature"}, {"keyUsage", "keyEncipherment"}};
  const std::string duplicated = Must(GenerateCsr("n", SharedKey(), dup));

  std::string truncated = good.substr(0, good.size() / 2);
  const std::vector<std::string> inputs = {
      "",
      "not a csr",
      "-----BEGIN CERTIFICATE REQUEST-----\nZ2FyYmFnZQ==\n-----END CERTIFICATE REQUEST-----\n",
      truncated,
      SharedCa().certificate_pem,  // a certificate, not a request
      tampered,
      duplicated,
  };
  for (const std::string& in : inputs) {
    auto r = SignCsr(SharedCa(), in, TestOptions());
    ASSERT_FALSE(r) << in;
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << in;
    EXPECT_EQ(r.error().message(), "Received invalid csr " + in + ".");
  }
}

TEST(SignCsrMiscTest, BadCaIsInternal) {
  const std::string csr = Must(GenerateCsr("n", SharedKey()));
  auto r = SignCsr(KeyPair{"x", "y"}, csr, TestOptions());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
  // The OpenSSL error queue text is reported.
  EXPECT_THAT(r.error().message(), HasSubstr("error:"));
}

// ---------------------------------------------------------------------------------------------
// Helpers of the API itself.

TEST(GenerateCsrTest, RejectsBadInput) {
  EXPECT_EQ(GenerateCsr("", SharedKey()).error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(GenerateCsr("n", "not a key").error().code(), ErrorCode::kInvalidArgument);
  CsrOptions bad_attr;
  bad_attr.subject_prefix = {{"NoSuchAttribute", "x"}};
  EXPECT_EQ(GenerateCsr("n", SharedKey(), bad_attr).error().code(), ErrorCode::kInvalidArgument);
  CsrOptions bad_ext;
  bad_ext.extensions = {{"keyUsage", "notAUsage"}};
  EXPECT_EQ(GenerateCsr("n", SharedKey(), bad_ext).error().code(), ErrorCode::kInvalidArgument);
}

TEST(GeneratePrivateKeyTest, Pkcs8Rsa) {
  const std::string& pem = SharedKey();
  EXPECT_THAT(pem, StartsWith("-----BEGIN PRIVATE KEY-----\n"));
  PkeyPtr key = ParseKey(pem);
  EXPECT_EQ(EVP_PKEY_get_bits(key.get()), 1024);
  EXPECT_FALSE(GeneratePrivateKey(512));
}

// A well-formed certificate whose notAfter holds a non-digit ("...>..." as fuzz_x509 found)
// parses as DER, but its time does not: the caller's input, so kInvalidArgument, not a 500.
TEST(InspectCertificateTest, InvalidValidityTimeIsInvalidArgument) {
  const std::string pem = SharedCa().certificate_pem;
  BIO* in = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  char* name = nullptr;
  char* header = nullptr;
  unsigned char* der = nullptr;
  long len = 0;
  ASSERT_EQ(PEM_read_bio(in, &name, &header, &der, &len), 1);
  BIO_free(in);
  // The second UTCTime (tag 0x17, 13 bytes "YYMMDDHHMMSSZ") is notAfter; spoil its day.
  int seen = 0;
  long at = -1;
  for (long i = 0; i + 15 <= len; ++i) {
    if (der[i] == 0x17 && der[i + 1] == 0x0d && der[i + 14] == 'Z' && ++seen == 2) at = i;
  }
  ASSERT_GT(at, 0);
  der[at + 2 + 5] = '>';
  BIO* out = BIO_new(BIO_s_mem());
  ASSERT_GT(PEM_write_bio(out, "CERTIFICATE", "", der, len), 0);
  BUF_MEM* mem = nullptr;
  BIO_get_mem_ptr(out, &mem);
  const std::string bad(mem->data, mem->length);
  BIO_free(out);
  OPENSSL_free(name);
  OPENSSL_free(header);
  OPENSSL_free(der);

  auto r = InspectCertificate(bad);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument) << r.error().message();
  EXPECT_THAT(r.error().message(), HasSubstr("validity time"));
}

TEST(InspectCertificateTest, RejectsGarbage) {
  auto r = InspectCertificate("garbage");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(VerifySignedBy("garbage", SharedCa().certificate_pem).error().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace magnum::certs
