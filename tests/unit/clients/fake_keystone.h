// A small in-memory Keystone v3 behind the HttpClient seam, for the trust tests (clients and
// conductor): password logins (domain-scoped for the trustee domain admin, trust-scoped for
// a trustee), users, and OS-TRUST trusts, with the answers the real Keystone 22 gave
// (docs/openstack.md "Trusts"): 409 for a duplicate user name, 404 for a role the trustor
// lacks, 401 for an unknown token, a user's trusts deleted with it. Knobs make it fail.
// Thread-safe.
#pragma once

#include <algorithm>
#include <atomic>
#include <iterator>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "magnum/common/http_client.h"

namespace magnum::testing_util {

class FakeKeystone final : public HttpClient {
 public:
  using Json = nlohmann::json;
  static constexpr const char* kUrl = "http://keystone.test:5000";
  static constexpr const char* kDomainId = "dom-magnum";
  static constexpr const char* kAdminId = "u-domain-admin";
  static constexpr const char* kAdminPassword = "admin-secret";

  struct User {
    std::string name, password, domain_id;
  };
  struct Trust {
    std::string trustor, trustee, project;
    bool impersonation = false;
    std::vector<std::string> roles;
  };

  FakeKeystone() { users_[kAdminId] = {"trustee_domain_admin", kAdminPassword, kDomainId}; }

  // A user token of `user_id` holding `roles` on `project`.
  void AddUserToken(const std::string& token, const std::string& user_id,
                    const std::string& project, std::vector<std::string> roles) {
    std::lock_guard<std::mutex> lock(mu_);
    tokens_[token] = {user_id, project, ""};
    roles_[user_id + "@" + project] = std::move(roles);
  }

  // Knobs.
  std::atomic<bool> down{false};                 // no answer at all
  std::atomic<int> fail_status{0};               // every answer is this status (e.g. 503)
  std::atomic<bool> refuse_trust_delete{false};  // DELETE trust as a non-trustor: 403

  // Forgets every token issued so far (Keystone restarted with new keys): next use is 401.
  void RevokeIssuedTokens() {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = tokens_.begin(); it != tokens_.end();) {
      it = it->second.issued ? tokens_.erase(it) : std::next(it);
    }
  }

  Result<HttpClientReply> Send(const HttpClientRequest& req) override {
    std::lock_guard<std::mutex> lock(mu_);
    sent.push_back(req);
    if (down) return Fail(Error::Unavailable("connect to " + req.url + " failed: refused"));
    if (fail_status != 0) return Reply(fail_status.load(), Json{{"error", {{"message", "boom"}}}});
    const std::string prefix = std::string(kUrl) + "/v3";
    if (req.url.compare(0, prefix.size(), prefix) != 0) return Reply(404, "no such URL");
    std::string path = req.url.substr(prefix.size());
    std::string query;
    if (auto q = path.find('?'); q != std::string::npos) {
      query = path.substr(q + 1);
      path = path.substr(0, q);
    }
    Json body = req.body.empty() ? Json::object() : Json::parse(req.body, nullptr, false);
    if (body.is_discarded()) return Reply(400, "bad JSON");
    if (path == "/auth/tokens" && req.method == "POST") return Login(body, query);
    const Token* caller = Caller(req);
    if (caller == nullptr) return Error401();
    if (path == "/users" && req.method == "POST") return CreateUser(*caller, body);
    if (path == "/users" && req.method == "GET") return FindUser(*caller, query);
    if (path.rfind("/users/", 0) == 0) return UserById(*caller, req.method, path.substr(7), body);
    if (path == "/OS-TRUST/trusts" && req.method == "POST") return CreateTrust(*caller, body);
    if (path.rfind("/OS-TRUST/trusts/", 0) == 0) {
      return TrustById(*caller, req.method, path.substr(17));
    }
    return Reply(404, "no such URL");
  }

