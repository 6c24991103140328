// What a sync session works with: the stores of this instance, its clock,
// the tunables, and the extensions a peer announced. Shared by both roles.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "base/env.h"
#include "store/config_store.h"
#include "store/log_store.h"
#include "store/oplog_store.h"
#include "store/peer_state_store.h"
#include "sync/audit.h"
#include "sync/store_full.h"
#include "sync/sync_metrics.h"

namespace brs::sync {

struct SyncEnv {
  store::ConfigStore* config = nullptr;
  store::OplogStore* oplog = nullptr;
  store::PeerStateStore* peers = nullptr;
  store::LogStore* logs = nullptr;     // optional: without it request_log is answered with an error
  const Env* clock = &Env::Default();  // wall and monotonic time
  SyncMetrics* metrics = nullptr;      // optional
  AuditLog audit;                      // optional: the operator's log (sync/audit.h)
  // Whether the store is full (sync/store_full.h); copies share it.
  std::shared_ptr<StoreFullLatch> store_full = std::make_shared<StoreFullLatch>();

  // Records an audit event when an audit log is set.
  void Audit(std::string_view event, bool warning, const AuditFields& fields) const {
    if (audit) audit(event, warning, fields);
  }
};

struct SyncTunables {
  // Backrest: 600 s between heartbeats.
  int64_t heartbeat_interval_ms = 600'000;
  // A client answers request_operation_data in batches of this many ops
  // (Backrest's default batch size).
  size_t operation_batch = 512;
  // The hub asks for at most this many op IDs per request_operation_data.
  size_t request_batch = 16'384;
  // Bound of one incoming manifest or request (IDs).
  size_t max_ids_per_message = 4'000'000;
  // A session's outbox holds this many items before a sender must wait
  // (back-pressure towards a slow peer).
  size_t outbox_high_water = 4096;
};

// Extensions beyond Backrest (SPEC §8). A peer announces them in the
// request/response header kExtensionsHeader as a comma-separated list;
// a Backrest peer announces none, so none is ever sent to it.
inline constexpr std::string_view kExtensionsHeader = "x-backrest-sync-extensions";

struct PeerFeatures {
  bool log_transfer = false;  // "log-transfer": request_log / receive_log_data
  bool throttle = false;      // "throttle"
  // "set-config-result": a client answers each set_config of a hub that
  // announced it with a set_config of its own (set_config_result.h).
  bool set_config_result = false;

  // Parses a header value (unknown names are ignored, whitespace trimmed).
  static PeerFeatures Parse(std::string_view header_value);
  // What this build announces: every extension it implements.
  static PeerFeatures All() { return PeerFeatures{true, true, true}; }
  std::string Format() const;
};

}  // namespace brs::sync
