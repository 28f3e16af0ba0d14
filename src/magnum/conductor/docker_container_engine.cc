// DockerContainerEngine: containers on a cluster's own Docker Engine (docker_container_engine.h).
#include "magnum/conductor/docker_container_engine.h"

#include <algorithm>
#include <limits>
#include <thread>
#include <utility>

#include "magnum/conductor/certificates.h"
#include "magnum/config/config.h"

namespace magnum::conductor {

using drivers::docker::BoundedOutput;
using drivers::docker::ContainerInfo;
using drivers::docker::ContainerSpec;
using drivers::docker::DockerClient;
using drivers::docker::DockerEndpoint;
using drivers::docker::ExecState;
using objects::ContainerStatus;

Result<std::vector<std::string>> SplitCommandWords(std::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;  // a word has begun (also an empty quoted one: '')
  size_t i = 0;
  const size_t n = command.size();
  auto blank = [](char c) { return c == ' ' || c == '\t' || c == '\n'; };
  while (i < n) {
    const char c = command[i];
    if (blank(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      ++i;
    } else if (c == '\\') {
      if (i + 1 >= n) {
        return Fail(
            Error::InvalidArgument("command ends with a backslash: " + std::string(command) +
                                   "; quote it ('\\\\' or '\\') to pass a backslash"));
      }
      if (command[i + 1] != '\n') {  // backslash-newline joins lines
        word += command[i + 1];
        in_word = true;
      }
      i += 2;
    } else if (c == '\'') {
      const size_t end = command.find('\'', i + 1);
      if (end == std::string_view::npos) {
        return Fail(Error::InvalidArgument("command has an unterminated single quote: " +
                                           std::string(command)));
      }
      word.append(command.substr(i + 1, end - i - 1));
      in_word = true;
      i = end + 1;
    } else if (c == '"') {
      ++i;
      bool closed = false;
      while (i < n) {
        const char d = command[i];
        if (d == '"') {
          closed = true;
          ++i;
          break;
        }
        if (d == '\\' && i + 1 < n &&
            (command[i + 1] == '"' || command[i + 1] == '\\' || command[i + 1] == '$' ||
             command[i + 1] == '`' || command[i + 1] == '\n')) {
          if (command[i + 1] != '\n') word += command[i + 1];
          i += 2;
          continue;
        }
        word += d;
        ++i;
      }
      if (!closed) {
        return Fail(Error::InvalidArgument("command has an unterminated double quote: " +
                                           std::string(command)));
      }
      in_word = true;
    } else {
      word += c;
      in_word = true;
      ++i;
    }
  }
  if (in_word) words.push_back(std::move(word));
  return words;
}

ContainerObserved ObservedFromEngine(const ContainerInfo& info) {
  ContainerObserved o;
  o.docker_id = info.id;
  const std::string& s = info.state;
  if (!info.error.empty() && !info.running) {
    o.status = ContainerStatus::kError;
    o.status_reason = "the Docker Engine reports: " + info.error;
  } else if (s == "paused") {
    o.status = ContainerStatus::kPaused;
  } else if (s == "running" || s == "restarting") {
    o.status = ContainerStatus::kRunning;
  } else if (s == "created" || s == "exited") {
    o.status = ContainerStatus::kStopped;
  } else if (s == "dead") {
    o.status = ContainerStatus::kError;
    o.status_reason =
        "the Docker Engine reports the container dead (a removal that failed); delete it";
  } else {
    o.status = ContainerStatus::kUnknown;
    o.status_reason = "the Docker Engine reports state '" + s + "'";
  }
  return o;
}

ContainerEndpointSource CertificateEndpointSource(ClusterCertificates* certificates) {
  return [certificates](const objects::Cluster& cluster) -> Result<DockerEndpoint> {
    const std::string address = cluster.api_address.value_or("");
    if (address.empty()) {
      return Fail(Error::FailedPrecondition(
          "cluster " + cluster.uuid +
          " has no API address yet, so its Docker Engine cannot be reached; wait until the "
          "cluster is CREATE_COMPLETE"));
    }
    if (address.rfind("tcp://", 0) != 0) {
      return Fail(Error::FailedPrecondition(
          "cluster " + cluster.uuid + " has no Docker endpoint (its API address " + address +
          " is not tcp://host:port); containers need a swarm cluster"));
    }
    const std::string ref = cluster.magnum_cert_ref.value_or("");
    if (ref.empty()) {
      return Fail(Error::FailedPrecondition(
          "cluster " + cluster.uuid +
          " has no Magnum client certificate (magnum_cert_ref), so its Docker Engine "
          "cannot be reached over TLS; rotate the cluster's CA to issue one"));
    }
    auto pair = certificates->LoadKeyPair(ref);
    if (!pair) {
      return Fail(Error::FailedPrecondition("the Magnum client certificate of cluster " +
                                            cluster.uuid +
                                            " cannot be loaded: " + pair.error().message()));
    }
    auto ca = certificates->GetCaCertificate(cluster.uuid, "");
    if (!ca) {
      return Fail(Error::FailedPrecondition("the CA certificate of cluster " + cluster.uuid +
                                            " cannot be loaded: " + ca.error().message()));
    }
    return DockerEndpoint{address, *ca, pair->certificate_pem, pair->private_key_pem};
  };
}

namespace {

// Drops an incomplete UTF-8 sequence at the end of output cut at its bound, so that a cut
// never splits a character (the rest is passed as the command wrote it).
void TrimPartialUtf8(std::string& s) {
  size_t i = s.size();
  size_t back = 0;  // continuation bytes at the end
  while (i > 0 && back < 3 && (static_cast<unsigned char>(s[i - 1]) & 0xC0) == 0x80) {
    --i;
    ++back;
  }
  if (i == 0) return;
  const auto lead = static_cast<unsigned char>(s[i - 1]);
  size_t need = 0;  // continuation bytes the lead byte announces
  if ((lead & 0xE0) == 0xC0) {
    need = 1;
  } else if ((lead & 0xF0) == 0xE0) {
    need = 2;
  } else if ((lead & 0xF8) == 0xF0) {
    need = 3;
  } else {
    return;  // ASCII or not UTF-8: nothing to trim
  }
  if (back < need) s.resize(i - 1);
}

std::string NameOf(const objects::Container& c) {
  return c.name.value_or("").empty() ? "magnum-" + c.uuid.substr(0, 8) : *c.name;
}

// How a container is named in messages.
std::string Describe(const objects::Container& c) {
  return "container " + NameOf(c) + " (" + c.uuid + ")";
}

class DockerContainerEngine final : public ContainerEngine {
 public:
  DockerContainerEngine(ContainerEndpointSource endpoints, DockerContainerEngineOptions options,
                        ContainerTransportFactory transports)
      : endpoints_(std::move(endpoints)), options_(options), transports_(std::move(transports)) {
    if (!transports_) {
      transports_ = [](const DockerEndpoint& ep) { return drivers::docker::NewCurlTransport(ep); };
    }
  }

  Result<ContainerObserved> Create(const objects::Cluster& cluster,
                                   const objects::Container& container) override {
    ContainerSpec spec;
    spec.name = NameOf(container);
    spec.image = container.image.value_or("");
    if (spec.image.empty()) {
      return Fail(Error::InvalidArgument(Describe(container) + " has no image"));
    }
    spec.labels[std::string(kContainerUuidLabel)] = container.uuid;
    if (!container.command.value_or("").empty()) {
      MAGNUM_ASSIGN_OR_RETURN(spec.cmd, SplitCommandWords(*container.command));
    }
    if (!container.memory.value_or("").empty()) {
      MAGNUM_ASSIGN_OR_RETURN(spec.memory_bytes, objects::DockerMemoryBytes(*container.memory));
    }
    if (container.environment) {
      for (const auto& kv : *container.environment) spec.env.push_back(kv.first + "=" + kv.second);
    }
    MAGNUM_ASSIGN_OR_RETURN(auto client, Connect(cluster));
    auto id = client->CreateContainer(spec);
    if (!id) {
      const Error& e = id.error();
      if (e.Is(ErrorCode::kNotFound)) {
        return Fail(Error::InvalidArgument(
            "image " + spec.image + " is not on the Docker Engine of cluster " + cluster.uuid +
            " (" + e.message() +
            "); the cluster cannot reach a registry, so the image must be loaded on the "
            "cluster's nodes first (docker load or docker import through the cluster's "
            "endpoint)"));
      }
      if (e.Is(ErrorCode::kConflict)) {
        // A create retried after the Engine made it: the container with our label is ours.
        auto found = FindByLabel(*client, container);
        if (found && !found->empty()) return Observe(*client, cluster, container, *found);
        return Fail(Error::Conflict(
            "a container named " + spec.name + " already exists on the Docker Engine of cluster " +
            cluster.uuid + " (" + e.message() + "); choose another name or remove that container"));
      }
      return Fail(Explain(e, "create " + Describe(container), cluster));
    }
    auto observed = Observe(*client, cluster, container, *id);
    if (!observed) {
      ContainerObserved o;  // created; the Engine will say more on the next show
      o.status = ContainerStatus::kStopped;
      o.docker_id = *id;
      return o;
    }
    return observed;
  }

  Result<ContainerObserved> Show(const objects::Cluster& cluster,
                                 const objects::Container& container) override {
    MAGNUM_ASSIGN_OR_RETURN(auto client, Connect(cluster));
    MAGNUM_ASSIGN_OR_RETURN(std::string id, Resolve(*client, cluster, container));
    return Observe(*client, cluster, container, id);
  }

  Result<ContainerObserved> Act(const objects::Cluster& cluster,
                                const objects::Container& container,
                                ContainerAction action) override {
    MAGNUM_ASSIGN_OR_RETURN(auto client, Connect(cluster));
    MAGNUM_ASSIGN_OR_RETURN(std::string id, Resolve(*client, cluster, container));
    Result<void> done;
    std::string what;
    switch (action) {
      case ContainerAction::kStart:
        what = "start";
        done = client->StartContainer(id);
        break;
      case ContainerAction::kStop:
        what = "stop";
        done = client->StopContainer(id, options_.stop_timeout_s);
        break;
      case ContainerAction::kReboot:
        what = "reboot";
        done = client->RestartContainer(id, options_.stop_timeout_s);
        break;
      case ContainerAction::kPause:
        what = "pause";
        done = client->PauseContainer(id);
        break;
      case ContainerAction::kUnpause:
        what = "unpause";
        done = client->UnpauseContainer(id);
        break;
    }
    if (!done) {
      const Error& e = done.error();
      if (e.Is(ErrorCode::kInvalidArgument) &&
          (action == ContainerAction::kStart || action == ContainerAction::kReboot)) {
        // The Engine refuses to start a process it cannot run (exit code 127/126).
        return Fail(Error::InvalidArgument(
            Describe(container) + " cannot " + what + ": " + e.message() +
            "; its command runs without a shell, so its first word must be an executable "
            "in image " +
            container.image.value_or("?") + " (give a full path, or use e.g. sh -c '...')"));
      }
      if (e.Is(ErrorCode::kConflict)) {
        return Fail(Error::Conflict(Describe(container) + " cannot " + what +
                                    " in its current state: " + e.message() + "; " +
                                    AdviceFor(action)));
      }
      return Fail(Explain(e, what + " " + Describe(container), cluster));
    }
    return Observe(*client, cluster, container, id);
  }

  Result<CommandOutput> Logs(const objects::Cluster& cluster, const objects::Container& container,
                             const ContainerLimits& limits) override {
    MAGNUM_ASSIGN_OR_RETURN(auto client, Connect(cluster));
    MAGNUM_ASSIGN_OR_RETURN(std::string id, Resolve(*client, cluster, container));
    auto logs = client->ContainerLogsBounded(id, limits.max_output_bytes);
    if (!logs) {
      return Fail(Explain(logs.error(), "read the logs of " + Describe(container), cluster));
    }
    CommandOutput out;
    out.output = std::move(logs->output);
    out.truncated = logs->truncated || logs->timed_out;
    if (logs->truncated) TrimPartialUtf8(out.output);
    out.exit_code = -1;
    return out;
  }

  Result<CommandOutput> Execute(const objects::Cluster& cluster,
                                const objects::Container& container, const std::string& command,
                                const ContainerLimits& limits) override {
    MAGNUM_ASSIGN_OR_RETURN(std::vector<std::string> argv, SplitCommandWords(command));
    if (argv.empty()) return Fail(Error::InvalidArgument("the command to execute is empty"));
    const auto deadline = std::chrono::steady_clock::now() + limits.execute_timeout;
    MAGNUM_ASSIGN_OR_RETURN(auto client, Connect(cluster));
    MAGNUM_ASSIGN_OR_RETURN(std::string id, Resolve(*client, cluster, container));
    MAGNUM_ASSIGN_OR_RETURN(ContainerObserved now, Observe(*client, cluster, container, id));
    if (now.status != ContainerStatus::kRunning) {
      return Fail(
          Error::Conflict(Describe(container) + " is " +
                          (now.status == ContainerStatus::kPaused ? "paused: unpause it"
                                                                  : "not running: start it") +
                          " before executing a command in it"));
    }
    auto exec = client->ExecCreate(id, argv);
    if (!exec) {
      if (exec.error().Is(ErrorCode::kConflict)) {
        return Fail(Error::Conflict(Describe(container) + " cannot execute a command: " +
                                    exec.error().message() + "; start it first"));
      }
      return Fail(Explain(exec.error(), "execute a command in " + Describe(container), cluster));
    }
    auto left = [&deadline] {
      return std::max(std::chrono::milliseconds(1),
                      std::chrono::duration_cast<std::chrono::milliseconds>(
                          deadline - std::chrono::steady_clock::now()));
    };
    auto out = client->ExecStart(*exec, left(), limits.max_output_bytes);
    if (!out) {
      return Fail(Explain(out.error(), "execute a command in " + Describe(container), cluster));
    }
    CommandOutput result;
    result.output = std::move(out->output);
    result.truncated = out->truncated || out->timed_out;
    if (out->truncated) TrimPartialUtf8(result.output);
    // The exit code: the stream may end (or be cut) just before the Engine records it.
    ExecState st;
    for (;;) {
      auto s = client->ExecInspect(*exec);
      if (!s) {
        return Fail(Explain(s.error(), "read the exit code of a command in " + Describe(container),
                            cluster));
      }
      st = *s;
      if (!st.running || std::chrono::steady_clock::now() >= deadline) break;
      std::this_thread::sleep_for(std::min(options_.exec_poll_interval, left()));
    }
    if (st.running) {
      result.exit_code = -1;  // still running: left in the container
      result.truncated = true;
      return result;
    }
    if (st.pid == 0 && (st.exit_code == 126 || st.exit_code == 127)) {
      // The Engine could not start the process at all: not a command of this image.
      std::string why = result.output;
      while (!why.empty() && (why.back() == '\n' || why.back() == '\r')) why.pop_back();
      return Fail(Error::InvalidArgument(
          "command '" + argv[0] + "' cannot be run in " + Describe(container) + ": " + why +
          "; the command runs without a shell, so its first word must be an executable in "
          "the container (give a full path, or use e.g. sh -c '...')"));
    }
    result.exit_code = st.exit_code;
    return result;
  }

  Result<void> Remove(const objects::Cluster& cluster, const objects::Container& container,
                      bool force) override {
    MAGNUM_ASSIGN_OR_RETURN(auto client, Connect(cluster));
    auto id = Resolve(*client, cluster, container);
    if (!id) {
      if (id.error().Is(ErrorCode::kNotFound)) return {};
      return Fail(id.error());
    }
    auto done = client->RemoveContainer(*id, force, /*volumes=*/true);
    if (done || done.error().Is(ErrorCode::kNotFound)) return {};
    if (done.error().Is(ErrorCode::kConflict)) {
      return Fail(Error::Conflict(Describe(container) + " cannot be deleted: " +
                                  done.error().message() + "; stop it first or pass force=true"));
    }
    return Fail(Explain(done.error(), "delete " + Describe(container), cluster));
  }

 private:
  Result<std::unique_ptr<DockerClient>> Connect(const objects::Cluster& cluster) {
    MAGNUM_ASSIGN_OR_RETURN(DockerEndpoint ep, endpoints_(cluster));
    return std::make_unique<DockerClient>(transports_(ep), options_.request_timeout);
  }

  Result<std::string> FindByLabel(DockerClient& client, const objects::Container& container) {
    MAGNUM_ASSIGN_OR_RETURN(
        auto list,
        client.ListContainers(
            {{"label", {std::string(kContainerUuidLabel) + "=" + container.uuid}}}, true));
    return list.empty() ? std::string() : list.front().id;
  }

  // The Engine's id of `container`: its docker_id, else the one with its label.
  Result<std::string> Resolve(DockerClient& client, const objects::Cluster& cluster,
                              const objects::Container& container) {
    if (!container.docker_id.value_or("").empty()) return *container.docker_id;
    auto found = FindByLabel(client, container);
    if (!found) return Fail(Explain(found.error(), "find " + Describe(container), cluster));
    if (found->empty()) return Fail(Gone(cluster, container));
    return found;
  }

  Result<ContainerObserved> Observe(DockerClient& client, const objects::Cluster& cluster,
                                    const objects::Container& container, const std::string& id) {
    auto info = client.InspectContainer(id);
    if (!info) {
      if (info.error().Is(ErrorCode::kNotFound)) return Fail(Gone(cluster, container));
      return Fail(Explain(info.error(), "inspect " + Describe(container), cluster));
    }
    return ObservedFromEngine(*info);
  }

  static Error Gone(const objects::Cluster& cluster, const objects::Container& container) {
    return Error::NotFound(Describe(container) + " is gone from the Docker Engine of cluster " +
                           cluster.uuid + ": it was removed outside Magnum; delete it from Magnum");
  }

  static std::string AdviceFor(ContainerAction action) {
    switch (action) {
      case ContainerAction::kStart:
        return "a paused container is unpaused, not started";
      case ContainerAction::kStop:
      case ContainerAction::kReboot:
        return "unpause it first if it is paused";
      case ContainerAction::kPause:
        return "only a running container can be paused";
      case ContainerAction::kUnpause:
        return "only a paused container can be unpaused";
    }
    return "";
  }

  // An Engine failure with what we were doing and what to do next; the code is kept
  // (kUnavailable → 503, kFailedPrecondition → 400) but for Engine-side errors, which
  // become kInternal.
  static Error Explain(const Error& e, const std::string& what, const objects::Cluster& cluster) {
    const std::string where =
        "the Docker Engine of cluster " + cluster.uuid + " at " + cluster.api_address.value_or("?");
    switch (e.code()) {
      case ErrorCode::kUnavailable:
        return Error::Unavailable("cannot " + what + ": " + where + " cannot be reached (" +
                                  e.message() +
                                  "); check that the cluster's manager node is running "
                                  "(its health status) and retry");
      case ErrorCode::kFailedPrecondition:
        return Error::FailedPrecondition(
            "cannot " + what + ": TLS with " + where + " failed (" + e.message() +
            "); the cluster's certificates may have been rotated without its nodes");
      case ErrorCode::kInvalidArgument:
        return Error::InvalidArgument("cannot " + what + ": " + where +
                                      " refused the request: " + e.message());
      case ErrorCode::kNotFound:
      case ErrorCode::kConflict:
        return Error(e.code(), "cannot " + what + ": " + e.message());
      default:
        return Error::Internal("cannot " + what + ": " + where + " failed: " + e.message());
    }
  }

  const ContainerEndpointSource endpoints_;
  const DockerContainerEngineOptions options_;
  ContainerTransportFactory transports_;
};

}  // namespace

DockerContainerEngineOptions DockerContainerEngineOptionsFrom(const config::Config& config) {
  DockerContainerEngineOptions o;
  o.request_timeout = std::chrono::seconds(std::clamp(config.containers_request_timeout, 1, 600));
  return o;
}

std::unique_ptr<ContainerEngine> NewDockerContainerEngine(ContainerEndpointSource endpoints,
                                                          DockerContainerEngineOptions options,
                                                          ContainerTransportFactory transports) {
  return std::make_unique<DockerContainerEngine>(std::move(endpoints), options,
                                                 std::move(transports));
}

}  // namespace magnum::conductor
