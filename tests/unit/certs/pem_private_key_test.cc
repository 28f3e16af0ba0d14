// Private keys in the Python Magnum's stored form (pem_private_key.h): encrypted PKCS#8 PEM
// as python3-cryptography's BestAvailableEncryption writes it (AES-256-CBC), unencrypted PEM,
// wrong passphrases and garbage.
#include "magnum/certs/pem_private_key.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>
#include <string>

#include "magnum/certs/x509.h"

namespace magnum::certs {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// Written by Debian's python3-cryptography 38 exactly as Magnum 15's x509 operations store a
// key: private_bytes(PEM, PKCS8, BestAvailableEncryption(b"Aw3xyzPass")) of an RSA-1024 key.
constexpr const char* kCryptographyEncrypted = R"(-----BEGIN ENCRYPTED PRIVATE KEY-----
MIIC3TBXBgkqhkiG9w0BBQ0wSjApBgkqhkiG9w0BBQwwHAQIqNjRGejd6B4CAggA
MAwGCCqGSIb3DQIJBQAwHQYJYIZIAWUDBAEqBBBP8KUnET0xzajyDwTss1ESBIIC
gKbEyIAFAzfhecv/FiHQ+aP3Zn4eYMGVXKUC02bWVYAjbFDIAJAQSMvc6wy2FMO8
kOO25Oq++Fd1TXPl72x95fMcd5ZAG7VmdR/AUhag9tDP9PRZdX3WxUR/i+PTXMIC
N9heXS2Z0mdtmiFnnpC5kEIrjzljao2Kg1QS3/pk714S5ITCcAuGuYI6VP1SmTm5
Cuqs4SXQHaT129y5pieWTmboYgeK0Jf3avQE59H+Kmt89Zn6/fzAdYDuoXhotgWu
KecR/0+R+VKRvd5LEkiaK23XX4vOHJhgrq3R6UOibd3NstSGedu3kb/t2YLfqC+O
2yixOShGk+jKEIBu8dRvSmKveY7OEhQ7nC2jSxrTzbQ8v8W/EDROrVcplQsmqCkg
7lAoUbl7PuBoqAR7feHYB8kv8dSFf/nEieBIA61pOpv0hHrKUkKdwtm1I3mTJtlN
JF65FMmc/0PCPGkSQXu1Hoyo9lxYRSz+zXujbrKmt0YSt1r5JyfRtTqA6+gnvrpi
80IU90jJUF60QH2VZHGZ7uIz6CPxTY+CGCjEvv4psf9utqZy0bBGRHE7dywv02BB
WAsW7nI0Lq12lJLBjADY7a1cnSamUzFlRjj4XxfoUdGF6DeAJ3msv/5KlFjX8CvT
ouMTqaduzFY2J3EKSCCOOW2WRKLvUfESSGcdk0Zac3dPd6RN1Hgbfu/wOdsOCB4b
kCZjw54C/I2xNRMPWRisOyuOz4zsyHpJnMogdaMT0sWskUdNjxM6oAFYlFTXEjnP
B9BlSMD+C7wkDs7YipOwNgTHMDYXZnOTg2URbJQQIBThmTN6CU+c3k7AIR3A0ahy
D0G7dTEPmLZze5zW8W53SxQ=
-----END ENCRYPTED PRIVATE KEY-----
)";
// The same key, private_bytes(PEM, PKCS8, NoEncryption()).
constexpr const char* kCryptographyPlain = R"(-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAMpkD8pKyAqQtUjC
0iiCimQakYbIoh/NLTqAo1xZ85WER8Xa2NxJUDoCmrvKSsVPW3VfyqhppUIyows7
egaa+5rOv+Ds/U9udKi7GgCWIgZDX8K/lzQzDajkuVO7RqXqqTHgUcofLLTZfpIg
B2WyxMLbvvQckb9xL1yNczoOw/zXAgMBAAECgYBxgOBiIMJDOpiQb8IQufUG4ueO
YWKa1yRwVMhI+KFkzsS5r1xDXlJB1kgU3QRF15WBI/GxtV3a3C8YE4kBv1Uuovgt
2o4QF1NQxuE6Wz/QSJBlPsG5WEuYx+16nUfCy6yv9jJ8mP9QuOx/NdAu+w0jYQQy
0e/sv+nMN4yrdAEvsQJBAO81jRIfriFi5nwK8mAvubR5XI453bIkoIkpqYD84YUg
GHYNR1x6UR8hCRhgXrDglUmNrnk1LLEMgm2GR9JlXC0CQQDYmOgx/MYqUSfTawsr
qiR92CnhPmldgaWxCWKwg2kvFcH0Gzqzri88glau3StmKXOAOaGl2ZgkiwXppXZK
tquTAkBSxGCvaK7DdojxWohKp7jFrUhNHdCLlwjE7NltfBI8EcLk9es/IEN5VeDj
wlSBNvPwo0k/Pxrbl8x5QQEQ12lxAkEAxARtbn+iHz3e2vhu3Y9XAwSTsiK3XEYu
Wy9xPulOUaxRIMdbsqyaVxpltE64Lfapbou5fMyVYcznBvIVQbxbPQJAHOwh0TCx
qgbWVqKTczoJ1yA2MhjkCH6xAkHX6sMvDwjuBfhmODxoWrwM2KMqsMv9mDXpYx0d
nHqVxLXwDznZ7A==
-----END PRIVATE KEY-----
)";

