// A session's queue of outgoing (plaintext) items, in order, with the
// throttle extension: while paused, only heartbeats leave. Thread safe: the
// session thread pushes (Send waits at the high-water mark), oplog
// subscribers push without ever waiting (TrySend), the writer pops.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
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
  // `blocking_send` false (an event-driven session, which must never
  // wait): Send queues past the mark too, and the session holds back its
  // reading instead while size() >= high_water().
  explicit Outbox(size_t high_water = 4096, const Env* env = &Env::Default(),
                  bool blocking_send = true)
      : high_water_(high_water), env_(env), blocking_send_(blocking_send) {}

  void Send(SyncStreamItem item) override;
  // Like Send but never blocks (for items that must not wait: errors,
  // heartbeats).
  void SendNow(SyncStreamItem item) override;
  // Never blocks: refuses (false, the item dropped) at the high-water mark.
  // After a refusal, the room callback runs once the queue has drained to
  // half the high-water mark. Heartbeats are always taken.
  bool TrySend(SyncStreamItem item) override;
  // What runs when there is room again after a refused TrySend: on the
  // thread that popped, with no lock of the box held. Set before use.
  void SetOnRoom(std::function<void()> fn);
  // What runs after each item queued (any thread, no lock of the box
  // held): tells an event-driven writer there is work. Set before use.
  void SetOnPush(std::function<void()> fn);
  // When paused items may go (Pause); kMonoNever when nothing waits for it.
  MonoTime ResumeAt() const;
  size_t high_water() const { return high_water_; }
  // Waits until an item may be sent, the box is closed (nullopt) or
  // `deadline` passes (nullopt then too).
  std::optional<SyncStreamItem> Pop(MonoTime deadline);
  // Non-blocking variant.
  std::optional<SyncStreamItem> TryPop();
  // Holds back everything but heartbeats for `delay` from now.
  void Pause(Millis delay) override;
  // Wakes every waiter; later pushes are dropped.
  void Close();
  size_t size() const;
  bool closed() const;
  // Threads blocked in Send at the high-water mark (for tests: a Send that
  // is known to be waiting).
  size_t blocked_senders() const;

 private:
  std::optional<SyncStreamItem> TakeLocked(MonoTime now);
  // After a pop: runs the room callback (unlocking) when it is due.
  void NotifyRoom(std::unique_lock<std::mutex>& lock);
  // After a push: runs the push callback (unlocking).
  void NotifyPush(std::unique_lock<std::mutex>& lock);

  const size_t high_water_;
  const Env* const env_;
  const bool blocking_send_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<SyncStreamItem> items_;
  std::deque<SyncStreamItem> heartbeats_;
  MonoTime paused_until_{};
  size_t blocked_senders_ = 0;
  bool closed_ = false;
  bool room_wanted_ = false;  // a TrySend was refused since the last callback
  std::function<void()> on_room_;
  std::function<void()> on_push_;
};

}  // namespace brs::sync
