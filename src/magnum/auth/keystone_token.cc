#include "magnum/auth/keystone_token.h"

#include <nlohmann/json.hpp>

#include <cstdio>

#include "magnum/auth/service_catalog.h"
#include "magnum/common/strings.h"

namespace magnum::auth {
namespace {

using Json = nlohmann::json;

std::string Str(const Json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_string()) return "";
  return it->get<std::string>();
}

const Json& Obj(const Json& obj, const char* key) {
  static const Json kEmpty = Json::object();
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_object()) return kEmpty;
  return *it;
}

std::shared_ptr<const ServiceCatalog> ParseCatalog(const Json& token) {
  auto cat = std::make_shared<ServiceCatalog>();
  auto it = token.find("catalog");
  if (it == token.end() || !it->is_array()) return cat;
  for (const auto& s : *it) {
    if (!s.is_object()) continue;
    CatalogService svc{Str(s, "id"), Str(s, "type"), Str(s, "name"), {}};
    auto eps = s.find("endpoints");
    if (eps != s.end() && eps->is_array()) {
      for (const auto& e : *eps) {
        if (!e.is_object()) continue;
        std::string region = Str(e, "region_id");
        if (region.empty()) region = Str(e, "region");
        svc.endpoints.push_back({Str(e, "interface"), region, Str(e, "url")});
      }
    }
    cat->services.push_back(std::move(svc));
  }
  return cat;
}

std::string_view NormalizeInterface(std::string_view i) {
  if (i == "publicURL") return "public";
  if (i == "internalURL") return "internal";
  if (i == "adminURL") return "admin";
  return i;
}

}  // namespace

std::optional<std::string> ServiceCatalog::EndpointUrl(std::string_view type,
                                                       std::string_view interface,
                                                       std::string_view region) const {
  std::string_view want = NormalizeInterface(interface);
  for (const auto& s : services) {
    if (s.type != type) continue;
    for (const auto& e : s.endpoints) {
      if (e.interface == want && (region.empty() || e.region_id == region)) return e.url;
    }
  }
  return std::nullopt;
}

bool ParseKeystoneTime(std::string_view s, TimePoint* out) {
  // Date and time, then an optional fraction, then Z, +hh:mm, -hh:mm or nothing.
  if (s.size() < 19 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':') {
    return false;
  }
  size_t end = 19;
  if (end < s.size() && s[end] == '.') {
    ++end;
    while (end < s.size() && s[end] >= '0' && s[end] <= '9') ++end;
  }
  std::string_view zone = s.substr(end);
  int offset_minutes = 0;
  if (!zone.empty() && zone != "Z") {
    int hh = 0, mm = 0;
    char sign = zone[0];
    std::string z(zone.substr(1));
    if ((sign != '+' && sign != '-') || z.size() != 5 ||
        std::sscanf(z.c_str(), "%2d:%2d", &hh, &mm) != 2) {
      return false;
    }
    offset_minutes = (sign == '+' ? 1 : -1) * (hh * 60 + mm);
  }
  TimePoint t;
  if (!ParseDbTimestamp(s.substr(0, end), &t)) return false;
  *out = t - std::chrono::minutes(offset_minutes);
  return true;
}

Result<KeystoneToken> ParseKeystoneToken(std::string_view body) {
  Json doc = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) {
    return Fail(Error::InvalidArgument("Keystone token document is not JSON"));
  }
  auto tit = doc.find("token");
  if (tit == doc.end() || !tit->is_object()) {
    return Fail(Error::InvalidArgument("Keystone token document has no token"));
  }
  const Json& t = *tit;
  KeystoneToken out;
  if (!ParseKeystoneTime(Str(t, "expires_at"), &out.expires_at)) {
    return Fail(Error::InvalidArgument("Keystone token has no valid expires_at"));
  }
  RequestContext& ctx = out.context;
  const Json& user = Obj(t, "user");
  ctx.user_id = Str(user, "id");
  if (ctx.user_id.empty()) return Fail(Error::InvalidArgument("Keystone token has no user"));
  ctx.user_name = Str(user, "name");
  ctx.user_domain_id = Str(Obj(user, "domain"), "id");
  ctx.user_domain_name = Str(Obj(user, "domain"), "name");
  const Json& project = Obj(t, "project");
  ctx.project_id = Str(project, "id");
  ctx.project_name = Str(project, "name");
  ctx.project_domain_id = Str(Obj(project, "domain"), "id");
  ctx.project_domain_name = Str(Obj(project, "domain"), "name");
  // A domain-scoped token names the domain instead of a project.
  ctx.domain_id = Str(Obj(t, "domain"), "id");
  auto rit = t.find("roles");
  if (rit != t.end() && rit->is_array()) {
    for (const auto& r : *rit) {
      if (r.is_object() && !Str(r, "name").empty()) ctx.roles.push_back(AsciiLower(Str(r, "name")));
    }
  }
  ctx.is_admin = ctx.HasRole("admin");
  ctx.service_catalog = ParseCatalog(t);
  return out;
}

}  // namespace magnum::auth
