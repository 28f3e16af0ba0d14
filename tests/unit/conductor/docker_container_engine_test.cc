// The Docker ContainerEngine against a scripted fake DockerTransport (requests, state and
// error mapping, bounds), its pure helpers, and the curl transport's bounded reads over a
// real unix socket.
#include "magnum/conductor/docker_container_engine.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <nlohmann/json.hpp>
#include <thread>

#include "conductor_test_util.h"
#include "magnum/config/config.h"

namespace magnum::conductor {
namespace {

using drivers::docker::ContainerInfo;
using drivers::docker::DockerEndpoint;
using drivers::docker::DockerTransport;
using drivers::docker::HttpReply;
using json = nlohmann::json;
using objects::ContainerStatus;

// --- SplitCommandWords -------------------------------------------------------------------

struct SplitCase {
  std::string command;
  std::vector<std::string> words;
};

TEST(SplitCommandWords, SplitsLikeAShell) {
  const std::vector<SplitCase> cases = {
      {"echo hello world", {"echo", "hello", "world"}},
      {"  sh\t -c  'echo a; echo b'  ", {"sh", "-c", "echo a; echo b"}},
      {R"(echo "a \"b\" \$c \n \\ '")", {"echo", R"(a "b" $c \n \ ')"}},
      {R"(a\ b c)", {"a b", "c"}},
      {R"(a\'b)", {"a'b"}},
      {"'$HOME \\ \"'", {"$HOME \\ \""}},
      {"''", {""}},
      {"a''b \"\"", {"ab", ""}},
      {"x'y z'\"w\"", {"xy zw"}},
      {"ls | wc -l; rm -rf /", {"ls", "|", "wc", "-l;", "rm", "-rf", "/"}},
      {"a\\\nb", {"ab"}},
      {"\"a\\\nb\"", {"ab"}},
      {"", {}},
      {"   ", {}},
  };
  for (const auto& c : cases) {
    auto w = SplitCommandWords(c.command);
    ASSERT_TRUE(w) << c.command << ": " << w.error().message();
    EXPECT_EQ(*w, c.words) << c.command;
  }
}

TEST(SplitCommandWords, RefusesUnterminatedQuotesAndTrailingBackslash) {
  for (const std::string bad : {"echo 'x", "echo \"x", "echo x\\", "\"a\\\"", "'"}) {
    auto w = SplitCommandWords(bad);
    ASSERT_FALSE(w) << bad;
    EXPECT_EQ(w.error().code(), ErrorCode::kInvalidArgument) << bad;
  }
  EXPECT_NE(SplitCommandWords("echo 'x").error().message().find("unterminated single quote"),
            std::string::npos);
}

// --- ObservedFromEngine ------------------------------------------------------------------

TEST(ObservedFromEngine, MapsEngineStates) {
  struct Case {
    std::string state;
    bool running;
    std::string error;
    ContainerStatus status;
    std::string reason_has;
  };
  const std::vector<Case> cases = {
      {"running", true, "", ContainerStatus::kRunning, ""},
      {"restarting", true, "", ContainerStatus::kRunning, ""},
      {"paused", true, "", ContainerStatus::kPaused, ""},
      {"created", false, "", ContainerStatus::kStopped, ""},
      {"exited", false, "", ContainerStatus::kStopped, ""},
      {"created", false, "exec: \"nope\": executable file not found", ContainerStatus::kError,
       "executable file not found"},
      {"dead", false, "", ContainerStatus::kError, "dead"},
      {"removing", false, "", ContainerStatus::kUnknown, "removing"},
  };
  for (const auto& c : cases) {
    ContainerInfo info;
    info.id = "abc";
    info.state = c.state;
    info.running = c.running;
    info.error = c.error;
    ContainerObserved o = ObservedFromEngine(info);
    EXPECT_EQ(o.status, c.status) << c.state;
    EXPECT_EQ(o.docker_id, "abc");
    if (c.reason_has.empty()) {
      EXPECT_EQ(o.status_reason, "") << c.state;
    } else {
      EXPECT_NE(o.status_reason.find(c.reason_has), std::string::npos) << o.status_reason;
    }
  }
}

// --- The engine against a scripted fake transport ----------------------------------------

struct Request {
  std::string method, path, body;
  std::chrono::milliseconds timeout{0};
  size_t max_body = 0;  // 0 = Send (unbounded)
};

// One scripted engine shared by every transport the engine makes: answers by handler,
// records every request.
struct FakeEngine {
  std::vector<Request> requests;
  std::function<Result<HttpReply>(const Request&)> handler;
  int transports = 0;
  DockerEndpoint last_endpoint;
};

class FakeTransport final : public DockerTransport {
 public:
  explicit FakeTransport(std::shared_ptr<FakeEngine> e) : e_(std::move(e)) {}
  Result<HttpReply> Send(std::string_view method, const std::string& path, const std::string& body,
                         std::string_view, std::chrono::milliseconds timeout) override {
    Request r{std::string(method), path, body, timeout, 0};
    e_->requests.push_back(r);
    return e_->handler(r);
  }
  Result<HttpReply> SendBounded(std::string_view method, const std::string& path,
                                const std::string& body, std::string_view,
                                std::chrono::milliseconds timeout, size_t max_body) override {
    Request r{std::string(method), path, body, timeout, max_body};
    e_->requests.push_back(r);
    auto reply = e_->handler(r);
    if (reply && reply->body.size() > max_body) {
      reply->body.resize(max_body);
      reply->truncated = true;
    }
    return reply;
  }
  const std::string& url() const override { return url_; }

 private:
  std::shared_ptr<FakeEngine> e_;
  std::string url_ = "tcp://127.0.0.1:40001";
};

HttpReply Json(long status, const json& j) {
  return HttpReply{status, j.dump(), "application/json"};
}
HttpReply Message(long status, const std::string& m) { return Json(status, {{"message", m}}); }
HttpReply NoContent() { return HttpReply{204, "", ""}; }

std::string Frame(char stream, const std::string& payload) {
  std::string f(8, '\0');
  f[0] = stream;
  const auto n = static_cast<uint32_t>(payload.size());
  f[4] = static_cast<char>((n >> 24) & 0xff);
  f[5] = static_cast<char>((n >> 16) & 0xff);
  f[6] = static_cast<char>((n >> 8) & 0xff);
  f[7] = static_cast<char>(n & 0xff);
  return f + payload;
}

json Inspect(const std::string& id, const std::string& status, bool running,
             const std::string& error = "") {
  return {
      {"Id", id},
      {"Name", "/web"},
      {"Config",
       {{"Image", "magnum-workload:latest"}, {"Labels", {{"magnum.container.uuid", "c-uuid"}}}}},
      {"State", {{"Status", status}, {"Running", running}, {"Error", error}}}};
}

class DockerContainerEngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    cluster_.uuid = "cl-uuid";
    cluster_.api_address = "tcp://127.0.0.1:40001";
    container_.uuid = "c-uuid";
    container_.name = "web";
    container_.image = "magnum-workload:latest";
    container_.docker_id = "d1";
    DockerContainerEngineOptions options;
    options.request_timeout = std::chrono::milliseconds(5000);
    options.exec_poll_interval = std::chrono::milliseconds(1);
    engine_ = NewDockerContainerEngine(
        [this](const objects::Cluster& c) -> Result<DockerEndpoint> {
          if (!endpoint_error_.empty()) return Fail(Error::FailedPrecondition(endpoint_error_));
          return DockerEndpoint{*c.api_address, "CA", "CERT", "KEY"};
        },
        options,
        [e = fake_](const DockerEndpoint& ep) {
          ++e->transports;
          e->last_endpoint = ep;
          return std::make_unique<FakeTransport>(e);
        });
  }

