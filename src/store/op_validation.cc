#include "store/op_validation.h"

#include <string>

namespace brs::store {
namespace {

OpValidationFields FieldsOf(const v1::Operation& op) {
  OpValidationFields f;
  f.id = op.id();
  f.modno = op.modno();
  f.flow_id = op.flow_id();
  f.unix_time_start_ms = op.unix_time_start_ms();
  f.repo_guid = op.repo_guid();
  f.repo_id = op.repo_id();
  f.plan_id = op.plan_id();
  f.instance_id = op.instance_id();
  f.snapshot_id = op.snapshot_id();
  return f;
}

Status Required(const char* field) { return InvalidArgument(std::string(field) + " is required"); }

Status Check(const OpValidationFields& f, StoreAssigns assigns) {
  const bool ids = assigns != StoreAssigns::kIdModnoAndFlowId;
  const bool modno = assigns == StoreAssigns::kNothing;
  if (ids && f.id == 0) return Required("id");
  if (modno && f.modno == 0) return Required("modno");
  if (f.repo_guid.empty()) return Required("repo_guid");
  if (ids && f.flow_id == 0) return Required("flow_id");
  if (f.repo_id.empty()) return Required("repo_id");
  if (f.plan_id.empty()) return Required("plan_id");
  if (f.instance_id.empty()) return Required("instance_id");
  if (f.unix_time_start_ms == 0) return InvalidArgument("unix_time_start_ms must be non-zero");
  if (!f.snapshot_id.empty() && f.snapshot_id.size() != kSnapshotIdLength) {
    return InvalidArgument("snapshot_id is invalid: must be " + std::to_string(kSnapshotIdLength) +
                           " characters (restic's full snapshot ID), got " +
                           std::to_string(f.snapshot_id.size()));
  }
  return Status::Ok();
}

}  // namespace

Status ValidateOperation(const OpValidationFields& fields) {
  return Check(fields, StoreAssigns::kNothing);
}

Status ValidateOperation(const v1::Operation& op, StoreAssigns assigns) {
  return Check(FieldsOf(op), assigns);
}

}  // namespace brs::store
