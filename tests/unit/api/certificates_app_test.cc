// The certificates and credentials controllers in-process (ApiApp::Handle) over a real
// SQLite file with a recording ConductorApi, the one boundary replaced: what reaches the
// conductor (cluster, CA type, CSR, caller), what comes back (refusals verbatim, PEM
// trimmed), which checks happen before the call, and the 503 when there is no conductor.
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "magnum/api/api_types.h"
#include "magnum/api/app.h"
#include "magnum/conductor/conductor_api.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"
#include "magnum/drivers/fake/fake_driver.h"
#include "unit/api/api_app_fixture.h"
#include "unit/api/unused_conductor.h"

namespace magnum::api {
namespace {

struct CertCall {
  std::string method;
  conductor::Caller caller;
  std::string cluster;
  std::string ca_type;
  std::string csr;
};

class CertConductor final : public UnusedConductor {
 public:
  std::vector<CertCall> calls;
  std::optional<Error> refusal;
  std::string pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n\n";

  Result<std::string> GetCaCertificate(const conductor::Caller& caller, const std::string& c,
                                       const std::string& type) override {
    calls.push_back({"GetCaCertificate", caller, c, type, ""});
    if (refusal) return Fail(*refusal);
    return pem;
  }
  Result<std::string> SignCertificate(const conductor::Caller& caller, const std::string& c,
                                      const std::string& csr, const std::string& type) override {
    calls.push_back({"SignCertificate", caller, c, type, csr});
    if (refusal) return Fail(*refusal);
    return pem;
  }
  Result<void> RotateCaCertificate(const conductor::Caller& caller, const std::string& c) override {
    calls.push_back({"RotateCaCertificate", caller, c, "", ""});
    if (refusal) return Fail(*refusal);
    return {};
  }
  Result<void> RotateCredential(const conductor::Caller& caller, const std::string& c) override {
    calls.push_back({"RotateCredential", caller, c, "", ""});
    if (refusal) return Fail(*refusal);
    return {};
  }
};

struct Caller {
  std::string project;
  std::string user;
  std::string roles;
};

const Caller kOwner{"p1", "u1", "member,reader"};
const Caller kProjectMate{"p1", "u2", "member,reader"};
const Caller kOutsider{"p2", "u3", "member,reader"};
const Caller kOtherAdmin{"p-admin", "root", "admin"};

constexpr char kCluster[] = "0b4b766f-1c2d-4e5f-8a9b-0c1d2e3f4a5b";
constexpr char kPlainCluster[] = "1c5c877a-2d3e-4f6a-9b0c-1d2e3f4a5b6c";

class CertificatesAppTest : public ApiAppFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(ApiAppFixture::SetUp());
    registry_.Register(drivers::NewFakeDriver());
    Build(&conductor_);
    // One TLS cluster and one on a tls_disabled template, both u1's in p1.
    InsertCluster(kCluster, "certs", InsertTemplate("tls", false));
    InsertCluster(kPlainCluster, "plain", InsertTemplate("no-tls", true));
  }

  void Build(conductor::ConductorApi* conductor) {
    ApiDependencies deps = Deps();
    deps.conductor = conductor;
    app_ = MakeApp(deps);
  }

  std::string InsertTemplate(const std::string& name, bool tls_disabled) {
    db::Row t;
    t.Set("uuid", name == "tls" ? std::string("aaaaaaaa-0000-4000-8000-000000000001")
                                : std::string("aaaaaaaa-0000-4000-8000-000000000002"));
    t.Set("name", name);
    t.Set("project_id", std::string("p1"));
    t.Set("coe", std::string("kubernetes"));
    t.Set("image_id", std::string("fake-image"));
    t.Set("tls_disabled", tls_disabled);
    auto row = db_->Insert(db::kClusterTemplateTable, t);
    EXPECT_TRUE(row) << row.error().message();
    return row ? row->GetString("uuid") : "";
  }

  void InsertCluster(const std::string& uuid, const std::string& name, const std::string& tmpl) {
    db::Row c;
    c.Set("uuid", uuid);
    c.Set("name", name);
    c.Set("project_id", std::string("p1"));
    c.Set("user_id", std::string("u1"));
    c.Set("cluster_template_id", tmpl);
    c.Set("status", std::string("CREATE_COMPLETE"));
    auto row = db_->Insert(db::kClusterTable, c);
    ASSERT_TRUE(row) << row.error().message();
  }

