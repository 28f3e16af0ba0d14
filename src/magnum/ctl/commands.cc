// The commands of magnumctl: the grammar (Commands(), GlobalOptions()) and what each does
// over the Session. Everything JSON stays in this file.
#include <algorithm>
#include <cctype>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>

#include "magnum/ctl/cluster_config.h"
#include "magnum/ctl/ctl.h"
#include "magnum/ctl/output.h"
#include "magnum/ctl/progress.h"
#include "magnum/ctl/session.h"

namespace magnum::ctl {
namespace {

using Json = nlohmann::json;

// Bays and baymodels exist only below microversion 1.11.
constexpr const char* kLegacyVersion = "1.10";

// --- grammar ----------------------------------------------------------------------------

OptionSpec Flag(std::string name, std::string help, std::vector<std::string> aliases = {}) {
  return OptionSpec{std::move(name), "", std::move(help), false, std::move(aliases)};
}
OptionSpec Opt(std::string name, std::string metavar, std::string help,
               std::vector<std::string> aliases = {}) {
  return OptionSpec{std::move(name), std::move(metavar), std::move(help), false,
                    std::move(aliases)};
}
OptionSpec Multi(std::string name, std::string metavar, std::string help) {
  return OptionSpec{std::move(name), std::move(metavar), std::move(help), true, {}};
}
PositionalSpec Pos(std::string name) { return {std::move(name), true, false}; }
PositionalSpec OptPos(std::string name) { return {std::move(name), false, false}; }
PositionalSpec Many(std::string name) { return {std::move(name), true, true}; }

OptionSpec WaitOpt() {
  return Flag("--wait", "wait for the operation to finish, showing its progress on stderr");
}

std::vector<OptionSpec> ListOptions() {
  return {Opt("--limit", "<limit>", "at most this many items (default: all)"),
          Opt("--sort-key", "<key>", "sort by this field"),
          Opt("--sort-dir", "<asc|desc>", "sort direction")};
}

std::vector<OptionSpec> TemplateCreateOptions() {
  return {
      Opt("--name", "<name>", "the template's name (or give it as the argument)"),
      Opt("--coe", "<coe>", "kubernetes, swarm, swarm-mode or mesos"),
      Opt("--image", "<image>", "the nodes' image (name or id)", {"--image-id"}),
      Opt("--keypair", "<keypair>", "Nova keypair", {"--keypair-id"}),
      Opt("--external-network", "<network>", "external network", {"--external-network-id"}),
      Opt("--fixed-network", "<network>", "private network"),
      Opt("--fixed-subnet", "<subnet>", "private subnet"),
      Opt("--network-driver", "<driver>", "network driver"),
      Opt("--volume-driver", "<driver>", "volume driver"),
      Opt("--dns-nameserver", "<ip>", "DNS server for the nodes"),
      Opt("--flavor", "<flavor>", "the workers' flavor", {"--flavor-id"}),
      Opt("--master-flavor", "<flavor>", "the masters' flavor", {"--master-flavor-id"}),
      Opt("--docker-volume-size", "<GB>", "Docker volume size"),
      Opt("--docker-storage-driver", "<driver>", "Docker storage driver"),
      Opt("--http-proxy", "<url>", "HTTP proxy for the nodes"),
      Opt("--https-proxy", "<url>", "HTTPS proxy for the nodes"),
      Opt("--no-proxy", "<hosts>", "hosts without proxy"),
      Multi("--labels", "<KEY1=VALUE1,KEY2=VALUE2>", "labels"),
      Opt("--server-type", "<type>", "vm, bm or container"),
      Opt("--insecure-registry", "<url>", "insecure registry"),
      Opt("--tags", "<tags>", "tags"),
      Flag("--tls-disabled", "no TLS on the cluster's API"),
      Flag("--public", "visible to every project"),
      Flag("--registry-enabled", "a Docker registry on the cluster"),
      Flag("--master-lb-enabled", "a load balancer in front of the masters"),
      Flag("--floating-ip-enabled", "floating IPs for the nodes"),
      Flag("--floating-ip-disabled", "no floating IPs"),
      Flag("--hidden", "hidden from non-admin listings"),
  };
}

std::vector<OptionSpec> UpdateOptions(bool rollback, bool wait) {
  std::vector<OptionSpec> o;
  if (rollback) o.push_back(Flag("--rollback", "roll back on failure"));
  if (wait) o.push_back(WaitOpt());
  return o;
}

const std::vector<OptionSpec>& BuildGlobals() {
  static const std::vector<OptionSpec> kGlobals = [] {
    std::vector<OptionSpec> g;
    g.push_back(Opt("--format", "<table|json|yaml>", "output format (default: table)", {"-f"}));
    g.push_back(Multi("--column", "<field>", "show only this field or column"));
    g.back().aliases = {"-c"};
    g.push_back(Opt("--os-cloud", "<cloud>", "the clouds.yaml entry to use (env OS_CLOUD)"));
    for (const auto& s : SettingSources()) {
      std::string env = s.env.empty() ? "" : " (env " + s.env.front() + ")";
      std::vector<std::string> aliases;
      if (s.option == "--os-endpoint-override") aliases = {"--os-endpoint", "--bypass-url"};
      std::string bare = s.option.substr(2);
      if (bare.rfind("os-", 0) == 0) bare = bare.substr(3);
      std::string metavar = "<" + bare + ">";
      g.push_back(Opt(s.option, metavar, s.help + env, aliases));
    }
    g.push_back(Flag("--insecure", "do not verify TLS certificates (env OS_INSECURE)"));
    g.push_back(Opt("--wait-interval", "<seconds>", "--wait: seconds between polls (default 1)"));
    g.push_back(Opt("--wait-timeout", "<seconds>", "--wait: give up after (default 3600)"));
    g.push_back(Flag("--help", "show help", {"-h"}));
    g.push_back(Flag("--version", "show the version"));
    return g;
  }();
  return kGlobals;
}

std::vector<CommandSpec> BuildCommands() {
  std::vector<CommandSpec> c;
  auto add = [&](std::string name, std::string help, std::vector<PositionalSpec> pos,
                 std::vector<OptionSpec> opts = {}) {
    c.push_back({std::move(name), std::move(help), std::move(pos), std::move(opts)});
  };
  auto with = [](std::vector<OptionSpec> a, std::vector<OptionSpec> b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
  };
  // Cluster templates and their legacy alias.
  add("cluster-template-create", "Create a cluster template.", {OptPos("<name>")},
      TemplateCreateOptions());
  add("cluster-template-delete", "Delete cluster templates.", {Many("<template>")});
  add("cluster-template-list", "List cluster templates.", {}, ListOptions());
  add("cluster-template-show", "Show a cluster template.", {Pos("<template>")});
  add("cluster-template-update", "Update a cluster template (op: add, replace or remove).",
      {Pos("<template>"), Pos("<op>"), Many("<attribute=value>")});
  add("baymodel-create", "Create a baymodel (microversion 1.10).", {OptPos("<name>")},
      TemplateCreateOptions());
  add("baymodel-delete", "Delete baymodels.", {Many("<baymodel>")});
  add("baymodel-list", "List baymodels.", {}, ListOptions());
  add("baymodel-show", "Show a baymodel.", {Pos("<baymodel>")});
  add("baymodel-update", "Update a baymodel (op: add, replace or remove).",
      {Pos("<baymodel>"), Pos("<op>"), Many("<attribute=value>")});
  // Clusters.
  add("cluster-create", "Create a cluster.", {OptPos("<name>")},
      {Opt("--name", "<name>", "the cluster's name (or give it as the argument)"),
       Opt("--cluster-template", "<template>", "the cluster template (name or uuid)"),
       Opt("--keypair", "<keypair>", "Nova keypair (default: the template's)"),
       Opt("--docker-volume-size", "<GB>", "Docker volume size"),
       Multi("--labels", "<KEY1=VALUE1,KEY2=VALUE2>", "labels"),
       Flag("--merge-labels", "merge the labels with the template's"),
       Opt("--node-count", "<count>", "number of workers (default 1)"),
       Opt("--master-count", "<count>", "number of masters (default 1)"),
       Opt("--discovery-url", "<url>", "etcd discovery URL"),
       Opt("--timeout", "<minutes>", "creation timeout", {"--create-timeout"}),
       Opt("--master-flavor", "<flavor>", "the masters' flavor"),
       Opt("--flavor", "<flavor>", "the workers' flavor"),
       Opt("--fixed-network", "<network>", "private network"),
       Opt("--fixed-subnet", "<subnet>", "private subnet"),
       Flag("--floating-ip-enabled", "floating IPs for the nodes"),
       Flag("--floating-ip-disabled", "no floating IPs"),
       Flag("--master-lb-enabled", "a load balancer in front of the masters"), WaitOpt()});
  add("cluster-delete", "Delete clusters.", {Many("<cluster>")}, {WaitOpt()});
  add("cluster-list", "List clusters.", {}, ListOptions());
  add("cluster-show", "Show a cluster.", {Pos("<cluster>")});
  add("cluster-update", "Update a cluster (op: add, replace or remove).",
      {Pos("<cluster>"), Pos("<op>"), Many("<attribute=value>")}, UpdateOptions(true, true));
  add("cluster-resize", "Resize a nodegroup of a cluster (microversion >= 1.7).",
      {Pos("<cluster>"), Pos("<node-count>")},
      {Multi("--nodes-to-remove", "<server-id>", "servers to remove first"),
       Opt("--nodegroup", "<nodegroup>", "the nodegroup (default: the default workers)"),
       WaitOpt()});
  add("cluster-upgrade", "Upgrade a cluster to another template (microversion >= 1.8).",
      {Pos("<cluster>"), Pos("<cluster-template>")},
      {Opt("--max-batch-size", "<size>", "nodes upgraded at once (default 1)"),
       Opt("--nodegroup", "<nodegroup>", "only this nodegroup"), WaitOpt()});
  add("cluster-config",
      "Write the cluster's credentials (CA, key, certificate; kubeconfig for Kubernetes) "
      "and print the shell commands that use them.",
      {Pos("<cluster>")},
      {Opt("--dir", "<dir>", "where to write the files (default: the current directory)"),
       Flag("--force", "overwrite existing files"),
       Flag("--output-certs", "Kubernetes: write ca.pem, key.pem and cert.pem too"),
       Opt("--shell", "<shell>", "sh-style (default) or csh-style output (default: $SHELL)")});
  // Nodegroups.
  add("nodegroup-create", "Create a nodegroup (microversion >= 1.9).",
      {Pos("<cluster>"), Pos("<name>")},
      {Opt("--node-count", "<count>", "number of nodes (default 1)"),
       Opt("--flavor", "<flavor>", "the nodes' flavor", {"--flavor-id"}),
       Opt("--image", "<image>", "the nodes' image", {"--image-id"}),
       Opt("--min-nodes", "<count>", "smallest size"),
       Opt("--max-nodes", "<count>", "largest size"),
       Opt("--role", "<role>", "role (default worker)"),
       Opt("--docker-volume-size", "<GB>", "Docker volume size"),
       Multi("--labels", "<KEY1=VALUE1,KEY2=VALUE2>", "labels"),
       Flag("--merge-labels", "merge the labels with the cluster's"), WaitOpt()});
  add("nodegroup-delete", "Delete nodegroups.", {Pos("<cluster>"), Many("<nodegroup>")},
      {WaitOpt()});
  add("nodegroup-list", "List the nodegroups of a cluster.", {Pos("<cluster>")},
      with(ListOptions(), {Opt("--role", "<role>", "only this role")}));
  add("nodegroup-show", "Show a nodegroup.", {Pos("<cluster>"), Pos("<nodegroup>")});
  add("nodegroup-update", "Update a nodegroup (op: add, replace or remove).",
      {Pos("<cluster>"), Pos("<nodegroup>"), Pos("<op>"), Many("<attribute=value>")}, {WaitOpt()});
  // Bays (the legacy names of clusters, microversion 1.10).
  add("bay-create", "Create a bay (microversion 1.10).", {OptPos("<name>")},
      {Opt("--name", "<name>", "the bay's name (or give it as the argument)"),
       Opt("--baymodel", "<baymodel>", "the baymodel (name or uuid)", {"--baymodel-id"}),
       Opt("--node-count", "<count>", "number of workers (default 1)"),
       Opt("--master-count", "<count>", "number of masters (default 1)"),
       Opt("--discovery-url", "<url>", "etcd discovery URL"),
       Opt("--timeout", "<minutes>", "creation timeout", {"--bay-create-timeout"}), WaitOpt()});
  add("bay-delete", "Delete bays.", {Many("<bay>")}, {WaitOpt()});
  add("bay-list", "List bays.", {}, ListOptions());
  add("bay-show", "Show a bay.", {Pos("<bay>")});
  add("bay-update", "Update a bay (op: add, replace or remove).",
      {Pos("<bay>"), Pos("<op>"), Many("<attribute=value>")}, UpdateOptions(true, true));
  // Containers.
  add("container-create", "Create a container on a Swarm cluster (created, not started).",
      {OptPos("<name>")},
      {Opt("--name", "<name>", "the container's name (or give it as the argument)"),
       Opt("--image", "<image>", "Docker image"),
       Opt("--cluster", "<cluster>", "the cluster (name or uuid)", {"--bay"}),
       Opt("--command", "<command>", "the command to run"),
       Opt("--memory", "<size>", "memory limit (e.g. 512m)"),
       Multi("--environment", "<KEY1=VALUE1,KEY2=VALUE2>", "environment variables")});
  add("container-delete", "Delete containers.", {Many("<container>")},
      {Flag("--force", "delete a running container too")});
  add("container-execute",
      "Run a command in a running container; prints its output and exits with its code.",
      {Pos("<container>")}, {Opt("--command", "<command>", "the command to run")});
  add("container-list", "List containers.", {},
      with(ListOptions(), {Opt("--cluster", "<cluster>", "only this cluster's", {"--bay"})}));
  add("container-logs", "Print a container's logs.", {Pos("<container>")});
  for (const char* action : {"pause", "reboot", "start", "stop", "unpause"}) {
    std::string verb = action;
    verb[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(verb[0])));
    add(std::string("container-") + action, verb + " containers.", {Many("<container>")});
  }
  add("container-show", "Show a container.", {Pos("<container>")});
  // Certificates.
  add("ca-show", "Print a cluster's CA certificate.", {Pos("<cluster>")});
  add("ca-sign", "Sign a certificate signing request with a cluster's CA.", {},
      {Opt("--cluster", "<cluster>", "the cluster (name or uuid)", {"--bay"}),
       Opt("--csr", "<file>", "the CSR file (PEM)")});
  // Administration (python-magnumclient's quotas-*, stats-list and service-list).
  auto quota_key = [] {
    return std::vector<OptionSpec>{
        Opt("--project-id", "<project-id>", "the project (required)"),
        Opt("--resource", "<resource>", "the resource: Cluster or Container (required)")};
  };
  OptionSpec hard_limit = Opt("--hard-limit", "<hard-limit>", "the limit (default 1)");
  add("quotas-create", "Create a quota (admin).", {}, with(quota_key(), {hard_limit}));
  add("quotas-delete", "Delete a quota (admin).", {}, quota_key());
  add("quotas-list", "List quotas.", {},
      with(with({Opt("--marker", "<marker>", "the id of the last quota of the previous page")},
                ListOptions()),
           {Flag("--all-tenants", "every project's quotas (admin)")}));
  add("quotas-show", "Show a project's quota of a resource.", {}, quota_key());
  hard_limit.help = "the new limit (default: unchanged)";
  add("quotas-update", "Update a quota (admin).", {}, with(quota_key(), {hard_limit}));
  add("stats-list", "Show the number of clusters and nodes.", {},
      {Opt("--project-id", "<project-id>",
           "only this project (default: all for an admin, else the own)")});
  add("service-list", "List the Magnum services (admin).", {});
  // Tooling.
  add("completion", "Print a shell completion script (bash).", {Pos("<shell>")});
  add("help", "Describe the commands, or one command.", {OptPos("<command>")});
  std::sort(c.begin(), c.end(),
            [](const CommandSpec& a, const CommandSpec& b) { return a.name < b.name; });
  return c;
}

// --- helpers ----------------------------------------------------------------------------

struct Ctx {
  Session& session;
  const ParsedCommand& args;
  Environment& env;
  OutputFormat format;
  std::vector<std::string> columns;  // -c
};

std::ostream& Out(Ctx& c) { return *c.env.out; }
std::ostream& Err(Ctx& c) { return *c.env.err; }

int Report(Ctx& c, const Error& e) {
  Err(c) << "ERROR: " << e.message() << "\n";
  return 1;
}

Result<Json> ParseBody(const std::string& body) {
  Json j = Json::parse(body, nullptr, false);
  if (j.is_discarded()) return Fail(Error::Unavailable("the server's answer is not JSON: " + body));
  return j;
}

std::string Str(const Json& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end() || it->is_null()) return "";
  return it->is_string() ? it->get<std::string>() : it->dump();
}

