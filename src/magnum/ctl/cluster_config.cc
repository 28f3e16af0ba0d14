#include "magnum/ctl/cluster_config.h"

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>
#include <ostream>

#include "magnum/certs/x509.h"
#include "magnum/common/strings.h"
#include "magnum/ctl/ctl.h"
#include "magnum/ctl/session.h"

namespace magnum::ctl {
namespace {

using Json = nlohmann::json;

std::string ShellQuote(const std::string& v) {
  bool plain = !v.empty() && v.find_first_not_of(
                                 "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq"
                                 "rstuvwxyz0123456789_-.,/:=+@%") == std::string::npos;
  if (plain) return v;
  std::string out = "'";
  for (char ch : v) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

std::string FieldText(const Json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// Writes `content` to `path` with `mode`; refuses to replace a file unless `force`.
Result<void> WriteFile(const std::string& path, const std::string& content, mode_t mode,
                       bool force) {
  int flags = O_WRONLY | O_CREAT | O_TRUNC | (force ? 0 : O_EXCL);
  int fd = ::open(path.c_str(), flags, mode);
  if (fd < 0) {
    if (errno == EEXIST) {
      return Fail(Error::AlreadyExists(path + " exists; pass --force to overwrite it"));
    }
    return Fail(Error::InvalidArgument("cannot write " + path + ": " + std::strerror(errno)));
  }
  size_t done = 0;
  while (done < content.size()) {
    ssize_t n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      return Fail(Error::InvalidArgument("cannot write " + path + ": " + std::strerror(e)));
    }
    done += static_cast<size_t>(n);
  }
  ::fchmod(fd, mode);  // also when it existed (forced)
  if (::close(fd) != 0) {
    return Fail(Error::InvalidArgument("cannot write " + path + ": " + std::strerror(errno)));
  }
  return {};
}

int Report(Environment& env, const std::string& message) {
  *env.err << "ERROR: " << message << "\n";
  return 1;
}

}  // namespace

std::string ShellExports(const std::vector<std::pair<std::string, std::string>>& vars, bool csh) {
  std::string out;
  for (const auto& [k, v] : vars) {
    out += csh ? "setenv " + k + " " + ShellQuote(v) + "\n"
               : "export " + k + "=" + ShellQuote(v) + "\n";
  }
  return out;
}

std::string KubeConfigYaml(const KubeConfigInput& in) {
  auto q = [](const std::string& s) { return Json(s).dump(); };  // JSON strings are YAML
  std::string y = "apiVersion: v1\nclusters:\n- cluster:\n";
  if (!in.tls_disabled) {
    if (!in.ca_file.empty()) {
      y += "    certificate-authority: " + q(in.ca_file) + "\n";
    } else {
      y += "    certificate-authority-data: " + Base64Encode(in.ca_pem) + "\n";
    }
  }
  y += "    server: " + q(in.server) + "\n  name: " + q(in.cluster_name) + "\n";
  y += "contexts:\n- context:\n    cluster: " + q(in.cluster_name) +
       "\n    user: admin\n  name: default\ncurrent-context: default\nkind: Config\n"
       "preferences: {}\nusers:\n- name: admin\n  user:";
  if (in.tls_disabled) return y + " {}\n";
  y += "\n";
  if (!in.cert_file.empty()) {
    y +=
        "    client-certificate: " + q(in.cert_file) + "\n    client-key: " + q(in.key_file) + "\n";
  } else {
    y += "    client-certificate-data: " + Base64Encode(in.cert_pem) +
         "\n    client-key-data: " + Base64Encode(in.key_pem) + "\n";
  }
  return y;
}

int ClusterConfigCommand(Session& session, const ParsedCommand& args, Environment& env) {
  const std::string ident = args.positionals[0];
  auto cbody = session.Expect("GET", "/clusters/" + UrlEncode(ident));
  if (!cbody) return Report(env, cbody.error().message());
  Json cluster = Json::parse(*cbody, nullptr, false);
  if (cluster.is_discarded()) return Report(env, "the server's answer is not JSON");
  const std::string status = FieldText(cluster, "status");
  static const char* kUsable[] = {"CREATE_COMPLETE", "UPDATE_COMPLETE", "UPDATE_IN_PROGRESS",
                                  "UPDATE_FAILED", "ROLLBACK_COMPLETE"};
  if (std::find(std::begin(kUsable), std::end(kUsable), status) == std::end(kUsable)) {
    return Report(env, "cluster " + ident + " is " + status +
                           ": its configuration exists once it is CREATE_COMPLETE");
  }
  const std::string uuid = FieldText(cluster, "uuid");
  const std::string name = FieldText(cluster, "name").empty() ? uuid : FieldText(cluster, "name");
  const std::string api_address = FieldText(cluster, "api_address");
  auto tbody =
      session.Expect("GET", "/clustertemplates/" + UrlEncode(FieldText(cluster, "cluster_template_id")));
  if (!tbody) return Report(env, tbody.error().message());
  Json tmpl = Json::parse(*tbody, nullptr, false);
  if (tmpl.is_discarded()) return Report(env, "the server's answer is not JSON");
  const std::string coe = FieldText(tmpl, "coe");
  const bool tls_disabled = tmpl.value("tls_disabled", false);
  if (coe != "kubernetes" && coe != "swarm" && coe != "swarm-mode") {
    return Report(env,
                  "cluster-config supports kubernetes, swarm and swarm-mode clusters, not " + coe);
  }
  std::string dir = args.Value("--dir").value_or(".");
  ::mkdir(dir.c_str(), 0700);  // an existing one is fine
  char resolved[PATH_MAX];
  if (::realpath(dir.c_str(), resolved) == nullptr) {
    return Report(env, "cannot use directory " + dir + ": " + std::strerror(errno));
  }
  dir = resolved;
  const bool force = args.Has("--force");
  std::string shell = args.Value("--shell").value_or(env.env("SHELL").value_or(""));
  const bool csh = shell.size() >= 3 && shell.compare(shell.size() - 3, 3, "csh") == 0;

  std::string ca_pem, cert_pem, key_pem;
  if (!tls_disabled) {
    auto key = certs::GeneratePrivateKey(2048);
    if (!key) return Report(env, key.error().message());
    certs::CsrOptions options;
    if (coe == "kubernetes") options.subject_prefix = {{"O", "system:masters"}};
    auto csr = certs::GenerateCsr("admin", *key, options);
    if (!csr) return Report(env, csr.error().message());
    auto signed_body = session.Expect("POST", "/certificates",
                                      Json({{"cluster_uuid", uuid}, {"csr", *csr}}).dump());
    if (!signed_body) return Report(env, signed_body.error().message());
    auto ca_body = session.Expect("GET", "/certificates/" + uuid);
    if (!ca_body) return Report(env, ca_body.error().message());
    Json s = Json::parse(*signed_body, nullptr, false);
    Json ca = Json::parse(*ca_body, nullptr, false);
    if (s.is_discarded() || ca.is_discarded())
      return Report(env, "the server's answer is not JSON");
    cert_pem = FieldText(s, "pem");
    ca_pem = FieldText(ca, "pem");
    key_pem = *key;
    for (std::string* pem : {&cert_pem, &ca_pem, &key_pem}) {
      if (!pem->empty() && pem->back() != '\n') *pem += "\n";
    }
  }
  auto write = [&](const std::string& file, const std::string& content, mode_t mode) {
    return WriteFile(dir + "/" + file, content, mode, force);
  };
  const bool certs_files = !tls_disabled && (coe != "kubernetes" || args.Has("--output-certs"));
  if (certs_files) {
    for (auto [file, content, mode] :
         {std::tuple{"ca.pem", &ca_pem, 0644}, std::tuple{"key.pem", &key_pem, 0600},
          std::tuple{"cert.pem", &cert_pem, 0644}}) {
      auto r = write(file, *content, static_cast<mode_t>(mode));
      if (!r) return Report(env, r.error().message());
    }
  }
  if (coe == "kubernetes") {
    KubeConfigInput in;
    in.cluster_name = name;
    in.server = api_address;
    in.tls_disabled = tls_disabled;
    if (certs_files) {
      in.ca_file = dir + "/ca.pem";
      in.cert_file = dir + "/cert.pem";
      in.key_file = dir + "/key.pem";
    } else {
      in.ca_pem = ca_pem;
      in.cert_pem = cert_pem;
      in.key_pem = key_pem;
    }
    auto r = write("config", KubeConfigYaml(in), 0600);
    if (!r) return Report(env, r.error().message());
    *env.out << ShellExports({{"KUBECONFIG", dir + "/config"}}, csh);
    return 0;
  }
  std::vector<std::pair<std::string, std::string>> vars = {{"DOCKER_HOST", api_address}};
  if (!tls_disabled) {
    vars.emplace_back("DOCKER_CERT_PATH", dir);
    vars.emplace_back("DOCKER_TLS_VERIFY", "True");
  }
  *env.out << ShellExports(vars, csh);
  return 0;
}

}  // namespace magnum::ctl
