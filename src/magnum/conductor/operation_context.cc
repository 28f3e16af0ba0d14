#include "magnum/conductor/operation_context.h"

#include "magnum/conductor/certificates.h"
#include "magnum/conductor/cluster_status.h"
#include "magnum/conductor/event_log.h"
#include "magnum/db/database.h"
#include "magnum/objects/mappers.h"

namespace magnum::conductor {

using db::Condition;
using db::Filter;

OperationContextImpl::OperationContextImpl(drivers::ClusterState cluster, std::string operation,
                                           std::shared_ptr<OperationControl> control,
                                           db::Database* db, EventLog* events,
                                           ClusterCertificates* certificates, const Clock* clock)
    : cluster_(std::move(cluster)),
      operation_(std::move(operation)),
      control_(std::move(control)),
      db_(db),
      events_(events),
      certificates_(certificates),
      clock_(clock) {}

void OperationContextImpl::Event(std::string_view step, std::string_view message,
                                 std::string_view node) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_event_ = {std::string(step), std::string(node)};
  }
  events_->Append(cluster_.uuid, cluster_.project_id, step, node, EventLevel::kInfo, message);
}

void OperationContextImpl::Warning(std::string_view step, std::string_view message,
                                   std::string_view node) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    last_warning_ = {std::string(step), std::string(node)};
    warned_ = true;
  }
  events_->Append(cluster_.uuid, cluster_.project_id, step, node, EventLevel::kWarning, message);
}

OperationContextImpl::StepInfo OperationContextImpl::FailingStep() const {
  std::lock_guard<std::mutex> lock(mu_);
  return warned_ ? last_warning_ : last_event_;
}

OperationContextImpl::StepInfo OperationContextImpl::LastCompletedStep() const {
  std::lock_guard<std::mutex> lock(mu_);
  return last_event_;
}

bool OperationContextImpl::Cancelled() const {
  return control_->cancelled.load() || clock_->Now() >= control_->deadline;
}

namespace {

// Writes the members `facts` sets (a driver's report), with updated_at `now`, to the rows
// matching `filter`; returns the rows changed (nullopt when nothing was reported).
template <typename T>
Result<std::optional<int64_t>> WriteFacts(db::Database& db, const Filter& filter, T facts,
                                          std::string now) {
  if (objects::SetColumns(facts).empty()) return std::optional<int64_t>();
  facts.updated_at = std::move(now);
  MAGNUM_ASSIGN_OR_RETURN(int64_t n,
                          db.Update(objects::kTableOf<T>, filter, objects::SetColumns(facts)));
  return std::optional<int64_t>(n);
}

}  // namespace

Result<void> OperationContextImpl::Report(const drivers::ClusterReport& report) {
  objects::Cluster facts;  // only the members reported are set
  facts.stack_id = report.stack_id;
  facts.api_address = report.api_address;
  facts.coe_version = report.coe_version;
  facts.container_version = report.container_version;
  MAGNUM_RETURN_IF_ERROR(WriteFacts(*db_, Filter().Where(Condition::Eq("uuid", cluster_.uuid)),
                                    std::move(facts), FormatDbTimestamp(clock_->Now())));
  return {};
}

Result<void> OperationContextImpl::ReportNodeGroup(const drivers::NodeGroupReport& report) {
  objects::NodeGroup facts;  // only the members reported are set
  facts.node_addresses = report.node_addresses;
  facts.stack_id = report.stack_id;
  facts.version = report.version;
  facts.image_id = report.image_id;
  MAGNUM_ASSIGN_OR_RETURN(auto n, WriteFacts(*db_,
                                             Filter()
                                                 .Where(Condition::Eq("uuid", report.uuid))
                                                 .Where(Condition::Eq("cluster_id", cluster_.uuid)),
                                             std::move(facts), FormatDbTimestamp(clock_->Now())));
  if (n && *n == 0) {
    return Fail(Error::NotFound("Nodegroup " + report.uuid + " could not be found in cluster " +
                                cluster_.uuid + "."));
  }
  if (report.finished) {
    const Filter row = Filter()
                           .Where(Condition::Eq("uuid", report.uuid))
                           .Where(Condition::Eq("cluster_id", cluster_.uuid));
    MAGNUM_ASSIGN_OR_RETURN(auto ng, objects::GetOne<objects::NodeGroup>(*db_, row));
    if (!ng) {
      return Fail(Error::NotFound("Nodegroup " + report.uuid + " could not be found in cluster " +
                                  cluster_.uuid + "."));
    }
    const std::string before = status::NameOf(ng->status);
    if (status::IsInProgress(before)) {
      objects::NodeGroup after = *ng;
      after.status = status::Named(status::CompleteOf(before));
      after.status_reason.reset();
      after.updated_at = FormatDbTimestamp(clock_->Now());
      // Only from the status read: an outcome written meanwhile wins.
      MAGNUM_RETURN_IF_ERROR(
          objects::Update(*db_, Filter(row).Where(Condition::Eq("status", before)), *ng, after));
    }
  }
  return {};
}

Result<drivers::IssuedCertificate> OperationContextImpl::IssueServerCertificate(
    const std::string& common_name, const std::vector<std::string>& dns_sans,
    const std::vector<std::string>& ip_sans) {
  return certificates_->IssueServerCertificate(cluster_.uuid, common_name, dns_sans, ip_sans);
}

Result<drivers::IssuedCertificate> OperationContextImpl::ClusterCa() {
  return certificates_->ClusterCaKeyPair(cluster_.uuid);
}

Result<drivers::IssuedCertificate> OperationContextImpl::IssueClientCertificate(
    const std::string& common_name, const std::string& organization) {
  auto key = std::make_pair(common_name, organization);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (auto it = client_certs_.find(key); it != client_certs_.end()) return it->second;
  }
  MAGNUM_ASSIGN_OR_RETURN(
      drivers::IssuedCertificate issued,
      certificates_->IssueClientCertificate(cluster_.uuid, common_name, organization));
  std::lock_guard<std::mutex> lock(mu_);
  client_certs_.emplace(key, issued);
  return issued;
}

}  // namespace magnum::conductor
