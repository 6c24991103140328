// A full disk at the hub (issue #14 §3): the hub's data dir lives on a small
// tmpfs, nearly filled by a filler file, while a client uploads more ops than
// fit. The hub must say so (a log line, a metric, the client's peer state),
// refuse the data without corrupting its store and keep running; once the
// filler is removed it must take the rest by itself (the client retries
// after its back-off) and end with exactly the client's ops.
//
// Needs root and a kernel that lets it mount a tmpfs; skips (saying why)
// otherwise.
#include <gtest/gtest.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "app/chaos_util.h"

namespace {

using namespace brs::app::testing;

// A tmpfs of `bytes` at `path`, unmounted on destruction.
class SmallFs {
 public:
  SmallFs(const std::string& path, size_t bytes) : path_(path) {
    std::filesystem::create_directories(path);
    const std::string opts = "size=" + std::to_string(bytes) + ",mode=0700";
    if (::geteuid() != 0) {
      error_ = "not root (mounting a small tmpfs needs CAP_SYS_ADMIN)";
    } else if (::mount("tmpfs", path.c_str(), "tmpfs", 0, opts.c_str()) != 0) {
      error_ = std::string("mount -t tmpfs refused: ") + std::strerror(errno);
    } else {
      mounted_ = true;
    }
  }
  ~SmallFs() {
    if (mounted_) ::umount2(path_.c_str(), MNT_DETACH);
  }
  const std::string& error() const { return error_; }

 private:
  std::string path_, error_;
  bool mounted_ = false;
};

// Writes `path` until the filesystem is full but `leave` bytes.
void FillLeaving(const std::string& path, const std::string& dir, uint64_t leave) {
  const auto space = std::filesystem::space(dir);
  const uint64_t n = space.available > leave ? space.available - leave : 0;
  std::ofstream f(path, std::ios::binary);
  const std::string block(64 << 10, 'x');
  for (uint64_t w = 0; w < n; w += block.size()) {
    f.write(block.data(), static_cast<std::streamsize>(std::min<uint64_t>(block.size(), n - w)));
  }
}

std::string Metrics(const TempDir& dir, const std::string& address) {
  return Sh(dir, "curl -s http://" + address + "/metrics").out;
}

TEST(DiskFull, HubRefusesWhileFullAndResumesWhenSpaceReturns) {
  TempDir dir;
  SmallFs fs(dir.File("small"), 24 << 20);
  if (!fs.error().empty()) GTEST_SKIP() << fs.error();

  ASSERT_EQ(Sh(dir, "$B init --data small/hub --instance hub").code, 0);
  auto c = Sh(dir, "$B init --data c0 --instance c0 --json");
  ASSERT_EQ(c.code, 0) << c.err;
  const std::string c0 = JsonField(c.out, "keyid");
  Daemon hub(dir, "small/hub");
  ASSERT_EQ(hub.Start(), "");
  auto tok = Sh(dir, "$B pair new --data small/hub --label c0 --grant READ_OPERATIONS:*");
  ASSERT_EQ(tok.code, 0) << tok.err;
  ASSERT_EQ(Sh(dir, "$B join '" + tok.out.substr(0, tok.out.find('\n')) + "' --url http://" +
                        hub.address() + " --data c0")
                .code,
            0);
  ASSERT_EQ(Sh(dir, "$B repo add --data c0 --id repo1 --guid g-repo1 --uri /r1").code, 0);

  // 8 000 ops of ~1 KiB (about 10 MiB in the hub's store), with 2 MiB
  // free at the hub.
  {
    std::ofstream f(dir.File("ops.jsonl"));
    const std::string pad(1000, 'p');
    for (int n = 0; n < 8'000; ++n) {
      f << "{\"repoId\":\"repo1\",\"repoGuid\":\"g-repo1\",\"planId\":\"daily\","
           "\"status\":\"STATUS_SUCCESS\",\"flowId\":\""
        << n + 1 << "\",\"displayMessage\":\"op " << n << " " << pad << "\"}\n";
    }
  }
  ASSERT_EQ(Sh(dir, "$B ops add --data c0 ops.jsonl").code, 0);
  FillLeaving(dir.File("small/filler"), dir.File("small"), 2 << 20);

  Daemon client(dir, "c0");
  ASSERT_EQ(client.Start(), "");

  // The hub says so: its log, a metric, and the client's peer state.
  ASSERT_TRUE(WaitFor([&] { return Contains(Slurp(hub.log_path()), "disk full"); }, 120))
      << hub.Tail();
  EXPECT_TRUE(WaitFor(
      [&] { return Contains(Metrics(dir, hub.address()), "backrest_sync_store_full 1"); }, 30))
      << Metrics(dir, hub.address());
  ASSERT_TRUE(hub.Alive()) << hub.Tail();
  std::string err;
  const auto held_when_full = ListOps(dir, "--data small/hub --peer " + c0, &err);
  ASSERT_EQ(err, "");
  EXPECT_LT(held_when_full.size(), 8'000u);
  const std::string peers = Sh(dir, "$B peers --data c0 --json").out;
  EXPECT_TRUE(Contains(peers, "hub store full")) << peers;

  // Space returns: the hub takes the rest by itself.
  std::filesystem::remove(dir.File("small/filler"));
  OpDiff diff;
  const bool converged = WaitFor(
      [&] {
        std::string e;
        auto own = ListOps(dir, "--data c0", &e);
        auto held = ListOps(dir, "--data small/hub --peer " + c0, &e);
        diff = CompareOps(own, held);
        return e.empty() && diff.same();
      },
      180);
  EXPECT_TRUE(converged) << diff.Summary() << "\n" << hub.Tail();
  // Said once per episode, not once per refused batch.
  const std::string log = Slurp(hub.log_path());
  size_t said = 0;
  for (size_t p = log.find("disk full"); p != std::string::npos; p = log.find("disk full", p + 1)) {
    ++said;
  }
  EXPECT_GE(said, 1u);
  EXPECT_LE(said, 3u) << log;
  EXPECT_TRUE(Contains(log, "hub store has space again")) << log;
  const std::string m = Metrics(dir, hub.address());
  EXPECT_TRUE(Contains(m, "backrest_sync_store_full 0")) << m;
  EXPECT_FALSE(Contains(m, "backrest_sync_store_full_refusals_total 0")) << m;

  EXPECT_EQ(hub.Stop(), 0) << hub.Tail();
  EXPECT_EQ(client.Stop(), 0) << client.Tail();
  // The store is intact.
  auto check = Sh(dir, "sqlite3 small/hub/oplog.sqlite 'PRAGMA integrity_check'");
  EXPECT_EQ(check.out, "ok\n") << check.out << check.err;
}

}  // namespace
