// OpMetadata: the indexed columns of one operation, as the oplog stores them
// next to its bytes, so that filters, manifests and validation can look at
// an op without parsing it.
#pragma once

#include <cstdint>
#include <string>

#include "base/status.h"
#include "v1/operations.pb.h"

namespace brs::store {

struct OpMetadata {
  int64_t id = 0;
  int64_t modno = 0;
  int64_t flow_id = 0;
  int64_t original_id = 0;
  int64_t original_flow_id = 0;
  int64_t start_time_ms = 0;
  int32_t status = 0;
  std::string original_instance_keyid;
  std::string instance_id;
  std::string repo_id;
  std::string repo_guid;
  std::string plan_id;
  std::string snapshot_id;
};
OpMetadata MetadataOf(const v1::Operation& op);

// Backrest's validation (store/op_validation.h) of an op's indexed columns.
Status ValidateOperation(const OpMetadata& m);

}  // namespace brs::store