struct BioFree {
  void operator()(BIO* b) const { BIO_free_all(b); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};

// `key_pem` (unencrypted) re-encrypted by OpenSSL as encrypted PKCS#8 with `cipher` (the
// PBES2/PBKDF2 scheme cryptography uses), or in the traditional form with a DEK-Info header.
std::string Encrypt(const std::string& key_pem, const std::string& passphrase,
                    bool traditional = false) {
  std::unique_ptr<BIO, BioFree> in(BIO_new_mem_buf(key_pem.data(), (int)key_pem.size()));
  std::unique_ptr<EVP_PKEY, PkeyFree> key(
      PEM_read_bio_PrivateKey(in.get(), nullptr, nullptr, nullptr));
  EXPECT_TRUE(key);
  std::unique_ptr<BIO, BioFree> out(BIO_new(BIO_s_mem()));
  auto* pass = reinterpret_cast<unsigned char*>(const_cast<char*>(passphrase.data()));
  int ok = traditional
               ? PEM_write_bio_PrivateKey_traditional(out.get(), key.get(), EVP_aes_256_cbc(),
                                                      pass, (int)passphrase.size(), nullptr,
                                                      nullptr)
               : PEM_write_bio_PKCS8PrivateKey(out.get(), key.get(), EVP_aes_256_cbc(),
                                               const_cast<char*>(passphrase.data()),
                                               (int)passphrase.size(), nullptr, nullptr);
  EXPECT_EQ(ok, 1);
  char* data = nullptr;
  long n = BIO_get_mem_data(out.get(), &data);
  return std::string(data, static_cast<size_t>(n));
}

// A CA whose key is what we decrypt, so that signing proves the key is usable.
KeyPair SmallCa() {
  X509Options options;
  options.rsa_key_size = 1024;
  auto ca = GenerateCa("python-ca", options);
  EXPECT_TRUE(ca) << ca.error().message();
  return *ca;
}

TEST(PemPrivateKeyTest, RecognisesPemKeysButNotOurTokens) {
  EXPECT_TRUE(IsPemPrivateKey(kCryptographyEncrypted));
  EXPECT_TRUE(IsPemPrivateKey(kCryptographyPlain));
  EXPECT_TRUE(IsPemPrivateKey("\n-----BEGIN RSA PRIVATE KEY-----\nx\n"));
  EXPECT_FALSE(IsPemPrivateKey("v1:AAAAbase64"));
  EXPECT_FALSE(IsPemPrivateKey("-----BEGIN CERTIFICATE-----\nx\n"));
  EXPECT_FALSE(IsPemPrivateKey("-----BEGIN PRIVATE KEY"));
  EXPECT_FALSE(IsPemPrivateKey(""));
}

TEST(PemPrivateKeyTest, DecryptsWhatPythonCryptographyWrote) {
  auto key = DecryptPemPrivateKey(kCryptographyEncrypted, "Aw3xyzPass");
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(*key, kCryptographyPlain);
}

TEST(PemPrivateKeyTest, DecryptsOpenSslPkcs8Aes256CbcAndSignsWithIt) {
  KeyPair ca = SmallCa();
  const std::string sealed = Encrypt(ca.private_key_pem, "k9HxQ2pR");
  ASSERT_THAT(sealed, StartsWith("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
  auto key = DecryptPemPrivateKey(sealed, "k9HxQ2pR");
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(*key, ca.private_key_pem);

  // The decrypted key signs a CSR with the CA, verifiably.
  KeyPair python_ca{ca.certificate_pem, *key};
  X509Options options;
  options.rsa_key_size = 1024;
  auto client = IssueClientCertificate(python_ca, "alice", "", options);
  ASSERT_TRUE(client) << client.error().message();
  auto csr = GenerateCsr("bob", client->private_key_pem);
  ASSERT_TRUE(csr) << csr.error().message();
  auto signed_pem = SignCsr(python_ca, *csr, options);
  ASSERT_TRUE(signed_pem) << signed_pem.error().message();
  auto verified = VerifySignedBy(*signed_pem, ca.certificate_pem);
  EXPECT_TRUE(verified) << verified.error().message();
}

TEST(PemPrivateKeyTest, DecryptsTraditionalEncryptedPem) {
  KeyPair ca = SmallCa();
  const std::string sealed = Encrypt(ca.private_key_pem, "trad-pass", /*traditional=*/true);
  ASSERT_THAT(sealed, HasSubstr("DEK-Info: AES-256-CBC"));
  auto key = DecryptPemPrivateKey(sealed, "trad-pass");
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(*key, ca.private_key_pem);
}

TEST(PemPrivateKeyTest, UnencryptedKeyNeedsNoPassphraseAndIgnoresOne) {
  auto key = DecryptPemPrivateKey(kCryptographyPlain, "");
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(*key, kCryptographyPlain);
  key = DecryptPemPrivateKey(kCryptographyPlain, "unused");
  ASSERT_TRUE(key) << key.error().message();
  EXPECT_EQ(*key, kCryptographyPlain);
}

TEST(PemPrivateKeyTest, WrongPassphraseIsAClearErrorWithoutTheSecret) {
  auto key = DecryptPemPrivateKey(kCryptographyEncrypted, "not-the-pass");
  ASSERT_FALSE(key);
  EXPECT_TRUE(key.error().Is(ErrorCode::kInvalidArgument));
  EXPECT_THAT(key.error().message(), HasSubstr("wrong passphrase or damaged key"));
  EXPECT_THAT(key.error().message(), Not(HasSubstr("not-the-pass")));
}

TEST(PemPrivateKeyTest, EncryptedKeyWithoutPassphraseNeverPrompts) {
  auto key = DecryptPemPrivateKey(kCryptographyEncrypted, "");
  ASSERT_FALSE(key);
  EXPECT_TRUE(key.error().Is(ErrorCode::kInvalidArgument));
  EXPECT_THAT(key.error().message(), HasSubstr("no passphrase is stored"));
}

TEST(PemPrivateKeyTest, GarbageIsRejected) {
  for (const std::string& garbage :
       {std::string("-----BEGIN ENCRYPTED PRIVATE KEY-----\nbm90IGEga2V5\n"
                    "-----END ENCRYPTED PRIVATE KEY-----\n"),
        std::string("-----BEGIN RSA PRIVATE KEY-----\nx\n-----END RSA PRIVATE KEY-----\n"),
        std::string("\x01\x02 binary junk"), std::string("v1:token-of-ours"), std::string()}) {
    SCOPED_TRACE(garbage);
    auto key = DecryptPemPrivateKey(garbage, "secret");
    ASSERT_FALSE(key);
    EXPECT_TRUE(key.error().Is(ErrorCode::kInvalidArgument)) << key.error().message();
  }
  // A damaged ciphertext under the right passphrase.
  std::string damaged = kCryptographyEncrypted;
  damaged[damaged.find("D0G7")] = 'E';
  auto key = DecryptPemPrivateKey(damaged, "Aw3xyzPass");
  ASSERT_FALSE(key);
  EXPECT_TRUE(key.error().Is(ErrorCode::kInvalidArgument));
}

}  // namespace
}  // namespace magnum::certs
