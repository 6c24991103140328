// How `serve` opens an oplog whose lock another process holds
// (app/oplog_lock_wait.h): it waits for a command's lock on the fake clock,
// and names another running daemon at once.
#include "app/oplog_lock_wait.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <optional>

#include "app/cli_test_util.h"
#include "base/fake_env.h"

namespace {

using brs::Code;
using brs::FakeEnv;
using brs::Millis;
using brs::app::DataDir;
using brs::app::OpenOplogWaitingForLock;
using brs::app::OplogLockWait;
using brs::app::OtherProcessRunning;
using brs::app::testing::Spit;
using brs::app::testing::TempDir;
using brs::store::OplogStore;

std::unique_ptr<OplogStore> Hold(const DataDir& dir) {
  OplogStore::Options o;
  o.path = dir.oplog();
  auto s = OplogStore::Open(o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

// A pid no process has: a child that has exited and been reaped.
pid_t DeadPid() {
  const pid_t p = ::fork();
  if (p == 0) ::_exit(0);
  ::waitpid(p, nullptr, 0);
  return p;
}

struct Waiting {
  FakeEnv env;
  OplogLockWait w;
  int pauses = 0;
  int told = 0;
  // Called at each pause, after the clock moved.
  std::function<void()> at_pause = [] {};
  Waiting() {
    w.wait = Millis(30'000);
    w.pause = Millis(100);
    w.env = &env;
    w.sleep = [this](Millis d) {
      ++pauses;
      env.Advance(d);
      at_pause();
      return true;
    };
    w.on_waiting = [this](const std::string&) { ++told; };
  }
};

TEST(OplogLockWait, WaitsForACommandsLockAndOpensOnceItIsReleased) {
  TempDir tmp;
  DataDir dir{tmp.path()};
  auto held = Hold(dir);
  ASSERT_NE(held, nullptr);
  Waiting t;
  t.at_pause = [&] {
    if (t.pauses == 5) held.reset();  // the command ends
  };
  auto opened = OpenOplogWaitingForLock(dir, t.w);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(t.pauses, 5);
  EXPECT_EQ(t.told, 1);  // said once, not once per attempt
}

TEST(OplogLockWait, AStaleDaemonJsonOfAKilledDaemonDoesNotStopTheWait) {
  TempDir tmp;
  DataDir dir{tmp.path()};
  Spit(dir.daemon_info(),
       "{\"listen\":\"127.0.0.1:1\",\"pid\":" + std::to_string(DeadPid()) + ",\"tls\":false}\n");
  auto held = Hold(dir);
  ASSERT_NE(held, nullptr);
  Waiting t;
  t.at_pause = [&] {
    if (t.pauses == 3) held.reset();
  };
  auto opened = OpenOplogWaitingForLock(dir, t.w);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  EXPECT_EQ(t.pauses, 3);
}

TEST(OplogLockWait, ALockNeverReleasedEndsTheWaitAfterTheBound) {
  TempDir tmp;
  DataDir dir{tmp.path()};
  auto held = Hold(dir);
  ASSERT_NE(held, nullptr);
  Waiting t;
  auto opened = OpenOplogWaitingForLock(dir, t.w);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Code::kUnavailable);
  EXPECT_NE(opened.status().message().find("stayed locked for 30 s"), std::string::npos)
      << opened.status().message();
  EXPECT_EQ(t.pauses, 300);  // 30 s in 100 ms steps, then no more
}

TEST(OplogLockWait, AnotherRunningDaemonIsNamedAtOnce) {
  TempDir tmp;
  DataDir dir{tmp.path()};
  auto held = Hold(dir);  // that daemon's store
  ASSERT_NE(held, nullptr);
  const pid_t other = ::getppid();  // a running process that is not this one
  ASSERT_TRUE(OtherProcessRunning(other));
  Spit(dir.daemon_info(),
       "{\"listen\":\"127.0.0.1:4242\",\"pid\":" + std::to_string(other) + ",\"tls\":false}\n");
  Waiting t;
  auto opened = OpenOplogWaitingForLock(dir, t.w);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(
      opened.status().message().find("another backrest-sync daemon (pid " + std::to_string(other) +
                                     ", listening on 127.0.0.1:4242)"),
      std::string::npos)
      << opened.status().message();
  EXPECT_EQ(t.pauses, 0);
}

TEST(OplogLockWait, ADaemonThatAdvertisesItselfDuringTheWaitIsNamed) {
  TempDir tmp;
  DataDir dir{tmp.path()};
  auto held = Hold(dir);
  ASSERT_NE(held, nullptr);
  Waiting t;
  t.at_pause = [&] {
    if (t.pauses == 2) {
      Spit(dir.daemon_info(), "{\"listen\":\"127.0.0.1:4243\",\"pid\":" +
                                  std::to_string(::getppid()) + ",\"tls\":false}\n");
    }
  };
  auto opened = OpenOplogWaitingForLock(dir, t.w);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(t.pauses, 2);
}

TEST(OplogLockWait, ThisProcessesOwnPidInDaemonJsonIsStale) {
  // After a restart of a container a new daemon may get the pid of the one
  // killed before it: that daemon.json names no other daemon.
  EXPECT_FALSE(OtherProcessRunning(::getpid()));
  EXPECT_FALSE(OtherProcessRunning(DeadPid()));
  EXPECT_FALSE(OtherProcessRunning(0));
  EXPECT_FALSE(OtherProcessRunning(-1));
  EXPECT_FALSE(OtherProcessRunning(int64_t{1} << 40));
}

TEST(OplogLockWait, AStopEndsTheWait) {
  TempDir tmp;
  DataDir dir{tmp.path()};
  auto held = Hold(dir);
  ASSERT_NE(held, nullptr);
  Waiting t;
  t.w.sleep = [&](Millis) { return false; };  // SIGTERM arrived
  auto opened = OpenOplogWaitingForLock(dir, t.w);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), Code::kCanceled);
}

}  // namespace