  // Handler for one container `d1` in `state`, recording nothing else.
  void EngineWith(std::string state, bool running) {
    fake_->handler = [state, running](const Request& r) -> Result<HttpReply> {
      if (r.method == "GET" && r.path == "/containers/d1/json") {
        return Json(200, Inspect("d1", state, running));
      }
      if (r.method == "POST") return NoContent();
      return Message(500, "unexpected " + r.method + " " + r.path);
    };
  }

  std::vector<std::string> Lines() const {
    std::vector<std::string> out;
    for (const auto& r : fake_->requests) out.push_back(r.method + " " + r.path);
    return out;
  }

  std::shared_ptr<FakeEngine> fake_ = std::make_shared<FakeEngine>();
  std::string endpoint_error_;
  objects::Cluster cluster_;
  objects::Container container_;
  std::unique_ptr<ContainerEngine> engine_;
  ContainerLimits limits_;
};

TEST_F(DockerContainerEngineTest, CreateSendsNameImageCommandEnvMemoryAndLabel) {
  container_.docker_id.reset();
  container_.command = "sh -c 'echo \"hi there\"; sleep 1000'";
  container_.memory = "512m";
  container_.environment = objects::StringMap{{"A", "1"}, {"B", "x y"}};
  fake_->handler = [](const Request& r) -> Result<HttpReply> {
    if (r.method == "POST") return Json(201, {{"Id", "new1"}, {"Warnings", json::array()}});
    return Json(200, Inspect("new1", "created", false));
  };
  auto o = engine_->Create(cluster_, container_);
  ASSERT_TRUE(o) << o.error().message();
  EXPECT_EQ(o->status, ContainerStatus::kStopped);
  EXPECT_EQ(o->docker_id, "new1");
  EXPECT_EQ(Lines(), (std::vector<std::string>{"POST /containers/create?name=web",
                                               "GET /containers/new1/json"}));
  json body = json::parse(fake_->requests[0].body);
  EXPECT_EQ(body["Image"], "magnum-workload:latest");
  EXPECT_EQ(body["Cmd"], json({"sh", "-c", "echo \"hi there\"; sleep 1000"}));
  EXPECT_EQ(body["Env"], json({"A=1", "B=x y"}));
  EXPECT_EQ(body["Labels"], json({{"magnum.container.uuid", "c-uuid"}}));
  EXPECT_EQ(body["HostConfig"]["Memory"], int64_t{512} << 20);
  EXPECT_FALSE(body.contains("Entrypoint"));
  // The endpoint is the cluster's, with the credentials the source gave.
  EXPECT_EQ(fake_->last_endpoint.url, "tcp://127.0.0.1:40001");
  EXPECT_EQ(fake_->last_endpoint.cert_pem, "CERT");
}

TEST_F(DockerContainerEngineTest, CreateWithoutCommandOrMemoryUsesImageDefaults) {
  container_.docker_id.reset();
  container_.name.reset();
  fake_->handler = [](const Request& r) -> Result<HttpReply> {
    if (r.method == "POST") return Json(201, {{"Id", "new1"}});
    return Json(200, Inspect("new1", "created", false));
  };
  ASSERT_TRUE(engine_->Create(cluster_, container_));
  EXPECT_EQ(fake_->requests[0].path, "/containers/create?name=magnum-c-uuid");
  json body = json::parse(fake_->requests[0].body);
  EXPECT_FALSE(body.contains("Cmd"));
  EXPECT_FALSE(body["HostConfig"].contains("Memory"));
}

TEST_F(DockerContainerEngineTest, CreateRefusesBadCommandAndMemoryBeforeCallingTheEngine) {
  container_.command = "echo 'unterminated";
  auto o = engine_->Create(cluster_, container_);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code(), ErrorCode::kInvalidArgument);
  container_.command = "echo ok";
  container_.memory = "lots";
  o = engine_->Create(cluster_, container_);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(o.error().message().find("Memory 'lots'"), std::string::npos);
  EXPECT_TRUE(fake_->requests.empty());
}

