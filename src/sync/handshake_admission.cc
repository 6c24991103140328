#include "sync/handshake_admission.h"

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

namespace brs::sync {
namespace {

// Throughput samples kept, the fewest that make an estimate, and the gap
// after which old ones describe another storm.
constexpr size_t kSamples = 64;
constexpr size_t kMinSamples = 8;
constexpr Millis kSampleGap{2'000};

}  // namespace

HandshakeAdmission::HandshakeAdmission(AdmissionOptions options, SyncEnv env)
    : options_(options), env_(env) {}

void HandshakeAdmission::Count(const char* outcome) {
  if (env_.metrics) env_.metrics->admission.With({outcome}).Inc();
}

double HandshakeAdmission::RateLocked() const {
  if (done_.size() < kMinSamples) return std::max(options_.initial_rate_per_s, 1e-3);
  const auto span = std::max<int64_t>((done_.back() - done_.front()).count(), 1);
  return static_cast<double>(done_.size() - 1) * 1000.0 / static_cast<double>(span);
}

std::string HandshakeAdmission::RefusalLocked(MonoTime now, const char* reason) {
  const double rate = RateLocked();
  const double now_ms = static_cast<double>(MonoMillis(now));
  // Behind everyone waiting, and behind every stream refused before it.
  const double drained = now_ms + static_cast<double>(waiting_.size()) * 1000.0 / rate;
  const double slot = std::max(next_slot_ms_, drained);
  next_slot_ms_ = slot + 1000.0 / rate;
  const auto hint = std::clamp<int64_t>(std::llround(slot - now_ms), options_.min_retry_ms,
                                        options_.max_retry_ms);
  std::string message = "hub busy (" + std::string(reason) +
                        "): " + std::to_string(waiting_.size()) + " handshakes waiting, " +
                        std::to_string(std::llround(rate)) + " per second; retry in " +
                        std::to_string(hint) + " ms";
  LogRefusalLocked(now, reason, message);
  return message;
}

HandshakeAdmission::Refusals HandshakeAdmission::ExpireLocked(MonoTime now) {
  Refusals out;
  while (!waiting_.empty() && now - waiting_.front().since > Millis(options_.max_wait_ms)) {
    Refuse refuse = std::move(waiting_.front().refuse);
    waiting_.pop_front();
    out.emplace_back(std::move(refuse), RefusalLocked(now, "waited too long"));
  }
  return out;
}

void HandshakeAdmission::RefuseAll(Refusals& refused) {
  for (auto& [refuse, message] : refused) {
    Count("refused");
    if (refuse) refuse(message);
  }
}

HandshakeAdmission::Outcome HandshakeAdmission::Admit(uint64_t id, std::function<void()> start,
                                                      Refuse refuse) {
  Refusals expired;
  std::string refusal;
  Outcome outcome = Outcome::kStarted;
  {
    std::lock_guard lock(mu_);
    const MonoTime now = env_.clock->NowMono();
    // Those whose turn did not come in time (nothing was released).
    expired = ExpireLocked(now);
    if (in_flight_.size() < std::max<size_t>(1, options_.max_in_flight)) {
      in_flight_.insert(id);
      peak_ = std::max(peak_, in_flight_.size());
    } else if (waiting_.size() >= options_.max_waiting) {
      refusal = RefusalLocked(now, "handshake queue full");
      outcome = Outcome::kRefused;
    } else if (static_cast<double>(waiting_.size() + 1) * 1000.0 / RateLocked() >
               static_cast<double>(options_.max_wait_ms)) {
      refusal = RefusalLocked(now, "expected wait too long");
      outcome = Outcome::kRefused;
    } else {
      waiting_.push_back({id, now, std::move(start), std::move(refuse)});
      outcome = Outcome::kQueued;
    }
  }
  RefuseAll(expired);
  switch (outcome) {
    case Outcome::kStarted:
      Count("started");
      start();
      break;
    case Outcome::kQueued:
      Count("queued");
      break;
    case Outcome::kRefused:
      Count("refused");
      if (refuse) refuse(refusal);
      break;
  }
  return outcome;
}

void HandshakeAdmission::Release(uint64_t id) {
  std::function<void()> next;
  Refusals expired;
  {
    std::lock_guard lock(mu_);
    if (in_flight_.erase(id) == 0) {
      // Never started: drop it from the queue (it ended while waiting).
      auto it = std::find_if(waiting_.begin(), waiting_.end(),
                             [&](const Waiting& w) { return w.id == id; });
      if (it != waiting_.end()) waiting_.erase(it);
      return;
    }
    if (waiting_.empty()) return;
    const MonoTime now = env_.clock->NowMono();
    // A handshake done while others waited: the hub's throughput.
    if (!done_.empty() && now - done_.back() > kSampleGap) done_.clear();
    done_.push_back(now);
    if (done_.size() > kSamples) done_.pop_front();
    expired = ExpireLocked(now);
    if (!waiting_.empty()) {
      in_flight_.insert(waiting_.front().id);
      next = std::move(waiting_.front().start);
      waiting_.pop_front();
      peak_ = std::max(peak_, in_flight_.size());
    }
  }
  RefuseAll(expired);
  if (next) next();
}

void HandshakeAdmission::StartAllWaiting() {
  std::deque<Waiting> all;
  {
    std::lock_guard lock(mu_);
    all.swap(waiting_);
    for (const auto& w : all) in_flight_.insert(w.id);
  }
  for (auto& w : all) w.start();
}

// The first refusal at once, then at most one line per interval, with the
// count since the last one.
void HandshakeAdmission::LogRefusalLocked(MonoTime now, const char* reason,
                                          const std::string& message) {
  ++refused_unlogged_;
  if (logged_ && now - last_log_ < Millis(options_.log_interval_ms)) return;
  env_.Audit(
      "sync stream refused", true,
      {{"reason", reason}, {"count", std::to_string(refused_unlogged_)}, {"detail", message}});
  logged_ = true;
  last_log_ = now;
  refused_unlogged_ = 0;
}

double HandshakeAdmission::rate_per_s() const {
  std::lock_guard lock(mu_);
  return RateLocked();
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
