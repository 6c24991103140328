#include "sync/reconnect_policy.h"

#include <algorithm>
#include <charconv>
#include <string_view>

namespace brs::sync {

ReconnectPolicy::Duration ReconnectPolicy::NextDelay(Duration session_length) {
  if (session_length >= retry_delay_) attempts_ = 0;
  Duration delay = retry_delay_ - session_length;
  if (attempts_ > 0) delay += retry_delay_ * (int64_t{1} << std::min(attempts_, 5));
  delay = std::max<Duration>(delay, std::chrono::seconds(1));
  ++attempts_;
  return delay;
}

ReconnectPolicy::Duration ReconnectPolicy::NextDelay(Duration session_length, const Status& end) {
  auto hint = RetryHint(end);
  if (!hint) return NextDelay(session_length);
  const Duration base = std::clamp<Duration>(*hint, kMinHint, kMaxHint);
  const uint64_t spread = static_cast<uint64_t>(base.count()) / 2 + 1;
  return base + Duration(static_cast<int64_t>(NextRandom() % spread));
}

// splitmix64: jitter needs spread, not secrecy.
uint64_t ReconnectPolicy::NextRandom() {
  uint64_t z = (rng_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::optional<std::chrono::milliseconds> RetryHint(const Status& end) {
  if (end.code() != Code::kUnavailable) return std::nullopt;
  const std::string_view m = end.message();
  constexpr std::string_view kKey = "retry in ";
  const size_t at = m.rfind(kKey);
  if (at == std::string_view::npos) return std::nullopt;
  const char* first = m.data() + at + kKey.size();
  const char* last = m.data() + m.size();
  int64_t ms = 0;
  auto [p, ec] = std::from_chars(first, last, ms);
  if (ec != std::errc() || ms < 0 || std::string_view(p, last - p).substr(0, 3) != " ms") {
    return std::nullopt;
  }
  return std::chrono::milliseconds(ms);
}

}  // namespace brs::sync
