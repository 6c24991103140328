#include "app/oplog_lock_wait.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <string>
#include <thread>

#include "app/daemon_link.h"

namespace brs::app {

bool OtherProcessRunning(int64_t pid) {
  if (pid <= 0 || pid > INT_MAX || pid == ::getpid()) return false;
  return ::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM;
}

namespace {

// The running daemon daemon.json names, or nullopt.
std::optional<DaemonInfo> LiveDaemon(const DataDir& dir) {
  auto info = ReadDaemonInfo(dir);
  if (!info.ok() || !OtherProcessRunning(info->pid)) return std::nullopt;
  return *info;
}

Status AnotherDaemon(const DataDir& dir, const DaemonInfo& d) {
  return FailedPrecondition("another backrest-sync daemon (pid " + std::to_string(d.pid) +
                            ", listening on " + d.listen + ") is already serving " + dir.path +
                            "; stop it first");
}

}  // namespace

StatusOr<std::unique_ptr<store::OplogStore>> OpenOplogWaitingForLock(const DataDir& dir,
                                                                     const OplogLockWait& w) {
  store::OplogStore::Options oo;
  oo.path = dir.oplog();
  const MonoTime deadline = w.env->NowMono() + w.wait;
  bool told = false;
  for (;;) {
    auto opened = store::OplogStore::Open(oo);
    if (opened.ok() || opened.status().code() != Code::kUnavailable) return opened;
    if (auto d = LiveDaemon(dir)) return AnotherDaemon(dir, *d);
    if (w.env->NowMono() >= deadline) {
      return Unavailable(dir.oplog() + " stayed locked for " +
                         std::to_string(w.wait.count() / 1000) +
                         " s by another process (a backrest-sync command working on the store, "
                         "or a daemon still starting) and no running daemon is advertised in " +
                         dir.daemon_info() + ": " + opened.status().message());
    }
    if (!told && w.on_waiting) w.on_waiting(opened.status().message());
    told = true;
    const bool go_on = w.sleep ? w.sleep(w.pause) : (std::this_thread::sleep_for(w.pause), true);
    if (!go_on)
      return Status(Code::kCanceled, "stopped while waiting for the lock on " + dir.oplog());
  }
}

}  // namespace brs::app
