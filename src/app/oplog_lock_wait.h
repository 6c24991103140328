// `serve`'s open of the oplog when its lock is taken. oplog.sqlite.lock is
// held by whoever has the store open: a running daemon, or a CLI command
// working on the store directly (`ops add`, `ops list`, `import restic`)
// while no daemon runs. Such a command holds it for a moment, so a daemon
// (re)started meanwhile waits for it; it does not wait on another daemon:
//   - daemon.json names a running process (not this one): another daemon
//     serves the directory; FailedPrecondition at once, naming its pid and
//     address;
//   - otherwise (no daemon.json, or a stale one left by a killed daemon):
//     the open is retried every `pause` until `wait` has passed on the
//     Env's monotonic clock, then Unavailable saying what may hold it.
// daemon.json is read again before every retry, so a daemon that started
// meanwhile is named as soon as it advertises itself.
#pragma once

#include <functional>
#include <memory>

#include "app/data_dir.h"
#include "base/env.h"
#include "base/status.h"
#include "store/oplog_store.h"

namespace brs::app {

struct OplogLockWait {
  Millis wait{30'000};  // how long a held lock is waited for in all
  Millis pause{100};    // between attempts
  const Env* env = &Env::Default();
  // Waits `d` between attempts (a real wait: the daemon runs its event loop
  // meanwhile, so SIGTERM is heard). False ends the wait at once (Canceled).
  std::function<bool(Millis d)> sleep;
  // Told once, when the first attempt found the lock taken (to log it).
  std::function<void(const std::string& why)> on_waiting;
};

// True when `pid` names a running process other than this one (a zombie
// counts as running: its parent has not reaped it yet).
bool OtherProcessRunning(int64_t pid);

StatusOr<std::unique_ptr<store::OplogStore>> OpenOplogWaitingForLock(const DataDir& dir,
                                                                     const OplogLockWait& w);

}  // namespace brs::app
