#include "store/op_metadata.h"

#include "store/op_validation.h"

namespace brs::store {

OpMetadata MetadataOf(const v1::Operation& op) {
  OpMetadata m;
  m.id = op.id();
  m.modno = op.modno();
  m.flow_id = op.flow_id();
  m.original_id = op.original_id();
  m.original_flow_id = op.original_flow_id();
  m.start_time_ms = op.unix_time_start_ms();
  m.status = static_cast<int32_t>(op.status());
  m.original_instance_keyid = op.original_instance_keyid();
  m.instance_id = op.instance_id();
  m.repo_id = op.repo_id();
  m.repo_guid = op.repo_guid();
  m.plan_id = op.plan_id();
  m.snapshot_id = op.snapshot_id();
  return m;
}

Status ValidateOperation(const OpMetadata& m) {
  OpValidationFields f;
  f.id = m.id;
  f.modno = m.modno;
  f.flow_id = m.flow_id;
  f.unix_time_start_ms = m.start_time_ms;
  f.repo_guid = m.repo_guid;
  f.repo_id = m.repo_id;
  f.plan_id = m.plan_id;
  f.instance_id = m.instance_id;
  f.snapshot_id = m.snapshot_id;
  return ValidateOperation(f);
}

}  // namespace brs::store
