#include "magnum/drivers/heat/ignition.h"

#include <nlohmann/json.hpp>

#include "magnum/drivers/heat/data_url.h"

namespace magnum::drivers::heat {
namespace {

using Json = nlohmann::ordered_json;

constexpr int kModePublic = 0644;
constexpr int kModeSecret = 0600;
constexpr int kModeExec = 0755;

Json File(const std::string& path, int mode, const std::string& source) {
  return Json{
      {"path", path}, {"mode", mode}, {"overwrite", true}, {"contents", Json{{"source", source}}}};
}

Json TextFile(const std::string& path, int mode, const std::string& text) {
  return File(path, mode, PercentDataUrl(text));
}

Json Unit(const std::string& name, bool enabled, const std::string& contents) {
  return Json{{"name", name}, {"enabled", enabled}, {"contents", contents}};
}

std::string ClusterEnv(const IgnitionInputs& in) {
  const HeatLabels& l = in.labels;
  std::string env;
  auto kv = [&env](std::string_view k, std::string_view v) {
    env += std::string(k) + "=" + std::string(v) + "\n";
  };
  kv("MAGNUM_CLUSTER_UUID", in.cluster_uuid);
  kv("MAGNUM_ROLE", in.role == NodeRole::kMaster ? "master" : "worker");
  kv("MAGNUM_NODE_INDEX", in.node_index);
  kv("KUBE_TAG", l.kube_tag);
  kv("KUBE_API_ADDRESS", in.api_address);
  kv("KUBE_API_PORT", std::to_string(in.api_port));
  kv("NETWORK_DRIVER", NetworkDriverName(l.network_driver));
  kv("FLANNEL_BACKEND", l.flannel_backend);
  kv("FLANNEL_TAG", l.flannel_tag);
  kv("CALICO_TAG", l.calico_tag);
  kv("POD_CIDR", l.pod_cidr);
  kv("SERVICE_CIDR", l.service_cidr);
  kv("CONTAINER_RUNTIME", l.container_runtime);
  kv("SELINUX_MODE", l.selinux_mode);
  kv("KUBELET_EXTRA_ARGS", "\"" + l.kubelet_options + "\"");
  return env;
}

// Downloads the release binaries of KUBE_TAG and prepares the host (both roles).
constexpr std::string_view kInstallScript = R"sh(#!/bin/bash
# Installs Kubernetes ${KUBE_TAG} (kubeadm, kubelet, kubectl) and the CNI plugins.
set -euo pipefail
. /etc/magnum/cluster.env
arch=amd64
mkdir -p /opt/bin /opt/cni/bin
for bin in kubeadm kubelet kubectl; do
  if ! /opt/bin/$bin version --client >/dev/null 2>&1 || [ ! -f /opt/bin/.$bin-$KUBE_TAG ]; then
    curl -fsSL --retry 10 -o /opt/bin/$bin "https://dl.k8s.io/release/${KUBE_TAG}/bin/linux/${arch}/${bin}"
    chmod 0755 /opt/bin/$bin
    touch /opt/bin/.$bin-$KUBE_TAG
  fi
done
if [ ! -x /opt/cni/bin/bridge ]; then
  curl -fsSL --retry 10 "https://github.com/containernetworking/plugins/releases/download/v1.4.0/cni-plugins-linux-${arch}-v1.4.0.tgz" | tar -xz -C /opt/cni/bin
fi
case "$SELINUX_MODE" in
  enforcing) setenforce 1 || true ;;
  permissive|disabled) setenforce 0 || true ;;
esac
modprobe br_netfilter
modprobe overlay
sysctl --system
systemctl enable --now containerd.service
)sh";

// Runs kubeadm: init on master 0, join (control plane or worker) elsewhere.
constexpr std::string_view kKubeadmScript = R"sh(#!/bin/bash
set -euo pipefail
. /etc/magnum/cluster.env
. /etc/magnum/secrets.env
export PATH=/opt/bin:$PATH
[ -f /etc/kubernetes/kubelet.conf ] && exit 0
endpoint="${KUBE_API_ADDRESS}:${KUBE_API_PORT}"
hash=$(openssl x509 -pubkey -noout -in /etc/kubernetes/pki/ca.crt |
       openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)
if [ "$MAGNUM_ROLE" = master ] && [ "$MAGNUM_NODE_INDEX" = 0 ]; then
  kubeadm init --config /etc/kubernetes/kubeadm-init.yaml --upload-certs
  export KUBECONFIG=/etc/kubernetes/admin.conf
  if [ "$NETWORK_DRIVER" = calico ]; then
    kubectl apply -f "https://raw.githubusercontent.com/projectcalico/calico/${CALICO_TAG}/manifests/calico.yaml"
  else
    curl -fsSL --retry 10 "https://github.com/flannel-io/flannel/releases/download/${FLANNEL_TAG}/kube-flannel.yml" |
      sed -e "s#10.244.0.0/16#${POD_CIDR}#" -e "s#\"vxlan\"#\"${FLANNEL_BACKEND}\"#" | kubectl apply -f -
  fi
