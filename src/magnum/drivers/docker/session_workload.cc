// The built-in autoscaler's view of a cluster (Driver::ObserveWorkload; workload.h): the
// manager's Swarm API reached through the host engine, and the pure parts (raw HTTP
// replies, times, the Workload itself).
#include <algorithm>
#include <cctype>
#include <limits>
#include <map>

#include "magnum/drivers/docker/session.h"
#include "magnum/drivers/docker/workload.h"

namespace magnum::drivers::docker {

using namespace std::chrono_literals;

namespace {

constexpr std::string_view kApiPrefix = "/v1.41";  // as curl_transport.cc
constexpr std::string_view kNodeSocket = "/var/run/docker.sock";

// One HTTP/1.0 GET on the node engine's socket; the raw response on stdout. perl-base is
// Essential in Debian (every node image has it); IO::Socket::UNIX is part of it.
constexpr const char* kHttpClient =
    "use IO::Socket::UNIX; binmode STDOUT;"
    "my $s = IO::Socket::UNIX->new(Peer => $ARGV[2]) or die \"connect $ARGV[2]: $!\\n\";"
    "print $s \"$ARGV[0] $ARGV[1] HTTP/1.0\\r\\nHost: docker\\r\\n\\r\\n\";"
    "local $/; my $r = <$s>; print $r if defined $r;";

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return s;
}

// Digits of `s` as a number; false when `s` is empty, not all digits, or above `max`.
bool Number(std::string_view s, int64_t max, int64_t* out) {
  if (s.empty()) return false;
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
    if (v > max) return false;
  }
  *out = v;
  return true;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

Result<std::string> Dechunk(std::string_view in) {
  std::string out;
  while (true) {
    size_t eol = in.find("\r\n");
    if (eol == std::string_view::npos) return Fail(Error::Internal("chunked reply cut short"));
    std::string_view line = in.substr(0, eol);
    line = Trim(line.substr(0, line.find(';')));
    if (line.empty() || line.size() > 15) return Fail(Error::Internal("bad chunk size"));
    size_t size = 0;
    for (char c : line) {
      int d = HexDigit(c);
      if (d < 0) return Fail(Error::Internal("bad chunk size"));
      size = size * 16 + static_cast<size_t>(d);
    }
    in.remove_prefix(eol + 2);
    if (size == 0) return out;  // trailers, if any, are of no interest
    if (in.size() < size + 2 || in.substr(size, 2) != "\r\n") {
      return Fail(Error::Internal("chunked reply cut short"));
    }
    out.append(in.substr(0, size));
    in.remove_prefix(size + 2);
  }
}

// Days since 1970-01-01 of a proleptic Gregorian date.
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

class NodeSocketTransport final : public DockerTransport {
 public:
  NodeSocketTransport(DockerClient* host, std::string container_id, std::string node_name,
                      size_t max_reply)
      : host_(host),
        container_id_(std::move(container_id)),
        max_reply_(max_reply),
        url_("exec://" + node_name + std::string(kNodeSocket)) {}

  Result<HttpReply> Send(std::string_view method, const std::string& path, const std::string& body,
                         std::string_view, std::chrono::milliseconds timeout) override {
    if (!body.empty()) {
      return Fail(Error::Internal("the node socket transport sends no request bodies"));
    }
    const bool clean =
        !path.empty() && path[0] == '/' && std::none_of(path.begin(), path.end(), [](char c) {
          return static_cast<unsigned char>(c) <= ' ' || c == 0x7f;
        });
    if (!clean || method.empty()) return Fail(Error::Internal("bad request path " + path));
    auto unavailable = [this](const std::string& why) {
      return Fail(Error::Unavailable("Docker Engine at " + url_ + " is not reachable: " + why));
    };
    auto exec = host_->ExecCreate(container_id_, NodeSocketCommand(method, path));
    if (!exec) return unavailable(exec.error().message());
    auto out = host_->ExecStart(*exec, timeout, max_reply_);
    if (!out) return unavailable(out.error().message());
    if (out->truncated) {
      return Fail(Error::Internal("reply of " + url_ + " to GET " + path + " is longer than " +
                                  std::to_string(max_reply_) + " bytes"));
    }
    if (out->timed_out) return unavailable("no complete reply in time");
    auto state = host_->ExecInspect(*exec);
    if (!state) return unavailable(state.error().message());
    if (state->running) return unavailable("the HTTP client is still running");
    if (state->exit_code != 0) {
      std::string text = out->output.substr(0, 300);
      while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
      return unavailable("the HTTP client in the node exited with " +
                         std::to_string(state->exit_code) + (text.empty() ? "" : ": " + text));
    }
    auto reply = ParseRawHttpReply(out->output);
    if (!reply) return unavailable(reply.error().message());
    return reply;
  }

  const std::string& url() const override { return url_; }

