// The audit trail: one line in the operator's log for every trust decision
// the sync layer makes (a refused handshake, a pairing, a revoked client's
// session ended). The sync layer has no logger of its own; the daemon hands
// one in through SyncEnv::audit.
//
// Fields are identifiers and reasons only: key IDs, instance IDs, remote
// addresses, token labels and fingerprints, grants. Never a pairing secret,
// token, password or key: callers must not pass one, and the tests grep the
// daemon's whole log for the secrets they used.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace brs::sync {

using AuditFields = std::vector<std::pair<std::string, std::string>>;
// `event` is a short fixed phrase ("handshake refused"); `warning` marks a
// refusal (logged at warn level), otherwise the event is informational.
using AuditLog = std::function<void(std::string_view event, bool warning, const AuditFields&)>;

}  // namespace brs::sync
