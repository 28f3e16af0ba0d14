// The stack parameters of the k8s_fedora_coreos_v1 driver (k8s_fedora_coreos_internal.h):
// the create request of a cluster or nodegroup stack (rendered by drivers/heat/hot.h, with
// the [cluster_heat] extra files), the parameters of an update (resize, upgrade, CA
// rotation), and the node secrets, derived from the cluster's CA so that every call (and
// every conductor) computes the same ones without storing them.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <utility>

#include "magnum/common/strings.h"
#include "magnum/drivers/k8s_fedora_coreos/k8s_fedora_coreos_internal.h"

namespace magnum::drivers::k8s::internal {
namespace {

// HMAC-SHA256(key, data).
std::string Hmac(const std::string& key, const std::string& data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  HMAC(EVP_sha256(), key.data(), int(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &n);
  return std::string(reinterpret_cast<char*>(out), n);
}

}  // namespace

Result<heat::ClusterStackSpec> Run::Spec(const TemplateState* tmpl) {
  ClusterState c = c_;
  if (tmpl) c.cluster_template = *tmpl;
  const TemplateState& t = c.cluster_template;
  const std::string fixed_network = c.fixed_network.empty() ? t.fixed_network : c.fixed_network;
  const std::string fixed_subnet = c.fixed_subnet.empty() ? t.fixed_subnet : c.fixed_subnet;
  return heat::MakeClusterStackSpec(c, fixed_network, fixed_subnet, t.external_network_id);
}

Result<heat::NodeSecrets> Run::Secrets(bool master) {
  if (secrets_ && (!master || !secrets_->apiserver_cert_pem.empty())) return *secrets_;
  MAGNUM_ASSIGN_OR_RETURN(IssuedCertificate ca, op_.ClusterCa());
  heat::NodeSecrets s;
  s.ca_cert_pem = ca.certificate_pem;
  s.ca_key_pem = ca.private_key_pem;
  s.bootstrap_token =
      heat::MakeBootstrapToken(Hmac(ca.private_key_pem, "magnum bootstrap token " + c_.uuid));
  s.certificate_key =
      heat::MakeCertificateKey(Hmac(ca.private_key_pem, "magnum certificate key " + c_.uuid));
  if (master) {
    MAGNUM_ASSIGN_OR_RETURN(heat::ClusterStackSpec spec, Spec());
    // The service network's first address is the in-cluster API address.
    std::string service_ip = spec.labels.service_cidr.substr(0, spec.labels.service_cidr.find('/'));
    if (auto dot = service_ip.rfind('.'); dot != std::string::npos) {
      service_ip = service_ip.substr(0, dot + 1) + "1";
    }
    MAGNUM_ASSIGN_OR_RETURN(
        IssuedCertificate api,
        op_.IssueServerCertificate("kube-apiserver",
                                   {"kubernetes", "kubernetes.default", "kubernetes.default.svc",
                                    "kubernetes.default.svc.cluster.local", "localhost"},
                                   {"127.0.0.1", service_ip}));
    s.apiserver_cert_pem = api.certificate_pem;
    s.apiserver_key_pem = api.private_key_pem;
  }
  secrets_ = s;
  return s;
}

Result<clients::HeatCreateRequest> Run::CreateRequest(const std::string& key) {
  MAGNUM_ASSIGN_OR_RETURN(heat::ClusterStackSpec spec, Spec());
  clients::HeatCreateRequest req;
  req.name = Ref(key).name;
  heat::RenderedStack rendered;
  if (key == kClusterKey) {
    MAGNUM_ASSIGN_OR_RETURN(rendered, heat::RenderClusterStack(spec));
    MAGNUM_ASSIGN_OR_RETURN(heat::NodeSecrets secrets, Secrets(true));
    MAGNUM_ASSIGN_OR_RETURN(req.parameters, heat::ClusterStackParameters(spec, c_, secrets));
  } else {
    MAGNUM_ASSIGN_OR_RETURN(const NodeGroupState* ng, RequireNodeGroup(key));
    // A nodegroup added later runs the version the cluster runs now (after an upgrade the
    // cluster's own labels still carry the kube_tag of its create).
    if (spec_.kind == OperationKind::kNodeGroupCreate && !c_.coe_version.empty()) {
      auto current = heat::ParseLabels({{"kube_tag", c_.coe_version}});
      if (current) spec.labels.kube_tag = current->kube_tag;
    }
    MAGNUM_ASSIGN_OR_RETURN(rendered, heat::RenderNodeGroupStack(spec));
    MAGNUM_ASSIGN_OR_RETURN(heat::NodeSecrets secrets, Secrets(false));
    MAGNUM_ASSIGN_OR_RETURN(heat::ClusterStackOutputs outputs, ClusterOutputs());
    MAGNUM_ASSIGN_OR_RETURN(req.parameters,
                            heat::NodeGroupStackParameters(spec, c_, *ng, outputs, secrets));
  }
  req.template_json = std::move(rendered.template_json);
  req.files = std::move(rendered.files);
  for (const auto& [name, text] : opt_.environment_files) {
    req.files[name] = text;
    req.environment_files.push_back(name);
  }
  for (const auto& [name, text] : opt_.template_files) req.files[name] = text;
  req.timeout_mins = int(std::max<int64_t>(c_.create_timeout_minutes, 0));
  req.disable_rollback = true;
  return req;
}

Result<heat::StackParameters> Run::UpdateParameters(const std::string& key) {
  heat::StackParameters p;
  const NodeGroupState* ng = nullptr;  // null: the cluster stack
  if (key != kClusterKey) {
    MAGNUM_ASSIGN_OR_RETURN(ng, RequireNodeGroup(key));
  }
  switch (spec_.kind) {
    case OperationKind::kUpgrade: {
      MAGNUM_ASSIGN_OR_RETURN(heat::ClusterStackSpec target, Spec(&spec_.target));
      // The target template's kube_tag wins over the one the cluster's labels carry from
      // its create (what an upgrade is for).
      if (spec_.target.labels.count("kube_tag")) {
        MAGNUM_ASSIGN_OR_RETURN(heat::HeatLabels own, heat::ParseLabels(spec_.target.labels));
        target.labels.kube_tag = own.kube_tag;
      }
      p["kube_tag"] = target.labels.kube_tag;
      p["update_max_batch_size"] = std::to_string(std::max<int64_t>(spec_.max_batch_size, 1));
      const std::string& old_image = c_.cluster_template.image_id;
      if (!spec_.target.image_id.empty() && spec_.target.image_id != old_image) {
        if (!ng) {
          p["master_image"] = spec_.target.image_id;
        } else if (ng->image_id.empty() || ng->image_id == old_image) {
          p["image"] = spec_.target.image_id;
        }
      }
      break;
    }
    case OperationKind::kRotateCa: {
      MAGNUM_ASSIGN_OR_RETURN(heat::NodeSecrets s, Secrets(ng == nullptr));
      p["ca_cert_b64"] = Base64Encode(s.ca_cert_pem);
      p["bootstrap_token"] = s.bootstrap_token;
      if (!ng) {
        p["ca_key_b64"] = Base64Encode(s.ca_key_pem);
        p["apiserver_cert_b64"] = Base64Encode(s.apiserver_cert_pem);
        p["apiserver_key_b64"] = Base64Encode(s.apiserver_key_pem);
        p["certificate_key"] = s.certificate_key;
      }
      break;
    }
    default: {  // resize
      if (!ng) {
        p["master_count"] = std::to_string(std::max<int64_t>(c_.MasterCount(), 1));
      } else {
        p["node_count"] = std::to_string(ng->node_count);
        MAGNUM_ASSIGN_OR_RETURN(p[heat::kNodesToRemoveParam],
                                heat::NodesToRemoveValue(spec_.nodes_to_remove));
      }
      break;
    }
  }
  return p;
}

}  // namespace magnum::drivers::k8s::internal