TEST_F(DockerContainerEngineTest, UnknownImageIsInvalidArgumentSayingToLoadIt) {
  fake_->handler = [](const Request&) -> Result<HttpReply> {
    return Message(404, "No such image: nosuch:latest");
  };
  container_.image = "nosuch:latest";
  auto o = engine_->Create(cluster_, container_);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code(), ErrorCode::kInvalidArgument);
  const std::string& m = o.error().message();
  EXPECT_NE(m.find("image nosuch:latest is not on the Docker Engine of cluster cl-uuid"),
            std::string::npos)
      << m;
  EXPECT_NE(m.find("No such image"), std::string::npos) << m;
  EXPECT_NE(m.find("must be loaded on the cluster's nodes"), std::string::npos) << m;
  EXPECT_NE(m.find("registry"), std::string::npos) << m;
}

TEST_F(DockerContainerEngineTest, CreateNameConflictAdoptsOwnContainerElseConflict) {
  bool ours = true;
  fake_->handler = [&ours](const Request& r) -> Result<HttpReply> {
    if (r.method == "POST") return Message(409, "Conflict. The container name \"/web\" is in use");
    if (r.path.rfind("/containers/json", 0) == 0) {
      return Json(200, ours ? json::array({{{"Id", "old1"}, {"Names", {"/web"}}}}) : json::array());
    }
    return Json(200, Inspect("old1", "running", true));
  };
  auto o = engine_->Create(cluster_, container_);
  ASSERT_TRUE(o) << o.error().message();
  EXPECT_EQ(o->docker_id, "old1");
  EXPECT_EQ(o->status, ContainerStatus::kRunning);
  ASSERT_GE(fake_->requests.size(), 2u);
  EXPECT_NE(
      fake_->requests[1].path.find(
          "filters=" + drivers::docker::UrlEncode(R"({"label":["magnum.container.uuid=c-uuid"]})")),
      std::string::npos)
      << fake_->requests[1].path;
  ours = false;
  o = engine_->Create(cluster_, container_);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code(), ErrorCode::kConflict);
  EXPECT_NE(o.error().message().find("choose another name"), std::string::npos);
}

