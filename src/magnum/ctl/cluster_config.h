// `magnumctl cluster-config`: the credentials of a cluster's own API written to a
// directory (a new key and a client certificate Magnum signs, the cluster's CA; for
// Kubernetes a kubeconfig) and the shell lines that point docker or kubectl at them, as
// `openstack coe cluster config` does. The renderers are pure; the command touches files.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace magnum::ctl {

class Session;
struct ParsedCommand;
struct Environment;

// "export K=V" lines (or "setenv K V" when `csh`), values quoted when they need it.
std::string ShellExports(const std::vector<std::pair<std::string, std::string>>& vars, bool csh);

struct KubeConfigInput {
  std::string cluster_name;
  std::string server;  // the cluster's api_address
  // Either the PEM texts (embedded as *-data) or file paths (with --output-certs).
  std::string ca_pem, cert_pem, key_pem;
  std::string ca_file, cert_file, key_file;
  bool tls_disabled = false;
};
// A kubeconfig with one cluster, one user ("admin") and one context, the current one.
std::string KubeConfigYaml(const KubeConfigInput& in);

// The command; returns the exit code.
int ClusterConfigCommand(Session& session, const ParsedCommand& args, Environment& env);

}  // namespace magnum::ctl
