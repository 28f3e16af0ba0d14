// The keystone-mode CloudResources over a scripted HTTP seam: which URLs are asked with
// which token, upstream's answers, and 503 when a service cannot be asked.
#include <gtest/gtest.h>

#include <map>
#include <mutex>

#include "magnum/auth/service_catalog.h"
#include "magnum/clients/cloud_resources.h"
#include "magnum/clients/openstack_service.h"
#include "magnum/common/http_client.h"
#include "magnum/config/config.h"

namespace magnum::clients {
namespace {

// Answers by exact URL; unknown URLs are 404. `down` = no answer at all.
class CloudScriptedHttp final : public HttpClient {
 public:
  Result<HttpClientReply> Send(const HttpClientRequest& req) override {
    std::lock_guard<std::mutex> lock(mu);
    sent.push_back(req);
    if (down) return Fail(Error::Unavailable("connect to " + req.url + " failed: refused"));
    auto it = replies.find(req.url);
    if (it == replies.end()) return HttpClientReply{404, {}, "<html>not found</html>"};
    return it->second;
  }
  std::string Header(size_t i, const std::string& name) {
    for (const auto& h : sent.at(i).headers) {
      if (h.first == name) return h.second;
    }
    return "";
  }
  void Reply(const std::string& url, long status, std::string body) {
    replies[url] = HttpClientReply{status, {}, std::move(body)};
  }

  std::mutex mu;
  std::map<std::string, HttpClientReply> replies;
  std::vector<HttpClientRequest> sent;
  bool down = false;
};

constexpr const char* kImageUuid = "0373d720-824d-4baa-990b-3df4e6729b15";

class OpenStackCloudTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto catalog = std::make_shared<auth::ServiceCatalog>();
    catalog->services = {
        {"s1", "image", "glance",
         {{"public", "RegionTwo", "http://g2:9292"}, {"public", "RegionOne", "http://g1:9292/"},
          {"internal", "RegionOne", "http://gi:9292/v2"}}},
        {"s2", "compute", "nova", {{"public", "RegionOne", "http://n:8774/v2.1"}}},
        {"s3", "network", "neutron", {{"public", "RegionOne", "http://q:9696/"}}}};
    ctx_.auth_token = "user-token";
    ctx_.user_id = "u1";
    ctx_.project_id = "p1";
    ctx_.service_catalog = catalog;
    options_.default_region = "RegionOne";
    options_.identity_url = "http://k:5000";
  }

  std::unique_ptr<CloudResources> Make() {
    return NewOpenStackCloudResources(options_, [this](const std::string&, bool) {
      return std::shared_ptr<HttpClient>(http_, [](HttpClient*) {});
    });
  }

  void ExpectError(const Error& e, ErrorCode code, const std::string& message) {
    EXPECT_EQ(e.code(), code) << e.message();
    EXPECT_EQ(e.message(), message);
  }

  CloudScriptedHttp* http_ = new CloudScriptedHttp;
  std::unique_ptr<CloudScriptedHttp> owner_{http_};
  auth::RequestContext ctx_;
  OpenStackCloudOptions options_;
};

TEST_F(OpenStackCloudTest, ImageByNameAsTheCallerInTheConfiguredRegion) {
  http_->Reply("http://g1:9292/v2/images?name=fedora-coreos&limit=200", 200,
               R"({"images": [{"id": "i1", "name": "fedora-coreos",
                               "os_distro": "fedora-coreos"}]})");
  auto image = Make()->FindImage(ctx_, "fedora-coreos");
  ASSERT_TRUE(image) << image.error().message();
  EXPECT_EQ(image->id, "i1");
  EXPECT_EQ(image->os_distro, "fedora-coreos");
  ASSERT_EQ(http_->sent.size(), 1u);
  EXPECT_EQ(http_->Header(0, "X-Auth-Token"), "user-token");
}