  struct Reply {
    int status;
    Json body;
    std::string Detail() const {
      return body.is_object() && body.contains("errors")
                 ? body["errors"][0]["detail"].get<std::string>()
                 : "";
    }
  };

  Reply Call(const std::string& method, const std::string& target, const Json& body = nullptr,
             const Caller& who = kOwner, const std::string& version = "latest") {
    http::Request r;
    r.method = method;
    r.target = target;
    EXPECT_TRUE(http::ParseTarget(target, &r.path, &r.query));
    if (!body.is_null()) {
      r.body = body.dump();
      r.headers["Content-Type"] = "application/json";
    }
    r.headers["OpenStack-API-Version"] = "container-infra " + version;
    r.headers["Host"] = "h:9511";
    r.headers["X-Project-Id"] = who.project;
    r.headers["X-User-Id"] = who.user;
    r.headers["X-Roles"] = who.roles;
    r.request_id = "req-test";
    http::Response resp = app_->Handle(r);
    Json j = resp.body.empty() ? Json(nullptr) : Json::parse(resp.body, nullptr, false);
    return {resp.status, j};
  }

  Json SignBody(const std::string& cluster = kCluster) {
    return {{"cluster_uuid", cluster}, {"csr", "CSR-PEM"}};
  }

  CertConductor conductor_;
};

TEST_F(CertificatesAppTest, GetCaForwardsClusterTypeAndCaller) {
  Reply r = Call("GET", "/v1/certificates/certs?ca_cert_type=etcd");
  ASSERT_EQ(r.status, 200) << r.body.dump();
  EXPECT_EQ(r.body["cluster_uuid"], kCluster);
  EXPECT_EQ(r.body["pem"], conductor_.pem);  // as stored
  EXPECT_EQ(r.body["links"][0]["href"], std::string("http://h:9511/v1/certificates/") + kCluster);
  ASSERT_EQ(conductor_.calls.size(), 1u);
  const CertCall& c = conductor_.calls[0];
  EXPECT_EQ(c.method, "GetCaCertificate");
  EXPECT_EQ(c.cluster, kCluster);
  EXPECT_EQ(c.ca_type, "etcd");
  EXPECT_EQ(c.caller.project_id, "p1");
  EXPECT_EQ(c.caller.user_id, "u1");
  EXPECT_EQ(c.caller.request_id, "req-test");
  EXPECT_FALSE(c.caller.is_admin);
  // Absent type: "" (the conductor maps it to the cluster CA).
  ASSERT_EQ(Call("GET", std::string("/v1/certificates/") + kCluster).status, 200);
  EXPECT_EQ(conductor_.calls[1].ca_type, "");
}

TEST_F(CertificatesAppTest, SignForwardsTheCsrAndTrimsThePem) {
  Json body = SignBody("certs");
  body["ca_cert_type"] = "front-proxy";
  Reply r = Call("POST", "/v1/certificates", body);
  ASSERT_EQ(r.status, 201) << r.body.dump();
  EXPECT_EQ(r.body["cluster_uuid"], kCluster);
  EXPECT_EQ(r.body["csr"], "CSR-PEM");
  EXPECT_EQ(r.body["pem"], "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----");
  EXPECT_EQ(r.body["ca_cert_type"], "front-proxy");
  ASSERT_EQ(conductor_.calls.size(), 1u);
  EXPECT_EQ(conductor_.calls[0].csr, "CSR-PEM");
  EXPECT_EQ(conductor_.calls[0].ca_type, "front-proxy");
  // Without a type the response has no ca_cert_type key.
  r = Call("POST", "/v1/certificates", SignBody());
  ASSERT_EQ(r.status, 201);
  EXPECT_FALSE(r.body.contains("ca_cert_type"));
}

TEST_F(CertificatesAppTest, ConductorRefusalsComeBackVerbatim) {
  conductor_.refusal = Error::InvalidArgument("Received invalid csr CSR-PEM.");
  Reply r = Call("POST", "/v1/certificates", SignBody());
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Detail(), "Received invalid csr CSR-PEM.");
  conductor_.refusal = Error::Conflict("Cluster certs is busy");
  EXPECT_EQ(Call("GET", "/v1/certificates/certs").status, 409);
  conductor_.refusal = Error::FailedPrecondition("Credential rotation is not supported by driver.");
  r = Call("PATCH", "/v1/credentials/certs");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.Detail(), "Credential rotation is not supported by driver.");
}

