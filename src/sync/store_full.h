// Whether the hub's store last refused a write for lack of space
// (kResourceExhausted: SQLITE_FULL, or the OS's ENOSPC under it). Shared by
// every session of a service (SyncEnv copies share it), so the operator
// hears once that the disk is full and once that space returned, not once
// per refused batch.
#pragma once

#include <atomic>

namespace brs::sync {

class StoreFullLatch {
 public:
  // A write was refused for lack of space: true when this starts an episode.
  bool Full() { return !full_.exchange(true); }
  // A write was stored: true when this ends an episode.
  bool Stored() { return full_.load(std::memory_order_relaxed) && full_.exchange(false); }
  bool full() const { return full_.load(); }

 private:
  std::atomic<bool> full_{false};
};

}  // namespace brs::sync
