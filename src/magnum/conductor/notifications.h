// Notifications about cluster operations, as upstream Magnum sends them
// (magnum.conductor.utils.notify_about_cluster_operation): event type
// `magnum.cluster.<create|update|delete>`, publisher `container-infra.<host>`, priority INFO
// (ERROR for a failure), and a CADF event as payload —
//   {"typeURI": "http://schemas.dmtf.org/cloud/audit/1.0/event", "eventType": "activity",
//    "id", "eventTime": "YYYY-MM-DDTHH:MM:SS.ffffff+0000", "action", "outcome":
//    "pending" | "success" | "failure",
//    "initiator": {"typeURI": "service/security/account/user", "id", "user_id", "project_id"},
//    "target": {"typeURI": "service/magnum/cluster", "id": <cluster uuid>, "name",
//               "attachments": [{"typeURI": "service/magnum/cluster", "name": "cluster_data",
//                                "content": {status, project_id, node_count, ...}}]},
//    "observer": {"typeURI": "service/magnum/cluster", "id"}}.
//
// When (docs/conductor.md "Notifications"): `pending` once an operation is accepted (its
// first transition committed); `success` / `failure` with the transaction that records the
// operation's end — prepared inside it (Ending) and sent once it committed (Flush). Only the
// conductor whose fenced end transition commits sends it, so an operation resumed by another
// conductor (or after a restart) ends with exactly one notification; one lost in a crash
// between the commit and the send is not sent again (at most once).
//
// Thread-safe; sending never blocks an operation and never fails it (rpc/notifier.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "magnum/common/clock.h"
#include "magnum/conductor/conductor_api.h"
#include "magnum/conductor/operation.h"

namespace magnum::db {
class Database;
}
namespace magnum::objects {
struct Cluster;
struct NodeGroup;
}  // namespace magnum::objects
namespace magnum::rpc {
class Notifier;
struct Notification;
}  // namespace magnum::rpc

namespace magnum::conductor {

enum class CadfOutcome { kPending, kSuccess, kFailure };

// The CADF action of an operation: "create", "delete", or "update" for every other one
// (upstream's update, resize, upgrade and CA rotation all notify "update"; nodegroup
// operations change the cluster to UPDATE_* too).
const char* CadfAction(OpKind kind);

// The notification for `cluster` (with its `nodegroups`, for node counts and addresses).
// `caller` empty (no user and no project: a status sync, a recovery) = the admin context
// upstream's periodic task uses; the initiator then names the cluster's project.
rpc::Notification ClusterNotification(const std::string& host, const objects::Cluster& cluster,
                                      const std::vector<objects::NodeGroup>& nodegroups,
                                      OpKind kind, CadfOutcome outcome, const Caller& caller,
                                      TimePoint now);

class ClusterNotifications {
 public:
  // `notifier` nullptr = notifications are off (every call is a no-op). `clock` outlives this.
  ClusterNotifications(std::unique_ptr<rpc::Notifier> notifier, std::string host,
                       const Clock* clock);
  ~ClusterNotifications();

  bool enabled() const { return notifier_ != nullptr; }

  // The operation was accepted (committed): sends `pending`, reading the cluster from `db`.
  void Started(db::Database& db, const Operation& op);
  // Inside the transaction that records the end of `op` (after its status writes, before
  // a successful delete removes the rows): prepares the notification in op.end_notice.
  void Ending(db::Database& tx, Operation& op, bool success);
  // That transaction committed: sends op.end_notice, if any, once.
  void Flush(Operation& op);

 private:
  // The notification about `op`'s cluster as `db` holds it now; nullptr when it cannot be
  // read (logged).
  std::shared_ptr<rpc::Notification> Build(db::Database& db, const Operation& op,
                                           CadfOutcome outcome) const;
  void Send(const rpc::Notification& n);

  const std::unique_ptr<rpc::Notifier> notifier_;
  const std::string host_;
  const Clock* const clock_;
};

}  // namespace magnum::conductor
