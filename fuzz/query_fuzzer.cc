// libFuzzer target: collection query arguments (api/pagination.h CheckQueryArgs, ParsePage,
// AddNextLink) down to the SQL they produce (db/sql_builder.cc via Database::List) over a
// real SQLite file holding a few rows of every listed table.
//
// Input: one selector byte (table, and uuid or numeric markers), then a query string as it
// follows '?' in a request target (`limit=2&sort_key=name&sort_dir=desc&marker=...`).
// Properties: no crash/throw; a refusal is a 400/404, never a 5xx; an accepted page lists
// at most `limit` rows, and its next link parses back to the same sort key and direction.
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <memory>
#include <string>
#include <string_view>

#include "magnum/api/api_types.h"
#include "magnum/api/pagination.h"
#include "magnum/db/database.h"
#include "magnum/db/schema.h"
#include "magnum/http/message.h"

namespace {

namespace db = magnum::db;
using magnum::api::Json;

db::Database* g_db = nullptr;

struct Table {
  const char* name;
  bool numeric_marker;
};
constexpr Table kTables[] = {{db::kClusterTemplateTable, false}, {db::kClusterTable, false},
                             {db::kNodeGroupTable, false},       {db::kFederationTable, false},
                             {db::kQuotaTable, true},            {db::kClusterEventTable, true}};

void Seed() {
  const char* uuids[] = {"11111111-1111-4111-8111-111111111111",
                         "22222222-2222-4222-8222-222222222222",
                         "33333333-3333-4333-8333-333333333333"};
  for (const Table& t : kTables) {
    const db::TableSchema* schema = db::FindTable(t.name);
    if (schema == nullptr) abort();
    for (int i = 0; i < 3; ++i) {
      db::Row row;
      if (schema->HasColumn("uuid")) row.Set("uuid", std::string(uuids[i]));
      if (schema->HasColumn("project_id")) row.Set("project_id", std::string(i == 2 ? "p2" : "p1"));
      if (schema->HasColumn("name")) row.Set("name", "n" + std::to_string(i));
      // Best effort: a table with NOT NULL columns we do not fill stays empty.
      (void)g_db->Insert(t.name, row);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char templ[] = "/tmp/magnum-fuzz-query-XXXXXX";
  if (mkdtemp(templ) == nullptr) abort();
  auto opened = db::OpenDatabase(std::string("sqlite:///") + templ + "/q.sqlite");
  if (!opened || !(*opened)->Upgrade()) abort();
  g_db = opened->release();
  Seed();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1 || size > 8192) return -1;
  const Table& t = kTables[data[0] % std::size(kTables)];
  std::string target = "/v1/x?" + std::string(reinterpret_cast<const char*>(data + 1), size - 1);
  magnum::http::Request http;
  http.method = "GET";
  http.target = target;
  if (!magnum::http::ParseTarget(target, &http.path, &http.query)) return 0;  // server's 400

  magnum::api::ApiRequest req;
  req.http = &http;
  req.base_url = "http://127.0.0.1:9511";
  auto refused = [](const magnum::Error& e) {
    const int status = magnum::api::HttpStatusFor(e.code());
    if (status >= 500) {
      fprintf(stderr, "query: %d %s\n", status, e.message().c_str());
      abort();
    }
    (void)magnum::api::ErrorBody(status, e.message());  // renders user text: never throws
  };
  if (auto ok = magnum::api::CheckQueryArgs(
          req, {"limit", "marker", "sort_key", "sort_dir", "detail", "all_tenants"});
      !ok) {
    refused(ok.error());
    // Go on: the controllers that accept other arguments still parse the page.
  }
  db::Filter scope;
  scope.Where(db::Condition::Eq("project_id", "p1"));
  if (!db::FindTable(t.name)->HasColumn("project_id")) scope = db::Filter();
  auto page = magnum::api::ParsePage(req, *g_db, t.name, 1000, scope, t.numeric_marker);
  if (!page) {
    refused(page.error());
    return 0;
  }
  if (page->limit <= 0 || page->limit > 1000) abort();
  auto rows = g_db->List(t.name, page->query);
  if (!rows) {
    refused(rows.error());
    return 0;
  }
  if (static_cast<int64_t>(rows->size()) > page->limit) abort();
  Json body = Json::object();
  magnum::api::AddNextLink(&body, req, "x", *page, rows->size(),
                           rows->empty() ? "" : rows->back().GetString("uuid"));
  if (body.contains("next")) {
    const std::string next = body["next"].get<std::string>();
    std::string path;
    std::vector<std::pair<std::string, std::string>> query;
    if (!magnum::http::ParseTarget(next.substr(next.find("/v1/")), &path, &query)) abort();
    magnum::http::Request again;
    again.query = query;
    if (again.Query("sort_key") != page->sort_key || again.Query("sort_dir") != page->sort_dir) {
      abort();
    }
  }
  return 0;
}
