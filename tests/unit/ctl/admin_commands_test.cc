// The administration commands (quotas-*, stats-list, service-list) through Run() against a
// scripted API: the request each sends, what it prints, and the usage errors that send
// nothing.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "magnum/ctl/ctl.h"
#include "unit/ctl/fake_http.h"

namespace magnum::ctl::admin_commands_test {
namespace {

using testing::FakeHttp;
using testing::Reply;
using Json = nlohmann::json;

const char* const kBase = "http://m:9511/v1";

struct AdminRun {
  std::ostringstream out, err;
  int rc = -1;
};

AdminRun RunAdmin(FakeHttp& http, const std::vector<std::string>& args) {
  AdminRun r;
  Environment env;
  env.env = [](const std::string& n) -> std::optional<std::string> {
    if (n == "MAGNUM_URL") return std::string("http://m:9511");
    return std::nullopt;
  };
  env.read_file = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  env.out = &r.out;
  env.err = &r.err;
  env.http = &http;
  env.sleep = [](std::chrono::milliseconds) {};
  env.now = [] { return std::chrono::steady_clock::time_point{}; };
  r.rc = Run(args, env);
  return r;
}

const char* const kQuota = R"({"id":7,"project_id":"p1","resource":"Cluster","hard_limit":5,)"
                           R"("created_at":"2026-01-01T00:00:00+00:00","updated_at":null})";

FakeHttp QuotaServer() {
  return FakeHttp([](const HttpClientRequest& r) {
    if (r.method == "DELETE") return Reply(204, "");
    return Reply(r.method == "POST" ? 201 : r.method == "PATCH" ? 202 : 200, kQuota);
  });
}

TEST(AdminCommandsTest, QuotasCreatePostsTheQuotaAndPrintsIt) {
  FakeHttp http = QuotaServer();
  auto r = RunAdmin(
      http, {"quotas-create", "--project-id", "p1", "--resource", "Cluster", "--hard-limit", "5"});
  EXPECT_EQ(r.rc, 0) << r.err.str();
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].method, "POST");
  EXPECT_EQ(http.requests[0].url, std::string(kBase) + "/quotas");
  EXPECT_EQ(Json::parse(http.requests[0].body),
            Json({{"project_id", "p1"}, {"resource", "Cluster"}, {"hard_limit", 5}}));
  EXPECT_EQ(r.out.str(),
            "+------------+---------------------------+\n"
            "| Field      | Value                     |\n"
            "+------------+---------------------------+\n"
            "| created_at | 2026-01-01T00:00:00+00:00 |\n"
            "| hard_limit | 5                         |\n"
            "| id         | 7                         |\n"
            "| project_id | p1                        |\n"
            "| resource   | Cluster                   |\n"
            "| updated_at | -                         |\n"
            "+------------+---------------------------+\n");
  // Without --hard-limit the limit is 1, as python-magnumclient sends it.
  FakeHttp again = QuotaServer();
  EXPECT_EQ(RunAdmin(again, {"quotas-create", "--project-id", "p1", "--resource", "Cluster"}).rc,
            0);
  EXPECT_EQ(Json::parse(again.requests[0].body)["hard_limit"], 1);
}

TEST(AdminCommandsTest, QuotasUpdatePatchesTheQuotaObject) {
  FakeHttp http = QuotaServer();
  auto r = RunAdmin(http, {"quotas-update", "--project-id", "p 1", "--resource", "Cluster",
                           "--hard-limit", "10", "-f", "json"});
  EXPECT_EQ(r.rc, 0) << r.err.str();
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].method, "PATCH");
  EXPECT_EQ(http.requests[0].url, std::string(kBase) + "/quotas/p%201/Cluster");
  // Not a JSON patch: the quota's fields, as python-magnumclient sends them.
  EXPECT_EQ(Json::parse(http.requests[0].body),
            Json({{"project_id", "p 1"}, {"resource", "Cluster"}, {"hard_limit", 10}}));
  EXPECT_EQ(Json::parse(r.out.str()), Json::parse(kQuota));
  // Without --hard-limit the API keeps the current limit.
  FakeHttp again = QuotaServer();
  EXPECT_EQ(RunAdmin(again, {"quotas-update", "--project-id", "p1", "--resource", "Cluster"}).rc,
            0);
  EXPECT_EQ(Json::parse(again.requests[0].body),
            Json({{"project_id", "p1"}, {"resource", "Cluster"}}));
}