TEST_F(OpenStackCloudTest, ImageByIdThenNameAndUpstreamAnswers) {
  auto cloud = Make();
  http_->Reply(std::string("http://g1:9292/v2/images/") + kImageUuid, 200,
               std::string(R"({"id": ")") + kImageUuid + R"(", "name": "no-distro"})");
  auto image = cloud->FindImage(ctx_, kImageUuid);
  ASSERT_TRUE(image);
  EXPECT_EQ(image->os_distro, "");  // the template check answers 400 for it
  // An unknown id is looked up as a name too (Glance answers 404 by id), then not found.
  const std::string other = "11111111-2222-3333-4444-555555555555";
  const char* kNone = R"({"images": [], "first": "/v2/images"})";
  http_->Reply("http://g1:9292/v2/images?name=" + other + "&limit=200", 200, kNone);
  http_->Reply("http://g1:9292/v2/images?name=a%20b%26c&limit=200", 200, kNone);
  ExpectError(cloud->FindImage(ctx_, other).error(), ErrorCode::kInvalidArgument,
              "Image " + other + " could not be found.");
  EXPECT_EQ(http_->sent.back().url,
            "http://g1:9292/v2/images?name=" + other + "&limit=200");
  // Names are sent percent-encoded.
  ExpectError(cloud->FindImage(ctx_, "a b&c").error(), ErrorCode::kInvalidArgument,
              "Image a b&c could not be found.");
  EXPECT_EQ(http_->sent.back().url, "http://g1:9292/v2/images?name=a%20b%26c&limit=200");
  // Forbidden by id.
  http_->Reply(std::string("http://g1:9292/v2/images/") + other, 403, "");
  ExpectError(cloud->FindImage(ctx_, other).error(), ErrorCode::kPermissionDenied,
              "Not authorized for image " + other + ".");
}

TEST_F(OpenStackCloudTest, DuplicateImageNamesAcrossPagesConflict) {
  http_->Reply("http://g1:9292/v2/images?name=dup&limit=200", 200,
               R"({"images": [{"id": "a", "name": "dup"}], "next": "/v2/images?marker=a"})");
  http_->Reply("http://g1:9292/v2/images?marker=a", 200,
               R"({"images": [{"id": "b", "name": "dup"}]})");
  ExpectError(Make()->FindImage(ctx_, "dup").error(), ErrorCode::kConflict,
              "Multiple images exist with same name 'dup'. Please use the image ID instead.");
  EXPECT_EQ(http_->sent.size(), 2u);
}

TEST_F(OpenStackCloudTest, FlavorByNameOrIdWithDisk) {
  http_->Reply("http://n:8774/v2.1/flavors/detail", 200,
               R"({"flavors": [{"id": "2", "name": "m1.small", "disk": 20},
                               {"id": "3", "name": "m1.medium", "disk": 40}]})");
  auto cloud = Make();
  auto byname = cloud->FindFlavor(ctx_, "m1.medium");
  ASSERT_TRUE(byname);
  EXPECT_EQ(byname->id, "3");
  EXPECT_EQ(byname->disk_gb, 40);
  auto byid = cloud->FindFlavor(ctx_, "2");
  ASSERT_TRUE(byid);
  EXPECT_EQ(byid->name, "m1.small");
  ExpectError(cloud->FindFlavor(ctx_, "m9.huge").error(), ErrorCode::kInvalidArgument,
              "Unable to find flavor m9.huge.");
  EXPECT_EQ(http_->Header(0, "OpenStack-API-Version"), "");
}

TEST_F(OpenStackCloudTest, NovaMicroversionAndPagesOnItsOwnOriginOnly) {
  options_.nova.api_version = "2.61";
  http_->Reply("http://n:8774/v2.1/flavors/detail", 200,
               R"({"flavors": [], "flavors_links": [
                   {"rel": "next", "href": "http://n:8774/v2.1/flavors/detail?marker=1"}]})");
  http_->Reply("http://n:8774/v2.1/flavors/detail?marker=1", 200,
               R"({"flavors": [{"id": "9", "name": "late"}], "flavors_links": [
                   {"rel": "next", "href": "http://evil:80/steal"}]})");
  auto cloud = Make();
  auto r = cloud->FindFlavor(ctx_, "late");
  ASSERT_FALSE(r);  // the token is never sent to another host
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  ASSERT_EQ(http_->sent.size(), 2u);
  EXPECT_EQ(http_->Header(0, "OpenStack-API-Version"), "compute 2.61");
}

TEST_F(OpenStackCloudTest, KeypairOfTheCaller) {
  http_->Reply("http://n:8774/v2.1/os-keypairs/demokey", 200, R"({"keypair": {}})");
  http_->Reply("http://n:8774/v2.1/os-keypairs/altkey", 404,
               R"({"itemNotFound":{"code":404,"message":"Keypair altkey not found for user u1"}})");
  auto cloud = Make();
  EXPECT_TRUE(cloud->CheckKeypair(ctx_, "demokey"));
  ExpectError(cloud->CheckKeypair(ctx_, "altkey").error(), ErrorCode::kNotFound,
              "Unable to find keypair altkey.");
  EXPECT_FALSE(cloud->CheckKeypair(ctx_, "a/b"));
  EXPECT_EQ(http_->sent.back().url, "http://n:8774/v2.1/os-keypairs/a%2Fb");
}