// An integer option of at least `min` (default: positive or zero), else kInvalidArgument.
Result<std::optional<int>> IntOption(const ParsedCommand& a, const std::string& name, int min = 0) {
  auto v = a.Value(name);
  if (!v) return std::optional<int>();
  try {
    size_t used = 0;
    int n = std::stoi(*v, &used);
    if (used != v->size() || n < min) throw std::invalid_argument("x");
    return std::optional<int>(n);
  } catch (const std::exception&) {
    return Fail(Error::InvalidArgument(name + " takes a whole number, not '" + *v + "'"));
  }
}

// Sets body[key] from a string option when given.
void SetString(Json& body, const ParsedCommand& a, const std::string& option, const char* key) {
  if (auto v = a.Value(option)) body[key] = *v;
}
Result<void> SetInt(Json& body, const ParsedCommand& a, const std::string& option,
                    const char* key) {
  MAGNUM_ASSIGN_OR_RETURN(auto v, IntOption(a, option));
  if (v) body[key] = *v;
  return {};
}
Result<void> SetLabels(Json& body, const ParsedCommand& a, const std::string& option,
                       const char* key) {
  auto items = a.Values(option);
  if (items.empty()) return {};
  MAGNUM_ASSIGN_OR_RETURN(auto kv, ParseKeyValues(items, option));
  body[key] = kv;
  return {};
}