TEST(AdminCommandsTest, QuotasShowAndDelete) {
  FakeHttp http = QuotaServer();
  auto shown = RunAdmin(http, {"quotas-show", "--project-id", "p1", "--resource", "Container", "-f",
                               "yaml", "-c", "hard_limit"});
  EXPECT_EQ(shown.rc, 0) << shown.err.str();
  EXPECT_EQ(http.requests[0].method, "GET");
  EXPECT_EQ(http.requests[0].url, std::string(kBase) + "/quotas/p1/Container");
  EXPECT_EQ(http.requests[0].body, "");
  EXPECT_EQ(shown.out.str(), "hard_limit: 5\n");

  auto deleted = RunAdmin(http, {"quotas-delete", "--project-id", "p1", "--resource", "Cluster"});
  EXPECT_EQ(deleted.rc, 0) << deleted.err.str();
  ASSERT_EQ(http.requests.size(), 2u);
  EXPECT_EQ(http.requests[1].method, "DELETE");
  EXPECT_EQ(http.requests[1].url, std::string(kBase) + "/quotas/p1/Cluster");
  EXPECT_EQ(deleted.out.str(),
            "Request to delete quota for project id p1 and resource Cluster has been "
            "accepted.\n");
  auto as_json = RunAdmin(
      http, {"quotas-delete", "--project-id", "p1", "--resource", "Cluster", "-f", "json"});
  EXPECT_EQ(Json::parse(as_json.out.str()), Json({{"project_id", "p1"}, {"resource", "Cluster"}}));
}

TEST(AdminCommandsTest, QuotasRefusedByTheApiExitOne) {
  FakeHttp http([](const HttpClientRequest&) {
    return Reply(404, R"({"errors":[{"status":404,"code":"client","title":"x",)"
                      R"("detail":"Quota could not be found: project_id p1 resource Cluster."}]})");
  });
  auto r = RunAdmin(http, {"quotas-delete", "--project-id", "p1", "--resource", "Cluster"});
  EXPECT_EQ(r.rc, 1);
  EXPECT_EQ(r.err.str(),
            "ERROR: Quota could not be found: project_id p1 resource Cluster. (HTTP 404)\n");
  EXPECT_EQ(r.out.str(), "");
}

TEST(AdminCommandsTest, QuotasListSendsUpstreamsQueryAndPrintsItsColumns) {
  FakeHttp http([](const HttpClientRequest&) {
    return Reply(200, R"({"quotas":[{"id":1,"project_id":"p1","resource":"Cluster",
                   "hard_limit":5},{"id":2,"project_id":"p2","resource":"Container",
                   "hard_limit":0}]})");
  });
  auto r = RunAdmin(http, {"quotas-list", "--all-tenants", "--sort-dir", "desc", "--marker", "3",
                           "--sort-key", "project_id", "--limit", "2"});
  EXPECT_EQ(r.rc, 0) << r.err.str();
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].method, "GET");
  EXPECT_EQ(http.requests[0].url,
            std::string(kBase) +
                "/quotas?marker=3&all_tenants=True&limit=2&sort_key=project_id"
                "&sort_dir=desc");
  EXPECT_EQ(r.out.str(),
            "+------------+-----------+------------+\n"
            "| project_id | resource  | hard_limit |\n"
            "+------------+-----------+------------+\n"
            "| p1         | Cluster   | 5          |\n"
            "| p2         | Container | 0          |\n"
            "+------------+-----------+------------+\n");
  FakeHttp plain([](const HttpClientRequest&) { return Reply(200, R"({"quotas":[]})"); });
  EXPECT_EQ(RunAdmin(plain, {"quotas-list"}).rc, 0);
  EXPECT_EQ(plain.requests[0].url, std::string(kBase) + "/quotas");
}

TEST(AdminCommandsTest, StatsListWithAndWithoutProject) {
  FakeHttp http([](const HttpClientRequest&) { return Reply(200, R"({"clusters":2,"nodes":5})"); });
  auto all = RunAdmin(http, {"stats-list"});
  EXPECT_EQ(all.rc, 0) << all.err.str();
  EXPECT_EQ(http.requests[0].method, "GET");
  EXPECT_EQ(http.requests[0].url, std::string(kBase) + "/stats");
  EXPECT_EQ(all.out.str(),
            "+----------+-------+\n"
            "| Field    | Value |\n"
            "+----------+-------+\n"
            "| clusters | 2     |\n"
            "| nodes    | 5     |\n"
            "+----------+-------+\n");
  auto one = RunAdmin(http, {"stats-list", "--project-id", "p&1", "-f", "json"});
  EXPECT_EQ(one.rc, 0) << one.err.str();
  EXPECT_EQ(http.requests[1].url, std::string(kBase) + "/stats?project_id=p%261");
  EXPECT_EQ(Json::parse(one.out.str()), Json({{"clusters", 2}, {"nodes", 5}}));
}

