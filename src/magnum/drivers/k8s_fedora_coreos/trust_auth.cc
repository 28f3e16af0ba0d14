#include "magnum/drivers/k8s_fedora_coreos/trust_auth.h"

#include <map>
#include <mutex>

#include "magnum/clients/keystone_trusts.h"

namespace magnum::drivers::k8s {
namespace {

constexpr auto kRenewBefore = std::chrono::minutes(2);

struct Cache {
  std::mutex mu;
  // cluster uuid → (trust id the token is of, token)
  std::map<std::string, std::pair<std::string, clients::TrustToken>> tokens;
};

}  // namespace

ClusterHeatAuth TrustHeatAuth(std::shared_ptr<const clients::TrustManager> trusts) {
  auto cache = std::make_shared<Cache>();
  return [trusts, cache](const ClusterState& c, bool renew) -> Result<clients::HeatAuth> {
    if (c.trust_id.empty() || c.trustee_user_id.empty()) {
      return Fail(Error::FailedPrecondition("cluster " + c.uuid +
                                            " has no trust to call Heat with (its create failed "
                                            "before the trust was made)"));
    }
    const TimePoint now = SystemClock().Now();
    {
      std::lock_guard<std::mutex> lock(cache->mu);
      auto it = cache->tokens.find(c.uuid);
      if (!renew && it != cache->tokens.end() && it->second.first == c.trust_id &&
          it->second.second.expires_at - kRenewBefore > now) {
        const clients::TrustToken& t = it->second.second;
        return clients::HeatAuth{t.token, t.project_id, t.catalog, "", ""};
      }
    }
    auto token = trusts->TrustScopedToken(c.trustee_user_id, c.trustee_password, c.trust_id);
    if (!token) {
      return Fail(Error(token.error().code(),
                        "cannot act for cluster " + c.uuid + " through its trust: " +
                            token.error().message()));
    }
    std::lock_guard<std::mutex> lock(cache->mu);
    if (cache->tokens.size() > 4096) cache->tokens.clear();
    cache->tokens[c.uuid] = {c.trust_id, *token};
    return clients::HeatAuth{token->token, token->project_id, token->catalog, "", ""};
  };
}

}  // namespace magnum::drivers::k8s
