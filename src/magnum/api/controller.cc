#include "magnum/api/controller.h"

#include <random>

#include "magnum/common/clock.h"
#include "magnum/common/uuid.h"

namespace magnum::api {

Error MethodNotAllowed(const ApiRequest& req) {
  return Error::MethodNotAllowed("The method " + req.method() +
                                 " is not allowed for the resource " + req.http->path + ".");
}

Error RouteNotFound(const ApiRequest& req) {
  return Error::NotFound("The resource could not be found.");
}

ApiResult CollectionController::Route(const ApiRequest& req,
                                      const std::vector<std::string>& rest) {
  const std::string& m = req.method();
  if (rest.empty()) {
    if (m == "GET") return List(req, false);
    if (m == "POST") return Create(req);
    return Fail(MethodNotAllowed(req));
  }
  if (rest.size() == 1) {
    if (rest[0] == "detail") {
      if (m == "GET") return List(req, true);
      return Fail(MethodNotAllowed(req));
    }
    if (m == "GET") return Get(req, rest[0]);
    if (m == "PATCH") return Patch(req, rest[0]);
    if (m == "DELETE") return Delete(req, rest[0]);
    return Fail(MethodNotAllowed(req));
  }
  return HandleSubresource(req, rest);
}

ApiResult CollectionController::HandleSubresource(const ApiRequest& req,
                                                  const std::vector<std::string>&) {
  return Fail(RouteNotFound(req));
}

std::string GenerateName(std::string_view suffix) {
  static const char* kGreek[] = {"alpha", "beta", "gamma", "delta", "epsilon", "zeta",
                                 "eta", "theta", "iota", "kappa", "lambda", "mu",
                                 "nu", "xi", "omicron", "pi", "rho", "sigma",
                                 "tau", "upsilon", "phi", "chi", "psi", "omega"};
  thread_local std::mt19937 rng{std::random_device{}()};
  std::uniform_int_distribution<int> letter(0, 23);
  std::uniform_int_distribution<int> number(1, 24);
  return std::string(kGreek[letter(rng)]) + "-" + std::to_string(number(rng)) + "-" +
         std::string(suffix);
}

db::ListQuery IdentQuery(const std::string& ident, const db::Filter& visible) {
  db::ListQuery q;
  q.filter = visible;
  if (IsUuidLike(ident)) {
    q.filter.Where(db::Condition::Eq("uuid", CanonicalUuid(ident)));
  } else {
    q.filter.Where(db::Condition::Eq("name", ident));
  }
  q.limit = 2;
  return q;
}

Error IdentRefusal(size_t found, const std::string& ident, const std::string& kind,
                   const std::string& plural, const std::string& noun) {
  if (found == 0) return Error::NotFound(kind + " " + ident + " could not be found.");
  return Error::Conflict("Multiple " + plural + " exist with same name. Please use the " + noun +
                         " uuid instead.");
}

Result<Json> RequestBody(const ApiRequest& req) { return ParseJsonBody(req.http->body); }

std::string NowDb(const Services& s) { return FormatDbTimestamp(s.clock->Now()); }

}  // namespace magnum::api
