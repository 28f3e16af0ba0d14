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
  using K = drivers::OperationKind;
  switch (k) {
    case OpKind::kCreate: return K::kCreate;
    case OpKind::kUpdate:
    case OpKind::kResize: return K::kResize;
    case OpKind::kUpgrade: return K::kUpgrade;
    case OpKind::kDelete: return K::kDelete;
    case OpKind::kNodeGroupCreate: return K::kNodeGroupCreate;
    case OpKind::kNodeGroupUpdate: return K::kNodeGroupUpdate;
    case OpKind::kNodeGroupDelete: return K::kNodeGroupDelete;
    case OpKind::kRotateCa:
    case OpKind::kRotateCredential: return K::kRotateCa;
  }
  return K::kCreate;
}

std::vector<db::Value> InProgressValues() {
  std::vector<db::Value> v;
  for (const auto& s : status::InProgressStatuses()) v.emplace_back(s);
  return v;
}

}  // namespace magnum::conductor
