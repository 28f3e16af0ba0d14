#include "magnum/drivers/docker/image_builder.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <deque>
#include <filesystem>
#include <mutex>
#include <optional>

extern char** environ;

#ifndef MAGNUM_SOURCE_DIR
#define MAGNUM_SOURCE_DIR ""
#endif

namespace magnum::drivers::docker {
namespace {

namespace fs = std::filesystem;

// Owns a file descriptor.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept {
    reset(o.release());
    return *this;
  }
  ~Fd() { reset(); }
  int get() const { return fd_; }
  int release() {
    int f = fd_;
    fd_ = -1;
    return f;
  }
  void reset(int f = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = f;
  }

 private:
  int fd_ = -1;
};

Result<std::pair<Fd, Fd>> Pipe() {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) {
    return Fail(Error::Internal(std::string("pipe: ") + std::strerror(errno)));
  }
  return std::make_pair(Fd(p[0]), Fd(p[1]));
}

class ScriptImageSource final : public ImageSource {
 public:
  ScriptImageSource(ScriptImageSourceOptions options,
                    std::function<bool(const std::string&)> image_exists)
      : options_(std::move(options)), image_exists_(std::move(image_exists)) {}

  Result<NodeImages> Ensure(const std::function<void(std::string_view)>& progress,
                            const std::function<bool()>& cancelled) override {
    std::lock_guard lock(mu_);
    if (cached_ && image_exists_(cached_->node) && image_exists_(cached_->workload)) {
      return *cached_;
    }
    if (options_.script.empty() || !fs::exists(options_.script)) {
      return Fail(Error::Internal(
          "the node image build script was not found (set [docker] image_build_script to "
          "scripts/build-node-image.sh)"));
    }
    std::vector<std::string> argv = {"/bin/bash", options_.script};
    if (!options_.cache_dir.empty()) {
      argv.push_back("--cache-dir");
      argv.push_back(options_.cache_dir);
    }
    std::vector<std::string> env;
    if (!options_.docker_host.empty()) env.push_back("DOCKER_HOST=" + options_.docker_host);
    MAGNUM_ASSIGN_OR_RETURN(ProcessResult r,
                            RunProcess(argv, env, progress, cancelled, options_.timeout));
    if (r.exit_code != 0) {
      std::string tail;
      for (const auto& l : r.last_lines) tail += (tail.empty() ? "" : " | ") + l;
      if (r.exit_code == -1 && cancelled && cancelled()) {
        return Fail(Error::Unavailable("node image build cancelled"));
      }
      return Fail(Error::Internal("node image build failed (" + options_.script + " exit " +
                                  std::to_string(r.exit_code) + "): " + tail));
    }
    MAGNUM_ASSIGN_OR_RETURN(NodeImages images, ParseBuildOutput(r.out));
    cached_ = images;
    return images;
  }

 private:
  const ScriptImageSourceOptions options_;
  const std::function<bool(const std::string&)> image_exists_;
  std::mutex mu_;                     // serialises builds
  std::optional<NodeImages> cached_;  // guarded by mu_
};

}  // namespace

std::unique_ptr<ImageSource> NewScriptImageSource(
    ScriptImageSourceOptions options, std::function<bool(const std::string&)> image_exists) {
  return std::make_unique<ScriptImageSource>(std::move(options), std::move(image_exists));
}

Result<NodeImages> ParseBuildOutput(std::string_view text) {
  NodeImages out;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? text.npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    if (line.rfind("NODE_IMAGE=", 0) == 0) out.node = std::string(line.substr(11));
    if (line.rfind("WORKLOAD_IMAGE=", 0) == 0) out.workload = std::string(line.substr(15));
  }
  if (out.node.empty() || out.workload.empty()) {
    return Fail(Error::Internal("the node image build printed no NODE_IMAGE/WORKLOAD_IMAGE: '" +
                                std::string(text.substr(0, 200)) + "'"));
  }
  return out;
}

