#include "magnum/api/pagination.h"

#include <charconv>

#include "magnum/common/uuid.h"
#include "magnum/db/schema.h"
#include "magnum/objects/mappers.h"

namespace magnum::api {

Result<void> CheckQueryArgs(const ApiRequest& req,
                            std::initializer_list<std::string_view> allowed) {
  for (const auto& [k, v] : req.http->query) {
    bool ok = false;
    for (auto a : allowed) ok = ok || a == k;
    if (!ok) return Fail(Error::InvalidArgument("Unknown argument: \"" + k + "\""));
  }
  return {};
}

Result<Page> ParsePage(const ApiRequest& req, db::Database& db, std::string_view table,
                       int max_limit, db::Filter scope, bool numeric_marker) {
  Page page;
  page.limit = max_limit;
  if (auto limit = req.Query("limit")) {
    int64_t n = 0;
    auto [p, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
    if (limit->empty() || ec != std::errc() || p != limit->data() + limit->size()) {
      return Fail(Error::InvalidArgument("Invalid input for field/attribute limit. Value: '" +
                                         *limit + "'. Wrong type. Expected an integer."));
    }
    if (n <= 0) return Fail(Error::InvalidArgument("Limit must be positive"));
    page.limit = std::min<int64_t>(n, max_limit);
  }
  const db::TableSchema* schema = db::FindTable(table);
  if (auto sk = req.Query("sort_key")) {
    if (schema == nullptr || !schema->HasColumn(*sk)) {
      return Fail(Error::InvalidArgument("The sort_key value \"" + *sk +
                                         "\" is an invalid field for sorting"));
    }
    page.sort_key = *sk;
  }
  if (auto sd = req.Query("sort_dir")) {
    if (*sd != "asc" && *sd != "desc") {
      return Fail(Error::InvalidArgument("Invalid sort direction: " + *sd +
                                         ". Acceptable values are 'asc' or 'desc'"));
    }
    page.sort_dir = *sd;
  }
  page.query.sort_key = page.sort_key;
  page.query.sort_desc = page.sort_dir == "desc";
  page.query.limit = page.limit;
  if (auto marker = req.Query("marker")) {
    db::Filter f = scope;
    if (numeric_marker) {
      int64_t id = 0;
      auto [p, ec] = std::from_chars(marker->data(), marker->data() + marker->size(), id);
      if (marker->empty() || ec != std::errc() || p != marker->data() + marker->size()) {
        return Fail(Error::InvalidArgument("Invalid input for field/attribute marker. Value: '" +
                                           *marker + "'. Wrong type. Expected an integer."));
      }
      f.Where(db::Condition::Eq("id", id));
    } else {
      if (!IsUuidLike(*marker)) {
        return Fail(Error::InvalidArgument("Expected a uuid but received " + *marker + "."));
      }
      f.Where(db::Condition::Eq("uuid", CanonicalUuid(*marker)));
    }
    MAGNUM_ASSIGN_OR_RETURN(auto row, db.GetOne(table, f));
    if (!row) return Fail(Error::NotFound("Marker " + *marker + " could not be found."));
    page.query.marker_id = objects::IdOf(*row).value_or(0);
  }
  page.query.filter = std::move(scope);
  return page;
}

std::optional<std::string> NextLink(
    const ApiRequest& req, const std::string& path, const Page& page, size_t count,
    const std::string& last_marker,
    const std::vector<std::pair<std::string, std::string>>& extra_args) {
  if (count == 0 || static_cast<int64_t>(count) != page.limit) return std::nullopt;
  std::string url = req.base_url + "/v1/" + path + "?";
  for (const auto& [k, v] : extra_args) url += k + "=" + http::UrlEncode(v) + "&";
  url += "sort_key=" + http::UrlEncode(page.sort_key) + "&sort_dir=" + page.sort_dir +
         "&limit=" + std::to_string(page.limit) + "&marker=" + http::UrlEncode(last_marker);
  return url;
}

void AddNextLink(Json* body, const ApiRequest& req, const std::string& path, const Page& page,
                 size_t count, const std::string& last_marker,
                 const std::vector<std::pair<std::string, std::string>>& extra_args) {
  if (auto url = NextLink(req, path, page, count, last_marker, extra_args)) (*body)["next"] = *url;
}

Json MakeLinks(const std::string& base_url, const std::string& path) {
  return Json::array({{{"href", base_url + "/v1/" + path}, {"rel", "self"}},
                      {{"href", base_url + "/" + path}, {"rel", "bookmark"}}});
}

void WriteLinks(JsonWriter& w, std::string_view base_url,
                std::initializer_list<std::string_view> path) {
  // The same as MakeLinks: [{"href":..,"rel":"self"},{..,"rel":"bookmark"}], built in a
  // per-thread scratch buffer (no allocation per link).
  // The array's insides are appended as text: only the two hrefs need escaping.
  thread_local std::string href;
  w.BeginArray();
  std::string& out = *w.out();
  href.assign(base_url).append("/v1/");
  for (auto part : path) href.append(part);
  out.append(R"({"href":)");
  JsonWriter::AppendString(&out, href);
  out.append(R"(,"rel":"self"},{"href":)");
  href.assign(base_url).append("/");
  for (auto part : path) href.append(part);
  JsonWriter::AppendString(&out, href);
  out.append(R"(,"rel":"bookmark"})");
  w.EndArray();
}

std::string WriteCollection(std::string_view key, size_t reserve,
                            const std::function<void(JsonWriter&)>& items,
                            const std::optional<std::string>& next) {
  std::string body;
  body.reserve(reserve);
  JsonWriter w(&body);
  w.BeginObject();
  // Keys in nlohmann's (sorted) order, as the API always wrote them.
  const bool next_first = next && std::string_view("next") < key;
  if (next_first) w.Key("next").String(*next);
  w.Key(key).BeginArray();
  items(w);
  w.EndArray();
  if (next && !next_first) w.Key("next").String(*next);
  w.EndObject();
  return body;
}

}  // namespace magnum::api
