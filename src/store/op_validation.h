// Backrest's operation validation (protoutil.ValidateOperation in Backrest
// v1.14.1), written anew for this project. Every Backrest instance runs it
// on every op it stores; a Backrest hub that receives an op failing it ends
// the sync stream without a reason and asks for the same op on every
// reconnect (SPEC §6a). So we apply the same rules wherever an op enters or
// leaves this instance: the CLI and admin API (before storing), the oplog
// store (on every write), a hub (on receipt, per op) and a client (before
// sending).
//
// The rules, checked in Backrest's order; the first one broken is reported:
//   id != 0, modno != 0, repo_guid non-empty, flow_id != 0, repo_id
//   non-empty, plan_id non-empty, instance_id non-empty,
//   unix_time_start_ms != 0, and a non-empty snapshot_id is exactly 64
//   characters long (restic's full snapshot ID).
//
// Errors are InvalidArgument whose message names the proto field first
// ("snapshot_id is invalid: must be 64 characters (restic's full snapshot
// ID), got 8"); callers put the op (input line, op ID) in front.
#pragma once

#include <cstdint>
#include <string_view>

#include "base/status.h"
#include "v1/operations.pb.h"

namespace brs::store {

// The fields the rules read, so that indexed columns can be checked without
// parsing an op's bytes.
struct OpValidationFields {
  int64_t id = 0;
  int64_t modno = 0;
  int64_t flow_id = 0;
  int64_t unix_time_start_ms = 0;
  std::string_view repo_guid;
  std::string_view repo_id;
  std::string_view plan_id;
  std::string_view instance_id;
  std::string_view snapshot_id;
};

// The length of a restic snapshot ID, the only length Backrest accepts.
inline constexpr size_t kSnapshotIdLength = 64;

// What the oplog store fills in when it writes an op, and so is not checked
// yet when user input is validated before it is stored (a bad line is then
// reported as the user wrote it; the store still checks every rule).
enum class StoreAssigns {
  kNothing,           // an op as it is stored or sent: every rule
  kModno,             // an update (OplogStore::Update gives the next modno)
  kIdModnoAndFlowId,  // a new op (OplogStore::Add gives id, modno, flow_id)
};

Status ValidateOperation(const v1::Operation& op, StoreAssigns assigns = StoreAssigns::kNothing);
Status ValidateOperation(const OpValidationFields& fields);

}  // namespace brs::store