TEST_F(DockerContainerEngineTest, ActionsSendTheirRequestsAndReturnTheStateAfter) {
  struct Case {
    ContainerAction action;
    std::string path;
    std::string state_after;
    ContainerStatus status;
  };
  const std::vector<Case> cases = {
      {ContainerAction::kStart, "/containers/d1/start", "running", ContainerStatus::kRunning},
      {ContainerAction::kStop, "/containers/d1/stop?t=10", "exited", ContainerStatus::kStopped},
      {ContainerAction::kReboot, "/containers/d1/restart?t=10", "running",
       ContainerStatus::kRunning},
      {ContainerAction::kPause, "/containers/d1/pause", "paused", ContainerStatus::kPaused},
      {ContainerAction::kUnpause, "/containers/d1/unpause", "running", ContainerStatus::kRunning},
  };
  for (const auto& c : cases) {
    fake_->requests.clear();
    EngineWith(c.state_after, c.state_after != "exited");
    auto o = engine_->Act(cluster_, container_, c.action);
    ASSERT_TRUE(o) << c.path << ": " << o.error().message();
    EXPECT_EQ(o->status, c.status) << c.path;
    EXPECT_EQ(Lines(), (std::vector<std::string>{"POST " + c.path, "GET /containers/d1/json"}));
  }
}

TEST_F(DockerContainerEngineTest, StartOfAMissingExecutableIsInvalidArgument) {
  fake_->handler = [](const Request& r) -> Result<HttpReply> {
    if (r.method == "POST") {
      return Message(400,
                     "OCI runtime create failed: exec: \"/nope\": stat /nope: no such file or "
                     "directory: unknown");
    }
    return Json(200, Inspect("d1", "created", false, "stat /nope: no such file or directory"));
  };
  container_.command = "/nope";
  auto o = engine_->Act(cluster_, container_, ContainerAction::kStart);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(o.error().message().find("no such file or directory"), std::string::npos);
  EXPECT_NE(o.error().message().find("must be an executable in image magnum-workload:latest"),
            std::string::npos)
      << o.error().message();
  // And the Engine's view afterwards: Error with the Engine's reason.
  auto s = engine_->Show(cluster_, container_);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->status, ContainerStatus::kError);
  EXPECT_NE(s->status_reason.find("no such file"), std::string::npos);
}

TEST_F(DockerContainerEngineTest, WrongStateIsConflict) {
  fake_->handler = [](const Request&) -> Result<HttpReply> {
    return Message(409, "Container d1 is not running");
  };
  auto o = engine_->Act(cluster_, container_, ContainerAction::kPause);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code(), ErrorCode::kConflict);
  EXPECT_NE(o.error().message().find("container web (c-uuid) cannot pause"), std::string::npos)
      << o.error().message();
  EXPECT_NE(o.error().message().find("only a running container can be paused"), std::string::npos);
}

TEST_F(DockerContainerEngineTest, ShowFindsByLabelWithoutDockerIdAndReportsGone) {
  container_.docker_id.reset();
  bool present = true;
  fake_->handler = [&present](const Request& r) -> Result<HttpReply> {
    if (r.path.rfind("/containers/json?all=true&filters=", 0) == 0) {
      return Json(200, present ? json::array({{{"Id", "d7"}}}) : json::array());
    }
    if (r.path == "/containers/d7/json") return Json(200, Inspect("d7", "paused", true));
    return Message(404, "No such container");
  };
  auto o = engine_->Show(cluster_, container_);
  ASSERT_TRUE(o) << o.error().message();
  EXPECT_EQ(o->status, ContainerStatus::kPaused);
  EXPECT_EQ(o->docker_id, "d7");
  present = false;
  o = engine_->Show(cluster_, container_);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(o.error().message().find("removed outside Magnum"), std::string::npos);
  // By docker id: a 404 from inspect is the same.
  container_.docker_id = "d9";
  o = engine_->Show(cluster_, container_);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(fake_->requests.back().path, "/containers/d9/json");
}

