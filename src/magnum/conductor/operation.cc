#include "magnum/conductor/operation.h"

#include <algorithm>

#include "magnum/conductor/cluster_status.h"

namespace magnum::conductor {

using db::Condition;
using db::Filter;

std::string NextStep(OpKind k, bool known) {
  if (!known) return "check the cluster, then retry the operation or delete it";
  return std::string(RuleOf(k).next_step);
}

std::string Label(const std::string& op_name) {
  std::string s = op_name;
  std::replace(s.begin(), s.end(), '_', ' ');
  return s;
}

Filter ByUuid(const std::string& uuid) { return Filter().Where(Condition::Eq("uuid", uuid)); }
Filter ById(int64_t id) { return Filter().Where(Condition::Eq("id", id)); }
Filter LockOf(const std::string& uuid) {
  return Filter().Where(Condition::Eq("cluster_uuid", uuid));
}

drivers::OperationKind DriverKindOf(OpKind k) {
  return k == OpKind::kUpdate ? OpKind::kResize : k;
}

std::vector<db::Value> InProgressValues() {
  std::vector<db::Value> v;
  for (const auto& s : status::InProgressStatuses()) v.emplace_back(s);
  return v;
}

}  // namespace magnum::conductor
