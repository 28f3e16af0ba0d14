#include "magnum/conductor/conductor_core.h"

#include "magnum/conductor/certificates.h"
#include "magnum/db/database.h"
#include "magnum/objects/mappers.h"
#include "magnum/drivers/registry.h"

namespace magnum::conductor {

ConductorCore::ConductorCore(ConductorDeps d, ConductorOptions o)
    : db(d.db),
      drivers(d.drivers),
      clock(d.clock),
      certs(std::move(d.certificates)),
      trusts(std::move(d.trusts)),
      opt(std::move(o)),
      events(db, clock),
      notices(std::move(d.notifier), opt.host, clock),
      scheduler(clock),
      runner(opt.workers) {}

std::mutex& ConductorCore::Stripe(const std::string& uuid) {
  return stripes_[std::hash<std::string>{}(uuid) % stripes_.size()];
}

Result<std::vector<objects::Cluster>> ConductorCore::ClustersWithStatus(
    const std::vector<std::string>& statuses) const {
  std::vector<db::Value> v(statuses.begin(), statuses.end());
  db::ListQuery q;
  q.filter.Where(db::Condition::In("status", v));
  return objects::List<objects::Cluster>(*db, q);
}

void ConductorCore::RunOnPool(const std::string& key, std::function<void()> job) {
  if (runner.Pending(key) == 0) runner.Submit(key, std::move(job));
}

Result<drivers::Driver*> ConductorCore::DriverFor(const std::string& cluster_driver,
                                                  const drivers::TemplateState& t) const {
  if (!cluster_driver.empty()) return drivers->Get(cluster_driver);
  return drivers->ForTemplate(t.driver, t.server_type, t.cluster_distro, t.coe);
}

}  // namespace magnum::conductor