std::string NameArg(const ParsedCommand& a) {
  if (!a.positionals.empty()) return a.positionals[0];
  return a.Value("--name").value_or("");
}

// Prints one object in the chosen format.
int PrintObject(Ctx& c, const std::string& body, const std::vector<std::string>& fields = {}) {
  auto text = RenderObject(body, c.format, c.columns.empty() ? fields : c.columns);
  if (!text) return Report(c, text.error());
  Out(c) << *text;
  return 0;
}

// A status line for table output, or {"key": value, ...} for JSON/YAML.
void PrintAck(Ctx& c, const std::string& text, const Json& obj) {
  if (c.format == OutputFormat::kTable) {
    Out(c) << text << "\n";
  } else if (c.format == OutputFormat::kJson) {
    Out(c) << obj.dump(2) << "\n";
  } else {
    Out(c) << JsonToYaml(obj.dump()).value_or("");
  }
}

std::string QueryOf(const ParsedCommand& a, std::vector<std::pair<std::string, std::string>> q) {
  for (const char* opt : {"--limit", "--sort-key", "--sort-dir"}) {
    if (auto v = a.Value(opt)) {
      std::string key = std::string(opt).substr(2);
      std::replace(key.begin(), key.end(), '-', '_');
      q.emplace_back(key, *v);
    }
  }
  std::string s;
  for (const auto& [k, v] : q) s += (s.empty() ? "?" : "&") + k + "=" + UrlEncode(v);
  return s;
}

// GET of a collection, following `next` unless --limit was given; the items of `key`.
Result<Json> GetAll(Ctx& c, const std::string& path, const std::string& key,
                    const std::string& version = "") {
  Json all = Json::array();
  std::string next = path;
  bool follow = !c.args.Value("--limit").has_value();
  for (int page = 0; page < 1000 && !next.empty(); ++page) {
    MAGNUM_ASSIGN_OR_RETURN(std::string body, c.session.Expect("GET", next, "", version));
    MAGNUM_ASSIGN_OR_RETURN(Json j, ParseBody(body));
    if (!j.is_object() || !j.contains(key) || !j[key].is_array()) {
      return Fail(Error::Unavailable("the server's answer has no '" + key + "' list"));
    }
    for (auto& item : j[key]) all.push_back(std::move(item));
    next.clear();
    if (follow && j.contains("next") && j["next"].is_string()) {
      std::string url = j["next"].get<std::string>();
      auto v1 = url.find("/v1/");
      if (v1 != std::string::npos) next = url.substr(v1 + 3);
    }
  }
  return all;
}

int ListCommand(Ctx& c, const std::string& path, const std::string& key,
                const std::vector<std::string>& columns, const std::string& version = "") {
  auto all = GetAll(c, path, key, version);
  if (!all) return Report(c, all.error());
  auto text = RenderList(all->dump(), c.format, c.columns.empty() ? columns : c.columns,
                         !c.columns.empty());
  if (!text) return Report(c, text.error());
  Out(c) << *text;
  return 0;
}

int ShowCommand(Ctx& c, const std::string& path, const std::string& version = "") {
  auto body = c.session.Expect("GET", path, "", version);
  if (!body) return Report(c, body.error());
  return PrintObject(c, *body);
}

// DELETE of each; the failures reported, the others done (exit 1 if any failed).
int DeleteEach(Ctx& c, const std::string& prefix, const std::vector<std::string>& idents,
               const std::string& what, const std::string& version = "",
               const std::string& query = "") {
  int rc = 0;
  for (const auto& id : idents) {
    auto r = c.session.Expect("DELETE", prefix + UrlEncode(id) + query, "", version);
    if (!r) {
      Err(c) << "ERROR: " << what << " " << id << ": " << r.error().message() << "\n";
      rc = 1;
    } else {
      Err(c) << "Request to delete " << what << " " << id << " has been accepted.\n";
    }
  }
  return rc;
}

