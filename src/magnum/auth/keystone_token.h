// Reading Keystone v3 token documents (the body of POST and GET /v3/auth/tokens) into what
// the API needs: the caller's identity, roles, expiry and service catalog. Pure functions.
#pragma once

#include <memory>
#include <string_view>

#include "magnum/auth/context.h"
#include "magnum/common/clock.h"
#include "magnum/common/error.h"

namespace magnum::auth {

struct KeystoneToken {
  RequestContext context;  // user, project, domains, roles, is_admin, catalog; no request id
  TimePoint expires_at;
};

// Parses {"token": {...}}. kInvalidArgument when the document is not a token (not JSON, no
// user, no expires_at); a token without project scope parses (project_id stays empty).
Result<KeystoneToken> ParseKeystoneToken(std::string_view body);

// ISO 8601 as Keystone writes it: "2026-12-04T16:25:32.000000Z" (also "+hh:mm" offsets and
// no fraction). False when malformed.
bool ParseKeystoneTime(std::string_view s, TimePoint* out);

}  // namespace magnum::auth