TEST_F(OpenStackCloudTest, NetworksAndSubnets) {
  http_->Reply("http://q:9696/v2.0/networks?router%3Aexternal=True&fields=id&fields=name"
               "&fields=router%3Aexternal",
               200,
               R"({"networks":[{"id":"n1","name":"public","router:external":true},
                               {"id":"n2","name":"ext","router:external":true},
                               {"id":"n3","name":"ext","router:external":true},
                               {"id":"n4","name":"ignored-filter","router:external":false}]})");
  http_->Reply("http://q:9696/v2.0/networks?fields=id&fields=name", 200,
               R"({"networks":[{"id":"n1","name":"public"},{"id":"n5","name":"private"}]})");
  http_->Reply("http://q:9696/v2.0/subnets?fields=id&fields=name", 200,
               R"({"subnets":[{"id":"s1","name":"private-subnet"},{"id":"s2","name":"twin"},
                              {"id":"s3","name":"twin"}]})");
  auto cloud = Make();
  EXPECT_TRUE(cloud->CheckExternalNetwork(ctx_, "public"));
  EXPECT_TRUE(cloud->CheckExternalNetwork(ctx_, "n2"));
  ExpectError(cloud->CheckExternalNetwork(ctx_, "private").error(),
              ErrorCode::kInvalidArgument, "Unable to find external network private.");
  ExpectError(cloud->CheckExternalNetwork(ctx_, "ignored-filter").error(),
              ErrorCode::kInvalidArgument, "Unable to find external network ignored-filter.");
  ExpectError(cloud->CheckExternalNetwork(ctx_, "ext").error(), ErrorCode::kConflict,
              "Multiple external networks exist with same name 'ext'. Please use the "
              "external network ID instead.");
  EXPECT_TRUE(cloud->CheckFixedNetwork(ctx_, "n5"));
  ExpectError(cloud->CheckFixedNetwork(ctx_, "nonet").error(), ErrorCode::kInvalidArgument,
              "Unable to find fixed network nonet.");
  EXPECT_TRUE(cloud->CheckFixedSubnet(ctx_, "private-subnet"));
  ExpectError(cloud->CheckFixedSubnet(ctx_, "nosub").error(), ErrorCode::kInvalidArgument,
              "Unable to find fixed subnet nosub.");
  ExpectError(cloud->CheckFixedSubnet(ctx_, "twin").error(), ErrorCode::kConflict,
              "Multiple subnets exist with same name 'twin'. Please use the subnet ID "
              "instead.");
}

TEST_F(OpenStackCloudTest, ProjectLookupAsTheCaller) {
  http_->Reply("http://k:5000/v3/projects/p2", 200, R"({"project": {"id": "p2"}})");
  http_->Reply("http://k:5000/v3/projects/p3", 403, "");
  auto cloud = Make();
  EXPECT_TRUE(cloud->CheckProject(ctx_, "p2"));
  EXPECT_EQ(http_->Header(0, "X-Auth-Token"), "user-token");
  ExpectError(cloud->CheckProject(ctx_, "nope").error(), ErrorCode::kNotFound,
              "The project_id nope could not be found.");
  EXPECT_EQ(cloud->CheckProject(ctx_, "p3").error().code(), ErrorCode::kPermissionDenied);
  http_->down = true;
  EXPECT_EQ(cloud->CheckProject(ctx_, "p2").error().code(), ErrorCode::kUnavailable);
}