 private:
  DockerClient* const host_;
  const std::string container_id_;
  const size_t max_reply_;
  const std::string url_;
};

bool Placed(const std::string& state) {
  return state == "assigned" || state == "accepted" || state == "preparing" || state == "ready" ||
         state == "starting" || state == "running";
}

bool Unplaced(const SwarmTask& t) {
  return t.node_id.empty() && (t.state == "new" || t.state == "allocated" || t.state == "pending");
}

}  // namespace

std::vector<std::string> NodeSocketCommand(std::string_view method, const std::string& path) {
  return {"perl",
          "-e",
          kHttpClient,
          std::string(method),
          std::string(kApiPrefix) + path,
          std::string(kNodeSocket)};
}

bool LacksResources(std::string_view err) {
  return err.rfind("no suitable node", 0) == 0 &&
         err.find("insufficient resources on ") != std::string_view::npos;
}

bool ParseEngineTime(std::string_view s, TimePoint* out) {
  // YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
      s[13] != ':' || s[16] != ':') {
    return false;
  }
  int64_t year, month, day, hour, minute, second;
  if (!Number(s.substr(0, 4), 9999, &year) || !Number(s.substr(5, 2), 12, &month) ||
      !Number(s.substr(8, 2), 31, &day) || !Number(s.substr(11, 2), 23, &hour) ||
      !Number(s.substr(14, 2), 59, &minute) || !Number(s.substr(17, 2), 60, &second) || month < 1 ||
      day < 1) {
    return false;
  }
  size_t i = 19;
  int64_t micros = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    size_t digits = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
      if (digits < 6) micros = micros * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return false;
    for (size_t d = digits; d < 6; ++d) micros *= 10;
  }
  if (i >= s.size()) return false;
  int64_t offset = 0;  // seconds east of UTC
  if (s[i] == 'Z' || s[i] == 'z') {
    ++i;
  } else if (s[i] == '+' || s[i] == '-') {
    int64_t oh, om;
    if (s.size() - i != 6 || s[i + 3] != ':' || !Number(s.substr(i + 1, 2), 23, &oh) ||
        !Number(s.substr(i + 4, 2), 59, &om)) {
      return false;
    }
    offset = (s[i] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
    i += 6;
  } else {
    return false;
  }
  if (i != s.size()) return false;
  const int64_t secs =
      DaysFromCivil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset;
  *out = TimePoint(std::chrono::microseconds(secs * 1'000'000 + micros));
  return true;
}

Result<HttpReply> ParseRawHttpReply(std::string_view raw) {
  size_t head_end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || head_end == std::string_view::npos) {
    std::string start(raw.substr(0, 80));
    for (char& c : start) {
      if (static_cast<unsigned char>(c) < ' ') c = ' ';
    }
    return Fail(Error::Internal(raw.empty() ? std::string("empty reply")
                                            : "not an HTTP reply: '" + start + "'"));
  }
  std::string_view head = raw.substr(0, head_end);
  std::string_view rest = raw.substr(head_end + 4);
  size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  // "HTTP/1.x NNN reason"
  int64_t status = 0;
  if (status_line.size() < 12 || status_line[8] != ' ' ||
      !Number(status_line.substr(9, 3), 999, &status) ||
      (status_line.size() > 12 && status_line[12] != ' ')) {
    return Fail(
        Error::Internal("bad HTTP status line '" + std::string(status_line.substr(0, 80)) + "'"));
  }
  HttpReply r;
  r.status = static_cast<long>(status);
  bool chunked = false;
  int64_t length = -1;
  std::string_view headers = eol == std::string_view::npos ? "" : head.substr(eol + 2);
  while (!headers.empty()) {
    size_t e = headers.find("\r\n");
    std::string_view line = headers.substr(0, e);
    headers = e == std::string_view::npos ? "" : headers.substr(e + 2);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = Trim(line.substr(0, colon));
    std::string_view value = Trim(line.substr(colon + 1));
    if (IEquals(name, "Content-Type")) r.content_type = std::string(value);
    if (IEquals(name, "Transfer-Encoding") && IEquals(value, "chunked")) chunked = true;
    if (IEquals(name, "Content-Length")) {
      if (!Number(value, int64_t{1} << 40, &length)) {
        return Fail(
            Error::Internal("bad Content-Length '" + std::string(value.substr(0, 40)) + "'"));
      }
    }
  }
  if (chunked) {
    MAGNUM_ASSIGN_OR_RETURN(r.body, Dechunk(rest));
  } else if (length >= 0) {
    if (rest.size() < static_cast<size_t>(length)) {
      return Fail(Error::Internal("reply cut short: " + std::to_string(rest.size()) + " of " +
                                  std::to_string(length) + " bytes"));
    }
    r.body = std::string(rest.substr(0, static_cast<size_t>(length)));
  } else {
    r.body = std::string(rest);  // HTTP/1.0: the body ends with the connection
  }
  return r;
}

