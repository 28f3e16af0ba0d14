// The conductor's side of per-cluster Keystone trusts (clients/keystone_trusts.h): set up at
// cluster create for a driver that UsesTrust(), before the accept transaction (Keystone is
// never called inside a database transaction), and removed when the cluster's rows go.
// docs/conductor.md "Trusts". Thread-safe.
#pragma once

#include <string>

#include "magnum/common/error.h"
#include "magnum/conductor/conductor_api.h"

namespace magnum::conductor {

struct ConductorCore;

// When cluster `uuid` is CREATE_IN_PROGRESS without a trust and its driver UsesTrust():
// creates the trustee user and the caller's trust and writes trustee_username,
// trustee_password, trustee_user_id and trust_id into the row (compare-and-set on a row still
// CREATE_IN_PROGRESS without a trust). Otherwise does nothing. Refusals: no TrustManager
// (noauth, or [trust] not set) or no caller token → kFailedPrecondition saying what to
// configure; Keystone's errors as TrustManager gives them, prefixed. A trustee created
// before a failure is removed again; nothing is written to the row on failure.
Result<void> EnsureClusterTrust(ConductorCore& core, const Caller& caller, const std::string& uuid);

// Best effort, before a deleted cluster's rows go: removes its trust and trustee user when
// the row names them. A Keystone failure is logged and recorded as a warning event and does
// not stop the delete. Safe to repeat (missing ones are success).
void RemoveClusterTrust(ConductorCore& core, const std::string& uuid,
                        const std::string& project_id);

}  // namespace magnum::conductor
