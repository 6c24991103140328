// When a client dials its known host again after a session ends (SPEC §6),
// as Backrest does: wait out the rest of the retry delay measured from the
// last connect, plus 2^min(attempts, 5) retry delays after failures, never
// less than one second; attempts reset once a session lasted at least one
// retry delay.
#pragma once

#include <chrono>

namespace brs::sync {

class ReconnectPolicy {
 public:
  using Duration = std::chrono::milliseconds;

  explicit ReconnectPolicy(Duration retry_delay = std::chrono::seconds(60))
      : retry_delay_(retry_delay) {}

  // Called when a session (or a failed dial) that started `session_length`
  // ago has ended. Returns how long to wait before the next dial.
  Duration NextDelay(Duration session_length);

  int attempts() const { return attempts_; }
  Duration retry_delay() const { return retry_delay_; }

 private:
  Duration retry_delay_;
  int attempts_ = 0;
};

}  // namespace brs::sync
