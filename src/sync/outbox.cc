#include "sync/outbox.h"

#include <algorithm>
#include <chrono>

namespace brs::sync {

void Outbox::Send(SyncStreamItem item) {
  std::unique_lock lock(mu_);
  if (item.has_heartbeat()) {
    if (closed_) return;
    heartbeats_.push_back(std::move(item));
    cv_.notify_all();
    NotifyPush(lock);
    return;
  }
  if (blocking_send_) {
    ++blocked_senders_;
    cv_.wait(lock, [&] { return closed_ || items_.size() < high_water_; });
    --blocked_senders_;
  }
  if (closed_) return;
  items_.push_back(std::move(item));
  cv_.notify_all();
  NotifyPush(lock);
}

void Outbox::SendNow(SyncStreamItem item) {
  std::unique_lock lock(mu_);
  if (closed_) return;
  (item.has_heartbeat() ? heartbeats_ : items_).push_back(std::move(item));
  cv_.notify_all();
  NotifyPush(lock);
}

bool Outbox::TrySend(SyncStreamItem item) {
  std::unique_lock lock(mu_);
  if (closed_) return true;  // dropped as by Send: the session is over
  if (item.has_heartbeat()) {
    heartbeats_.push_back(std::move(item));
  } else if (items_.size() < high_water_) {
    items_.push_back(std::move(item));
  } else {
    room_wanted_ = true;
    return false;
  }
  cv_.notify_all();
  NotifyPush(lock);
  return true;
}

void Outbox::SetOnPush(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  on_push_ = std::move(fn);
}

void Outbox::NotifyPush(std::unique_lock<std::mutex>& lock) {
  if (!on_push_) return;
  std::function<void()> fn = on_push_;
  lock.unlock();
  fn();
}

MonoTime Outbox::ResumeAt() const {
  std::lock_guard lock(mu_);
  if (items_.empty() || env_->NowMono() >= paused_until_) return kMonoNever;
  return paused_until_;
}

void Outbox::SetOnRoom(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  on_room_ = std::move(fn);
}

void Outbox::NotifyRoom(std::unique_lock<std::mutex>& lock) {
  if (!room_wanted_ || items_.size() > high_water_ / 2) return;
  room_wanted_ = false;
  std::function<void()> fn = on_room_;
  lock.unlock();
  if (fn) fn();
}

std::optional<SyncStreamItem> Outbox::TakeLocked(MonoTime now) {
  if (!heartbeats_.empty()) {
    auto item = std::move(heartbeats_.front());
    heartbeats_.pop_front();
    return item;
  }
  if (!items_.empty() && now >= paused_until_) {
    auto item = std::move(items_.front());
    items_.pop_front();
    cv_.notify_all();  // a blocked Send may go on
    return item;
  }
  return std::nullopt;
}

std::optional<SyncStreamItem> Outbox::Pop(MonoTime deadline) {
  std::unique_lock lock(mu_);
  for (;;) {
    if (closed_) return std::nullopt;
    const MonoTime now = env_->NowMono();
    if (auto item = TakeLocked(now)) {
      NotifyRoom(lock);
      return item;
    }
    if (now >= deadline) return std::nullopt;
    MonoTime until = deadline;
    if (!items_.empty() && paused_until_ < until) until = paused_until_;
    // Bounded wait: a far deadline (kMonoNever) must not overflow the clock.
    const auto wait = std::clamp<Millis>(until - now, Millis(1), Millis(3'600'000));
    cv_.wait_for(lock, wait);
  }
}

std::optional<SyncStreamItem> Outbox::TryPop() {
  std::unique_lock lock(mu_);
  if (closed_) return std::nullopt;
  auto item = TakeLocked(env_->NowMono());
  if (item) NotifyRoom(lock);
  return item;
}

void Outbox::Pause(Millis delay) {
  std::lock_guard lock(mu_);
  paused_until_ = std::max(paused_until_, env_->NowMono() + std::max(Millis(0), delay));
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

size_t Outbox::blocked_senders() const {
  std::lock_guard lock(mu_);
  return blocked_senders_;
}

bool Outbox::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

}  // namespace brs::sync
