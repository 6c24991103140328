// `serve` and the oplog's lock, with real processes: a daemon (re)started
// while a command holds the lock (here util-linux flock(1) standing in for
// an `ops add` that works on the store directly) waits for it instead of
// exiting, even past the stale daemon.json of a killed daemon; a second
// daemon on a served directory names the first and exits at once.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "app/chaos_util.h"

namespace {

using namespace brs::app::testing;

// `flock LOCK` holding it until DIR/hold is removed.
class LockHolder {
 public:
  LockHolder(const TempDir& dir, const std::string& lock) : dir_(dir) {
    Spit(dir.File("hold"), "");
    const std::string cmd = "cd '" + dir.path() + "' && exec flock '" + lock +
                            "' sh -c 'while [ -e hold ]; do sleep 0.05; done'";
    const char* argv[] = {"/bin/sh", "-c", cmd.c_str(), nullptr};
    EXPECT_EQ(posix_spawn(&pid_, "/bin/sh", nullptr, nullptr, const_cast<char**>(argv), environ),
              0);
  }
  ~LockHolder() {
    Release();
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
  }
  void Release() { std::filesystem::remove(dir_.File("hold")); }

 private:
  const TempDir& dir_;
  pid_t pid_ = -1;
};

bool LockTaken(const TempDir& dir, const std::string& lock) {
  return Sh(dir, "flock -n '" + lock + "' true").code != 0;
}

TEST(ServeLock, WaitsForACommandHoldingTheOplogLockPastAStaleDaemonJson) {
  if (Sh(TempDir(), "command -v flock").code != 0) GTEST_SKIP() << "no flock(1) (util-linux)";
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data hub --instance hub").code, 0);
  // What a SIGKILLed daemon leaves: daemon.json naming a process now gone.
  const pid_t gone = ::fork();
  if (gone == 0) ::_exit(0);
  ::waitpid(gone, nullptr, 0);
  Spit(dir.File("hub/daemon.json"),
       "{\"listen\":\"127.0.0.1:1\",\"pid\":" + std::to_string(gone) + ",\"tls\":false}\n");
  LockHolder holder(dir, "hub/oplog.sqlite.lock");
  ASSERT_TRUE(WaitFor([&] { return LockTaken(dir, "hub/oplog.sqlite.lock"); }));

  Daemon hub(dir, "hub");
  // The command ends once the daemon says it is waiting for it.
  std::atomic<bool> start_returned{false};
  std::thread release([&] {
    WaitFor(
        [&] { return start_returned || Contains(Slurp(hub.log_path()), "the oplog is locked"); },
        60);
    holder.Release();
  });
  const std::string started = hub.Start(60);
  start_returned = true;
  release.join();
  ASSERT_EQ(started, "");
  EXPECT_TRUE(Contains(Slurp(hub.log_path()), "the oplog is locked")) << hub.Tail();
  EXPECT_EQ(Sh(dir, "$B status --data hub").code, 0);
  EXPECT_EQ(hub.Stop(), 0) << hub.Tail();
}

TEST(ServeLock, ASecondDaemonNamesTheRunningOneAndExits) {
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data hub --instance hub").code, 0);
  Daemon first(dir, "hub");
  ASSERT_EQ(first.Start(), "");
  const std::string info = Slurp(dir.File("hub/daemon.json"));
  const auto p = info.find("\"pid\":");
  ASSERT_NE(p, std::string::npos) << info;
  const std::string pid = info.substr(p + 6, info.find_first_not_of("0123456789", p + 6) - p - 6);

  auto second = Sh(dir, "$B serve --data hub --listen 127.0.0.1:0");
  EXPECT_EQ(second.code, 1);
  EXPECT_TRUE(Contains(second.err, "another backrest-sync daemon (pid " + pid + ", listening on " +
                                       first.address() + ") is already serving hub"))
      << second.err;
  // The first one's daemon.json is left in place, and it still answers.
  EXPECT_EQ(Slurp(dir.File("hub/daemon.json")), info);
  EXPECT_EQ(Sh(dir, "$B status --data hub").code, 0);
  EXPECT_EQ(first.Stop(), 0) << first.Tail();
}

}  // namespace
