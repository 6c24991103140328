// A session's queue of outgoing (plaintext) items, in order, with the
// throttle extension: while paused, only heartbeats leave. Thread safe: the
// session thread and oplog subscribers push; the writer pops.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "sync/role_handler.h"

namespace brs::sync {

class Outbox final : public ItemSink {
 public:
  // `high_water`: Push blocks the pushing thread while this many items are
  // queued (back-pressure), unless the box is closed.
  explicit Outbox(size_t high_water = 4096) : high_water_(high_water) {}

  void Send(SyncStreamItem item) override;
  // Like Send but never blocks (for items that must not wait: errors,
  // heartbeats).
  void SendNow(SyncStreamItem item);
  // Waits until an item may be sent, the box is closed (nullopt) or
  // `deadline_ms` (a steady-clock time in ms; nullopt then too) passes.
  std::optional<SyncStreamItem> Pop(int64_t deadline_ms);
  // Non-blocking variant at time now_ms.
  std::optional<SyncStreamItem> TryPop(int64_t now_ms);
  // Holds back everything but heartbeats until now_ms + delay_ms.
  void Pause(int64_t now_ms, int64_t delay_ms);
  // Wakes every waiter; later pushes are dropped.
  void Close();
  size_t size() const;
  bool closed() const;

  static int64_t SteadyNowMs();

 private:
  std::optional<SyncStreamItem> TakeLocked(int64_t now_ms);

  const size_t high_water_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<SyncStreamItem> items_;
  std::deque<SyncStreamItem> heartbeats_;
  int64_t paused_until_ms_ = 0;
  bool closed_ = false;
};

}  // namespace brs::sync
