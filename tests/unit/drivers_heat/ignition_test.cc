#include "magnum/drivers/heat/ignition.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "magnum/common/strings.h"
#include "magnum/drivers/heat/data_url.h"

namespace magnum::drivers::heat {
namespace {

using Json = nlohmann::json;

// PEM with every character JSON, shell, URLs or YAML treat specially.
const std::string kCaPem =
    "-----BEGIN CERTIFICATE-----\nMIIB+/\"quote\" 'single' \\back %41 $(x) `y` {z} #&?=\r\n"
    "\xc3\xa9\x01\n-----END CERTIFICATE-----\n";
const std::string kKeyPem = "-----BEGIN PRIVATE KEY-----\nk3y+/==\n-----END PRIVATE KEY-----\n";

IgnitionInputs Inputs(NodeRole role) {
  IgnitionInputs in;
  in.role = role;
  in.labels.kube_tag = "v1.28.4";
  in.cluster_uuid = "5d12f6fd-a196-4bf0-ae4c-1f639a523a52";
  in.api_address = "10.0.0.5";
  in.bootstrap_token = "abcdef.0123456789abcdef";
  in.certificate_key = std::string(64, 'e');
  in.ca_cert_b64 = Base64Encode(kCaPem);
  in.ca_key_b64 = Base64Encode(kKeyPem);
  in.apiserver_cert_b64 = Base64Encode(kCaPem);
  in.apiserver_key_b64 = Base64Encode(kKeyPem);
  in.wait_endpoint = "http://127.0.0.1:8004/v1/p/stacks/s/id/resources/wait_handle/signal";
  in.wait_token = "gAAAAABl-token_x";
  return in;
}

struct Parsed {
  Json config;
  std::map<std::string, std::pair<int, std::string>> files;  // path -> (mode, contents)
  std::map<std::string, Json> units;
};

Parsed Parse(const std::string& text) {
  Parsed p;
  p.config = Json::parse(text);
  for (const Json& f : p.config["storage"]["files"]) {
    auto data = DecodeDataUrl(f["contents"]["source"].get<std::string>());
    EXPECT_TRUE(data) << f["path"];
    p.files[f["path"]] = {f["mode"].get<int>(), data.value_or("")};
  }
  for (const Json& u : p.config["systemd"]["units"]) p.units[u["name"]] = u;
  return p;
}

TEST(IgnitionTest, MasterHasItsFilesModesAndUnits) {
  Parsed p = Parse(RenderIgnition(Inputs(NodeRole::kMaster)));
  EXPECT_EQ(p.config["ignition"]["version"], "3.3.0");
  const std::map<std::string, int> expected = {{"/etc/magnum/cluster.env", 0644},
                                               {"/etc/magnum/secrets.env", 0600},
                                               {"/etc/kubernetes/pki/ca.crt", 0644},
                                               {"/etc/kubernetes/pki/ca.key", 0600},
                                               {"/etc/kubernetes/pki/apiserver.crt", 0644},
                                               {"/etc/kubernetes/pki/apiserver.key", 0600},
                                               {"/etc/kubernetes/kubeadm-init.yaml", 0600},
                                               {"/usr/local/bin/magnum-install-kubernetes", 0755},
                                               {"/usr/local/bin/magnum-kubeadm", 0755},
                                               {"/usr/local/bin/magnum-notify", 0755},
                                               {"/etc/sysctl.d/90-kubernetes.conf", 0644},
                                               {"/etc/modules-load.d/kubernetes.conf", 0644}};
  for (const auto& [path, mode] : expected) {
    ASSERT_TRUE(p.files.count(path)) << path;
    EXPECT_EQ(p.files[path].first, mode) << path;
  }
  EXPECT_EQ(p.files["/etc/kubernetes/pki/ca.crt"].second, kCaPem);
  EXPECT_EQ(p.files["/etc/kubernetes/pki/ca.key"].second, kKeyPem);
  EXPECT_EQ(p.files["/etc/kubernetes/pki/apiserver.crt"].second, kCaPem);
  const std::string& init = p.files["/etc/kubernetes/kubeadm-init.yaml"].second;
  EXPECT_NE(init.find("kubernetesVersion: v1.28.4\n"), std::string::npos);
  EXPECT_NE(init.find("controlPlaneEndpoint: 10.0.0.5:6443\n"), std::string::npos);
  EXPECT_NE(init.find("podSubnet: 10.100.0.0/16\n"), std::string::npos);
  EXPECT_NE(init.find("- token: abcdef.0123456789abcdef\n"), std::string::npos);
  const std::string& env = p.files["/etc/magnum/cluster.env"].second;
  EXPECT_NE(env.find("KUBE_TAG=v1.28.4\n"), std::string::npos);
  EXPECT_NE(env.find("NETWORK_DRIVER=flannel\n"), std::string::npos);
  EXPECT_NE(env.find("MAGNUM_ROLE=master\n"), std::string::npos);
  EXPECT_NE(
      p.files["/etc/magnum/secrets.env"].second.find("CERTIFICATE_KEY=" + std::string(64, 'e')),
      std::string::npos);

  for (const char* name : {"magnum-install-kubernetes.service", "kubelet.service",
                           "magnum-kubeadm.service", "magnum-notify.service"}) {
    ASSERT_TRUE(p.units.count(name)) << name;
    EXPECT_EQ(p.units[name]["enabled"], true) << name;
  }
  EXPECT_EQ(p.units["magnum-notify-failure.service"]["enabled"], false);
  EXPECT_NE(
      p.units["magnum-install-kubernetes.service"]["contents"].get<std::string>().find("v1.28.4"),
      std::string::npos);
  std::string notify = p.units["magnum-notify.service"]["contents"];
  EXPECT_NE(
      notify.find("Environment=MAGNUM_WAIT_ENDPOINT=" + Inputs(NodeRole::kMaster).wait_endpoint),
      std::string::npos);
  EXPECT_NE(notify.find("Environment=MAGNUM_WAIT_TOKEN=gAAAAABl-token_x"), std::string::npos);
  EXPECT_NE(notify.find("After=magnum-kubeadm.service"), std::string::npos);
  EXPECT_NE(p.units["magnum-kubeadm.service"]["contents"].get<std::string>().find(
                "OnFailure=magnum-notify-failure.service"),
            std::string::npos);
  // The notify script posts Heat's wait condition body with the token.
  const std::string& script = p.files["/usr/local/bin/magnum-notify"].second;
  EXPECT_NE(script.find("X-Auth-Token: ${MAGNUM_WAIT_TOKEN}"), std::string::npos);
  EXPECT_NE(script.find("\"status\": \"%s\""), std::string::npos);
  EXPECT_FALSE(p.units.count("var-lib-containerd.mount"));
  EXPECT_FALSE(p.config["storage"].contains("filesystems"));
}

TEST(IgnitionTest, WorkerJoinsWithoutControlPlaneSecrets) {
  IgnitionInputs in = Inputs(NodeRole::kWorker);
  in.labels.network_driver = NetworkDriver::kCalico;
  in.container_volume = true;
  Parsed p = Parse(RenderIgnition(in));
  EXPECT_TRUE(p.files.count("/etc/kubernetes/pki/ca.crt"));
  for (const char* secret : {"/etc/kubernetes/pki/ca.key", "/etc/kubernetes/pki/apiserver.key",
                             "/etc/kubernetes/kubeadm-init.yaml"}) {
    EXPECT_FALSE(p.files.count(secret)) << secret;
  }
  const std::string& env = p.files["/etc/magnum/cluster.env"].second;
  EXPECT_NE(env.find("MAGNUM_ROLE=worker\n"), std::string::npos);
  EXPECT_NE(env.find("NETWORK_DRIVER=calico\n"), std::string::npos);
  EXPECT_NE(env.find("KUBE_API_ADDRESS=10.0.0.5\n"), std::string::npos);
  EXPECT_EQ(p.files["/etc/magnum/secrets.env"].second, "BOOTSTRAP_TOKEN=abcdef.0123456789abcdef\n");
  ASSERT_TRUE(p.units.count("var-lib-containerd.mount"));
  EXPECT_EQ(p.units["var-lib-containerd.mount"]["enabled"], true);
  EXPECT_EQ(p.config["storage"]["filesystems"][0]["device"], "/dev/vdb");
  EXPECT_NE(p.files["/usr/local/bin/magnum-kubeadm"].second.find("kubeadm join"),
            std::string::npos);
}

// Nova refuses user data whose base64 is over 65535 bytes: a master's config with 4096-bit
// RSA material (about 3.3 KB of PEM per key) stays well under it.
TEST(IgnitionTest, MasterUserDataFitsNovasLimit) {
  IgnitionInputs in = Inputs(NodeRole::kMaster);
  std::string big_pem =
      "-----BEGIN PRIVATE KEY-----\n" + std::string(3300, 'A') + "\n-----END PRIVATE KEY-----\n";
  in.ca_cert_b64 = in.ca_key_b64 = in.apiserver_cert_b64 = in.apiserver_key_b64 =
      Base64Encode(big_pem);
  size_t encoded = Base64Encode(RenderIgnition(in)).size();
  EXPECT_LT(encoded, 65535u * 3 / 4) << "leave a quarter of Nova's limit free";
}

// The member templates' path: placeholders replaced the way Heat's str_replace does.
TEST(IgnitionTest, TemplatePlaceholdersSubstituteIntoValidIgnition) {
  HeatLabels labels;
  labels.kube_tag = "v1.26.11";
  std::string text = RenderIgnitionTemplate(NodeRole::kMaster, labels, "uuid-1", false);
  IgnitionInputs want = Inputs(NodeRole::kMaster);
  const std::map<std::string_view, std::string> values = {
      {kPlaceholderWaitEndpoint, want.wait_endpoint},
      {kPlaceholderWaitToken, want.wait_token},
      {kPlaceholderApiAddress, "192.168.1.20"},
      {kPlaceholderNodeIndex, "1"},
      {kPlaceholderKubeTag, "v1.26.11"},
      {kPlaceholderBootstrapToken, want.bootstrap_token},
      {kPlaceholderCertificateKey, want.certificate_key},
      {kPlaceholderCaCert, want.ca_cert_b64},
      {kPlaceholderCaKey, want.ca_key_b64},
      {kPlaceholderApiserverCert, want.apiserver_cert_b64},
      {kPlaceholderApiserverKey, want.apiserver_key_b64}};
  for (const auto& [token, value] : values) {
    ASSERT_NE(text.find(token), std::string::npos) << token;
    for (size_t at; (at = text.find(token)) != std::string::npos;) {
      text.replace(at, token.size(), value);
    }
  }
  EXPECT_EQ(text.find("__MAGNUM_"), std::string::npos);
  Parsed p = Parse(text);
  EXPECT_EQ(p.files["/etc/kubernetes/pki/ca.crt"].second, kCaPem);
  EXPECT_EQ(p.files["/etc/kubernetes/pki/apiserver.key"].second, kKeyPem);
  const std::string& env = p.files["/etc/magnum/cluster.env"].second;
  EXPECT_NE(env.find("KUBE_TAG=v1.26.11\n"), std::string::npos);
  EXPECT_NE(env.find("MAGNUM_NODE_INDEX=1\n"), std::string::npos);
  EXPECT_NE(p.files["/etc/kubernetes/kubeadm-init.yaml"].second.find(
                "controlPlaneEndpoint: 192.168.1.20:6443"),
            std::string::npos);
  EXPECT_NE(p.units["magnum-notify.service"]["contents"].get<std::string>().find(want.wait_token),
            std::string::npos);
}

}  // namespace
}  // namespace magnum::drivers::heat