TEST_F(OpenStackCloudTest, UnreachableOr5xxOrUnreadableIs503NamingTheService) {
  auto cloud = Make();
  http_->down = true;
  auto r = cloud->FindImage(ctx_, "fedora-coreos");
  ASSERT_FALSE(r);
  ExpectError(r.error(), ErrorCode::kUnavailable,
              "The image service (Glance) cannot be reached, so the request was not carried "
              "out and nothing was changed. Try again later; if this persists, the operator "
              "should check that the service runs and that [glance_client] region_name "
              "(RegionOne) and endpoint_type (publicURL) name its endpoint in the service "
              "catalog.");
  http_->down = false;
  http_->Reply("http://n:8774/v2.1/flavors/detail", 502, "<html>Bad Gateway</html>");
  r = cloud->FindImage(ctx_, "x");  // 404 by name list: unreadable HTML → 503
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  auto f = cloud->FindFlavor(ctx_, "m1.small");
  EXPECT_EQ(f.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(f.error().message().find("The compute service (Nova) answered 502"),
            std::string::npos)
      << f.error().message();
  http_->Reply("http://q:9696/v2.0/subnets?fields=id&fields=name", 200, "not json");
  auto s = cloud->CheckFixedSubnet(ctx_, "x");
  EXPECT_NE(s.error().message().find("The network service (Neutron) gave an answer that "
                                     "cannot be read"),
            std::string::npos);
  http_->Reply("http://q:9696/v2.0/networks?fields=id&fields=name", 401, "");
  EXPECT_EQ(cloud->CheckFixedNetwork(ctx_, "x").error().code(), ErrorCode::kUnauthenticated);
}

TEST_F(OpenStackCloudTest, EndpointFromRegionAndInterface) {
  options_.glance.endpoint_type = "internalURL";
  http_->Reply("http://gi:9292/v2/images?name=x&limit=200", 200,
               R"({"images": [{"id": "i", "name": "x", "os_distro": "d"}]})");
  EXPECT_TRUE(Make()->FindImage(ctx_, "x"));  // the "/v2" of the catalog URL is not doubled
  options_.glance.endpoint_type = "public";
  options_.glance.region_name = "RegionTwo";
  http_->Reply("http://g2:9292/v2/images?name=x&limit=200", 200,
               R"({"images": [{"id": "j", "name": "x", "os_distro": "d"}]})");
  EXPECT_EQ(Make()->FindImage(ctx_, "x")->id, "j");
  options_.glance.region_name = "Nowhere";
  auto r = Make()->FindImage(ctx_, "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.error().message().find("The image service (Glance) has no public endpoint in "
                                     "the service catalog"),
            std::string::npos);
  ctx_.service_catalog.reset();
  EXPECT_EQ(Make()->FindFlavor(ctx_, "x").error().code(), ErrorCode::kUnavailable);
}

TEST(OpenStackCloudOptionsTest, FromTheClientSections) {
  auto cfg = config::LoadFromString(R"(
[keystone_authtoken]
auth_url = https://k:5000/v3
region_name = RegionOne
cafile = /etc/k.pem
[glance_client]
region_name = RegionTwo
endpoint_type = internalURL
ca_file = /etc/g.pem
insecure = true
[nova_client]
api_version = 2.61
[neutron_client]
endpoint_type = admin
)");
  ASSERT_TRUE(cfg) << cfg.error().message();
  EXPECT_TRUE(cfg->warnings.empty());
  auto o = OpenStackCloudOptionsFromConfig(*cfg);
  ASSERT_TRUE(o) << o.error().message();
  EXPECT_EQ(o->glance.region_name, "RegionTwo");
  EXPECT_EQ(o->glance.endpoint_type, "internalURL");
  EXPECT_EQ(o->glance.ca_file, "/etc/g.pem");
  EXPECT_TRUE(o->glance.insecure);
  EXPECT_EQ(o->glance.api_version, "2");
  EXPECT_EQ(o->nova.api_version, "2.61");
  EXPECT_EQ(o->nova.endpoint_type, "publicURL");
  EXPECT_FALSE(o->nova.insecure);
  EXPECT_EQ(o->neutron.endpoint_type, "admin");
  EXPECT_EQ(o->default_region, "RegionOne");
  EXPECT_EQ(o->identity_url, "https://k:5000/v3");
  EXPECT_EQ(o->identity_ca_file, "/etc/k.pem");

  for (const char* bad : {"[glance_client]\napi_version = 1\n", "[nova_client]\napi_version = 3\n",
                          "[nova_client]\napi_version = 2.x\n",
                          "[neutron_client]\nendpoint_type = private\n"}) {
    auto c = config::LoadFromString(bad);
    ASSERT_TRUE(c) << bad;
    EXPECT_FALSE(OpenStackCloudOptionsFromConfig(*c)) << bad;
  }
  EXPECT_FALSE(config::LoadFromString("[glance_client]\ninsecure = maybe\n"));
}

TEST(UrlTest, Origin) {
  EXPECT_EQ(UrlOrigin("http://h:1/v2.1/x?y"), "http://h:1");
  EXPECT_EQ(UrlOrigin("https://h"), "https://h");
  EXPECT_EQ(UrlOrigin("/v2/images"), "");
  EXPECT_EQ(UrlOrigin("ftp://h/x"), "");
}

}  // namespace
}  // namespace magnum::clients