TEST_F(DockerContainerEngineTest, UnreachableEngineIsUnavailableWithAdvice) {
  fake_->handler = [](const Request&) -> Result<HttpReply> {
    return Fail(
        Error::Unavailable("Docker Engine at tcp://127.0.0.1:40001 is not reachable: "
                           "Connection refused"));
  };
  for (auto call : std::vector<std::function<Error()>>{
           [&] { return engine_->Show(cluster_, container_).error(); },
           [&] { return engine_->Act(cluster_, container_, ContainerAction::kStop).error(); },
           [&] { return engine_->Logs(cluster_, container_, limits_).error(); },
           [&] { return engine_->Execute(cluster_, container_, "true", limits_).error(); },
           [&] { return engine_->Remove(cluster_, container_, true).error(); },
           [&] { return engine_->Create(cluster_, container_).error(); }}) {
    Error e = call();
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable) << e.message();
    EXPECT_NE(e.message().find("the Docker Engine of cluster cl-uuid at tcp://127.0.0.1:40001 "
                               "cannot be reached"),
              std::string::npos)
        << e.message();
    EXPECT_NE(e.message().find("Connection refused"), std::string::npos) << e.message();
    EXPECT_NE(e.message().find("retry"), std::string::npos) << e.message();
  }
}

// [containers] request_timeout bounds each Engine request (a stop adds its grace period).
TEST_F(DockerContainerEngineTest, RequestTimeoutComesFromTheConfig) {
  EXPECT_EQ(DockerContainerEngineOptionsFrom(config::Config{}).request_timeout,
            std::chrono::seconds(30));
  config::Config config;
  config.containers_request_timeout = 7;
  auto engine = NewDockerContainerEngine(
      [](const objects::Cluster& c) -> Result<DockerEndpoint> {
        return DockerEndpoint{*c.api_address, "CA", "CERT", "KEY"};
      },
      DockerContainerEngineOptionsFrom(config),
      [e = fake_](const DockerEndpoint&) { return std::make_unique<FakeTransport>(e); });
  EngineWith("running", true);
  ASSERT_TRUE(engine->Show(cluster_, container_));
  ASSERT_TRUE(engine->Act(cluster_, container_, ContainerAction::kStop));
  std::vector<std::string> seen;
  for (const auto& r : fake_->requests) {
    seen.push_back(r.method + " " + r.path + " " + std::to_string(r.timeout.count()));
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"GET /containers/d1/json 7000",
                                            "POST /containers/d1/stop?t=10 17000",
                                            "GET /containers/d1/json 7000"}));
}

TEST_F(DockerContainerEngineTest, NoEndpointIsFailedPreconditionWithoutTouchingAnEngine) {
  endpoint_error_ = "cluster cl-uuid has no Docker endpoint";
  auto o = engine_->Show(cluster_, container_);
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(fake_->transports, 0);
}

TEST(CertificateEndpointSource, RefusesClustersWithoutADockerEndpoint) {
  auto source = CertificateEndpointSource(nullptr);  // not reached for these
  objects::Cluster c;
  c.uuid = "u1";
  auto e = source(c);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(e.error().message().find("no API address yet"), std::string::npos);
  c.api_address = "https://10.0.0.5:6443";
  e = source(c);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(e.error().message().find("containers need a swarm cluster"), std::string::npos);
  c.api_address = "tcp://127.0.0.1:40001";
  e = source(c);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(e.error().message().find("magnum_cert_ref"), std::string::npos);
}

TEST_F(DockerContainerEngineTest, LogsAreDemultiplexedAndBounded) {
  const std::string raw = Frame(1, "hello\n") + Frame(2, "oops\n") + Frame(1, "more output\n");
  fake_->handler = [raw](const Request&) -> Result<HttpReply> {
    return HttpReply{200, raw, "application/vnd.docker.raw-stream"};
  };
  auto out = engine_->Logs(cluster_, container_, limits_);
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(out->output, "hello\noops\nmore output\n");
  EXPECT_FALSE(out->truncated);
  EXPECT_EQ(out->exit_code, -1);
  EXPECT_EQ(Lines(), (std::vector<std::string>{"GET /containers/d1/logs?stdout=true&stderr=true"}));
  EXPECT_GE(fake_->requests[0].max_body, limits_.max_output_bytes);

  limits_.max_output_bytes = 8;
  out = engine_->Logs(cluster_, container_, limits_);
  ASSERT_TRUE(out);
  EXPECT_EQ(out->output, "hello\noo");
  EXPECT_TRUE(out->truncated);
}

TEST_F(DockerContainerEngineTest, LogsOfARemovedContainerAreNotFound) {
  fake_->handler = [](const Request&) -> Result<HttpReply> {
    return Message(404, "No such container: d1");
  };
  auto out = engine_->Logs(cluster_, container_, limits_);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code(), ErrorCode::kNotFound);
}

