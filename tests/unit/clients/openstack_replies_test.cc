// Reading Glance, Nova and Neutron replies (shapes as the Debian 12 services answer them).
#include <gtest/gtest.h>

#include "magnum/clients/openstack_replies.h"

namespace magnum::clients {
namespace {

TEST(GlanceRepliesTest, ImageWithTopLevelProperties) {
  auto image = ParseGlanceImage(
      R"({"id": "0373d720-824d-4baa-990b-3df4e6729b15", "name": "fedora-coreos",
          "status": "active", "visibility": "public", "os_distro": "fedora-coreos",
          "magnum_driver": "k8s_capi", "owner_specified.openstack.md5": "",
          "size": 1024, "virtual_size": null, "tags": []})");
  ASSERT_TRUE(image) << image.error().message();
  EXPECT_EQ(image->id, "0373d720-824d-4baa-990b-3df4e6729b15");
  EXPECT_EQ(image->name, "fedora-coreos");
  EXPECT_EQ(image->os_distro, "fedora-coreos");
  EXPECT_EQ(image->magnum_driver, "k8s_capi");
}

TEST(GlanceRepliesTest, MissingOrNonStringPropertiesCountAsAbsent) {
  auto image = ParseGlanceImage(R"({"id": "i1", "name": null, "os_distro": 7,
                                    "magnum_driver": null})");
  ASSERT_TRUE(image);
  EXPECT_EQ(image->name, "");
  EXPECT_EQ(image->os_distro, "");
  EXPECT_EQ(image->magnum_driver, "");
}

TEST(GlanceRepliesTest, ListWithNextLink) {
  auto page = ParseGlanceImageList(
      R"({"images": [{"id": "a", "name": "x", "os_distro": "fedora-coreos"},
                     {"id": "b", "name": "x"}],
          "first": "/v2/images?name=x", "next": "/v2/images?marker=b&name=x",
          "schema": "/v2/schemas/images"})");
  ASSERT_TRUE(page) << page.error().message();
  ASSERT_EQ(page->items.size(), 2u);
  EXPECT_EQ(page->items[0].os_distro, "fedora-coreos");
  EXPECT_EQ(page->items[1].id, "b");
  EXPECT_EQ(page->next, "/v2/images?marker=b&name=x");
  auto last = ParseGlanceImageList(R"({"images": [], "first": "/v2/images?name=nope"})");
  ASSERT_TRUE(last);
  EXPECT_TRUE(last->items.empty());
  EXPECT_EQ(last->next, "");
}

TEST(NovaRepliesTest, FlavorDetailList) {
  auto page = ParseNovaFlavorList(
      R"({"flavors": [
           {"id": "2", "name": "m1.small", "ram": 2048, "disk": 20, "swap": "",
            "OS-FLV-EXT-DATA:ephemeral": 0, "vcpus": 1, "links": []},
           {"id": 7, "name": "legacy", "disk": null},
           {"id": "z", "name": "zero", "disk": 0}],
          "flavors_links": [{"href": "http://n:8774/v2.1/flavors/detail?marker=z",
                             "rel": "next"}]})");
  ASSERT_TRUE(page) << page.error().message();
  ASSERT_EQ(page->items.size(), 3u);
  EXPECT_EQ(page->items[0].id, "2");
  EXPECT_EQ(page->items[0].disk_gb, 20);
  EXPECT_EQ(page->items[1].id, "7");  // an integer id, as older clouds wrote them
  EXPECT_FALSE(page->items[1].disk_gb.has_value());
  EXPECT_EQ(page->items[2].disk_gb, 0);
  EXPECT_EQ(page->next, "http://n:8774/v2.1/flavors/detail?marker=z");
}

TEST(NeutronRepliesTest, NetworksAndSubnets) {
  auto nets = ParseNeutronList(
      R"({"networks":[{"id":"n1","name":"public","router:external":true},
                      {"id":"n2","name":"private"}],
          "networks_links":[{"rel":"previous","href":"http://q:9696/v2.0/networks?x"}]})",
      "networks");
  ASSERT_TRUE(nets) << nets.error().message();
  ASSERT_EQ(nets->items.size(), 2u);
  EXPECT_EQ(nets->items[0].router_external, true);
  EXPECT_FALSE(nets->items[1].router_external.has_value());
  EXPECT_EQ(nets->next, "");
  auto subnets = ParseNeutronList(R"({"subnets":[{"id":"s1","name":"private-subnet"}]})",
                                  "subnets");
  ASSERT_TRUE(subnets);
  EXPECT_EQ(subnets->items[0].name, "private-subnet");
  // The wrong collection is not a valid answer.
  EXPECT_FALSE(ParseNeutronList(R"({"networks":[]})", "subnets"));
}

TEST(RepliesTest, MalformedRepliesAreErrorsNotCrashes) {
  const char* bad[] = {"",
                       "<html>No image found</html>",
                       "[]",
                       "null",
                       R"({"images": {}})",
                       R"({"images": [1]})",
                       R"({"images": [{"name": "no id"}]})",
                       R"({"images": [{"id": ""}]})",
                       R"({"images": [{"id": "a", "name": 5}]})",
                       R"({"images": [], "next": 3})",
                       R"({"flavors": [{"id": "1", "disk": "20"}]})",
                       R"({"flavors": [], "flavors_links": {}})",
                       R"({"flavors": [], "flavors_links": [{"rel": "next", "href": 1}]})",
                       R"({"networks": [{"id": "a", "name": ["x"]}]})",
                       "{\"images\": [{\"id\": \"\xff\xfe\"}",
                       R"({"images": [)"};
  for (const char* body : bad) {
    auto images = ParseGlanceImageList(body);
    auto flavors = ParseNovaFlavorList(body);
    auto nets = ParseNeutronList(body, "networks");
    EXPECT_FALSE(images && flavors && nets) << body;
    if (!images) {
      EXPECT_EQ(images.error().code(), ErrorCode::kInvalidArgument);
    }
  }
  EXPECT_FALSE(ParseGlanceImage("[]"));
  EXPECT_FALSE(ParseGlanceImage(R"({"name": "x"})"));
}

TEST(RepliesTest, ErrorMessagesForTheLog) {
  EXPECT_EQ(ServiceErrorMessage(
                R"({"itemNotFound":{"code":404,"message":"Flavor m1 could not be found."}})"),
            "Flavor m1 could not be found.");
  EXPECT_EQ(ServiceErrorMessage(R"({"NeutronError": {"type": "NetworkNotFound",
                                    "message": "Network x could not be found.", "detail": ""}})"),
            "Network x could not be found.");
  EXPECT_EQ(ServiceErrorMessage(R"({"error":{"code":404,"message":"Could not find project"}})"),
            "Could not find project");
  EXPECT_EQ(ServiceErrorMessage("<html>\n<body>404</body>"), "<html> <body>404</body>");
  EXPECT_EQ(ServiceErrorMessage(std::string(500, 'x')).size(), 200u);
}

}  // namespace
}  // namespace magnum::clients