// A JSON-patch from `<op> attr=value ...` as the Python clients build it.
Result<Json> PatchOf(const std::string& op, const std::vector<std::string>& attributes) {
  if (op != "add" && op != "replace" && op != "remove") {
    return Fail(
        Error::InvalidArgument("the operation is add, replace or remove, not '" + op + "'"));
  }
  if (attributes.empty()) return Fail(Error::InvalidArgument("no attribute to " + op));
  Json patch = Json::array();
  for (const auto& a : attributes) {
    auto eq = a.find('=');
    std::string key = a.substr(0, eq);
    if (key.empty()) return Fail(Error::InvalidArgument("an empty attribute name in '" + a + "'"));
    std::string path = key[0] == '/' ? key : "/" + key;
    if (op == "remove") {
      patch.push_back({{"op", op}, {"path", path}});
      continue;
    }
    if (eq == std::string::npos) {
      return Fail(Error::InvalidArgument("'" + a + "': " + op + " takes attribute=value"));
    }
    std::string value = a.substr(eq + 1);
    Json v;
    if (key == "labels") {
      // As python-magnumclient sends it: the mapping as a Python literal (a JSON object's
      // text is one), which the API parses.
      MAGNUM_ASSIGN_OR_RETURN(auto kv, ParseKeyValues({value}, "labels"));
      v = Json(kv).dump();
    } else if (!value.empty() && value.find_first_not_of("0123456789") == std::string::npos &&
               value.size() < 10) {
      v = std::stoi(value);
    } else if (value == "true" || value == "false" || value == "True" || value == "False") {
      v = value == "true" || value == "True";
    } else {
      v = value;
    }
    patch.push_back({{"op", op}, {"path", path}, {"value", v}});
  }
  return patch;
}

// --- --wait ---------------------------------------------------------------------------

struct WaitTarget {
  std::string cluster;    // uuid
  std::string nodegroup;  // "" = the cluster itself
  std::string operation;  // for ExpectedEventCount: create, delete, resize, ...
  int nodes_before = 0;
  int nodes_after = 0;
  int nodegroups = 1;
  long long marker = 0;  // events after this id belong to the operation
  std::string label;     // how to name it in messages ("" = the uuid or its name)
};

// The id of the cluster's latest event (0 when none or unreadable).
long long LatestEventId(Ctx& c, const std::string& cluster) {
  auto body = c.session.Expect("GET", "/clusters/" + cluster + "/events?sort_dir=desc&limit=1");
  if (!body) return 0;
  Json j = Json::parse(*body, nullptr, false);
  if (j.is_discarded() || !j.contains("events") || !j["events"].is_array() || j["events"].empty()) {
    return 0;
  }
  const Json& id = j["events"][0]["id"];
  return id.is_number_integer() ? id.get<long long>() : 0;
}

std::string EventText(const Json& e) {
  std::string text = Str(e, "step");
  std::string message = Str(e, "message");
  if (!message.empty()) text += (text.empty() ? "" : ": ") + message;
  std::string node = Str(e, "node");
  if (!node.empty()) text += " (" + node + ")";
  return text;
}

bool Terminal(const std::string& status) {
  auto ends = [&](const char* suffix) {
    std::string s = suffix;
    return status.size() >= s.size() && status.compare(status.size() - s.size(), s.size(), s) == 0;
  };
  return ends("_COMPLETE") || ends("_FAILED");
}

double SecondsOption(Ctx& c, const char* name, double fallback) {
  auto v = c.args.Global(name);
  if (!v) return fallback;
  try {
    return std::max(0.01, std::stod(*v));
  } catch (const std::exception&) {
    return fallback;
  }
}

// Polls until the target reaches a final status (or is gone, for a delete), drawing the
// progress on stderr. Returns the exit code; the final object in `final_body`.
int Wait(Ctx& c, const WaitTarget& t, std::string* final_body) {
  const bool deleting = t.operation == "delete" || t.operation == "nodegroup-delete";
  const std::string path = "/clusters/" + t.cluster +
                           (t.nodegroup.empty() ? "" : "/nodegroups/" + UrlEncode(t.nodegroup));
  const std::string what = t.nodegroup.empty() ? "cluster" : "nodegroup";
  const auto interval = std::chrono::milliseconds(
      static_cast<long long>(SecondsOption(c, "--wait-interval", 1.0) * 1000));
  const double timeout = SecondsOption(c, "--wait-timeout", 3600);
  const int expected = ExpectedEventCount(t.operation, t.nodes_before, t.nodes_after, t.nodegroups);
  const auto start = c.env.now();
  long long marker = t.marker;
  int seen = 0;
  std::string last_message, last_line, status = "?", reason;
  std::string name = t.label.empty() ? (t.nodegroup.empty() ? t.cluster : t.nodegroup) : t.label;
  bool drawn = false;
  auto draw = [&](bool finished) {
    ProgressView v;
    v.status = status;
    v.fraction = ProgressFraction(seen, expected, finished);
    v.message = last_message;
    v.elapsed_seconds = static_cast<int>(
        std::chrono::duration_cast<std::chrono::seconds>(c.env.now() - start).count());
    if (c.env.stderr_is_tty) {
      Err(c) << "\r" << RenderProgressBar(v, std::max(20, c.env.terminal_width - 1)) << "\x1b[K"
             << std::flush;
      drawn = true;
    } else {
      // A line per change of status (events have lines of their own, below), not per tick.
      std::string key = status + "|" + std::to_string(finished);
      if (key != last_line) {
        Err(c) << RenderProgressLine(v) << "\n" << std::flush;
        last_line = key;
      }
    }
  };
  // Not a terminal: a line per event, with the status the operation had while it ran
  // ("CREATE_IN_PROGRESS" for the events read together with CREATE_COMPLETE).
  auto event_line = [&]() {
    if (c.env.stderr_is_tty) return;
    ProgressView v;
    v.status = status;
    if (Terminal(status)) v.status = status.substr(0, status.rfind('_')) + "_IN_PROGRESS";
    v.fraction = ProgressFraction(seen, expected, false);
    v.message = last_message;
    v.elapsed_seconds = static_cast<int>(
        std::chrono::duration_cast<std::chrono::seconds>(c.env.now() - start).count());
    Err(c) << RenderProgressLine(v) << "\n" << std::flush;
  };
  auto end_line = [&]() {
    if (drawn) Err(c) << "\n";
  };
  while (true) {
    auto reply = c.session.Call("GET", path);
    if (!reply) {
      end_line();
      return Report(c, reply.error());
    }
    if (reply->status == 404 && deleting) {
      status = "DELETE_COMPLETE";
      last_message = what + " deleted";
      draw(true);
      end_line();
      Err(c) << what << " " << name << " deleted\n";
      return 0;
    }
    if (reply->status < 200 || reply->status > 299) {
      end_line();
      return Report(
          c, Error(CodeOfStatus(reply->status), ApiErrorMessage(reply->status, reply->body)));
    }
    Json obj = Json::parse(reply->body, nullptr, false);
    if (obj.is_discarded() || !obj.is_object()) {
      end_line();
      return Report(c, Error::Unavailable("the server's answer is not JSON"));
    }
    status = Str(obj, "status");
    reason = Str(obj, "status_reason");
    if (!Str(obj, "name").empty()) name = Str(obj, "name");
    // The operation's new events (every page).
    for (int page = 0; page < 100; ++page) {
      // No marker before the first event: the API refuses an id it does not know.
      auto ev = c.session.Call("GET", "/clusters/" + t.cluster + "/events" +
                                          (marker > 0 ? "?marker=" + std::to_string(marker) : ""));
      if (!ev || ev->status != 200) break;
      Json j = Json::parse(ev->body, nullptr, false);
      if (j.is_discarded() || !j.contains("events") || !j["events"].is_array()) break;
      for (const auto& e : j["events"]) {
        if (e.contains("id") && e["id"].is_number_integer()) {
          marker = std::max(marker, e["id"].get<long long>());
        }
        ++seen;
        last_message = EventText(e);
        event_line();
      }
      if (!j.contains("next") || j["events"].empty()) break;
    }
    bool done = Terminal(status);
    draw(done);
    if (done) {
      end_line();
      *final_body = reply->body;
      if (status.size() >= 7 && status.compare(status.size() - 7, 7, "_FAILED") == 0) {
        Err(c) << "ERROR: " << what << " " << name << " " << status
               << (reason.empty() ? "" : ": " + reason) << "\n";
        return 1;
      }
      Err(c) << what << " " << name << " " << status << "\n";
      return 0;
    }
    if (std::chrono::duration<double>(c.env.now() - start).count() > timeout) {
      end_line();
      Err(c) << "ERROR: " << what << " " << name << " still " << status << " after "
             << static_cast<long long>(timeout) << "s (--wait-timeout)\n";
      return 1;
    }
    c.env.sleep(interval);
  }
}

