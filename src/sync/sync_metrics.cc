#include "sync/sync_metrics.h"

namespace brs::sync {

SyncMetrics::SyncMetrics(metrics::Registry& r)
    : handshakes(r.AddCounter("backrest_sync_handshakes_total",
                              "Identity handshakes by role and result.", {"role", "result"})),
      ops_received(r.AddCounter("backrest_sync_ops_received_total",
                                "Operations received from clients and stored.")
                       .With({})),
      ops_deleted(
          r.AddCounter("backrest_sync_ops_deleted_total", "Synced operations deleted at the hub.")
              .With({})),
      ops_sent(r.AddCounter("backrest_sync_ops_sent_total", "Operations sent to hubs.").With({})),
      ops_invalid(r.AddCounter("backrest_sync_ops_invalid_total",
                               "Operations failing Backrest's validation: refused by the hub "
                               "or not sent by the client.",
                               {"role"})),
      bytes_received(r.AddCounter("backrest_sync_stream_received_bytes_total",
                                  "Bytes of Sync stream items received.")
                         .With({})),
      bytes_sent(
          r.AddCounter("backrest_sync_stream_sent_bytes_total", "Bytes of Sync stream items sent.")
              .With({})),
      sessions_started(
          r.AddCounter("backrest_sync_sessions_started_total", "Sync streams started.").With({})),
      sessions_ended(r.AddCounter("backrest_sync_sessions_ended_total",
                                  "Sync sessions ended, by the state they ended in.", {"state"})),
      ingest_latency_seconds(
          r.AddHistogram("backrest_sync_ingest_latency_seconds",
                         "Time from receiving operations to their commit at the hub.",
                         {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5})
              .With({})),
      throttles(r.AddCounter("backrest_sync_throttles_total",
                             "Throttle requests of the throttle extension, by direction.",
                             {"direction"})),
      set_config_refused(r.AddCounter("backrest_sync_set_config_refused_total",
                                      "Pushed set_config refused as a whole, by role.", {"role"})),
      admission(r.AddCounter("backrest_sync_admission_total",
                             "Sync streams by admission outcome: started at once, queued for a "
                             "handshake slot, refused.",
                             {"outcome"})),
      store_full(r.AddGauge("backrest_sync_store_full",
                            "1 while the hub's store refuses writes for lack of space.")
                     .With({})),
      store_full_refusals(r.AddCounter("backrest_sync_store_full_refusals_total",
                                       "Writes of received operations refused for lack of "
                                       "space (disk full).")
                              .With({})),
      peers_by_state(
          r.AddGauge("backrest_sync_peers", "Known peers by connection state.", {"state"})) {}

}  // namespace brs::sync
