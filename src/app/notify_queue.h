// The durable side of webhook notifications: DIR/notify.sqlite (WAL,
// synchronous=FULL, store::SqliteDb) holds the last health state seen per
// (instance, plan) and per instance (plan ""), and the events waiting for
// delivery, one row per (event, target).
//
// Record compares what an evaluation saw with the stored states and, in ONE
// transaction, updates the states and enqueues an event for each
// transition: a kill -9 at any moment leaves either the old states and no
// event, or the new states and their events — a transition is never lost
// and never enqueued twice. Delivery marks are one statement each: an event
// is deleted only after its receiver answered 2xx (a crash between the 2xx
// and the delete sends it again, with the same event ID, which receivers
// use to dedupe: the Idempotency-Key header).
//
// The first evaluation (no baseline recorded yet, or after Reset) records
// the states and sends nothing: enabling notifications on a running fleet
// does not flood the receivers with "went ok". After it, a key first seen
// (a new plan or instance) in a state other than ok or no_plans is a
// transition from "none"; one seen ok is recorded silently. A key no
// longer reported (plan removed) is forgotten without an event.
//
// Not thread safe: one owner (the notifier's thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/env.h"
#include "base/status.h"
#include "store/sqlite_db.h"

namespace brs::app {

// One (instance, plan) or instance (plan empty) as an evaluation saw it.
struct ObservedHealth {
  std::string instance;
  std::string plan;
  std::string repo;
  std::string state;   // NotifyStateName
  std::string reason;  // for the summary line
};

// A transition that was enqueued.
struct HealthTransition {
  std::string event_id;
  std::string instance, plan, repo;
  std::string from, to;
  int64_t time_ms = 0;
  std::string summary;
};

// The event's JSON body (what receivers get).
std::string TransitionJson(const HealthTransition& t);

struct QueuedEvent {
  int64_t seq = 0;
  std::string event_id;
  std::string target;
  std::string body;
  int attempts = 0;  // tries made so far
  int64_t next_attempt_ms = 0;
};

class NotifyQueue {
 public:
  static StatusOr<std::unique_ptr<NotifyQueue>> Open(const std::string& path);

  // The targets an event to state `to` goes to.
  using Route = std::function<std::vector<std::string>(const std::string& to)>;
  // Compares, updates and enqueues in one transaction (see above); returns
  // the transitions enqueued (also those no target wanted: none queued then).
  StatusOr<std::vector<HealthTransition>> Record(const std::vector<ObservedHealth>& seen,
                                                 const Route& route, WallTime now);
  // Forgets every state and the baseline (notifications turned off); the
  // events queued stay.
  Status Reset();

  // Whether the first evaluation was recorded (see above).
  StatusOr<bool> HasBaseline();

  // The oldest pending event of each target (due or not), oldest first:
  // events go to a target in the order of their transitions, so a later
  // one waits for the earlier ones (a "recovered" never overtakes its
  // "went failing").
  StatusOr<std::vector<QueuedEvent>> Heads();
  // The earliest next attempt of a pending event.
  StatusOr<std::optional<int64_t>> NextDueMs();
  Status MarkDelivered(int64_t seq);
  Status MarkRetry(int64_t seq, int attempts, int64_t next_attempt_ms, const std::string& error);
  Status MarkFailed(int64_t seq, int attempts, const std::string& error);

  struct Counts {
    int64_t pending = 0;
    int64_t failed = 0;
  };
  StatusOr<Counts> CountEvents();
  // The stored state of a key ("" when none), for tests and the CLI.
  StatusOr<std::string> StoredState(const std::string& instance, const std::string& plan);

 private:
  NotifyQueue() = default;
  std::unique_ptr<store::SqliteDb> db_;
};

}  // namespace brs::app
