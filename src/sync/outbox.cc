#include "sync/outbox.h"

#include <algorithm>
#include <chrono>

namespace brs::sync {

int64_t Outbox::SteadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void Outbox::Send(SyncStreamItem item) {
  std::unique_lock lock(mu_);
  if (item.has_heartbeat()) {
    if (closed_) return;
    heartbeats_.push_back(std::move(item));
    cv_.notify_all();
    return;
  }
  cv_.wait(lock, [&] { return closed_ || items_.size() < high_water_; });
  if (closed_) return;
  items_.push_back(std::move(item));
  cv_.notify_all();
}

void Outbox::SendNow(SyncStreamItem item) {
  std::lock_guard lock(mu_);
  if (closed_) return;
  (item.has_heartbeat() ? heartbeats_ : items_).push_back(std::move(item));
  cv_.notify_all();
}

std::optional<SyncStreamItem> Outbox::TakeLocked(int64_t now_ms) {
  if (!heartbeats_.empty()) {
    auto item = std::move(heartbeats_.front());
    heartbeats_.pop_front();
    return item;
  }
  if (!items_.empty() && now_ms >= paused_until_ms_) {
    auto item = std::move(items_.front());
    items_.pop_front();
    cv_.notify_all();  // a blocked Send may go on
    return item;
  }
  return std::nullopt;
}

std::optional<SyncStreamItem> Outbox::Pop(int64_t deadline_ms) {
  std::unique_lock lock(mu_);
  for (;;) {
    if (closed_) return std::nullopt;
    int64_t now = SteadyNowMs();
    if (auto item = TakeLocked(now)) return item;
    if (now >= deadline_ms) return std::nullopt;
    int64_t until = deadline_ms;
    if (!items_.empty() && paused_until_ms_ < until) until = paused_until_ms_;
    // Bounded wait: a far deadline (INT64_MAX) must not overflow the clock.
    const int64_t wait = std::clamp<int64_t>(until - now, 1, 3'600'000);
    cv_.wait_for(lock, std::chrono::milliseconds(wait));
  }
}

std::optional<SyncStreamItem> Outbox::TryPop(int64_t now_ms) {
  std::lock_guard lock(mu_);
  if (closed_) return std::nullopt;
  return TakeLocked(now_ms);
}

void Outbox::Pause(int64_t now_ms, int64_t delay_ms) {
  std::lock_guard lock(mu_);
  paused_until_ms_ = std::max(paused_until_ms_, now_ms + std::max<int64_t>(0, delay_ms));
  cv_.notify_all();
}

void Outbox::Close() {
  std::lock_guard lock(mu_);
  closed_ = true;
  items_.clear();
  heartbeats_.clear();
  cv_.notify_all();
}

size_t Outbox::size() const {
  std::lock_guard lock(mu_);
  return items_.size() + heartbeats_.size();
}

bool Outbox::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

}  // namespace brs::sync