elif [ "$MAGNUM_ROLE" = master ]; then
  until kubeadm join "$endpoint" --token "$BOOTSTRAP_TOKEN" \
      --discovery-token-ca-cert-hash "sha256:$hash" \
      --control-plane --certificate-key "$CERTIFICATE_KEY"; do
    kubeadm reset -f; sleep 10
  done
else
  until kubeadm join "$endpoint" --token "$BOOTSTRAP_TOKEN" \
      --discovery-token-ca-cert-hash "sha256:$hash"; do
    kubeadm reset -f; sleep 10
  done
fi
)sh";

// Signals the node's Heat wait condition: SUCCESS or FAILURE ($1).
constexpr std::string_view kNotifyScript = R"sh(#!/bin/bash
set -eu
status="$1"
host=$(hostname)
reason="kubernetes node $host: $status"
[ "$status" = SUCCESS ] || reason="$reason ($(systemctl show -p Result --value magnum-kubeadm.service))"
body=$(printf '{"status": "%s", "reason": "%s", "data": "%s", "id": "%s"}' \
       "$status" "$reason" "$host" "$host")
curl -fsS --retry 20 --retry-all-errors -X POST \
  -H "X-Auth-Token: ${MAGNUM_WAIT_TOKEN}" -H 'Content-Type: application/json' \
  -H 'Accept: application/json' --data "$body" "${MAGNUM_WAIT_ENDPOINT}"
)sh";

std::string KubeadmInitConfig(const IgnitionInputs& in) {
  const HeatLabels& l = in.labels;
  std::string endpoint = in.api_address + ":" + std::to_string(in.api_port);
  return "apiVersion: kubeadm.k8s.io/v1beta3\n"
         "kind: InitConfiguration\n"
         "bootstrapTokens:\n"
         "- token: " +
         in.bootstrap_token +
         "\n"
         "  ttl: 0s\n"
         "certificateKey: " +
         in.certificate_key +
         "\n"
         "nodeRegistration:\n"
         "  criSocket: unix:///run/containerd/containerd.sock\n"
         "---\n"
         "apiVersion: kubeadm.k8s.io/v1beta3\n"
         "kind: ClusterConfiguration\n"
         "kubernetesVersion: " +
         l.kube_tag +
         "\n"
         "clusterName: " +
         in.cluster_uuid +
         "\n"
         "controlPlaneEndpoint: " +
         endpoint +
         "\n"
         "apiServer:\n"
         "  certSANs:\n"
         "  - " +
         in.api_address +
         "\n"
         "networking:\n"
         "  podSubnet: " +
         l.pod_cidr +
         "\n"
         "  serviceSubnet: " +
         l.service_cidr +
         "\n"
         "---\n"
         "apiVersion: kubelet.config.k8s.io/v1beta1\n"
         "kind: KubeletConfiguration\n"
         "cgroupDriver: systemd\n";
}

constexpr std::string_view kKubeletUnit = R"sh([Unit]
Description=kubelet: the Kubernetes node agent
Wants=network-online.target containerd.service
After=network-online.target containerd.service magnum-install-kubernetes.service

[Service]
EnvironmentFile=/etc/magnum/cluster.env
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
ExecStart=/opt/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
Restart=always
RestartSec=10

[Install]
WantedBy=multi-user.target
)sh";

std::string OneShot(std::string_view description, std::string_view after, std::string_view exec,
                    std::string_view extra_unit) {
  return "[Unit]\nDescription=" + std::string(description) +
         "\nWants=network-online.target\nAfter=network-online.target " + std::string(after) + "\n" +
         std::string(extra_unit) +
         "\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=" + std::string(exec) +
         "\n\n[Install]\nWantedBy=multi-user.target\n";
}

std::string NotifyUnit(std::string_view status, const IgnitionInputs& in) {
  bool ok = status == "SUCCESS";
  return "[Unit]\nDescription=Report " + std::string(status) + " to the Heat wait condition\n" +
         (ok ? "Requires=magnum-kubeadm.service\nAfter=magnum-kubeadm.service\n" : "") +
         "\n[Service]\nType=oneshot\nRemainAfterExit=yes\n"
         "Environment=MAGNUM_WAIT_ENDPOINT=" +
         in.wait_endpoint + "\n" + "Environment=MAGNUM_WAIT_TOKEN=" + in.wait_token + "\n" +
         "ExecStart=/usr/local/bin/magnum-notify " + std::string(status) + "\n" +
         (ok ? "\n[Install]\nWantedBy=multi-user.target\n" : "");
}

}  // namespace