// An engine with a running container d1 and one exec e1 whose output and state are given.
void ExecEngine(FakeEngine& fake, std::string output, int exit_code, int pid, int running_polls = 0,
                bool timed_out = false) {
  auto polls = std::make_shared<int>(running_polls);
  fake.handler = [output, exit_code, pid, polls, timed_out](const Request& r) -> Result<HttpReply> {
    if (r.path == "/containers/d1/json") return Json(200, Inspect("d1", "running", true));
    if (r.path == "/containers/d1/exec") return Json(201, {{"Id", "e1"}});
    if (r.path == "/exec/e1/start") {
      HttpReply h{200, output, "application/vnd.docker.raw-stream"};
      h.timed_out = timed_out;
      return h;
    }
    if (r.path == "/exec/e1/json") {
      if (*polls != 0) {
        if (*polls > 0) --*polls;
        return Json(200, {{"Running", true}, {"ExitCode", nullptr}, {"Pid", 42}});
      }
      return Json(200, {{"Running", false}, {"ExitCode", exit_code}, {"Pid", pid}});
    }
    return Message(500, "unexpected " + r.path);
  };
}

TEST_F(DockerContainerEngineTest, ExecuteReturnsOutputAndExitCode) {
  ExecEngine(*fake_, Frame(1, "out\n") + Frame(2, "err\n"), 3, 42, /*running_polls=*/2);
  limits_.execute_timeout = std::chrono::milliseconds(7000);
  auto out =
      engine_->Execute(cluster_, container_, "sh -c 'echo out; echo err >&2; exit 3'", limits_);
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(out->output, "out\nerr\n");
  EXPECT_EQ(out->exit_code, 3);
  EXPECT_FALSE(out->truncated);
  ASSERT_GE(fake_->requests.size(), 3u);
  EXPECT_EQ(fake_->requests[1].method + " " + fake_->requests[1].path, "POST /containers/d1/exec");
  json create = json::parse(fake_->requests[1].body);
  EXPECT_EQ(create["Cmd"], json({"sh", "-c", "echo out; echo err >&2; exit 3"}));
  EXPECT_EQ(create["AttachStdout"], true);
  EXPECT_EQ(create["AttachStderr"], true);
  EXPECT_EQ(fake_->requests[2].path, "/exec/e1/start");
  EXPECT_EQ(json::parse(fake_->requests[2].body)["Detach"], false);
  EXPECT_LE(fake_->requests[2].timeout.count(), 7000);
  EXPECT_GT(fake_->requests[2].timeout.count(), 5000);
  // Waited for the exit code through two "still running" answers.
  EXPECT_EQ(std::count_if(fake_->requests.begin(), fake_->requests.end(),
                          [](const Request& r) { return r.path == "/exec/e1/json"; }),
            3);
}

TEST_F(DockerContainerEngineTest, ExecuteOutputIsBounded) {
  ExecEngine(*fake_, Frame(1, std::string(100, 'x')) + Frame(1, std::string(100, 'y')), 0, 42);
  limits_.max_output_bytes = 150;
  auto out = engine_->Execute(cluster_, container_, "yes", limits_);
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(out->output, std::string(100, 'x') + std::string(50, 'y'));
  EXPECT_TRUE(out->truncated);
  EXPECT_EQ(out->exit_code, 0);
}

TEST_F(DockerContainerEngineTest, ACutNeverSplitsAUtf8Character) {
  // "é" is 2 bytes, "€" 3: a bound inside either keeps only whole characters.
  ExecEngine(*fake_, Frame(1, "ab\xC3\xA9\xE2\x82\xAC"), 0, 42);
  for (const auto& [bound, want] : std::vector<std::pair<size_t, std::string>>{
           {3, "ab"}, {4, "ab\xC3\xA9"}, {5, "ab\xC3\xA9"}, {6, "ab\xC3\xA9"}}) {
    limits_.max_output_bytes = bound;
    auto out = engine_->Execute(cluster_, container_, "x", limits_);
    ASSERT_TRUE(out) << out.error().message();
    EXPECT_EQ(out->output, want) << bound;
    EXPECT_TRUE(out->truncated);
  }
  limits_.max_output_bytes = 7;
  auto whole = engine_->Execute(cluster_, container_, "x", limits_);
  ASSERT_TRUE(whole);
  EXPECT_EQ(whole->output, "ab\xC3\xA9\xE2\x82\xAC");
  EXPECT_FALSE(whole->truncated);
}

TEST_F(DockerContainerEngineTest, ExecuteStillRunningAtTheDeadlineGivesWhatCame) {
  ExecEngine(*fake_, Frame(1, "partial"), 0, 42, /*running_polls=*/-1, /*timed_out=*/true);
  limits_.execute_timeout = std::chrono::milliseconds(50);
  auto out = engine_->Execute(cluster_, container_, "sleep 1000", limits_);
  ASSERT_TRUE(out) << out.error().message();
  EXPECT_EQ(out->output, "partial");
  EXPECT_TRUE(out->truncated);
  EXPECT_EQ(out->exit_code, -1);
}