std::string FindBuildScript(const std::string& configured) {
  if (!configured.empty()) return configured;
  std::vector<fs::path> candidates;
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    fs::path dir = exe.parent_path();
    candidates.push_back(dir / "../scripts/build-node-image.sh");
    candidates.push_back(dir / "../share/magnum/scripts/build-node-image.sh");
  }
  if (std::string(MAGNUM_SOURCE_DIR).size() > 0) {
    candidates.push_back(fs::path(MAGNUM_SOURCE_DIR) / "scripts/build-node-image.sh");
  }
  for (const auto& c : candidates) {
    if (fs::exists(c, ec)) return fs::weakly_canonical(c, ec).string();
  }
  return candidates.empty() ? std::string() : candidates.back().string();
}

Result<ProcessResult> RunProcess(const std::vector<std::string>& argv,
                                 const std::vector<std::string>& env,
                                 const std::function<void(std::string_view)>& on_line,
                                 const std::function<bool()>& cancelled,
                                 std::chrono::milliseconds timeout) {
  MAGNUM_ASSIGN_OR_RETURN(auto out_pipe, Pipe());
  MAGNUM_ASSIGN_OR_RETURN(auto err_pipe, Pipe());
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, out_pipe.second.get(), 1);
  posix_spawn_file_actions_adddup2(&fa, err_pipe.second.get(), 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);  // own process group, so a kill reaches its children

  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) env_strings.emplace_back(*e);
  for (const auto& kv : env) {
    std::string key = kv.substr(0, kv.find('='));
    std::erase_if(env_strings, [&](const std::string& s) { return s.rfind(key + "=", 0) == 0; });
    env_strings.push_back(kv);
  }
  std::vector<char*> envp, args;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> argv_copy = argv;
  for (auto& s : argv_copy) args.push_back(s.data());
  args.push_back(nullptr);

  pid_t pid = -1;
  int rc = posix_spawn(&pid, args[0], &fa, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return Fail(Error::Internal("cannot run " + argv[0] + ": " + std::strerror(rc)));
  out_pipe.second.reset();
  err_pipe.second.reset();

  ProcessResult res;
  std::deque<std::string> tail;
  std::string err_buf;
  auto flush_lines = [&](bool all) {
    size_t nl;
    while ((nl = err_buf.find('\n')) != std::string::npos || (all && !err_buf.empty())) {
      std::string line = err_buf.substr(0, nl == std::string::npos ? err_buf.size() : nl);
      err_buf.erase(0, nl == std::string::npos ? err_buf.size() : nl + 1);
      if (on_line) on_line(line);
      tail.push_back(line);
      if (tail.size() > 8) tail.pop_front();
    }
  };
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool killed = false, hard_killed = false;
  std::chrono::steady_clock::time_point killed_at;
  int open_fds = 2;
  pollfd fds[2] = {{out_pipe.first.get(), POLLIN, 0}, {err_pipe.first.get(), POLLIN, 0}};
  while (open_fds > 0) {
    int n = ::poll(fds, 2, 200);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < 2 && n > 0; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      char buf[4096];
      ssize_t got = ::read(fds[i].fd, buf, sizeof buf);
      if (got <= 0) {
        fds[i].fd = -1;
        --open_fds;
        continue;
      }
      if (i == 0) {
        res.out.append(buf, static_cast<size_t>(got));
      } else {
        err_buf.append(buf, static_cast<size_t>(got));
        flush_lines(false);
      }
    }
    auto now = std::chrono::steady_clock::now();
    if (!killed && ((cancelled && cancelled()) || now > deadline)) {
      ::kill(-pid, SIGTERM);  // the script's trap removes its work directory
      killed = true;
      killed_at = now;
    } else if (killed && !hard_killed && now > killed_at + std::chrono::seconds(10)) {
      ::kill(-pid, SIGKILL);
      hard_killed = true;
    }
  }
  flush_lines(true);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  res.exit_code = killed ? -1 : (WIFEXITED(status) ? WEXITSTATUS(status) : -1);
  res.last_lines.assign(tail.begin(), tail.end());
  return res;
}

}  // namespace magnum::drivers::docker
