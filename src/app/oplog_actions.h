// What the CLI and the daemon's admin API do to the oplog, with the same
// checks whichever of them holds the store (app/ops_backend.h): add,
// update and delete this instance's own ops, and read one page of a query.
//
// Every op is checked against Backrest's rules (store/op_validation.h)
// before anything is written; a refused request changes nothing. Errors
// name the op by its position in the request ("operation #3: …") or by ID.
// Ops synced from a peer (original_instance_keyid set) are the peer's: they
// cannot be updated or deleted here (the peer would send them again).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "base/status.h"
#include "brs/admin.pb.h"
#include "store/oplog_store.h"

namespace brs::app {

// Adds new ops (id and modno 0; the store assigns them and the flow ID when
// 0, written back into `ops`). InvalidArgument for an op that breaks a rule.
Status AddLocalOps(store::OplogStore& oplog, std::vector<v1::Operation>& ops);

// Rewrites existing local ops as given (each op whole, with its ID); each
// gets the next modno (written back), so hubs receive the change.
// InvalidArgument for a broken rule, NotFound for an unknown ID,
// FailedPrecondition for an op synced from a peer.
Status UpdateLocalOps(store::OplogStore& oplog, std::vector<v1::Operation>& ops);

// Deletes local ops by ID (hubs are told). NotFound for an unknown ID,
// FailedPrecondition for an op synced from a peer; then nothing is deleted.
// Returns how many were deleted.
StatusOr<size_t> DeleteLocalOps(store::OplogStore& oplog, std::span<const int64_t> ids);

// The store query for an admin OpsQuery's filters and cursor: newest first
// (descending ID), ops below before_id when set, at most limit (0: all).
store::OpQuery QueryOf(const admin::v1::OpsQuery& q);

// One page of QueryOf(q): at most `max_ops` ops (and q.limit and
// q.page_size when set; `more` counts past a page_size, not past a limit), and
// stopping once the ops' serialized size reaches `max_bytes` (at least one
// op per page). `more` says whether further ops match.
StatusOr<admin::v1::OpsPage> QueryOpsPage(store::OplogStore& oplog, const admin::v1::OpsQuery& q,
                                          size_t max_ops, size_t max_bytes);

}  // namespace brs::app
