// Heat credentials from a cluster's trust: a trust-scoped token of the cluster's trustee
// (clients/keystone_trusts.h), cached per cluster until two minutes before it expires and
// renewed when Heat answers 401. Thread-safe.
#pragma once

#include <memory>

#include "magnum/drivers/k8s_fedora_coreos/k8s_fedora_coreos_driver.h"

namespace magnum::clients {
class TrustManager;
}

namespace magnum::drivers::k8s {

// kFailedPrecondition for a cluster without a trust (its create failed before one was made).
ClusterHeatAuth TrustHeatAuth(std::shared_ptr<const clients::TrustManager> trusts);

}  // namespace magnum::drivers::k8s