// Prints the outcome of an accepted asynchronous operation, waiting when --wait is given.
int AcceptedOrWait(Ctx& c, const std::string& text, const Json& ack, const WaitTarget& t) {
  if (!c.args.Has("--wait")) {
    PrintAck(c, text, ack);
    return 0;
  }
  Err(c) << text << "\n";
  std::string final_body;
  int rc = Wait(c, t, &final_body);
  if (!final_body.empty()) {
    int prc = PrintObject(c, final_body);
    if (rc == 0) rc = prc;
  }
  return rc;
}

// The cluster object (JSON) or an error.
Result<Json> GetCluster(Ctx& c, const std::string& ident) {
  MAGNUM_ASSIGN_OR_RETURN(std::string body,
                          c.session.Expect("GET", "/clusters/" + UrlEncode(ident)));
  return ParseBody(body);
}

int TotalNodes(const Json& cluster) {
  auto n = [&](const char* k) {
    return cluster.contains(k) && cluster[k].is_number_integer() ? cluster[k].get<int>() : 0;
  };
  return n("node_count") + n("master_count");
}

// --- commands ---------------------------------------------------------------------------

Result<Json> TemplateBody(const ParsedCommand& a, bool legacy) {
  Json body = Json::object();
  std::string name = NameArg(a);
  if (!name.empty()) body["name"] = name;
  SetString(body, a, "--coe", "coe");
  SetString(body, a, "--image", "image_id");
  SetString(body, a, "--keypair", "keypair_id");
  SetString(body, a, "--external-network", "external_network_id");
  SetString(body, a, "--fixed-network", "fixed_network");
  SetString(body, a, "--fixed-subnet", "fixed_subnet");
  SetString(body, a, "--network-driver", "network_driver");
  SetString(body, a, "--volume-driver", "volume_driver");
  SetString(body, a, "--dns-nameserver", "dns_nameserver");
  SetString(body, a, "--flavor", "flavor_id");
  SetString(body, a, "--master-flavor", "master_flavor_id");
  MAGNUM_RETURN_IF_ERROR(SetInt(body, a, "--docker-volume-size", "docker_volume_size"));
  SetString(body, a, "--docker-storage-driver", "docker_storage_driver");
  SetString(body, a, "--http-proxy", "http_proxy");
  SetString(body, a, "--https-proxy", "https_proxy");
  SetString(body, a, "--no-proxy", "no_proxy");
  MAGNUM_RETURN_IF_ERROR(SetLabels(body, a, "--labels", "labels"));
  SetString(body, a, "--server-type", "server_type");
  SetString(body, a, "--insecure-registry", "insecure_registry");
  if (!legacy) SetString(body, a, "--tags", "tags");
  if (a.Has("--tls-disabled")) body["tls_disabled"] = true;
  if (a.Has("--public")) body["public"] = true;
  if (a.Has("--registry-enabled")) body["registry_enabled"] = true;
  if (a.Has("--master-lb-enabled")) body["master_lb_enabled"] = true;
  if (a.Has("--floating-ip-enabled")) body["floating_ip_enabled"] = true;
  if (a.Has("--floating-ip-disabled")) body["floating_ip_enabled"] = false;
  if (!legacy && a.Has("--hidden")) body["hidden"] = true;
  return body;
}

int TemplateCommands(Ctx& c, const std::string& verb, bool legacy) {
  const std::string base = legacy ? "/baymodels" : "/clustertemplates";
  const std::string version = legacy ? kLegacyVersion : "";
  const std::string what = legacy ? "baymodel" : "cluster template";
  const auto& a = c.args;
  if (verb == "create") {
    auto body = TemplateBody(a, legacy);
    if (!body) return Report(c, body.error());
    auto r = c.session.Expect("POST", base, body->dump(), version);
    if (!r) return Report(c, r.error());
    return PrintObject(c, *r);
  }
  if (verb == "delete") return DeleteEach(c, base + "/", a.positionals, what, version);
  if (verb == "list") {
    return ListCommand(c, base + QueryOf(a, {}), legacy ? "baymodels" : "clustertemplates",
                       legacy ? std::vector<std::string>{"uuid", "name"}
                              : std::vector<std::string>{"uuid", "name", "tags"},
                       version);
  }
  if (verb == "show") return ShowCommand(c, base + "/" + UrlEncode(a.positionals[0]), version);
  // update
  auto patch = PatchOf(a.positionals[1], {a.positionals.begin() + 2, a.positionals.end()});
  if (!patch) return Report(c, patch.error());
  auto r =
      c.session.Expect("PATCH", base + "/" + UrlEncode(a.positionals[0]), patch->dump(), version);
  if (!r) return Report(c, r.error());
  return PrintObject(c, *r);
}

int ClusterCreate(Ctx& c, bool legacy) {
  const auto& a = c.args;
  Json body = Json::object();
  std::string name = NameArg(a);
  if (!name.empty()) body["name"] = name;
  if (legacy) {
    SetString(body, a, "--baymodel", "baymodel_id");
    if (!body.contains("baymodel_id")) {
      return Report(c, Error::InvalidArgument("bay-create needs --baymodel"));
    }
  } else {
    SetString(body, a, "--cluster-template", "cluster_template_id");
    if (!body.contains("cluster_template_id")) {
      return Report(c, Error::InvalidArgument("cluster-create needs --cluster-template"));
    }
    SetString(body, a, "--keypair", "keypair");
    if (auto r = SetInt(body, a, "--docker-volume-size", "docker_volume_size"); !r) {
      return Report(c, r.error());
    }
    if (auto r = SetLabels(body, a, "--labels", "labels"); !r) return Report(c, r.error());
    if (a.Has("--merge-labels")) body["merge_labels"] = true;
    SetString(body, a, "--master-flavor", "master_flavor_id");
    SetString(body, a, "--flavor", "flavor_id");
    SetString(body, a, "--fixed-network", "fixed_network");
    SetString(body, a, "--fixed-subnet", "fixed_subnet");
    if (a.Has("--floating-ip-enabled")) body["floating_ip_enabled"] = true;
    if (a.Has("--floating-ip-disabled")) body["floating_ip_enabled"] = false;
    if (a.Has("--master-lb-enabled")) body["master_lb_enabled"] = true;
  }
  for (auto [opt, key] :
       {std::pair{"--node-count", "node_count"}, std::pair{"--master-count", "master_count"},
        std::pair{"--timeout", legacy ? "bay_create_timeout" : "create_timeout"}}) {
    if (auto r = SetInt(body, a, opt, key); !r) return Report(c, r.error());
  }
  SetString(body, a, "--discovery-url", "discovery_url");
  auto r = c.session.Expect("POST", legacy ? "/bays" : "/clusters", body.dump(),
                            legacy ? kLegacyVersion : "");
  if (!r) return Report(c, r.error());
  auto reply = ParseBody(*r);
  if (!reply) return Report(c, reply.error());
  std::string uuid = Str(*reply, "uuid");
  const std::string what = legacy ? "bay" : "cluster";
  WaitTarget t;
  t.cluster = uuid;
  t.label = name;
  t.operation = "create";
  t.nodes_after = (body.contains("node_count") ? body["node_count"].get<int>() : 1) +
                  (body.contains("master_count") ? body["master_count"].get<int>() : 1);
  return AcceptedOrWait(c, "Request to create " + what + " " + uuid + " accepted", {{"uuid", uuid}},
                        t);
}

