// A session's queue of outgoing (plaintext) items, in order, with the
// throttle extension: while paused, only heartbeats leave. Thread safe: the
// session thread and oplog subscribers push; the writer pops.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>

#include "base/env.h"
#include "sync/role_handler.h"

namespace brs::sync {

class Outbox final : public ItemSink {
 public:
  // `high_water`: Send blocks the sending thread while this many items are
  // queued (back-pressure), unless the box is closed. Pauses are measured
  // on env's monotonic clock.
  explicit Outbox(size_t high_water = 4096, const Env* env = &Env::Default())
      : high_water_(high_water), env_(env) {}

  void Send(SyncStreamItem item) override;
  // Like Send but never blocks (for items that must not wait: errors,
  // heartbeats).
  void SendNow(SyncStreamItem item);
  // Waits until an item may be sent, the box is closed (nullopt) or
  // `deadline` passes (nullopt then too).
  std::optional<SyncStreamItem> Pop(MonoTime deadline);
  // Non-blocking variant.
  std::optional<SyncStreamItem> TryPop();
  // Holds back everything but heartbeats for `delay` from now.
  void Pause(Millis delay);
  // Wakes every waiter; later pushes are dropped.
  void Close();
  size_t size() const;
  bool closed() const;
  // Threads blocked in Send at the high-water mark (for tests: a Send that
  // is known to be waiting).
  size_t blocked_senders() const;

 private:
  std::optional<SyncStreamItem> TakeLocked(MonoTime now);

  const size_t high_water_;
  const Env* const env_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<SyncStreamItem> items_;
  std::deque<SyncStreamItem> heartbeats_;
  MonoTime paused_until_{};
  size_t blocked_senders_ = 0;
  bool closed_ = false;
};

}  // namespace brs::sync
