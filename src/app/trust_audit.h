// The audit trail of trust changes made to the config (by the CLI, the
// admin API or an editor): a pairing token revoked, an authorized client
// revoked. Pairings themselves are logged by the hub session that made them
// (sync/audit.h). Never logs a secret: tokens are named by label and
// fingerprint.
#pragma once

#include "v1/config.pb.h"

namespace brs::app {

// Logs one line for each pairing token and authorized client present in
// `before` and gone from `after`. A token that disappeared because a
// pairing used it up (a client was authorized in the same change) is not a
// revocation.
void AuditTrustChanges(const v1::Config& before, const v1::Config& after);

}  // namespace brs::app
