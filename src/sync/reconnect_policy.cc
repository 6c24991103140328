#include "sync/reconnect_policy.h"

#include <algorithm>

namespace brs::sync {

ReconnectPolicy::Duration ReconnectPolicy::NextDelay(Duration session_length) {
  if (session_length >= retry_delay_) attempts_ = 0;
  Duration delay = retry_delay_ - session_length;
  if (attempts_ > 0) delay += retry_delay_ * (int64_t{1} << std::min(attempts_, 5));
  delay = std::max<Duration>(delay, std::chrono::seconds(1));
  ++attempts_;
  return delay;
}

}  // namespace brs::sync
