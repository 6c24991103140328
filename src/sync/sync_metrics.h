// The sync engine's Prometheus metrics (exposed at /metrics by the daemon).
#pragma once

#include "base/metrics.h"

namespace brs::sync {

struct SyncMetrics {
  explicit SyncMetrics(metrics::Registry& registry);

  // Handshakes by role and result: ok, or the failure class (auth,
  // protocol, timeout, internal).
  metrics::Family<metrics::Counter>& handshakes;
  metrics::Counter& ops_received;  // ops upserted at the hub
  metrics::Counter& ops_deleted;   // ops deleted at the hub (events, manifests)
  metrics::Counter& ops_sent;      // ops a client sent (events and requested data)
  // Ops failing Backrest's validation (store/op_validation.h), by role:
  // hub (received and refused) or client (local ops not sent).
  metrics::Family<metrics::Counter>& ops_invalid;
  metrics::Counter& bytes_received;  // wire bytes of Sync streams
  metrics::Counter& bytes_sent;
  metrics::Counter& sessions_started;
  metrics::Family<metrics::Counter>& sessions_ended;  // by connection state
  // Time from receiving a receive_operations item to its commit at the hub.
  metrics::Histogram& ingest_latency_seconds;
  // Throttle requests (SPEC §8 extension), by direction: sent (hub) or
  // received (client).
  metrics::Family<metrics::Counter>& throttles;
  // set_config pushes refused, by role: "client" (this instance refused a
  // hub's push) or "hub" (a client refused this hub's push).
  metrics::Family<metrics::Counter>& set_config_refused;
  // Sync streams by admission outcome (handshake_admission.h): started at
  // once, queued for a handshake slot, refused (the queue was full too).
  metrics::Family<metrics::Counter>& admission;
  // 1 while the hub's store refuses writes for lack of space (disk full),
  // and the batches refused so (sync/store_full.h).
  metrics::Gauge& store_full;
  metrics::Counter& store_full_refusals;
  // Sessions by connection state, filled from the peer states at scrape time.
  metrics::Family<metrics::Gauge>& peers_by_state;
};

}  // namespace brs::sync