  // Inspection.
  size_t UserCount() {
    std::lock_guard<std::mutex> lock(mu_);
    return users_.size() - 1;  // without the domain admin
  }
  bool HasUser(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    return users_.count(id) > 0;
  }
  std::optional<User> GetUser(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = users_.find(id);
    if (it == users_.end()) return std::nullopt;
    return it->second;
  }
  std::optional<Trust> GetTrust(const std::string& id) {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = trusts_.find(id);
    if (it == trusts_.end()) return std::nullopt;
    return it->second;
  }
  size_t TrustCount() {
    std::lock_guard<std::mutex> lock(mu_);
    return trusts_.size();
  }
  int AdminLogins() const { return admin_logins_.load(); }
  // Every request sent, in order (guarded: read after the calls return).
  std::vector<HttpClientRequest> sent;

  static std::string HeaderOf(const HttpClientRequest& r, const std::string& name) {
    for (const auto& h : r.headers) {
      if (h.first == name) return h.second;
    }
    return "";
  }

 private:
  struct Token {
    std::string user_id, project, trust_id;
    bool issued = false;
  };

  static Result<HttpClientReply> Reply(long status, const Json& body,
                                       const std::string& subject = "") {
    HttpClientReply r;
    r.status = status;
    r.body = body.is_string() ? Json{{"error", {{"code", status}, {"message", body}}}}.dump()
                              : body.dump();
    if (!subject.empty()) r.headers["X-Subject-Token"] = subject;
    return r;
  }
  static Result<HttpClientReply> Error401() {
    return Reply(401, Json("The request you have made requires authentication."));
  }

  const Token* Caller(const HttpClientRequest& req) const {
    auto it = tokens_.find(HeaderOf(req, "X-Auth-Token"));
    return it == tokens_.end() ? nullptr : &it->second;
  }
  bool IsAdmin(const Token& t) const { return t.user_id == kAdminId; }

  std::string NewId(const char* kind) { return std::string(kind) + std::to_string(++next_id_); }

  Result<HttpClientReply> Login(const Json& body, const std::string& query) {
    const Json user = body["auth"]["identity"]["password"]["user"];
    const Json scope = body["auth"].value("scope", Json::object());
    std::string id = user.value("id", "");
    if (id.empty()) {
      for (const auto& [uid, u] : users_) {
        if (u.name == user.value("name", "")) id = uid;
      }
    }
    auto u = users_.find(id);
    if (u == users_.end() || u->second.password != user.value("password", "")) return Error401();
    Json token = {{"user", {{"id", id}, {"name", u->second.name}}},
                  {"expires_at", "2999-01-01T00:00:00.000000Z"},
                  {"methods", {"password"}}};
    const std::string subject = NewId("tok-");
    if (scope.contains("domain")) {
      if (id != kAdminId) return Reply(401, Json("no role on the domain"));
      const Json d = scope["domain"];
      if (d.value("id", "") != kDomainId && d.value("name", "") != "magnum") return Error401();
      ++admin_logins_;
      token["domain"] = {{"id", kDomainId}, {"name", "magnum"}};
      token["roles"] = Json::array({{{"name", "admin"}}});
      tokens_[subject] = {id, "", "", true};
    } else if (scope.contains("OS-TRUST:trust")) {
      auto t = trusts_.find(scope["OS-TRUST:trust"].value("id", ""));
      if (t == trusts_.end() || t->second.trustee != id) return Error401();
      token["user"] = {{"id", t->second.trustor}, {"name", "trustor"}};
      token["project"] = {{"id", t->second.project}, {"name", "p"}};
      token["OS-TRUST:trust"] = {{"id", t->first}, {"impersonation", true}};
      Json roles = Json::array();
      for (const auto& r : t->second.roles) roles.push_back({{"name", r}});
      token["roles"] = roles;
      if (query.find("nocatalog") == std::string::npos) {
        token["catalog"] = Json::array(
            {{{"type", "orchestration"},
              {"name", "heat"},
              {"endpoints",
               {{{"interface", "public"},
                 {"region_id", "RegionOne"},
                 {"url", "http://heat.test:8004/v1/" + t->second.project}}}}},
             {{"type", "identity"},
              {"name", "keystone"},
              {"endpoints",
               {{{"interface", "public"}, {"region_id", "RegionOne"}, {"url", kUrl}}}}}});
      }
      tokens_[subject] = {t->second.trustor, t->second.project, t->first, true};
    } else {
      return Reply(400, Json("scope wanted"));
    }
    return Reply(201, Json{{"token", token}}, subject);
  }

