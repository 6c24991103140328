// Webhook notifications of health transitions (issue #12 §1), on a thread
// of their own: never on a session thread, never in the way of ingest.
//
// Each Step:
//  1. when an evaluation is due (every `evaluateEvery` on the Env's
//     monotonic clock; the first Step evaluates at once), reads
//     DIR/health.json's notifications (app/notify_settings.h), judges health
//     (the report function handed in: the daemon's DaemonHealth) and
//     records the transitions in the queue (app/notify_queue.h: one
//     transaction). No targets: the stored states are forgotten, so turning
//     notifications on later starts from a fresh baseline. A health.json
//     that is refused keeps the last good settings (logged once per
//     distinct error).
//  2. delivers every event due at the Env's wall time: a JSON POST
//     (rpc/http_post.h) with `Idempotency-Key: <event id>` and, when the
//     target has one, `Authorization: Bearer <token>`. A 2xx deletes it;
//     anything else (an error status, no answer, a timeout) schedules the
//     next try after initialBackoff * 2^(tries-1), at most maxBackoff, times
//     a jitter factor in [0.8, 1]; after maxAttempts tries the event is
//     marked failed (kept in notify.sqlite, counted, logged). A target gets
//     its events in the order of their transitions: while its oldest
//     pending event waits for its next try, the later ones wait too. An
//     event whose target is no longer configured fails at once. Delivery
//     stops (after at least one POST) once an evaluation is due, so slow
//     receivers delay an evaluation by at most one POST's timeout.
// Stop abandons a POST in flight (within ~50 ms; the event stays pending,
// its try not counted). Back-off times are wall times stored with the
// event, so a restart keeps them. Delivery is at least once per event and one event per transition:
// a kill -9 after the receiver's 2xx but before the delete commits sends
// the event again after the restart, with the same Idempotency-Key (the
// receiver dedupes on it); no other path sends an event twice.
//
// Metrics: backrest_sync_webhook_deliveries_total{target,outcome}
// (outcome: delivered, retry, failed), backrest_sync_webhook_queue_depth
// (pending events), backrest_sync_webhook_failed_events (kept failed).
#pragma once

#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "app/data_dir.h"
#include "app/notify_queue.h"
#include "app/notify_settings.h"
#include "base/env.h"
#include "base/metrics.h"
#include "base/status.h"
#include "brs/health.pb.h"

namespace brs::app {

struct NotifierOptions {
  DataDir dir;
  std::string db_path;  // empty: DIR/notify.sqlite
  const Env* env = &Env::Default();
  std::function<StatusOr<health::v1::HealthReport>()> report;
  metrics::Registry* registry = nullptr;  // required
  uint32_t jitter_seed = 0;               // 0: random
  // The thread's longest real wait between two Steps.
  std::chrono::milliseconds poll = std::chrono::milliseconds(1000);
};

// The observations of a report: one per plan, one per instance (plan "").
std::vector<ObservedHealth> ObserveReport(const health::v1::HealthReport& report);

class Notifier {
 public:
  static StatusOr<std::unique_ptr<Notifier>> Open(NotifierOptions options);
  ~Notifier();  // Stops

  // One pass (above). Thread safe, but meant for one caller: the thread, or
  // a test driving a fake clock without Start.
  void Step();
  // Runs Step on a thread until Stop.
  void Start();
  void Stop();

  // The back-off before try number `attempts` + 1 (without jitter).
  static Seconds Backoff(const NotifySettings& s, int attempts);

 private:
  explicit Notifier(NotifierOptions options);
  void Evaluate();
  void Deliver();
  void DeliverOne(const QueuedEvent& e, const WebhookTargetSettings* target,
                  std::set<std::string>& failed_targets);
  void UpdateGauges();
  void LogOnce(const std::string& error);

  NotifierOptions options_;
  std::unique_ptr<NotifyQueue> queue_;
  std::mutex step_mu_;
  std::optional<NotifySettings> settings_;  // the last good ones
  std::string last_error_;                  // logged once
  std::optional<MonoTime> next_eval_;
  std::mt19937 rng_;
  metrics::Family<metrics::Counter>* deliveries_ = nullptr;
  metrics::Gauge* depth_ = nullptr;
  metrics::Gauge* failed_ = nullptr;

  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::atomic<bool> cancel_{false};  // Stop of a started thread: abandon the POST in flight
  std::thread thread_;
};

}  // namespace brs::app