TEST_F(DockerContainerEngineTest, ExecuteOfAMissingCommandIsInvalidArgument) {
  ExecEngine(*fake_,
             Frame(1,
                   "OCI runtime exec failed: exec failed: exec: \"nope\": executable file not "
                   "found in $PATH: unknown\r\n"),
             126, 0);
  auto out = engine_->Execute(cluster_, container_, "nope --help", limits_);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(out.error().message().find("command 'nope' cannot be run in container web"),
            std::string::npos)
      << out.error().message();
  EXPECT_NE(out.error().message().find("executable file not found"), std::string::npos);
  // A command that ran and itself exited 127 (pid set) is an ordinary result.
  ExecEngine(*fake_, Frame(2, "sh: nope: not found\n"), 127, 42);
  auto ran = engine_->Execute(cluster_, container_, "sh -c nope", limits_);
  ASSERT_TRUE(ran) << ran.error().message();
  EXPECT_EQ(ran->exit_code, 127);
}

TEST_F(DockerContainerEngineTest, ExecuteNeedsARunningContainer) {
  for (const auto& [state, word] : std::vector<std::pair<std::string, std::string>>{
           {"exited", "start it"}, {"paused", "unpause it"}}) {
    fake_->requests.clear();
    EngineWith(state, state == "paused");
    auto out = engine_->Execute(cluster_, container_, "true", limits_);
    ASSERT_FALSE(out) << state;
    EXPECT_EQ(out.error().code(), ErrorCode::kConflict);
    EXPECT_NE(out.error().message().find(word), std::string::npos) << out.error().message();
    EXPECT_EQ(Lines(), (std::vector<std::string>{"GET /containers/d1/json"}));
  }
  auto empty = engine_->Execute(cluster_, container_, "  ", limits_);
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().code(), ErrorCode::kInvalidArgument);
}

TEST_F(DockerContainerEngineTest, RemoveForceGoneAndRunning) {
  std::string reply = "ok";
  fake_->handler = [&reply](const Request&) -> Result<HttpReply> {
    if (reply == "gone") return Message(404, "No such container: d1");
    if (reply == "running") {
      return Message(409,
                     "You cannot remove a running container d1. Stop the container "
                     "before attempting removal or force remove");
    }
    return NoContent();
  };
  ASSERT_TRUE(engine_->Remove(cluster_, container_, true));
  EXPECT_EQ(Lines(), (std::vector<std::string>{"DELETE /containers/d1?force=true&v=true"}));
  reply = "gone";
  EXPECT_TRUE(engine_->Remove(cluster_, container_, false));
  reply = "running";
  auto r = engine_->Remove(cluster_, container_, false);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kConflict);
  EXPECT_NE(r.error().message().find("stop it first or pass force=true"), std::string::npos);
  EXPECT_EQ(fake_->requests.back().path, "/containers/d1?force=false&v=true");
  // Never created on the Engine (no docker id, no labelled container): nothing to do.
  container_.docker_id.reset();
  fake_->handler = [](const Request&) -> Result<HttpReply> { return Json(200, json::array()); };
  EXPECT_TRUE(engine_->Remove(cluster_, container_, false));
}

// --- The curl transport's bounded reads, over a real unix socket -------------------------

class OneShotServer {
 public:
  // Serves one connection: reads the request head, writes `head` and `body`, then keeps
  // the connection open until `hold` is false (a stream still going) or closes it.
  OneShotServer(std::string head, std::string body, bool hold)
      : path_("/tmp/magnum-ce-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++) +
              ".sock") {
    ::unlink(path_.c_str());
    srv_ = ::socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path_.c_str());
    ok_ = srv_ >= 0 && ::bind(srv_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
          ::listen(srv_, 1) == 0;
    hold_ = hold;
    thread_ = std::thread([this, head, body] {
      int fd = ::accept(srv_, nullptr, nullptr);
      if (fd < 0) return;
      std::string req;
      char buf[4096];
      while (req.find("\r\n\r\n") == std::string::npos) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n <= 0) break;
        req.append(buf, static_cast<size_t>(n));
      }
      (void)!::send(fd, head.data(), head.size(), MSG_NOSIGNAL);
      size_t off = 0;
      while (off < body.size()) {
        ssize_t n = ::send(fd, body.data() + off, body.size() - off, MSG_NOSIGNAL);
        if (n <= 0) break;  // the client stopped reading and closed
        off += static_cast<size_t>(n);
      }
      // Until the client goes (read returns 0) or the test ends.
      while (hold_) {
        ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
        if (n == 0) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
      }
      ::close(fd);
    });
  }
  ~OneShotServer() {
    hold_ = false;
    thread_.join();
    ::close(srv_);
    ::unlink(path_.c_str());
  }
  bool ok() const { return ok_; }
  std::string url() const { return "unix://" + path_; }

 private:
  static inline std::atomic<int> counter_{0};
  std::string path_;
  int srv_ = -1;
  bool ok_ = false;
  std::atomic<bool> hold_{false};
  std::thread thread_;
};

