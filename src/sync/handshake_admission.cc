#include "sync/handshake_admission.h"

#include <algorithm>

namespace brs::sync {

HandshakeAdmission::HandshakeAdmission(AdmissionOptions options, SyncEnv env)
    : options_(options), env_(env) {}

void HandshakeAdmission::Count(const char* outcome) {
  if (env_.metrics) env_.metrics->admission.With({outcome}).Inc();
}

std::string HandshakeAdmission::RefusalMessage() const {
  return "hub busy: " + std::to_string(options_.max_in_flight) + " handshakes in flight and " +
         std::to_string(options_.max_waiting) + " waiting; retry in " +
         std::to_string(options_.retry_after_ms) + " ms";
}

HandshakeAdmission::Outcome HandshakeAdmission::Admit(uint64_t id, std::function<void()> start) {
  {
    std::lock_guard lock(mu_);
    if (in_flight_.size() >= std::max<size_t>(1, options_.max_in_flight)) {
      if (waiting_.size() >= options_.max_waiting) {
        LogRefusalLocked();
        Count("refused");
        return Outcome::kRefused;
      }
      waiting_.emplace_back(id, std::move(start));
      Count("queued");
      return Outcome::kQueued;
    }
    in_flight_.insert(id);
    peak_ = std::max(peak_, in_flight_.size());
  }
  Count("started");
  start();
  return Outcome::kStarted;
}

void HandshakeAdmission::Release(uint64_t id) {
  std::function<void()> next;
  {
    std::lock_guard lock(mu_);
    if (in_flight_.erase(id) == 0) {
      // Never started: drop it from the queue (it ended while waiting).
      auto it = std::find_if(waiting_.begin(), waiting_.end(),
                             [&](const auto& w) { return w.first == id; });
      if (it != waiting_.end()) waiting_.erase(it);
      return;
    }
    if (waiting_.empty()) return;
    in_flight_.insert(waiting_.front().first);
    next = std::move(waiting_.front().second);
    waiting_.pop_front();
    peak_ = std::max(peak_, in_flight_.size());
  }
  next();
}

void HandshakeAdmission::StartAllWaiting() {
  std::deque<std::pair<uint64_t, std::function<void()>>> all;
  {
    std::lock_guard lock(mu_);
    all.swap(waiting_);
    for (const auto& w : all) in_flight_.insert(w.first);
  }
  for (auto& w : all) w.second();
}

// The first refusal at once, then at most one line per interval, with the
// count since the last one.
void HandshakeAdmission::LogRefusalLocked() {
  ++refused_unlogged_;
  const MonoTime now = env_.clock->NowMono();
  if (logged_ && now - last_log_ < Millis(options_.log_interval_ms)) return;
  env_.Audit("sync stream refused", true,
             {{"reason", "too many handshakes in flight"},
              {"count", std::to_string(refused_unlogged_)},
              {"detail", RefusalMessage()}});
  logged_ = true;
  last_log_ = now;
  refused_unlogged_ = 0;
}

size_t HandshakeAdmission::in_flight() const {
  std::lock_guard lock(mu_);
  return in_flight_.size();
}

size_t HandshakeAdmission::waiting() const {
  std::lock_guard lock(mu_);
  return waiting_.size();
}

size_t HandshakeAdmission::peak_in_flight() const {
  std::lock_guard lock(mu_);
  return peak_;
}

}  // namespace brs::sync
