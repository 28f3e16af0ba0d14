#include "magnum/certs/key_encryption.h"

#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace magnum::certs {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

const std::string kKeyA(32, 'a');
const std::string kKeyB(32, 'b');

// A fresh directory under the test temp dir, removed (with its files) at the end.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = ::testing::TempDir() + "/magnum-keyenc-XXXXXX";
    path_ = ::mkdtemp(tmpl.data()) ? tmpl : "";
    EXPECT_FALSE(path_.empty());
  }
  ~TempDir() {
    for (const std::string& f : Files()) ::unlink((path_ + "/" + f).c_str());
    ::rmdir(path_.c_str());
  }
  const std::string& path() const { return path_; }
  std::set<std::string> Files() const {
    std::set<std::string> out;
    if (DIR* d = ::opendir(path_.c_str())) {
      while (dirent* e = ::readdir(d)) {
        const std::string n = e->d_name;
        if (n != "." && n != "..") out.insert(n);
      }
      ::closedir(d);
    }
    return out;
  }

 private:
  std::string path_;
};

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << content;
}

std::string Base64(const std::vector<unsigned char>& in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
  out.resize(static_cast<size_t>(EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                                 in.data(), static_cast<int>(in.size()))));
  return out;
}

std::vector<unsigned char> Unbase64(const std::string& in) {
  std::vector<unsigned char> out(in.size() / 4 * 3);
  const int n = EVP_DecodeBlock(out.data(), reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  EXPECT_GE(n, 0);
  size_t pad = 0;
  for (size_t i = in.size(); i > 0 && in[i - 1] == '='; --i) ++pad;
  out.resize(static_cast<size_t>(n) - pad);
  return out;
}

void ExpectCannotDecrypt(const Result<std::string>& r) {
  ASSERT_FALSE(r) << "decrypted to: " << *r;
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
  EXPECT_THAT(r.error().message(), HasSubstr("cannot decrypt"));
  EXPECT_THAT(r.error().message(), HasSubstr("wrong key?"));
}

TEST(KeyEncryptorTest, RoundTrip) {
  const KeyEncryptor enc = KeyEncryptor::FromKey(kKeyA);
  std::string binary(300, '\0');
  for (size_t i = 0; i < binary.size(); ++i) binary[i] = static_cast<char>(i * 7);
  const std::vector<std::string> inputs = {
      "", "x", "-----BEGIN PRIVATE KEY-----\nMIIE...\n-----END PRIVATE KEY-----\n", binary,
      std::string(200'000, 'k')};
  for (const std::string& plaintext : inputs) {
    auto token = enc.Encrypt(plaintext);
    ASSERT_TRUE(token) << token.error().message();
    EXPECT_THAT(*token, StartsWith("v1:"));
    // nonce (12) + ciphertext + tag (16), base64.
    EXPECT_EQ(Unbase64(token->substr(3)).size(), 12 + plaintext.size() + 16);
    if (plaintext.size() >= 16) {  // shorter strings may occur in base64 by chance
      EXPECT_EQ(token->find(plaintext.substr(0, 16)), std::string::npos);
    }
    auto back = enc.Decrypt(*token);
    ASSERT_TRUE(back) << back.error().message();
    EXPECT_EQ(*back, plaintext);
  }
}

TEST(KeyEncryptorTest, FreshNonceEachTime) {
  const KeyEncryptor enc = KeyEncryptor::FromKey(kKeyA);
  std::set<std::string> tokens;
  std::set<std::string> nonces;
  for (int i = 0; i < 50; ++i) {
    const std::string t = *enc.Encrypt("same plaintext");
    tokens.insert(t);
    auto blob = Unbase64(t.substr(3));
    nonces.insert(std::string(blob.begin(), blob.begin() + 12));
  }
  EXPECT_EQ(tokens.size(), 50u);
  EXPECT_EQ(nonces.size(), 50u);
}

TEST(KeyEncryptorTest, TamperingIsDetected) {
  const KeyEncryptor enc = KeyEncryptor::FromKey(kKeyA);
  const std::string token = *enc.Encrypt("secret key material");
  const std::vector<unsigned char> blob = Unbase64(token.substr(3));
  // Flip one bit in every byte position: nonce, ciphertext and tag are all covered.
  for (size_t i = 0; i < blob.size(); ++i) {
    std::vector<unsigned char> bad = blob;
    bad[i] ^= 0x80;
    ExpectCannotDecrypt(enc.Decrypt("v1:" + Base64(bad)));
  }
  // Truncated, extended, malformed.
  std::vector<unsigned char> shorter(blob.begin(), blob.end() - 1);
  std::vector<unsigned char> longer = blob;
  longer.push_back(0);
  std::vector<unsigned char> tiny(blob.begin(), blob.begin() + 27);
  for (const std::string& bad :
       {"v1:" + Base64(shorter), "v1:" + Base64(longer), "v1:" + Base64(tiny), std::string(),
        std::string("v1:"), std::string("v1:!!!!"), "v2:" + token.substr(3), token.substr(3),
        token + "=", token.substr(0, token.size() - 1), "v1:" + token.substr(4)}) {
    ExpectCannotDecrypt(enc.Decrypt(bad));
  }
  // The untouched token still decrypts.
  EXPECT_EQ(*enc.Decrypt(token), "secret key material");
}

TEST(KeyEncryptorTest, WrongKeyIsDetected) {
  const std::string token = *KeyEncryptor::FromKey(kKeyA).Encrypt("secret");
  ExpectCannotDecrypt(KeyEncryptor::FromKey(kKeyB).Decrypt(token));
  std::string almost = kKeyA;
  almost[31] = 'b';
  ExpectCannotDecrypt(KeyEncryptor::FromKey(almost).Decrypt(token));
}

TEST(KeyEncryptorTest, CopiesShareTheKey) {
  const KeyEncryptor a = KeyEncryptor::FromKey(kKeyA);
  KeyEncryptor b = a;
  KeyEncryptor c = std::move(b);
  EXPECT_EQ(*c.Decrypt(*a.Encrypt("x")), "x");
}

TEST(KeyEncryptorTest, ThreadSafe) {
  const KeyEncryptor enc = KeyEncryptor::FromKey(kKeyA);
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&enc, &failures, t] {
      for (int i = 0; i < 200; ++i) {
        const std::string p = "payload-" + std::to_string(t) + "-" + std::to_string(i);
        auto token = enc.Encrypt(p);
        if (!token) {
          ++failures[t];
          continue;
        }
        auto back = enc.Decrypt(*token);
        if (!back || *back != p) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) EXPECT_EQ(f, 0);
}

TEST(KeyEncryptorDeathTest, FromKeyNeeds32Bytes) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");
  EXPECT_DEATH(KeyEncryptor::FromKey("short"), "32 bytes");
}

// ---------------------------------------------------------------------------------------------
// Key files.

TEST(KeyFileTest, CreatedWithMode0600AndReused) {
  TempDir dir;
  const std::string path = dir.path() + "/encryption.key";
  auto first = KeyEncryptor::FromKeyFile(path, /*create_if_missing=*/true);
  ASSERT_TRUE(first) << first.error().message();

  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  const std::string content = ReadFile(path);
  ASSERT_EQ(content.size(), 65u);
  EXPECT_EQ(content.back(), '\n');
  EXPECT_EQ(content.find_first_not_of("0123456789abcdef"), 64u);
  // Only the key file is left behind (no temporary file).
  EXPECT_EQ(dir.Files(), std::set<std::string>{"encryption.key"});

  const std::string token = *first->Encrypt("ca private key");
  auto second = KeyEncryptor::FromKeyFile(path, /*create_if_missing=*/true);
  ASSERT_TRUE(second);
  EXPECT_EQ(*second->Decrypt(token), "ca private key");
  EXPECT_EQ(ReadFile(path), content);  // not rewritten
  auto third = KeyEncryptor::FromKeyFile(path, /*create_if_missing=*/false);
  ASSERT_TRUE(third);
  EXPECT_EQ(*third->Decrypt(token), "ca private key");

  // The file holds the key in hex.
  std::string raw;
  for (size_t i = 0; i < 64; i += 2) {
    raw.push_back(static_cast<char>(std::stoi(content.substr(i, 2), nullptr, 16)));
  }
  EXPECT_EQ(*KeyEncryptor::FromKey(raw).Decrypt(token), "ca private key");
}

TEST(KeyFileTest, TwoKeyFilesAreDifferentKeys) {
  TempDir dir;
  auto a = KeyEncryptor::FromKeyFile(dir.path() + "/a.key", true);
  auto b = KeyEncryptor::FromKeyFile(dir.path() + "/b.key", true);
  ASSERT_TRUE(a && b);
  ExpectCannotDecrypt(b->Decrypt(*a->Encrypt("x")));
}

TEST(KeyFileTest, MissingWithoutCreateIsNotFound) {
  TempDir dir;
  auto r = KeyEncryptor::FromKeyFile(dir.path() + "/absent.key", false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kNotFound);
  EXPECT_THAT(r.error().message(), HasSubstr("absent.key"));
  EXPECT_TRUE(dir.Files().empty());
}

TEST(KeyFileTest, MissingDirectoryIsAnError) {
  TempDir dir;
  auto r = KeyEncryptor::FromKeyFile(dir.path() + "/no/such/dir/k", true);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kInternal);
  EXPECT_THAT(r.error().message(), HasSubstr("no/such/dir/k"));
}

TEST(KeyFileTest, AcceptsHexWithWhitespaceAndRawBytes) {
  TempDir dir;
  const std::string token = *KeyEncryptor::FromKey(kKeyA).Encrypt("hello");
  std::string hex;
  for (char c : kKeyA) {
    char buf[3];
    std::snprintf(buf, sizeof buf, "%02X", static_cast<unsigned char>(c));  // upper case too
    hex += buf;
  }
  WriteFile(dir.path() + "/hex.key", "  " + hex + "\r\n\n");
  WriteFile(dir.path() + "/raw.key", kKeyA);
  for (const char* name : {"/hex.key", "/raw.key"}) {
    auto enc = KeyEncryptor::FromKeyFile(dir.path() + name, false);
    ASSERT_TRUE(enc) << name << ": " << enc.error().message();
    EXPECT_EQ(*enc->Decrypt(token), "hello") << name;
  }
}

TEST(KeyFileTest, RejectsFilesThatHoldNoKey) {
  TempDir dir;
  const std::vector<std::string> contents = {"",
                                             "\n",
                                             std::string(63, 'a'),
                                             std::string(65, 'a'),
                                             std::string(64, 'g'),
                                             std::string(31, 'x'),
                                             std::string(10'000, 'a')};
  int i = 0;
  for (const std::string& c : contents) {
    const std::string path = dir.path() + "/bad" + std::to_string(i++);
    WriteFile(path, c);
    auto r = KeyEncryptor::FromKeyFile(path, true);
    ASSERT_FALSE(r) << c.size();
    EXPECT_EQ(r.error().code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(r.error().message(), HasSubstr(path));
    EXPECT_EQ(ReadFile(path), c);  // never overwritten
  }
}

TEST(KeyFileTest, ConcurrentCreatorsAgreeOnOneKey) {
  TempDir dir;
  const std::string path = dir.path() + "/shared.key";
  constexpr int kThreads = 8;
  std::vector<std::optional<KeyEncryptor>> encryptors(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto r = KeyEncryptor::FromKeyFile(path, true);
      if (r) encryptors[t].emplace(std::move(*r));
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) ASSERT_TRUE(encryptors[t].has_value()) << t;
  const std::string token = *encryptors[0]->Encrypt("agreed");
  for (int t = 1; t < kThreads; ++t) EXPECT_EQ(*encryptors[t]->Decrypt(token), "agreed") << t;
  EXPECT_EQ(dir.Files(), std::set<std::string>{"shared.key"});
}

}  // namespace
}  // namespace magnum::certs