TEST(CurlTransportBounded, StopsReadingAtTheBound) {
  const std::string body(4 << 20, 'z');
  OneShotServer srv(
      "HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n"
      "Connection: close\r\n\r\n",
      body, false);
  ASSERT_TRUE(srv.ok());
  auto t = drivers::docker::NewCurlTransport({srv.url(), "", "", ""});
  auto r = t->SendBounded("GET", "/containers/x/logs", "", "", std::chrono::seconds(10), 1000);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, std::string(1000, 'z'));
  EXPECT_TRUE(r->truncated);
  EXPECT_FALSE(r->timed_out);
}

TEST(CurlTransportBounded, ReturnsWhatCameWhenTheTimeRunsOut) {
  OneShotServer srv("HTTP/1.1 200 OK\r\nContent-Type: application/vnd.docker.raw-stream\r\n\r\n",
                    "early", true);
  ASSERT_TRUE(srv.ok());
  auto t = drivers::docker::NewCurlTransport({srv.url(), "", "", ""});
  auto r = t->SendBounded("POST", "/exec/e1/start", "{}", "application/json",
                          std::chrono::milliseconds(300), 1000);
  ASSERT_TRUE(r) << r.error().message();
  EXPECT_EQ(r->body, "early");
  EXPECT_TRUE(r->timed_out);
  EXPECT_FALSE(r->truncated);
}

TEST(CurlTransportBounded, UnboundedSendStillFailsOnTimeout) {
  OneShotServer srv("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n", "early", true);
  ASSERT_TRUE(srv.ok());
  auto t = drivers::docker::NewCurlTransport({srv.url(), "", "", ""});
  auto r = t->Send("GET", "/x", "", "", std::chrono::milliseconds(300));
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code(), ErrorCode::kUnavailable);
}

}  // namespace
}  // namespace magnum::conductor

namespace magnum::conductor::testing {
namespace {

// The real source: the cluster's api_address, its CA and Magnum's stored client certificate
// (magnum_cert_ref) with its decrypted key.
class CertificateEndpointTest : public ConductorTestBase {};

TEST_F(CertificateEndpointTest, UsesTheClusterCaAndTheStoredMagnumCertificate) {
  auto* c = StartConductor();
  std::string uuid = CreatedCluster(c, {.name = "ctr"});
  auto row = Cluster(uuid);
  ASSERT_TRUE(row);
  objects::Cluster cluster;
  cluster.uuid = uuid;
  cluster.api_address = "tcp://127.0.0.1:40001";
  cluster.magnum_cert_ref = row->GetString("magnum_cert_ref");
  auto ep = CertificateEndpointSource(&c->certificates())(cluster);
  ASSERT_TRUE(ep) << ep.error().message();
  EXPECT_EQ(ep->url, "tcp://127.0.0.1:40001");
  EXPECT_EQ(ep->ca_pem, *c->GetCaCertificate(Caller{}, uuid, ""));
  auto magnum = c->certificates().LoadKeyPair(*cluster.magnum_cert_ref);
  ASSERT_TRUE(magnum);
  EXPECT_EQ(ep->cert_pem, magnum->certificate_pem);
  EXPECT_EQ(ep->key_pem, magnum->private_key_pem);
  EXPECT_EQ(certs::InspectCertificate(ep->cert_pem)->subject, "CN=admin,O=system:masters");
  EXPECT_OK(certs::VerifySignedBy(ep->cert_pem, ep->ca_pem));
  // A ref that names no stored pair: a precondition, said so.
  cluster.magnum_cert_ref = "no-such-ref";
  ep = CertificateEndpointSource(&c->certificates())(cluster);
  ASSERT_FALSE(ep);
  EXPECT_EQ(ep.error().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(ep.error().message().find("Magnum client certificate of cluster " + uuid),
            std::string::npos)
      << ep.error().message();
}

}  // namespace
}  // namespace magnum::conductor::testing