  Result<HttpClientReply> CreateUser(const Token& caller, const Json& body) {
    if (!IsAdmin(caller)) return Reply(403, Json("not allowed"));
    const Json u = body["user"];
    if (u.value("domain_id", "") != kDomainId) return Reply(403, Json("other domain"));
    for (const auto& [id, existing] : users_) {
      if (existing.name == u.value("name", "") && existing.domain_id == kDomainId) {
        return Reply(409, Json("Conflict occurred attempting to store user - Duplicate entry"));
      }
    }
    const std::string id = NewId("u-");
    users_[id] = {u.value("name", ""), u.value("password", ""), kDomainId};
    return Reply(201, Json{{"user", {{"id", id}, {"name", users_[id].name}}}});
  }

  Result<HttpClientReply> FindUser(const Token& caller, const std::string& query) {
    if (!IsAdmin(caller)) return Reply(403, Json("not allowed"));
    Json list = Json::array();
    for (const auto& [id, u] : users_) {
      if (query.find("name=" + u.name) != std::string::npos &&
          query.find("domain_id=" + u.domain_id) != std::string::npos) {
        list.push_back({{"id", id}, {"name", u.name}});
      }
    }
    return Reply(200, Json{{"users", list}});
  }

  Result<HttpClientReply> UserById(const Token& caller, const std::string& method,
                                   const std::string& id, const Json& body) {
    if (!IsAdmin(caller)) return Reply(403, Json("not allowed"));
    auto it = users_.find(id);
    if (it == users_.end()) return Reply(404, Json("Could not find user: " + id + "."));
    if (method == "PATCH") {
      it->second.password = body["user"].value("password", it->second.password);
      return Reply(200, Json{{"user", {{"id", id}}}});
    }
    if (method == "DELETE") {
      users_.erase(it);
      for (auto t = trusts_.begin(); t != trusts_.end();) {
        t = t->second.trustee == id || t->second.trustor == id ? trusts_.erase(t) : std::next(t);
      }
      return Reply(204, Json::object());
    }
    return Reply(405, Json("method"));
  }

  Result<HttpClientReply> CreateTrust(const Token& caller, const Json& body) {
    const Json t = body["trust"];
    if (t.value("trustor_user_id", "") != caller.user_id) return Reply(403, Json("not trustor"));
    if (!users_.count(t.value("trustee_user_id", ""))) {
      return Reply(404, Json("Could not find user"));
    }
    Trust trust{caller.user_id,
                t.value("trustee_user_id", ""),
                t.value("project_id", ""),
                t.value("impersonation", false),
                {}};
    const auto& held = roles_[caller.user_id + "@" + trust.project];
    for (const auto& r : t["roles"]) {
      const std::string name = r.value("name", "");
      if (std::find(held.begin(), held.end(), name) == held.end()) {
        return Reply(404, Json("Could not find role: " + name + "."));
      }
      trust.roles.push_back(name);
    }
    if (trust.roles.empty()) return Reply(403, Json("At least one role should be specified."));
    const std::string id = NewId("trust-");
    trusts_[id] = trust;
    return Reply(201, Json{{"trust", {{"id", id}, {"impersonation", trust.impersonation}}}});
  }

  Result<HttpClientReply> TrustById(const Token& caller, const std::string& method,
                                    const std::string& id) {
    auto it = trusts_.find(id);
    if (it == trusts_.end()) return Reply(404, Json("Could not find trust: " + id + "."));
    const bool trustor = it->second.trustor == caller.user_id;
    if (!trustor && (!IsAdmin(caller) || (method == "DELETE" && refuse_trust_delete))) {
      return Reply(403, Json("You are not authorized to perform the requested action."));
    }
    if (method == "DELETE") {
      trusts_.erase(it);
      return Reply(204, Json::object());
    }
    return Reply(200, Json{{"trust", {{"id", id}, {"trustor_user_id", it->second.trustor}}}});
  }

  std::mutex mu_;
  std::map<std::string, Token> tokens_;
  std::map<std::string, std::vector<std::string>> roles_;  // "<user>@<project>" -> roles
  std::map<std::string, User> users_;
  std::map<std::string, Trust> trusts_;
  int next_id_ = 0;
  std::atomic<int> admin_logins_{0};
};

}  // namespace magnum::testing_util