TEST(AdminCommandsTest, ServiceListPrintsUpstreamsColumns) {
  FakeHttp http([](const HttpClientRequest&) {
    return Reply(200, R"({"mservices":[{"id":1,"host":"h1","binary":"magnum-conductor",
                   "state":"up","disabled":false,"disabled_reason":null,"report_count":4,
                   "created_at":"2026-01-01T00:00:00+00:00","updated_at":null}]})");
  });
  auto r = RunAdmin(http, {"service-list"});
  EXPECT_EQ(r.rc, 0) << r.err.str();
  ASSERT_EQ(http.requests.size(), 1u);
  EXPECT_EQ(http.requests[0].method, "GET");
  EXPECT_EQ(http.requests[0].url, std::string(kBase) + "/mservices");
  EXPECT_EQ(r.out.str(),
            "+----+------+------------------+-------+----------+-----------------+"
            "---------------------------+------------+\n"
            "| id | host | binary           | state | disabled | disabled_reason |"
            " created_at                | updated_at |\n"
            "+----+------+------------------+-------+----------+-----------------+"
            "---------------------------+------------+\n"
            "| 1  | h1   | magnum-conductor | up    | False    | -               |"
            " 2026-01-01T00:00:00+00:00 | -          |\n"
            "+----+------+------------------+-------+----------+-----------------+"
            "---------------------------+------------+\n");
}

TEST(AdminCommandsTest, BadInputExitsTwoAndSendsNothing) {
  FakeHttp http = QuotaServer();
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"quotas-create", "--resource", "Cluster", "--hard-limit", "3"},
       "magnumctl: quotas-create: --project-id <project-id> is required\n"},
      {{"quotas-create", "--project-id", "p1", "--resource", "Cluster", "--hard-limit", "ten"},
       "magnumctl: quotas-create: --hard-limit takes a whole number, not 'ten'\n"},
      {{"quotas-update", "--project-id", "p1", "--resource", "Cluster", "--hard-limit", "2.5"},
       "magnumctl: quotas-update: --hard-limit takes a whole number, not '2.5'\n"},
      {{"quotas-update", "--resource", "Cluster", "--hard-limit", "2"},
       "magnumctl: quotas-update: --project-id <project-id> is required\n"},
      {{"quotas-show", "--project-id", "p1"},
       "magnumctl: quotas-show: --resource <resource> is required\n"},
      {{"quotas-delete", "--resource", "Cluster"},
       "magnumctl: quotas-delete: --project-id <project-id> is required\n"},
      {{"quotas-list", "--sort-dir", "up"},
       "magnumctl: quotas-list: --sort-dir takes asc or desc, not 'up'\n"},
      {{"quotas-list", "--limit", "x"},
       "magnumctl: quotas-list: --limit takes a whole number, not 'x'\n"},
  };
  for (const auto& c : cases) {
    auto r = RunAdmin(http, c.args);
    EXPECT_EQ(r.rc, 2) << c.args[0];
    EXPECT_EQ(r.err.str(), c.message);
    EXPECT_EQ(r.out.str(), "");
  }
  // The parser's own refusals: a positional, a missing value.
  EXPECT_EQ(RunAdmin(http, {"service-list", "extra"}).rc, 2);
  EXPECT_EQ(RunAdmin(http, {"stats-list", "--project-id"}).rc, 2);
  EXPECT_TRUE(http.requests.empty());
}

TEST(AdminCommandsTest, HelpAndCompletionKnowTheCommands) {
  FakeHttp http([](const HttpClientRequest&) { return Reply(200, "{}"); });
  auto help = RunAdmin(http, {"help", "quotas-list"});
  EXPECT_EQ(help.rc, 0);
  for (const char* opt : {"--marker", "--limit", "--sort-key", "--sort-dir", "--all-tenants"}) {
    EXPECT_NE(help.out.str().find(opt), std::string::npos) << opt;
  }
  auto script = RunAdmin(http, {"completion", "bash"}).out.str();
  for (const char* line :
       {"    quotas-create) opts=\"--hard-limit --project-id --resource\" ;;\n",
        "    quotas-list) opts=\"--all-tenants --limit --marker --sort-dir --sort-key\" ;;\n",
        "    stats-list) opts=\"--project-id\" ;;\n", "    service-list) opts=\"\" ;;\n",
        "      --sort-dir) COMPREPLY=($(compgen -W \"asc desc\" -- \"$cur\")) ;;\n"}) {
    EXPECT_NE(script.find(line), std::string::npos) << line;
  }
  EXPECT_TRUE(http.requests.empty());
}

}  // namespace
}  // namespace magnum::ctl::admin_commands_test
