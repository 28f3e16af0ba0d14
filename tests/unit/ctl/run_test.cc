// Whole command lines through Run() against a scripted API (FakeHttp): what is sent, what
// is printed, the exit codes, and the --wait loop on a fake clock.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "magnum/ctl/ctl.h"
#include "unit/ctl/fake_http.h"

namespace magnum::ctl {
namespace {

using testing::FakeHttp;
using testing::Reply;
using Json = nlohmann::json;

struct Harness {
  std::map<std::string, std::string> vars{{"MAGNUM_URL", "http://m:9511"}};
  std::map<std::string, std::string> files;
  std::ostringstream out, err;
  std::chrono::steady_clock::time_point clock{};
  int sleeps = 0;
  bool tty = false;

  int Run(FakeHttp& http, std::vector<std::string> args) {
    Environment env;
    env.env = [this](const std::string& n) -> std::optional<std::string> {
      auto it = vars.find(n);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
    env.read_file = [this](const std::string& p) -> std::optional<std::string> {
      auto it = files.find(p);
      if (it == files.end()) return std::nullopt;
      return it->second;
    };
    env.out = &out;
    env.err = &err;
    env.stderr_is_tty = tty;
    env.terminal_width = 100;
    env.http = &http;
    env.sleep = [this](std::chrono::milliseconds d) {
      clock += d;
      ++sleeps;
    };
    env.now = [this] { return clock; };
    return ctl::Run(args, env);
  }
};

std::string ErrorBody(int status, const std::string& detail) {
  return Json({{"errors",
                {{{"request_id", ""},
                  {"code", status < 500 ? "client" : "server"},
                  {"status", status},
                  {"title", detail},
                  {"detail", detail},
                  {"links", Json::array()}}}}})
      .dump();
}

// A cluster that moves through `statuses`, one per GET, with an event per step.
struct FakeCluster {
  std::vector<std::string> statuses;
  std::string reason;
  size_t gets = 0;
  std::vector<Json> events = {};

