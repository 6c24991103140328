// The daemon's periodic progress line for long syncs: given the ops
// received and sent so far, says (at most once per interval, and only while
// they move) how many crossed since the last line and at what rate.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "base/env.h"

namespace brs::app {

struct SyncProgressLine {
  uint64_t received = 0;  // since the last line
  uint64_t sent = 0;
  uint64_t received_total = 0;
  uint64_t sent_total = 0;
  double received_per_s = 0;
  double sent_per_s = 0;
};

class SyncProgress {
 public:
  explicit SyncProgress(Millis interval = Millis(5'000)) : interval_(interval) {}
  // Called often (e.g. twice a second) with the running totals and a
  // monotonic time; a line when an interval has passed and ops moved.
  std::optional<SyncProgressLine> Tick(uint64_t received_total, uint64_t sent_total, MonoTime now);

 private:
  Millis interval_;
  bool started_ = false;
  MonoTime last_{};
  uint64_t last_received_ = 0, last_sent_ = 0;
};

}  // namespace brs::app