TEST_F(CertificatesAppTest, RefusedRequestsNeverReachTheConductor) {
  EXPECT_EQ(Call("GET", "/v1/certificates/nope").status, 404);
  EXPECT_EQ(Call("POST", "/v1/certificates", SignBody("nope")).status, 400);
  EXPECT_EQ(Call("POST", "/v1/certificates", Json{{"cluster_uuid", kCluster}}).status, 400);
  EXPECT_EQ(Call("GET", "/v1/certificates/certs", nullptr, kProjectMate).status, 403);
  EXPECT_EQ(Call("POST", "/v1/certificates", SignBody(), kProjectMate).status, 403);
  EXPECT_EQ(Call("GET", "/v1/certificates/certs", nullptr, kOutsider).status, 404);
  EXPECT_EQ(Call("PATCH", "/v1/certificates/certs", nullptr, kOutsider).status, 404);
  Reply plain = Call("PATCH", "/v1/certificates/plain");
  EXPECT_EQ(plain.status, 400);
  EXPECT_EQ(plain.Detail(), "Rotating the CA certificate on a non-TLS cluster is not supported");
  EXPECT_EQ(Call("PATCH", "/v1/credentials/certs", nullptr, kOwner, "1.11").status, 406);
  EXPECT_EQ(Call("PATCH", "/v1/credentials/certs", nullptr, kOutsider).status, 404);
  EXPECT_TRUE(conductor_.calls.empty());
}

TEST_F(CertificatesAppTest, RotateAndCredentialCallTheConductor) {
  Reply r = Call("PATCH", "/v1/certificates/certs", nullptr, kProjectMate);  // any member
  ASSERT_EQ(r.status, 202) << r.body.dump();
  EXPECT_EQ(r.body, (Json{{"uuid", kCluster}}));
  r = Call("PATCH", "/v1/certificates", Json{{"cluster_uuid", "certs"}});
  ASSERT_EQ(r.status, 202) << r.body.dump();
  r = Call("PATCH", "/v1/credentials/certs", nullptr, kOwner, "1.12");
  ASSERT_EQ(r.status, 202) << r.body.dump();
  EXPECT_EQ(r.body, (Json{{"uuid", kCluster}}));
  ASSERT_EQ(conductor_.calls.size(), 3u);
  EXPECT_EQ(conductor_.calls[0].method, "RotateCaCertificate");
  EXPECT_EQ(conductor_.calls[0].caller.user_id, "u2");
  EXPECT_EQ(conductor_.calls[1].method, "RotateCaCertificate");
  EXPECT_EQ(conductor_.calls[2].method, "RotateCredential");
  EXPECT_EQ(conductor_.calls[2].cluster, kCluster);
}

TEST_F(CertificatesAppTest, AdminsReachOtherProjectsClusters) {
  Reply r = Call("GET", "/v1/certificates/certs", nullptr, kOtherAdmin);
  ASSERT_EQ(r.status, 200) << r.body.dump();
  ASSERT_EQ(Call("POST", "/v1/certificates", SignBody(), kOtherAdmin).status, 201);
  ASSERT_EQ(conductor_.calls.size(), 2u);
  EXPECT_TRUE(conductor_.calls[0].caller.is_admin);
  EXPECT_EQ(conductor_.calls[0].caller.project_id, "p-admin");
}

TEST_F(CertificatesAppTest, NoConductorIs503AfterTheApiChecks) {
  Build(nullptr);
  for (const auto& [method, target, body] : std::vector<std::tuple<std::string, std::string, Json>>{
           {"GET", "/v1/certificates/certs", nullptr},
           {"POST", "/v1/certificates", SignBody()},
           {"PATCH", "/v1/certificates/certs", nullptr},
           {"PATCH", "/v1/credentials/certs", nullptr}}) {
    Reply r = Call(method, target, body);
    EXPECT_EQ(r.status, 503) << method << " " << target;
    EXPECT_EQ(r.Detail(), "No conductor is available");
  }
  EXPECT_EQ(Call("GET", "/v1/certificates/nope").status, 404);
  EXPECT_EQ(Call("PATCH", "/v1/certificates/plain").status, 400);
}

}  // namespace
}  // namespace magnum::api