int ClusterDelete(Ctx& c, bool legacy) {
  const std::string what = legacy ? "bay" : "cluster";
  if (!c.args.Has("--wait")) {
    return DeleteEach(c, legacy ? "/bays/" : "/clusters/", c.args.positionals, what,
                      legacy ? kLegacyVersion : "");
  }
  int rc = 0;
  for (const auto& ident : c.args.positionals) {
    auto cluster = GetCluster(c, ident);
    if (!cluster) {
      Err(c) << "ERROR: " << what << " " << ident << ": " << cluster.error().message() << "\n";
      rc = 1;
      continue;
    }
    WaitTarget t;
    t.cluster = Str(*cluster, "uuid");
    t.operation = "delete";
    t.label = Str(*cluster, "name").empty() ? ident : Str(*cluster, "name");
    t.marker = LatestEventId(c, t.cluster);
    auto r = c.session.Expect("DELETE", "/clusters/" + t.cluster);
    if (!r) {
      Err(c) << "ERROR: " << what << " " << ident << ": " << r.error().message() << "\n";
      rc = 1;
      continue;
    }
    Err(c) << "Request to delete " << what << " " << ident << " has been accepted.\n";
    std::string final_body;
    if (Wait(c, t, &final_body) != 0) rc = 1;
  }
  return rc;
}

int ClusterUpdate(Ctx& c, bool legacy) {
  const auto& a = c.args;
  auto patch = PatchOf(a.positionals[1], {a.positionals.begin() + 2, a.positionals.end()});
  if (!patch) return Report(c, patch.error());
  auto cluster = GetCluster(c, a.positionals[0]);
  if (!cluster) return Report(c, cluster.error());
  WaitTarget t;
  t.cluster = Str(*cluster, "uuid");
  t.operation = "update";
  t.nodes_before = TotalNodes(*cluster);
  t.nodes_after = t.nodes_before;
  for (const auto& op : *patch) {
    if (op["path"] == "/node_count" && op.contains("value") && op["value"].is_number_integer()) {
      int workers =
          (*cluster).contains("node_count") && (*cluster)["node_count"].is_number_integer()
              ? (*cluster)["node_count"].get<int>()
              : 0;
      t.nodes_after = t.nodes_before - workers + op["value"].get<int>();
    }
  }
  if (a.Has("--wait")) t.marker = LatestEventId(c, t.cluster);
  std::string query = a.Has("--rollback") ? "?rollback=True" : "";
  auto r = c.session.Expect("PATCH", (legacy ? "/bays/" : "/clusters/") + t.cluster + query,
                            patch->dump(), legacy ? kLegacyVersion : "");
  if (!r) return Report(c, r.error());
  return AcceptedOrWait(
      c, "Request to update " + std::string(legacy ? "bay " : "cluster ") + t.cluster + " accepted",
      {{"uuid", t.cluster}}, t);
}

int ClusterResize(Ctx& c) {
  const auto& a = c.args;
  int count = 0;
  try {
    size_t used = 0;
    count = std::stoi(a.positionals[1], &used);
    if (used != a.positionals[1].size() || count < 0) throw std::invalid_argument("x");
  } catch (const std::exception&) {
    return Report(c, Error::InvalidArgument("<node-count> is a whole number, not '" +
                                            a.positionals[1] + "'"));
  }
  auto cluster = GetCluster(c, a.positionals[0]);
  if (!cluster) return Report(c, cluster.error());
  Json body = {{"node_count", count}};
  if (auto ng = a.Value("--nodegroup")) body["nodegroup"] = *ng;
  auto remove = a.Values("--nodes-to-remove");
  if (!remove.empty()) body["nodes_to_remove"] = remove;
  WaitTarget t;
  t.cluster = Str(*cluster, "uuid");
  t.operation = "resize";
  t.nodes_before = (*cluster).value("node_count", 0);
  t.nodes_after = count;
  if (a.Has("--wait")) t.marker = LatestEventId(c, t.cluster);
  auto r = c.session.Expect("POST", "/clusters/" + t.cluster + "/actions/resize", body.dump());
  if (!r) return Report(c, r.error());
  return AcceptedOrWait(c, "Request to resize cluster " + t.cluster + " has been accepted.",
                        {{"uuid", t.cluster}}, t);
}

int ClusterUpgrade(Ctx& c) {
  const auto& a = c.args;
  auto cluster = GetCluster(c, a.positionals[0]);
  if (!cluster) return Report(c, cluster.error());
  Json body = {{"cluster_template", a.positionals[1]}};
  auto batch = IntOption(a, "--max-batch-size");
  if (!batch) return Report(c, batch.error());
  if (*batch) body["max_batch_size"] = **batch;
  if (auto ng = a.Value("--nodegroup")) body["nodegroup"] = *ng;
  WaitTarget t;
  t.cluster = Str(*cluster, "uuid");
  t.operation = "upgrade";
  t.nodegroups = 2;
  if (a.Has("--wait")) t.marker = LatestEventId(c, t.cluster);
  auto r = c.session.Expect("POST", "/clusters/" + t.cluster + "/actions/upgrade", body.dump());
  if (!r) return Report(c, r.error());
  return AcceptedOrWait(c, "Request to upgrade cluster " + t.cluster + " has been accepted.",
                        {{"uuid", t.cluster}}, t);
}

