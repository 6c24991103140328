// Where the CLI reads and writes operations. The oplog has one owner at a
// time (OplogStore holds an exclusive flock on DIR/oplog.sqlite): without a
// daemon the CLI opens the store itself; while `serve` runs, the CLI goes
// through the daemon's admin API (app/admin_service.h), and the daemon
// forwards what is added, updated or deleted to its hubs at once. Through
// the daemon, writes go in batches of 2000 ops: an error stops at its
// batch, the batches before it stay applied.
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "app/data_dir.h"
#include "base/status.h"
#include "brs/admin.pb.h"
#include "v1/operations.pb.h"

namespace brs::app {

struct OpCounts {
  int64_t local = 0;   // this instance's own ops
  int64_t synced = 0;  // ops received from peers (original_instance_keyid set)
};

class OpsBackend {
 public:
  virtual ~OpsBackend() = default;

  // Adds new ops (id 0); the store assigns id, flow ID and modno and they
  // are written back into `ops`. InvalidArgument for an op the store
  // refuses (nothing added then). Checks: app/oplog_actions.h.
  virtual Status Add(std::vector<v1::Operation>& ops) = 0;
  // Rewrites this instance's own ops (each with its ID); each gets the next
  // modno (written back). Errors as UpdateLocalOps.
  virtual Status Update(std::vector<v1::Operation>& ops) = 0;
  // Deletes this instance's own ops by ID. Errors as DeleteLocalOps.
  virtual StatusOr<size_t> Delete(std::span<const int64_t> ids) = 0;
  // Every op matching every set field of `query`, newest first (descending
  // ID); only the newest `limit` when limit > 0. Through the daemon it is
  // read page by page (no cap).
  virtual StatusOr<std::vector<v1::Operation>> Query(const admin::v1::OpsQuery& query) = 0;
  virtual StatusOr<OpCounts> Count() = 0;
  // "direct" (the CLI owns the store) or "daemon" (through serve).
  virtual std::string_view kind() const = 0;
};

// The store itself when no daemon holds it; else the daemon's admin API.
// Unavailable with a clear message when a daemon holds the store but cannot
// be reached; other store errors as they come.
StatusOr<std::unique_ptr<OpsBackend>> OpenOpsBackend(const DataDir& dir);

// The store directly (fails with Unavailable while a daemon holds it).
StatusOr<std::unique_ptr<OpsBackend>> OpenDirectOpsBackend(const DataDir& dir);

}  // namespace brs::app
