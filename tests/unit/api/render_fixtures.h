// Stored rows of every column for the rendering tests (render_golden_test.cc): a template,
// a cluster and its nodegroups, with NULLs, non-ASCII text, escapes and a failed
// nodegroup. Test-only.
#pragma once

#include <string>
#include <vector>

#include "magnum/db/record.h"

namespace magnum::api::fixtures {

inline db::Row TemplateRow() {
  db::Row r;
  r.Set("id", int64_t{4});
  r.Set("uuid", std::string("0562d357-8641-4759-8fed-8173f02c9633"));
  r.Set("project_id", std::string("p1"));
  r.Set("user_id", std::string("u1"));
  r.Set("name", std::string("k8s-\xc3\xa9t\xc3\xa9 \"q\"\\"));
  r.Set("image_id", std::string("fedora-coreos"));
  r.Set("flavor_id", std::string("m1.small"));
  r.SetNull("master_flavor_id");
  r.Set("keypair_id", std::string("kp"));
  r.Set("external_network_id", std::string("public"));
  r.SetNull("fixed_network");
  r.SetNull("fixed_subnet");
  r.Set("network_driver", std::string("flannel"));
  r.SetNull("volume_driver");
  r.Set("dns_nameserver", std::string("8.8.8.8"));
  r.Set("apiserver_port", int64_t{6443});
  r.SetNull("docker_volume_size");
  r.Set("docker_storage_driver", std::string("overlay2"));
  r.Set("cluster_distro", std::string("fedora-coreos"));
  r.Set("coe", std::string("kubernetes"));
  r.Set("http_proxy", std::string("http://proxy:3128"));
  r.SetNull("https_proxy");
  r.Set("no_proxy", std::string("localhost,127.0.0.1"));
  r.Set("registry_enabled", false);
  r.Set("labels", std::string(R"({"kube_tag":"v1.29","shared":"template","\u00fc":"\n\t\u0001"})"));
  r.Set("tls_disabled", false);
  r.Set("public", true);
  r.Set("server_type", std::string("vm"));
  r.SetNull("insecure_registry");
  r.Set("master_lb_enabled", false);
  r.Set("floating_ip_enabled", true);
  r.Set("hidden", false);
  r.Set("tags", std::string(""));
  r.Set("driver", std::string("fake"));
  r.Set("created_at", std::string("2026-01-01T10:00:00.123456"));
  r.Set("updated_at", std::string("2026-02-03T04:05:06"));
  return r;
}

inline db::Row ClusterRow(const std::string& status = "CREATE_COMPLETE") {
  db::Row r;
  r.Set("id", int64_t{7});
  r.Set("uuid", std::string("746e779a-751a-456b-a3e9-c883d734946f"));
  r.Set("project_id", std::string("p1"));
  r.Set("user_id", std::string("u1"));
  r.Set("name", std::string("k8s"));
  r.Set("cluster_template_id", std::string("0562d357-8641-4759-8fed-8173f02c9633"));
  r.Set("keypair", std::string("kp"));
  r.Set("docker_volume_size", int64_t{10});
  r.Set("labels", std::string(R"({"extra":"1","kube_tag":"v1.30.1","shared":"mine"})"));
  r.Set("master_flavor_id", std::string("m1.medium"));
  r.Set("flavor_id", std::string("m1.small"));
  r.Set("stack_id", std::string("stack-1"));
  r.Set("api_address", std::string("https://192.0.2.1:6443"));
  r.Set("status", status);
  r.Set("status_reason", std::string("it is \"fine\""));
  r.Set("health_status", std::string("UNHEALTHY"));
  r.Set("health_status_reason", std::string(R"({"api":"ok","node-1.Ready":null})"));
  r.Set("create_timeout", int64_t{60});
  r.SetNull("discovery_url");
  r.Set("ca_cert_ref", std::string("secret-ca"));
  r.Set("magnum_cert_ref", std::string("secret-m"));
  r.SetNull("etcd_ca_cert_ref");
  r.SetNull("front_proxy_ca_cert_ref");
  r.Set("trustee_username", std::string("trustee"));
  r.Set("trustee_password", std::string("secret"));
  r.SetNull("trustee_user_id");
  r.SetNull("trust_id");
  r.Set("coe_version", std::string("v1.30.1"));
  r.SetNull("container_version");
  r.SetNull("fixed_network");
  r.Set("fixed_subnet", std::string("subnet"));
  r.Set("floating_ip_enabled", true);
  r.Set("master_lb_enabled", false);
  r.Set("driver", std::string("fake"));
  r.Set("created_at", std::string("2026-01-01T10:00:00.123456"));
  r.SetNull("updated_at");
  return r;
}

inline db::Row NodeGroupRow(int64_t id, const std::string& name, const std::string& role,
                            int64_t count, const std::string& addresses,
                            const std::string& status, bool with_reason) {
  db::Row r;
  r.Set("id", id);
  r.Set("uuid", "5f3c1b7e-0000-4000-8000-00000000000" + std::to_string(id));
  r.Set("name", name);
  r.Set("cluster_id", std::string("746e779a-751a-456b-a3e9-c883d734946f"));
  r.Set("project_id", std::string("p1"));
  r.Set("docker_volume_size", int64_t{10});
  r.Set("labels", std::string(R"({"kube_tag":"v1.30.1","ng_only":"x","shared":"ng"})"));
  r.Set("flavor_id", std::string("m1.small"));
  r.Set("image_id", std::string("fedora-coreos"));
  r.Set("node_addresses", addresses);
  r.Set("node_count", count);
  if (role == "master") {
    r.SetNull("max_node_count");
  } else {
    r.Set("max_node_count", int64_t{5});
  }
  r.Set("min_node_count", int64_t{0});
  r.Set("role", role);
  r.Set("is_default", name.rfind("default-", 0) == 0);
  r.Set("stack_id", std::string("stack-") + name);
  r.Set("status", status);
  if (with_reason) {
    r.Set("status_reason", std::string("node step failed"));
  } else {
    r.SetNull("status_reason");
  }
  r.SetNull("version");
  if (role == "master") {
    r.SetNull("node_labels");
    r.SetNull("node_taints");
  } else {
    r.Set("node_labels", std::string(R"({"disk":"ssd"})"));
    r.Set("node_taints",
          std::string(R"([{"effect":"NoSchedule","key":"gpu","value":"true"},{"effect":"NoExecute","key":"k2"}])"));
  }
  r.Set("created_at", std::string("2026-01-01T10:00:01.000001"));
  r.Set("updated_at", std::string("2026-01-01T10:05:00.5"));
  return r;
}

inline std::vector<db::Row> NodeGroupRows() {
  return {NodeGroupRow(1, "default-master", "master", 3,
                       R"(["10.0.0.1","10.0.0.2","10.0.0.3"])", "CREATE_COMPLETE", false),
          NodeGroupRow(2, "default-worker", "worker", 2, R"(["10.0.1.1","10.0.1.2"])",
                       "UPDATE_FAILED", true),
          NodeGroupRow(3, "gpu", "gpu-worker", 1, R"(["10.0.2.1"])", "CREATE_FAILED", false),
          NodeGroupRow(4, "broken", "worker", 0, "not json", "CREATE_COMPLETE", false)};
}

}  // namespace magnum::api::fixtures