Result<Workload> BuildWorkload(const ClusterState& cluster,
                               const std::vector<NodeRecord>& containers,
                               const std::vector<SwarmNode>& nodes,
                               const std::vector<SwarmTask>& tasks,
                               const std::vector<SwarmService>& services) {
  Workload w;
  std::map<std::string, std::string> service_names;
  for (const auto& s : services) service_names[s.id] = s.name;
  for (const auto& c : containers) {
    WorkloadNode n;
    n.name = c.name;
    n.address = c.ip;
    n.nodegroup_uuid = c.nodegroup_uuid;
    n.master = c.master;
    // A node that re-joined has a new swarm entry and may keep an old one (down) of the
    // same hostname: the best entry gives the state, the tasks of all of them count.
    const SwarmNode* best = nullptr;
    std::vector<std::string> ids;
    for (const auto& s : nodes) {
      if (s.hostname != c.name) continue;
      ids.push_back(s.id);
      if (best == nullptr || (best->state != "ready" && s.state == "ready")) best = &s;
    }
    if (best != nullptr) {
      n.master = n.master || best->role == "manager";
      n.ready = best->state == "ready" && c.running();
      n.schedulable = best->availability == "active";
      n.cpus = static_cast<double>(best->nano_cpus) / 1e9;
      n.memory_bytes = best->memory_bytes;
      if (n.address.empty()) n.address = best->addr;
      if (n.nodegroup_uuid.empty()) {
        auto label = best->labels.find("magnum.nodegroup");
        if (label != best->labels.end()) {
          if (const NodeGroupState* ng = cluster.FindNodeGroup(label->second)) {
            n.nodegroup_uuid = ng->uuid;
          }
        }
      }
      for (const auto& t : tasks) {
        if (t.desired_state != "running" || !Placed(t.state)) continue;
        if (std::find(ids.begin(), ids.end(), t.node_id) == ids.end()) continue;
        n.reserved_cpus += static_cast<double>(t.reserved_nano_cpus) / 1e9;
        // Each reservation is at most INT64_MAX (the parser's bound): their sum saturates
        // there instead of overflowing (found by fuzz_engine_workload).
        if (__builtin_add_overflow(n.reserved_memory_bytes, t.reserved_memory_bytes,
                                   &n.reserved_memory_bytes)) {
          n.reserved_memory_bytes = std::numeric_limits<int64_t>::max();
        }
        ++n.running_tasks;
      }
    }
    w.nodes.push_back(std::move(n));
  }
  for (const auto& t : tasks) {
    if (t.desired_state != "running" || !Unplaced(t)) continue;
    PendingTask p;
    p.id = t.id;
    auto name = service_names.find(t.service_id);
    p.service = name != service_names.end() && !name->second.empty() ? name->second : t.service_id;
    p.cpus = static_cast<double>(t.reserved_nano_cpus) / 1e9;
    p.memory_bytes = t.reserved_memory_bytes;
    p.lacks_resources = LacksResources(t.err);
    p.reason = t.err.empty() ? t.message : t.err;
    if (!ParseEngineTime(t.created_at, &p.since)) {
      return Fail(Error::Internal("unexpected Docker Engine reply to task list: task " + t.id +
                                  " has CreatedAt '" + t.created_at.substr(0, 40) +
                                  "', not a time"));
    }
    w.pending.push_back(std::move(p));
  }
  return w;
}

std::unique_ptr<DockerTransport> NewNodeSocketTransport(DockerClient* host,
                                                        std::string container_id,
                                                        std::string node_name, size_t max_reply) {
  return std::make_unique<NodeSocketTransport>(host, std::move(container_id), std::move(node_name),
                                               max_reply);
}

Result<Workload> ObserveClusterWorkload(DriverCore& core, const ClusterState& cluster) {
  if (core.host_error) return Fail(*core.host_error);
  auto context = [&cluster](const Error& e) {
    return Error(e.code(), "workload of cluster " + cluster.name + ": " + e.message());
  };
  auto containers = core.host->ListContainers(ClusterFilter(cluster.uuid));
  if (!containers) return Fail(context(containers.error()));
  std::vector<NodeRecord> records = NodesFromContainers(*containers);
  std::optional<Error> last;
  // Any manager answers for the swarm; the first running one that does is asked.
  for (const auto& m : records) {
    if (!m.master || !m.running()) continue;
    DockerClient mc(NewNodeSocketTransport(core.host.get(), m.container_id, m.name), 10s);
    auto nodes = mc.ListNodes();
    if (!nodes) {
      last = nodes.error();
      continue;
    }
    auto tasks = mc.ListTasks({{"desired-state", {"running"}}});
    if (!tasks) {
      last = tasks.error();
      continue;
    }
    auto services = mc.ListServices();
    if (!services) {
      last = services.error();
      continue;
    }
    auto w = BuildWorkload(cluster, records, *nodes, *tasks, *services);
    if (!w) return Fail(context(w.error()));
    return w;
  }
  if (last) return Fail(context(*last));
  return Fail(Error::Unavailable("workload of cluster " + cluster.name +
                                 ": no manager node container is running"));
}

}  // namespace magnum::drivers::docker
