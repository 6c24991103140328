// When a client dials its known host again after a session ends (SPEC §6),
// as Backrest does: wait out the rest of the retry delay measured from the
// last connect, plus 2^min(attempts, 5) retry delays after failures, never
// less than one second; attempts reset once a session lasted at least one
// retry delay.
//
// A hub that refused us for load (Unavailable with "retry in N ms", its
// admission control) is taken at its word instead: N plus up to half of N
// of jitter (so a refused crowd does not come back in step), N bounded to
// [kMinHint, kMaxHint]; such a refusal is no failure of the hub, so it
// neither counts as an attempt nor resets them.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>

#include "base/status.h"

namespace brs::sync {

class ReconnectPolicy {
 public:
  using Duration = std::chrono::milliseconds;
  static constexpr Duration kMinHint{100};
  static constexpr Duration kMaxHint{10 * 60 * 1000};

  // `jitter_seed` seeds the jitter added to a hub's hint (any value; each
  // client its own, so that they spread).
  explicit ReconnectPolicy(Duration retry_delay = std::chrono::seconds(60),
                           uint64_t jitter_seed = 0)
      : retry_delay_(retry_delay), rng_(jitter_seed) {}

  // Called when a session (or a failed dial) that started `session_length`
  // ago has ended. Returns how long to wait before the next dial.
  Duration NextDelay(Duration session_length);
  // The same, knowing why it ended: a hub's retry hint in `end` wins.
  Duration NextDelay(Duration session_length, const Status& end);

  int attempts() const { return attempts_; }
  Duration retry_delay() const { return retry_delay_; }

 private:
  uint64_t NextRandom();

  Duration retry_delay_;
  int attempts_ = 0;
  uint64_t rng_;
};

// The hub's "retry in N ms" in an Unavailable status (its admission
// control's refusal), unbounded; none for other codes or messages.
std::optional<std::chrono::milliseconds> RetryHint(const Status& end);

}  // namespace brs::sync
