// One op per rule of Backrest's ValidateOperation (store/op_validation.h),
// each breaking exactly that rule: the table every entry point's test runs
// (store writes, the hub on receipt, the client before sending, `ops add`,
// the admin API).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "v1/operations.pb.h"

namespace brs::store::testing {

struct InvalidOpCase {
  std::string name;     // for test output
  std::string message;  // what the refusal says (starts with the field)
  std::function<void(v1::Operation&)> breaks;
  bool store_assigned = false;  // id, modno or flow_id: `ops add` fills these in
  std::string json;             // the broken field as `ops add` input JSON (when not assigned)
};

inline std::string Repeat(char c, size_t n) { return std::string(n, c); }

inline std::vector<InvalidOpCase> InvalidOpCases() {
  return {
      {"no id", "id is required", [](v1::Operation& o) { o.set_id(0); }, true, ""},
      {"no modno", "modno is required", [](v1::Operation& o) { o.set_modno(0); }, true, ""},
      {"no repo_guid", "repo_guid is required", [](v1::Operation& o) { o.clear_repo_guid(); },
       false, R"("repoGuid":"")"},
      {"no flow_id", "flow_id is required", [](v1::Operation& o) { o.set_flow_id(0); }, true, ""},
      {"no repo_id", "repo_id is required", [](v1::Operation& o) { o.clear_repo_id(); }, false,
       R"("repoId":"")"},
      {"no plan_id", "plan_id is required", [](v1::Operation& o) { o.clear_plan_id(); }, false,
       R"("planId":"")"},
      {"no instance_id", "instance_id is required", [](v1::Operation& o) { o.clear_instance_id(); },
       false, ""},
      {"no start time", "unix_time_start_ms must be non-zero",
       [](v1::Operation& o) { o.set_unix_time_start_ms(0); }, false, ""},
      {"short snapshot_id", "snapshot_id is invalid: must be 64 characters",
       [](v1::Operation& o) { o.set_snapshot_id("deadbeef"); }, false,
       R"("snapshotId":"deadbeef")"},
      {"long snapshot_id", "snapshot_id is invalid: must be 64 characters",
       [](v1::Operation& o) { o.set_snapshot_id(Repeat('a', 65)); }, false,
       R"("snapshotId":")" + Repeat('a', 65) + "\""},
  };
}

// A snapshot ID Backrest accepts.
inline std::string ValidSnapshotId() { return Repeat('c', 64); }

}  // namespace brs::store::testing