std::string RenderIgnition(const IgnitionInputs& in) {
  bool master = in.role == NodeRole::kMaster;
  Json files = Json::array();
  files.push_back(TextFile("/etc/magnum/cluster.env", kModePublic, ClusterEnv(in)));
  files.push_back(TextFile("/etc/magnum/secrets.env", kModeSecret,
                           "BOOTSTRAP_TOKEN=" + in.bootstrap_token + "\n" +
                               (master ? "CERTIFICATE_KEY=" + in.certificate_key + "\n" : "")));
  files.push_back(
      File("/etc/kubernetes/pki/ca.crt", kModePublic, "data:;base64," + in.ca_cert_b64));
  if (master) {
    files.push_back(
        File("/etc/kubernetes/pki/ca.key", kModeSecret, "data:;base64," + in.ca_key_b64));
    if (!in.apiserver_cert_b64.empty()) {
      files.push_back(File("/etc/kubernetes/pki/apiserver.crt", kModePublic,
                           "data:;base64," + in.apiserver_cert_b64));
      files.push_back(File("/etc/kubernetes/pki/apiserver.key", kModeSecret,
                           "data:;base64," + in.apiserver_key_b64));
    }
    files.push_back(
        TextFile("/etc/kubernetes/kubeadm-init.yaml", kModeSecret, KubeadmInitConfig(in)));
  }
  files.push_back(TextFile("/etc/sysctl.d/90-kubernetes.conf", kModePublic,
                           "net.bridge.bridge-nf-call-iptables = 1\n"
                           "net.bridge.bridge-nf-call-ip6tables = 1\n"
                           "net.ipv4.ip_forward = 1\n"));
  files.push_back(
      TextFile("/etc/modules-load.d/kubernetes.conf", kModePublic, "br_netfilter\noverlay\n"));
  files.push_back(
      TextFile("/usr/local/bin/magnum-install-kubernetes", kModeExec, std::string(kInstallScript)));
  files.push_back(
      TextFile("/usr/local/bin/magnum-kubeadm", kModeExec, std::string(kKubeadmScript)));
  files.push_back(TextFile("/usr/local/bin/magnum-notify", kModeExec, std::string(kNotifyScript)));

  Json units = Json::array();
  if (in.container_volume) {
    // The Cinder volume is the server's second disk.
    units.push_back(Unit("var-lib-containerd.mount", true,
                         "[Unit]\nDescription=Container storage on the Cinder volume\n"
                         "Before=containerd.service\n\n[Mount]\nWhat=/dev/vdb\n"
                         "Where=/var/lib/containerd\nType=xfs\n\n"
                         "[Install]\nRequiredBy=containerd.service\n"));
  }
  units.push_back(Unit("magnum-install-kubernetes.service", true,
                       OneShot("Install Kubernetes " + in.labels.kube_tag, "",
                               "/usr/local/bin/magnum-install-kubernetes",
                               "OnFailure=magnum-notify-failure.service")));
  units.push_back(Unit("kubelet.service", true, std::string(kKubeletUnit)));
  units.push_back(Unit(
      "magnum-kubeadm.service", true,
      OneShot(master ? "kubeadm init or join as a control-plane node" : "kubeadm join as a worker",
              "magnum-install-kubernetes.service", "/usr/local/bin/magnum-kubeadm",
              "Requires=magnum-install-kubernetes.service\n"
              "OnFailure=magnum-notify-failure.service")));
  units.push_back(Unit("magnum-notify.service", true, NotifyUnit("SUCCESS", in)));
  units.push_back(Unit("magnum-notify-failure.service", false, NotifyUnit("FAILURE", in)));

  Json storage = Json{{"files", files}};
  if (in.container_volume) {
    storage["filesystems"] = Json::array({Json{{"device", "/dev/vdb"},
                                               {"format", "xfs"},
                                               {"wipeFilesystem", false},
                                               {"label", "containerd"}}});
  }
  Json config = Json{{"ignition", Json{{"version", std::string(kIgnitionVersion)}}},
                     {"storage", storage},
                     {"systemd", Json{{"units", units}}}};
  return config.dump();
}

std::string RenderIgnitionTemplate(NodeRole role, const HeatLabels& labels,
                                   const std::string& cluster_uuid, bool container_volume) {
  IgnitionInputs in;
  in.role = role;
  in.labels = labels;
  in.labels.kube_tag = std::string(kPlaceholderKubeTag);
  in.cluster_uuid = cluster_uuid;
  in.api_address = std::string(kPlaceholderApiAddress);
  in.node_index = std::string(kPlaceholderNodeIndex);
  in.bootstrap_token = std::string(kPlaceholderBootstrapToken);
  in.certificate_key = std::string(kPlaceholderCertificateKey);
  in.ca_cert_b64 = std::string(kPlaceholderCaCert);
  in.ca_key_b64 = std::string(kPlaceholderCaKey);
  in.apiserver_cert_b64 = std::string(kPlaceholderApiserverCert);
  in.apiserver_key_b64 = std::string(kPlaceholderApiserverKey);
  in.wait_endpoint = std::string(kPlaceholderWaitEndpoint);
  in.wait_token = std::string(kPlaceholderWaitToken);
  in.container_volume = container_volume;
  return RenderIgnition(in);
}

}  // namespace magnum::drivers::heat
