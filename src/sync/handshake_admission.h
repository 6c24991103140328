// Admission control for handshake storms (issue #16): the key exchange and
// handshake are the expensive part of a session, so the hub runs at most
// `max_in_flight` of them at once. A stream beyond that waits its turn, in
// arrival order, up to `max_waiting` of them; one beyond that is refused
// (the caller answers Unavailable with a retry hint). So a storm of
// reconnecting clients becomes a queue, not timeouts for everyone.
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

#include "sync/sync_env.h"

namespace brs::sync {

struct AdmissionOptions {
  size_t max_in_flight = 64;
  size_t max_waiting = 10'000;
  // What a refused client is told to wait before it dials again.
  int64_t retry_after_ms = 1'000;
  int64_t log_interval_ms = 10'000;
};

class HandshakeAdmission {
 public:
  HandshakeAdmission(AdmissionOptions options, SyncEnv env);

  enum class Outcome { kStarted, kQueued, kRefused };
  // Session `id` wants to handshake: `start` runs now (kStarted, on this
  // thread) or once a slot is free (kQueued, on the thread releasing it);
  // kRefused: it never runs. `start` must not block.
  Outcome Admit(uint64_t id, std::function<void()> start);
  // Session `id` is done with its handshake (established, or ended): its
  // slot goes to the first one waiting. Idempotent; ids never admitted or
  // still waiting are ignored.
  void Release(uint64_t id);
  // Starts everyone waiting, whatever the limit (shutdown: so that each
  // session can end).
  void StartAllWaiting();
  // The refusal's message, with the retry hint.
  std::string RefusalMessage() const;
  size_t in_flight() const;
  size_t waiting() const;
  // The most handshakes that were ever in flight at once (for tests and
  // benchmarks).
  size_t peak_in_flight() const;
  const AdmissionOptions& options() const { return options_; }

 private:
  void Count(const char* outcome);
  void LogRefusalLocked();

  const AdmissionOptions options_;
  const SyncEnv env_;
  mutable std::mutex mu_;
  std::set<uint64_t> in_flight_;
  std::deque<std::pair<uint64_t, std::function<void()>>> waiting_;
  size_t peak_ = 0;
  uint64_t refused_unlogged_ = 0;
  MonoTime last_log_{};
  bool logged_ = false;
};

}  // namespace brs::sync
