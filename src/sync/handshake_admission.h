// Admission control for handshake storms (issue #16): the key exchange and
// handshake are the expensive part of a session, so the hub runs at most
// `max_in_flight` of them at once. A stream beyond that waits its turn, in
// arrival order, as long as its expected wait is at most `max_wait_ms`
// (below a client's 15 s handshake deadline, so that the hub never spends
// a key exchange on a client that has given up); otherwise it is refused
// with a retry hint (the caller answers Unavailable, "retry in N ms").
//
// The expected wait comes from the hub's measured throughput: handshakes
// completed while others waited (before any, `initial_rate_per_s`). Each
// refused stream is given its own future slot at that rate, so a refused
// crowd comes back spread out, at the pace the hub can serve it: a storm
// becomes a queue, not timeouts for everyone. A stream that has waited
// `max_wait_ms` all the same (the rate fell) is refused the same way when
// its turn comes.
//
// Counted in backrest_sync_admission_total{outcome} (started at once,
// queued, refused); refusals are logged at most once per
// `log_interval_ms` of the Env's clock, with how many there were. Thread
// safe.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "sync/sync_env.h"

namespace brs::sync {

struct AdmissionOptions {
  size_t max_in_flight = 64;
  size_t max_waiting = 10'000;
  // The longest a stream waits for its turn (see above).
  int64_t max_wait_ms = 8'000;
  // The throughput assumed before one is measured. Optimistic on purpose:
  // a client told to come back too early is refused again, cheaply (no key
  // exchange), with a better hint; one told too late waits for nothing.
  double initial_rate_per_s = 1'000;
  // Bounds of a retry hint.
  int64_t min_retry_ms = 1'000;
  int64_t max_retry_ms = 600'000;
  int64_t log_interval_ms = 10'000;
};

class HandshakeAdmission {
 public:
  HandshakeAdmission(AdmissionOptions options, SyncEnv env);

  enum class Outcome { kStarted, kQueued, kRefused };
  using Refuse = std::function<void(const std::string& message)>;
  // Session `id` wants to handshake: `start` runs now (kStarted, on this
  // thread) or once a slot is free (kQueued, on the thread releasing it).
  // Refused now (kRefused, `refuse` runs on this thread) or later, when its
  // turn comes after more than max_wait_ms (on the releasing thread):
  // `refuse` gets the refusal's message with its retry hint, and `start`
  // never runs. Neither may block.
  Outcome Admit(uint64_t id, std::function<void()> start, Refuse refuse);
  // Session `id` is done with its handshake (established, or ended): its
  // slot goes to the first one waiting. Idempotent; ids never admitted or
  // still waiting are ignored.
  void Release(uint64_t id);
  // Starts everyone waiting, whatever the limit (shutdown: so that each
  // session can end).
  void StartAllWaiting();
  // The throughput estimate, handshakes per second.
  double rate_per_s() const;
  size_t in_flight() const;
  size_t waiting() const;
  // The most handshakes that were ever in flight at once (for tests and
  // benchmarks).
  size_t peak_in_flight() const;
  const AdmissionOptions& options() const { return options_; }

 private:
  struct Waiting {
    uint64_t id;
    MonoTime since;
    std::function<void()> start;
    Refuse refuse;
  };
  using Refusals = std::vector<std::pair<Refuse, std::string>>;
  void Count(const char* outcome);
  double RateLocked() const;
  // Takes out those that waited more than max_wait_ms, with their refusals.
  Refusals ExpireLocked(MonoTime now);
  void RefuseAll(Refusals& refused);
  // The message for a stream refused now, with a slot of its own.
  std::string RefusalLocked(MonoTime now, const char* reason);
  void LogRefusalLocked(MonoTime now, const char* reason, const std::string& message);

  const AdmissionOptions options_;
  const SyncEnv env_;
  mutable std::mutex mu_;
  std::set<uint64_t> in_flight_;
  std::deque<Waiting> waiting_;
  // When handshakes completed while others waited (the newest kSamples).
  std::deque<MonoTime> done_;
  // The next free slot handed to a refused stream.
  double next_slot_ms_ = 0;
  size_t peak_ = 0;
  uint64_t refused_unlogged_ = 0;
  MonoTime last_log_{};
  bool logged_ = false;
};

}  // namespace brs::sync
