// Turns `restic snapshots --json` output into index-snapshot operations the
// way Backrest indexes a repository: plan from a "plan:<id>" tag (else the
// given plan, else "_unassociated_"), instance from "created-by:<id>" (else
// this instance), start = snapshot time, end = start + summary duration.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "v1/operations.pb.h"

namespace brs::app {

struct ResticImportOptions {
  std::string repo_id;
  std::string repo_guid;
  std::string plan_id;      // used when a snapshot has no plan: tag
  std::string instance_id;  // used when a snapshot has no created-by: tag
};

// InvalidArgument (naming the snapshot index) for JSON that is not an array
// of restic snapshots.
StatusOr<std::vector<v1::Operation>> ParseResticSnapshots(std::string_view json,
                                                          const ResticImportOptions& options);

// RFC 3339 with optional fraction and zone ("2024-01-02T03:04:05.123+01:00")
// to Unix milliseconds.
StatusOr<int64_t> ParseRfc3339Millis(std::string_view s);

}  // namespace brs::app