int NodegroupCommands(Ctx& c, const std::string& verb) {
  const auto& a = c.args;
  const std::string cluster_ident = a.positionals[0];
  const std::string base = "/clusters/" + UrlEncode(cluster_ident) + "/nodegroups";
  if (verb == "list") {
    std::vector<std::pair<std::string, std::string>> q;
    if (auto role = a.Value("--role")) q.emplace_back("role", *role);
    return ListCommand(c, base + QueryOf(a, q), "nodegroups",
                       {"uuid", "name", "flavor_id", "image_id", "node_count", "status", "role"});
  }
  if (verb == "show") return ShowCommand(c, base + "/" + UrlEncode(a.positionals[1]));
  auto cluster = GetCluster(c, cluster_ident);
  if (!cluster) return Report(c, cluster.error());
  WaitTarget t;
  t.cluster = Str(*cluster, "uuid");
  t.nodegroup = a.positionals[1];
  t.operation = "nodegroup-" + verb;
  if (verb == "create") {
    Json body = {{"name", a.positionals[1]}};
    for (auto [opt, key] :
         {std::pair{"--node-count", "node_count"}, std::pair{"--min-nodes", "min_node_count"},
          std::pair{"--max-nodes", "max_node_count"},
          std::pair{"--docker-volume-size", "docker_volume_size"}}) {
      if (auto r = SetInt(body, a, opt, key); !r) return Report(c, r.error());
    }
    SetString(body, a, "--flavor", "flavor_id");
    SetString(body, a, "--image", "image_id");
    SetString(body, a, "--role", "role");
    if (auto r = SetLabels(body, a, "--labels", "labels"); !r) return Report(c, r.error());
    if (a.Has("--merge-labels")) body["merge_labels"] = true;
    t.nodes_after = body.value("node_count", 1);
    if (a.Has("--wait")) t.marker = LatestEventId(c, t.cluster);
    auto r = c.session.Expect("POST", "/clusters/" + t.cluster + "/nodegroups", body.dump());
    if (!r) return Report(c, r.error());
    auto reply = ParseBody(*r);
    if (reply && !Str(*reply, "uuid").empty()) t.nodegroup = Str(*reply, "uuid");
    if (!a.Has("--wait")) return PrintObject(c, *r);
    return AcceptedOrWait(c, "Request to create nodegroup " + a.positionals[1] + " accepted", {},
                          t);
  }
  if (verb == "delete") {
    int rc = 0;
    for (size_t i = 1; i < a.positionals.size(); ++i) {
      t.nodegroup = a.positionals[i];
      if (a.Has("--wait")) t.marker = LatestEventId(c, t.cluster);
      auto r = c.session.Expect("DELETE",
                                "/clusters/" + t.cluster + "/nodegroups/" + UrlEncode(t.nodegroup));
      if (!r) {
        Err(c) << "ERROR: nodegroup " << t.nodegroup << ": " << r.error().message() << "\n";
        rc = 1;
        continue;
      }
      Err(c) << "Request to delete nodegroup " << t.nodegroup << " has been accepted.\n";
      std::string final_body;
      if (a.Has("--wait") && Wait(c, t, &final_body) != 0) rc = 1;
    }
    return rc;
  }
  // update
  auto patch = PatchOf(a.positionals[2], {a.positionals.begin() + 3, a.positionals.end()});
  if (!patch) return Report(c, patch.error());
  if (a.Has("--wait")) t.marker = LatestEventId(c, t.cluster);
  auto r = c.session.Expect(
      "PATCH", "/clusters/" + t.cluster + "/nodegroups/" + UrlEncode(t.nodegroup), patch->dump());
  if (!r) return Report(c, r.error());
  if (!a.Has("--wait")) return PrintObject(c, *r);
  return AcceptedOrWait(c, "Request to update nodegroup " + t.nodegroup + " accepted", {}, t);
}

// The uuid of a cluster named by name or uuid.
Result<std::string> ClusterUuid(Ctx& c, const std::string& ident) {
  MAGNUM_ASSIGN_OR_RETURN(Json cluster, GetCluster(c, ident));
  return Str(cluster, "uuid");
}

int ContainerCommands(Ctx& c, const std::string& verb) {
  const auto& a = c.args;
  if (verb == "create") {
    Json body = Json::object();
    std::string name = NameArg(a);
    if (!name.empty()) body["name"] = name;
    SetString(body, a, "--image", "image");
    SetString(body, a, "--command", "command");
    SetString(body, a, "--memory", "memory");
    if (auto r = SetLabels(body, a, "--environment", "environment"); !r) {
      return Report(c, r.error());
    }
    if (auto cl = a.Value("--cluster")) {
      auto uuid = ClusterUuid(c, *cl);
      if (!uuid) return Report(c, uuid.error());
      body["cluster_uuid"] = *uuid;
    }
    auto r = c.session.Expect("POST", "/containers", body.dump());
    if (!r) return Report(c, r.error());
    return PrintObject(c, *r);
  }
  if (verb == "list") {
    std::vector<std::pair<std::string, std::string>> q;
    if (auto cl = a.Value("--cluster")) q.emplace_back("cluster_ident", *cl);
    return ListCommand(c, "/containers" + QueryOf(a, q), "containers",
                       {"uuid", "name", "status", "image", "cluster_uuid"});
  }
  if (verb == "show") return ShowCommand(c, "/containers/" + UrlEncode(a.positionals[0]));
  if (verb == "delete") {
    return DeleteEach(c, "/containers/", a.positionals, "container", "",
                      a.Has("--force") ? "?force=true" : "");
  }
  if (verb == "logs") {
    auto r = c.session.Expect("GET", "/containers/" + UrlEncode(a.positionals[0]) + "/logs");
    if (!r) return Report(c, r.error());
    if (c.format != OutputFormat::kTable) return PrintObject(c, *r);
    auto j = ParseBody(*r);
    if (!j) return Report(c, j.error());
    Out(c) << Str(*j, "output");
    if (j->value("truncated", false)) Err(c) << "(output truncated by the server)\n";
    return 0;
  }
  if (verb == "execute") {
    auto command = a.Value("--command");
    if (!command) return Report(c, Error::InvalidArgument("container-execute needs --command"));
    Json body = {{"command", *command}};
    auto r = c.session.Expect(
        "PUT",
        "/containers/" + UrlEncode(a.positionals[0]) + "/execute?command=" + UrlEncode(*command),
        body.dump());
    if (!r) return Report(c, r.error());
    auto j = ParseBody(*r);
    if (!j) return Report(c, j.error());
    int exit_code = j->contains("exit_code") && (*j)["exit_code"].is_number_integer()
                        ? (*j)["exit_code"].get<int>()
                        : 0;
    if (c.format != OutputFormat::kTable) {
      PrintObject(c, *r);
    } else {
      Out(c) << Str(*j, "output");
      if (j->value("truncated", false)) Err(c) << "(output truncated by the server)\n";
    }
    return std::clamp(exit_code, 0, 255);
  }
  // start, stop, reboot, pause, unpause: each container in turn.
  int rc = 0;
  for (const auto& id : a.positionals) {
    auto r = c.session.Expect("PUT", "/containers/" + UrlEncode(id) + "/" + verb);
    if (!r) {
      Err(c) << "ERROR: container " << id << ": " << r.error().message() << "\n";
      rc = 1;
      continue;
    }
    if (a.positionals.size() == 1) {
      rc = PrintObject(c, *r);
    } else {
      auto j = ParseBody(*r);
      Out(c) << id << ": " << (j ? Str(*j, "status") : "") << "\n";
    }
  }
  return rc;
}

int CertificateCommands(Ctx& c, const std::string& verb) {
  const auto& a = c.args;
  std::string cluster = verb == "show" ? a.positionals[0] : a.Value("--cluster").value_or("");
  if (cluster.empty()) return Report(c, Error::InvalidArgument("ca-sign needs --cluster"));
  auto uuid = ClusterUuid(c, cluster);
  if (!uuid) return Report(c, uuid.error());
  Result<std::string> r = std::string();
  if (verb == "show") {
    r = c.session.Expect("GET", "/certificates/" + *uuid);
  } else {
    auto file = a.Value("--csr");
    if (!file) return Report(c, Error::InvalidArgument("ca-sign needs --csr <file>"));
    auto csr = c.env.read_file(*file);
    if (!csr) return Report(c, Error::InvalidArgument("cannot read " + *file));
    r = c.session.Expect("POST", "/certificates",
                         Json({{"cluster_uuid", *uuid}, {"csr", *csr}}).dump());
  }
  if (!r) return Report(c, r.error());
  if (c.format != OutputFormat::kTable) return PrintObject(c, *r);
  auto j = ParseBody(*r);
  if (!j) return Report(c, j.error());
  std::string pem = Str(*j, "pem");
  Out(c) << pem << (pem.empty() || pem.back() == '\n' ? "" : "\n");
  return 0;
}

// A usage error found after parsing: said like the parser's, exit status 2, nothing sent.
int Usage(Ctx& c, const std::string& message) {
  Err(c) << "magnumctl: " << c.args.command << ": " << message << "\n";
  return 2;
}

