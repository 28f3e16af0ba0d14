#include "magnum/rpc/amqp_tls.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

namespace magnum::rpc {
namespace {

config::Config Load(const std::string& rabbit_section) {
  auto c = config::LoadFromString("[oslo_messaging_rabbit]\n" + rabbit_section);
  EXPECT_TRUE(c) << (c ? "" : c.error().message());
  return c ? *c : config::Config{};
}

TransportUrl Url(const std::string& url) {
  auto u = ParseTransportUrl(url);
  EXPECT_TRUE(u) << (u ? "" : u.error().message());
  return u ? *u : TransportUrl{};
}

// A temporary file with `text`, removed at the end of the test.
class TempFile {
 public:
  explicit TempFile(const std::string& text) {
    char name[] = "/tmp/magnum-amqp-tls-XXXXXX";
    int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    if (fd >= 0) close(fd);
    path_ = name;
    std::ofstream(path_) << text;
  }
  ~TempFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

std::string Refusal(const config::Config& c, const std::string& url) {
  auto t = ResolveAmqpTls(c, Url(url));
  EXPECT_FALSE(t) << "accepted";
  if (t) return "";
  EXPECT_EQ(t.error().code(), ErrorCode::kInvalidArgument);
  return t.error().message();
}

constexpr char kUrl[] = "rabbit://u:p@127.0.0.1:5671/v";
constexpr char kSystemCas[] = "/etc/ssl/certs/ca-certificates.crt";

TEST(AmqpTlsTest, OffByDefaultAndOtherOptionsIgnoredWithoutSsl) {
  auto t = ResolveAmqpTls(Load(""), Url(kUrl));
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->enabled);
  // As oslo: without ssl the rest is not looked at (not even a bad version or file).
  t = ResolveAmqpTls(Load("ssl_version = sslv2\nssl_ca_file = /nonexistent\n"
                          "ssl_enforce_fips_mode = true\n"),
                     Url(kUrl));
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_FALSE(t->enabled);
  EXPECT_EQ(t->ca_file, "");
}

TEST(AmqpTlsTest, ConfigOptionsAndDeprecatedNames) {
  auto c = Load("ssl = true\nssl_version = TLSv1_2\nssl_enforce_hostname_verification = yes\n");
  EXPECT_TRUE(c.rabbit_ssl);
  EXPECT_EQ(c.rabbit_ssl_version, "TLSv1_2");
  auto t = ResolveAmqpTls(c, Url(kUrl));
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_TRUE(t->enabled);
  EXPECT_EQ(t->version, "tlsv1_2");
  EXPECT_TRUE(t->verify_hostname);
  EXPECT_EQ(t->ca_file, "");  // the system's trust store
  auto old = Load(std::string("rabbit_use_ssl = 1\nkombu_ssl_version = SSLv23\n") +
                  "kombu_ssl_ca_certs = " + kSystemCas + "\nkombu_ssl_certfile = c\n" +
                  "kombu_ssl_keyfile = k\n");
  EXPECT_TRUE(old.rabbit_ssl);
  EXPECT_EQ(old.rabbit_ssl_ca_file, kSystemCas);
  EXPECT_EQ(old.rabbit_ssl_cert_file, "c");
  EXPECT_EQ(old.rabbit_ssl_key_file, "k");
  EXPECT_EQ(old.rabbit_ssl_version, "SSLv23");
  auto bad = config::LoadFromString("[oslo_messaging_rabbit]\nssl = maybe\n");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message().find("ssl"), std::string::npos) << bad.error().message();
}

TEST(AmqpTlsTest, UrlQueryEnablesAndOverrides) {
  if (access(kSystemCas, R_OK) != 0) GTEST_SKIP() << kSystemCas << " absent (ca-certificates)";
  auto t = ResolveAmqpTls(Load(""), Url(std::string(kUrl) + "?ssl=1&ssl_ca_file=" + kSystemCas));
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_TRUE(t->enabled);
  EXPECT_EQ(t->ca_file, kSystemCas);
  // The URL's query wins over the file, both ways.
  t = ResolveAmqpTls(Load("ssl = true\n"), Url(std::string(kUrl) + "?ssl=false"));
  ASSERT_TRUE(t);
  EXPECT_FALSE(t->enabled);
  t = ResolveAmqpTls(Load("ssl = true\nssl_ca_file = /nonexistent\n"),
                     Url(std::string(kUrl) + "?ssl_ca_file=" + kSystemCas));
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(t->ca_file, kSystemCas);
  std::string m = Refusal(Load(""), std::string(kUrl) + "?ssl=perhaps");
  EXPECT_NE(m.find("query option ssl"), std::string::npos) << m;
}

TEST(AmqpTlsTest, VersionsAndFipsModeRefusedByName) {
  for (const char* v : {"sslv2", "SSLv3", "tlsv1_3", "tls"}) {
    std::string m = Refusal(Load(std::string("ssl = true\nssl_version = ") + v + "\n"), kUrl);
    EXPECT_NE(m.find("[oslo_messaging_rabbit] ssl_version '" + std::string(v) + "'"),
              std::string::npos)
        << m;
  }
  for (const char* v : {"tlsv1", "TLSv1_1", "tlsv1_2", "sslv23", ""}) {
    auto t = ResolveAmqpTls(Load(std::string("ssl = true\nssl_version = ") + v + "\n"), Url(kUrl));
    EXPECT_TRUE(t) << v << ": " << t.error().message();
  }
  std::string m = Refusal(Load("ssl = true\nssl_enforce_fips_mode = true\n"), kUrl);
  EXPECT_NE(m.find("[oslo_messaging_rabbit] ssl_enforce_fips_mode"), std::string::npos) << m;
}

TEST(AmqpTlsTest, FilesCheckedAtResolution) {
  if (access(kSystemCas, R_OK) != 0) GTEST_SKIP() << kSystemCas << " absent (ca-certificates)";
  std::string m = Refusal(Load("ssl = true\nssl_ca_file = /nonexistent/ca.pem\n"), kUrl);
  EXPECT_NE(m.find("[oslo_messaging_rabbit] ssl_ca_file '/nonexistent/ca.pem': cannot read"),
            std::string::npos)
      << m;
  TempFile garbage("-----BEGIN CERTIFICATE-----\nnope\n-----END CERTIFICATE-----\n");
  m = Refusal(Load("ssl = true\nssl_ca_file = " + garbage.path() + "\n"), kUrl);
  EXPECT_NE(m.find("[oslo_messaging_rabbit] ssl_ca_file '" + garbage.path() + "'"),
            std::string::npos)
      << m;
  m = Refusal(Load("ssl = true\nssl_cert_file = " + garbage.path() + "\n"), kUrl);
  EXPECT_NE(m.find("[oslo_messaging_rabbit] ssl_cert_file"), std::string::npos) << m;
  m = Refusal(Load("ssl = true\nssl_key_file = " + garbage.path() + "\n"), kUrl);
  EXPECT_NE(m.find("ssl_key_file is set without ssl_cert_file"), std::string::npos) << m;
  m = Refusal(Load("ssl = true\nssl_cert_file = " + garbage.path() +
                   "\nssl_key_file = /nonexistent/key.pem\n"),
              kUrl);
  EXPECT_NE(m.find("ssl_key_file '/nonexistent/key.pem': cannot read"), std::string::npos) << m;
  // A real bundle loads.
  auto t = ResolveAmqpTls(Load(std::string("ssl = true\nssl_ca_file = ") + kSystemCas + "\n"),
                          Url(kUrl));
  ASSERT_TRUE(t) << t.error().message();
  EXPECT_EQ(t->ca_file, kSystemCas);
}

TEST(AmqpTlsTest, ApplyFillsTheUrl) {
  TransportUrl u = Url(std::string(kUrl) + "?ssl=true");
  ASSERT_TRUE(ApplyAmqpTls(Load(""), &u));
  EXPECT_TRUE(u.tls.enabled);
  TransportUrl plain = Url(kUrl);
  EXPECT_FALSE(plain.tls.enabled);  // the parser alone leaves TLS off
}

}  // namespace
}  // namespace magnum::rpc