  HttpClientReply Handle(const HttpClientRequest& r) {
    const std::string base = "http://m:9511/v1";
    if (r.method == "POST" && r.url == base + "/clusters") {
      return Reply(202, R"({"uuid":"c-uuid"})");
    }
    if (r.method == "GET" && r.url == base + "/clusters/c-uuid") {
      size_t i = std::min(gets, statuses.size() - 1);
      ++gets;
      if (i > 0) {
        events.push_back({{"id", 100 + i},
                          {"step", "node"},
                          {"message", "node started"},
                          {"node", "n" + std::to_string(i)},
                          {"level", "info"}});
      }
      return Reply(200, Json({{"uuid", "c-uuid"},
                              {"name", "demo"},
                              {"status", statuses[i]},
                              {"status_reason", reason},
                              {"node_count", 2}})
                            .dump());
    }
    if (r.method == "GET" && r.url.rfind(base + "/clusters/c-uuid/events", 0) == 0) {
      long long marker = 0;
      auto m = r.url.find("marker=");
      if (m != std::string::npos) marker = std::stoll(r.url.substr(m + 7));
      Json out = Json::array();
      for (const auto& e : events) {
        if (e["id"].get<long long>() > marker) out.push_back(e);
      }
      return Reply(200, Json({{"events", out}}).dump());
    }
    return Reply(404, ErrorBody(404, "no route " + r.method + " " + r.url));
  }
};

TEST(RunTest, CreateWaitSucceedsWithProgressLines) {
  FakeCluster cluster{{"CREATE_IN_PROGRESS", "CREATE_IN_PROGRESS", "CREATE_COMPLETE"}, "done"};
  FakeHttp http([&](const HttpClientRequest& r) { return cluster.Handle(r); });
  Harness h;
  int rc = h.Run(http, {"cluster-create", "demo", "--cluster-template", "t", "--node-count", "2",
                        "--labels", "a=1,b=2", "--wait", "-f", "json"});
  EXPECT_EQ(rc, 0) << h.err.str();
  Json sent = Json::parse(http.requests[0].body);
  EXPECT_EQ(sent, Json({{"name", "demo"},
                        {"cluster_template_id", "t"},
                        {"node_count", 2},
                        {"labels", {{"a", "1"}, {"b", "2"}}}}));
  EXPECT_EQ(Json::parse(h.out.str())["status"], "CREATE_COMPLETE");
  EXPECT_EQ(h.err.str(),
            "Request to create cluster c-uuid accepted\n"
            "CREATE_IN_PROGRESS 0% 0s\n"
            "CREATE_IN_PROGRESS 16% 1s: node: node started (n1)\n"
            "CREATE_IN_PROGRESS 33% 2s: node: node started (n2)\n"
            "CREATE_COMPLETE 100% 2s: node: node started (n2)\n"
            "cluster demo CREATE_COMPLETE\n");
  EXPECT_EQ(h.sleeps, 2);  // polls, no busy loop
}

TEST(RunTest, CreateWaitFailureEndsWithTheReasonAndExitOne) {
  FakeCluster cluster{{"CREATE_IN_PROGRESS", "CREATE_FAILED"}, "quota of floating IPs exceeded"};
  FakeHttp http([&](const HttpClientRequest& r) { return cluster.Handle(r); });
  Harness h;
  h.tty = true;
  int rc = h.Run(http, {"cluster-create", "demo", "--cluster-template", "t", "--wait"});
  EXPECT_EQ(rc, 1);
  std::string err = h.err.str();
  // The bar is redrawn in place, then the line ends and the failure is said.
  EXPECT_NE(err.find("\r[--------------------]   0% CREATE_IN_PROGRESS 0s\x1b[K"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("\r[####################] 100% CREATE_FAILED 1s node: node started (n1)"
                     "\x1b[K\n"),
            std::string::npos)
      << err;
  EXPECT_NE(err.find("ERROR: cluster demo CREATE_FAILED: quota of floating IPs exceeded\n"),
            std::string::npos);
}

TEST(RunTest, WaitGivesUpAfterTheTimeout) {
  FakeCluster cluster{{"CREATE_IN_PROGRESS"}, ""};
  FakeHttp http([&](const HttpClientRequest& r) { return cluster.Handle(r); });
  Harness h;
  int rc = h.Run(http, {"cluster-create", "demo", "--cluster-template", "t", "--wait",
                        "--wait-timeout", "5", "--wait-interval", "2"});
  EXPECT_EQ(rc, 1);
  EXPECT_NE(h.err.str().find("ERROR: cluster demo still CREATE_IN_PROGRESS after 5s"),
            std::string::npos)
      << h.err.str();
  EXPECT_EQ(h.sleeps, 3);
}

TEST(RunTest, ApiErrorPrintedVerbatim) {
  FakeHttp http([](const HttpClientRequest&) {
    return Reply(400, ErrorBody(400, "ClusterTemplate nope could not be found."));
  });
  Harness h;
  EXPECT_EQ(h.Run(http, {"cluster-create", "x", "--cluster-template", "nope"}), 1);
  EXPECT_EQ(h.err.str(), "ERROR: ClusterTemplate nope could not be found. (HTTP 400)\n");
  EXPECT_EQ(h.out.str(), "");
}

TEST(RunTest, NoCredentialsIsAClearError) {
  FakeHttp http([](const HttpClientRequest&) { return Reply(200, "{}"); });
  Harness h;
  h.vars.clear();
  EXPECT_EQ(h.Run(http, {"cluster-list"}), 1);
  EXPECT_EQ(h.err.str().rfind("ERROR: no Magnum endpoint or credentials configured", 0), 0u);
  EXPECT_TRUE(http.requests.empty());
}

TEST(RunTest, UsageErrorsExitTwo) {
  FakeHttp http([](const HttpClientRequest&) { return Reply(200, "{}"); });
  Harness h;
  EXPECT_EQ(h.Run(http, {"cluster-list", "--format", "xml"}), 2);
  EXPECT_EQ(h.Run(http, {"nope"}), 2);
  EXPECT_EQ(h.Run(http, {"cluster-create", "x", "--labels", "novalue", "--cluster-template", "t"}),
            1);
  EXPECT_NE(h.err.str().find("--labels takes KEY=VALUE pairs, not 'novalue'"), std::string::npos);
  EXPECT_TRUE(http.requests.empty());
}

TEST(RunTest, ListFollowsNextPages) {
  FakeHttp http([](const HttpClientRequest& r) {
    if (r.url == "http://m:9511/v1/clusters") {
      return Reply(200, R"({"clusters":[{"uuid":"a","name":"one","status":"CREATE_COMPLETE"}],
                 "next":"http://m:9511/v1/clusters?limit=1&marker=a"})");
    }
    return Reply(200, R"({"clusters":[{"uuid":"b","name":"two","status":"CREATE_FAILED"}]})");
  });
  Harness h;
  EXPECT_EQ(h.Run(http, {"cluster-list", "-c", "name", "-c", "status"}), 0);
  EXPECT_EQ(h.out.str(),
            "+------+-----------------+\n"
            "| name | status          |\n"
            "+------+-----------------+\n"
            "| one  | CREATE_COMPLETE |\n"
            "| two  | CREATE_FAILED   |\n"
            "+------+-----------------+\n");
  ASSERT_EQ(http.requests.size(), 2u);
  EXPECT_EQ(http.requests[1].url, "http://m:9511/v1/clusters?limit=1&marker=a");
}

TEST(RunTest, UpdateSendsAJsonPatch) {
  FakeHttp http([](const HttpClientRequest& r) {
    if (r.method == "GET")
      return Reply(200, R"({"uuid":"c-uuid","node_count":1,"master_count":1})");
    return Reply(202, R"({"uuid":"c-uuid"})");
  });
  Harness h;
  EXPECT_EQ(h.Run(http, {"cluster-update", "demo", "replace", "node_count=3", "labels=a=1,b=2",
                         "name=x"}),
            0)
      << h.err.str();
  ASSERT_EQ(http.requests.size(), 2u);
  EXPECT_EQ(http.requests[1].method, "PATCH");
  EXPECT_EQ(http.requests[1].url, "http://m:9511/v1/clusters/c-uuid");
  EXPECT_EQ(Json::parse(http.requests[1].body),
            Json::parse(R"([{"op":"replace","path":"/node_count","value":3},
                            {"op":"replace","path":"/labels","value":"{\"a\":\"1\",\"b\":\"2\"}"},
                            {"op":"replace","path":"/name","value":"x"}])"));
  Harness bad;
  EXPECT_EQ(bad.Run(http, {"cluster-update", "demo", "frob", "a=1"}), 1);
  EXPECT_NE(bad.err.str().find("add, replace or remove, not 'frob'"), std::string::npos);
}

TEST(RunTest, BaysUseTheLegacyMicroversion) {
  FakeHttp http([](const HttpClientRequest&) { return Reply(200, R"({"bays":[]})"); });
  Harness h;
  EXPECT_EQ(h.Run(http, {"bay-list"}), 0);
  EXPECT_EQ(FakeHttp::HeaderOf(http.requests[0], "OpenStack-API-Version"), "container-infra 1.10");
}

TEST(RunTest, ContainerExecuteExitsWithTheCommandsCode) {
  FakeHttp http([](const HttpClientRequest& r) {
    return Reply(200, R"({"output":"hello\n","exit_code":3,"truncated":false})");
  });
  Harness h;
  EXPECT_EQ(h.Run(http, {"container-execute", "web", "--command", "sh -c 'exit 3'"}), 3);
  EXPECT_EQ(h.out.str(), "hello\n");
  EXPECT_EQ(http.requests[0].method, "PUT");
  EXPECT_EQ(http.requests[0].url,
            "http://m:9511/v1/containers/web/execute?command=sh%20-c%20%27exit%203%27");
  EXPECT_EQ(Json::parse(http.requests[0].body), Json({{"command", "sh -c 'exit 3'"}}));
}

TEST(RunTest, HelpVersionAndCompletion) {
  FakeHttp http([](const HttpClientRequest&) { return Reply(200, "{}"); });
  Harness h;
  EXPECT_EQ(h.Run(http, {"help", "cluster-resize"}), 0);
  EXPECT_NE(h.out.str().find("usage: magnumctl cluster-resize <cluster> <node-count>"),
            std::string::npos);
  Harness c;
  EXPECT_EQ(c.Run(http, {"completion", "bash"}), 0);
  EXPECT_NE(c.out.str().find("complete -o default -F _magnumctl magnumctl"), std::string::npos);
  Harness z;
  EXPECT_EQ(z.Run(http, {"completion", "zsh"}), 2);
  EXPECT_TRUE(http.requests.empty());
}

}  // namespace
}  // namespace magnum::ctl