// quotas-*: python-magnumclient's, over /v1/quotas and /v1/quotas/{project}/{resource}.
int QuotaCommands(Ctx& c, const std::string& verb) {
  const auto& a = c.args;
  if (verb == "list") {
    if (auto limit = IntOption(a, "--limit"); !limit) return Usage(c, limit.error().message());
    if (auto v = a.Value("--sort-dir"); v && *v != "asc" && *v != "desc") {
      return Usage(c, "--sort-dir takes asc or desc, not '" + *v + "'");
    }
    std::vector<std::pair<std::string, std::string>> q;
    if (auto v = a.Value("--marker")) q.emplace_back("marker", *v);
    if (a.Has("--all-tenants")) q.emplace_back("all_tenants", "True");
    return ListCommand(c, "/quotas" + QueryOf(a, std::move(q)), "quotas",
                       {"project_id", "resource", "hard_limit"});
  }
  auto project = a.Value("--project-id");
  if (!project || project->empty()) return Usage(c, "--project-id <project-id> is required");
  auto resource = a.Value("--resource");
  if (!resource || resource->empty()) return Usage(c, "--resource <resource> is required");
  // Any int: the API says which are out of its range.
  auto limit = IntOption(a, "--hard-limit", std::numeric_limits<int>::min());
  if (!limit) return Usage(c, limit.error().message());
  const std::string path = "/quotas/" + UrlEncode(*project) + "/" + UrlEncode(*resource);
  if (verb == "show") return ShowCommand(c, path);
  if (verb == "delete") {
    auto r = c.session.Expect("DELETE", path);
    if (!r) return Report(c, r.error());
    PrintAck(c,
             "Request to delete quota for project id " + *project + " and resource " + *resource +
                 " has been accepted.",
             {{"project_id", *project}, {"resource", *resource}});
    return 0;
  }
  // create and update send the quota object (update: a PATCH of it, not a JSON patch).
  Json body = {{"project_id", *project}, {"resource", *resource}};
  if (verb == "create") body["hard_limit"] = limit->value_or(1);
  if (verb == "update" && *limit) body["hard_limit"] = **limit;
  auto r = verb == "create" ? c.session.Expect("POST", "/quotas", body.dump())
                            : c.session.Expect("PATCH", path, body.dump());
  if (!r) return Report(c, r.error());
  return PrintObject(c, *r);
}

int Dispatch(Ctx& c) {
  const std::string& cmd = c.args.command;
  auto verb_of = [&](const std::string& prefix) { return cmd.substr(prefix.size()); };
  if (cmd.rfind("cluster-template-", 0) == 0) {
    return TemplateCommands(c, verb_of("cluster-template-"), false);
  }
  if (cmd.rfind("baymodel-", 0) == 0) return TemplateCommands(c, verb_of("baymodel-"), true);
  if (cmd == "cluster-create" || cmd == "bay-create") return ClusterCreate(c, cmd == "bay-create");
  if (cmd == "cluster-delete" || cmd == "bay-delete") return ClusterDelete(c, cmd == "bay-delete");
  if (cmd == "cluster-update" || cmd == "bay-update") return ClusterUpdate(c, cmd == "bay-update");
  if (cmd == "cluster-list") {
    return ListCommand(
        c, "/clusters" + QueryOf(c.args, {}), "clusters",
        {"uuid", "name", "keypair", "node_count", "master_count", "status", "health_status"});
  }
  if (cmd == "bay-list") {
    return ListCommand(c, "/bays" + QueryOf(c.args, {}), "bays",
                       {"uuid", "name", "node_count", "master_count", "status"}, kLegacyVersion);
  }
  if (cmd == "cluster-show") return ShowCommand(c, "/clusters/" + UrlEncode(c.args.positionals[0]));
  if (cmd == "bay-show") {
    return ShowCommand(c, "/bays/" + UrlEncode(c.args.positionals[0]), kLegacyVersion);
  }
  if (cmd == "cluster-resize") return ClusterResize(c);
  if (cmd == "cluster-upgrade") return ClusterUpgrade(c);
  if (cmd == "cluster-config") return ClusterConfigCommand(c.session, c.args, c.env);
  if (cmd.rfind("nodegroup-", 0) == 0) return NodegroupCommands(c, verb_of("nodegroup-"));
  if (cmd.rfind("container-", 0) == 0) return ContainerCommands(c, verb_of("container-"));
  if (cmd.rfind("ca-", 0) == 0) return CertificateCommands(c, verb_of("ca-"));
  if (cmd.rfind("quotas-", 0) == 0) return QuotaCommands(c, verb_of("quotas-"));
  if (cmd == "stats-list") {
    auto project = c.args.Value("--project-id");
    return ShowCommand(c, "/stats" + (project ? "?project_id=" + UrlEncode(*project) : ""));
  }
  if (cmd == "service-list") {
    return ListCommand(c, "/mservices", "mservices",
                       {"id", "host", "binary", "state", "disabled", "disabled_reason",
                        "created_at", "updated_at"});
  }
  return Report(c, Error::Internal("command " + cmd + " has no implementation"));
}

}  // namespace

const std::vector<OptionSpec>& GlobalOptions() { return BuildGlobals(); }

const std::vector<CommandSpec>& Commands() {
  static const std::vector<CommandSpec> kCommands = BuildCommands();
  return kCommands;
}

int Run(const std::vector<std::string>& args, Environment& env) {
  auto parsed = ParseCommandLine(args, GlobalOptions(), Commands());
  if (!parsed) {
    *env.err << "magnumctl: " << parsed.error().message() << "\n";
    return 2;
  }
  const ParsedCommand& a = *parsed;
  if (a.GlobalFlag("--version")) {
    *env.out << "magnumctl 0.1.0\n";
    return 0;
  }
  if (a.command.empty() || a.command == "help" || a.GlobalFlag("--help")) {
    std::string topic =
        a.command == "help" ? (a.positionals.empty() ? "" : a.positionals[0]) : a.command;
    if (topic.empty()) {
      *env.out << UsageText(GlobalOptions(), Commands());
      return a.command.empty() && !a.GlobalFlag("--help") ? 2 : 0;
    }
    for (const auto& c : Commands()) {
      if (c.name == topic) {
        *env.out << CommandHelpText(c);
        return 0;
      }
    }
    *env.err << "magnumctl: unknown command '" << topic << "'\n";
    return 2;
  }
  if (a.command == "completion") {
    if (a.positionals[0] != "bash") {
      *env.err << "magnumctl: completion scripts exist for bash only\n";
      return 2;
    }
    *env.out << BashCompletionScript(GlobalOptions(), Commands());
    return 0;
  }
  auto format = ParseOutputFormat(a.Global("--format").value_or("table"));
  if (!format) {
    *env.err << "magnumctl: " << format.error().message() << "\n";
    return 2;
  }
  auto settings = ResolveSettings(a, env.env, env.read_file);
  if (!settings) {
    *env.err << "ERROR: " << settings.error().message() << "\n";
    return 1;
  }
  // The HTTP client: the environment's (tests), else libcurl with the TLS settings.
  std::unique_ptr<HttpClient> own_http;
  HttpClient* http = env.http;
  if (http == nullptr) {
    own_http = NewCurlHttpClient(HttpTlsOptions{settings->cacert, settings->insecure});
    http = own_http.get();
  }
  Session session(*settings, http);
  std::vector<std::string> columns;
  if (auto it = a.globals.find("--column"); it != a.globals.end()) columns = it->second;
  Ctx ctx{session, a, env, *format, columns};
  try {
    return Dispatch(ctx);
  } catch (const std::exception& e) {
    // An answer of an unexpected shape (a JSON type error): said, not a crash.
    *env.err << "ERROR: unexpected answer from the server: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace magnum::ctl
