// The time source seam: stores ask a Clock, tests hand in a ManualClock and
// move time by hand (log expiry, heartbeats, config backups).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace brs::store {

class Clock {
 public:
  virtual ~Clock() = default;
  // Milliseconds since the Unix epoch.
  virtual int64_t NowUnixMillis() const = 0;
  int64_t NowUnixSeconds() const { return NowUnixMillis() / 1000; }
};

// The wall clock.
class SystemClock final : public Clock {
 public:
  int64_t NowUnixMillis() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  // A process-wide instance, for callers with no clock of their own.
  static const SystemClock& Instance() {
    static const SystemClock clock;
    return clock;
  }
};

// A clock that only moves when told to. Thread safe.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t start_unix_millis) : now_(start_unix_millis) {}
  int64_t NowUnixMillis() const override { return now_.load(); }
  void Set(int64_t unix_millis) { now_.store(unix_millis); }
  void AdvanceMillis(int64_t ms) { now_.fetch_add(ms); }

 private:
  std::atomic<int64_t> now_;
};

}  // namespace brs::store
