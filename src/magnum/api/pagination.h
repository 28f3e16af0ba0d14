// Collection query arguments (§1.7): limit, marker, sort_key, sort_dir, and the `next`
// link. Internal to the API module.
#pragma once

#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "magnum/api/api_types.h"
#include "magnum/api/json_writer.h"
#include "magnum/db/database.h"

namespace magnum::api {

struct Page {
  db::ListQuery query;  // sort/marker/limit set; the caller adds its filter
  int64_t limit = 0;
  std::string sort_key = "id";
  std::string sort_dir = "asc";
};

// 400 "Unknown argument: <name>" for query arguments outside `allowed`.
Result<void> CheckQueryArgs(const ApiRequest& req, std::initializer_list<std::string_view> allowed);

// Parses limit/marker/sort_key/sort_dir for `table` and sets the page's filter to `scope`
// (the rows the caller may list). The marker is a UUID (400 when not UUID-like) unless
// `numeric_marker` (quotas, events: integer id); it is looked up within `scope`, so a
// marker naming a row outside it is the same 404 as an unknown one (no existence oracle).
Result<Page> ParsePage(const ApiRequest& req, db::Database& db, std::string_view table,
                       int max_limit, db::Filter scope, bool numeric_marker = false);

// The "next" URL when `count` equals the page limit (see AddNextLink), else nullopt.
std::optional<std::string> NextLink(
    const ApiRequest& req, const std::string& path, const Page& page, size_t count,
    const std::string& last_marker,
    const std::vector<std::pair<std::string, std::string>>& extra_args = {});

// Adds "next" to `body` when `count` equals the page limit; `last_marker` is the last
// item's uuid (or id). `path` is the collection path after /v1/ ("clusters/detail").
void AddNextLink(Json* body, const ApiRequest& req, const std::string& path, const Page& page,
                 size_t count, const std::string& last_marker,
                 const std::vector<std::pair<std::string, std::string>>& extra_args = {});

// "<base>/v1/<path>" and "<base>/<path>" links.
Json MakeLinks(const std::string& base_url, const std::string& path);
// The same links written to `w`.
// `path` in pieces (concatenated): {"clusters/", uuid}.
void WriteLinks(JsonWriter& w, std::string_view base_url,
                std::initializer_list<std::string_view> path);

// {"<key>": [items], "next": url} (next only when given) as JSON text; `items` writes the
// array's elements. `reserve`: the expected size in bytes.
std::string WriteCollection(std::string_view key, size_t reserve,
                            const std::function<void(JsonWriter&)>& items,
                            const std::optional<std::string>& next);

}  // namespace magnum::api
