#include "app/sync_progress.h"

namespace brs::app {

std::optional<SyncProgressLine> SyncProgress::Tick(uint64_t received_total, uint64_t sent_total,
                                                   MonoTime now) {
  if (!started_) {
    started_ = true;
    last_ = now;
    last_received_ = received_total;
    last_sent_ = sent_total;
    return std::nullopt;
  }
  const int64_t elapsed = (now - last_).count();
  if (now - last_ < interval_) return std::nullopt;
  SyncProgressLine line;
  line.received = received_total - last_received_;
  line.sent = sent_total - last_sent_;
  line.received_total = received_total;
  line.sent_total = sent_total;
  line.received_per_s = static_cast<double>(line.received) * 1000.0 / static_cast<double>(elapsed);
  line.sent_per_s = static_cast<double>(line.sent) * 1000.0 / static_cast<double>(elapsed);
  last_ = now;
  last_received_ = received_total;
  last_sent_ = sent_total;
  if (line.received == 0 && line.sent == 0) return std::nullopt;  // idle: no line
  return line;
}

}  // namespace brs::app
