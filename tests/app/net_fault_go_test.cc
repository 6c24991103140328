// The hostile network with a Backrest-compatible client in the loop (issue
// #14 §2): the Go sync peer (tests/interop/syncpeer: connect-go over
// golang.org/x/net/http2, stdlib HPKE and ed25519) pushes its oplog to our
// hub through a FaultProxy, session after session, while its oplog changes
// (inserts, updates with a higher modno, deletes). Each session re-sends
// the peer's whole oplog and its deletions, so a session the network broke
// loses nothing for good; when the faults stop, the hub must hold exactly
// the peer's ops (each once, the latest modno, deletions applied).
//
// The peers' sessions are started by this test (syncpeer is one session
// per run; --timeout 10s ends one stuck in a black hole), 1 s apart after a good session and 2^k s
// (up to 8) after a failed one, as Backrest's client does; the dial counts are reported. Skips,
// saying why, where Go >= 1.26 is absent.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "app/chaos_util.h"
#include "app/fault_proxy.h"
#include "app/net_scenario.h"

namespace {

using namespace brs::app::testing;

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

// A Go peer's own oplog: op ID -> modno, and the IDs it deleted.
struct GoPeer {
  std::string name, seed_hex, keyid, secret;
  std::unique_ptr<brs::testing::FaultProxy> proxy;
  std::map<int64_t, int64_t> ops;
  std::set<int64_t> deleted;
  int64_t next_id = 1;
  int sessions_ok = 0, sessions_failed = 0;
  std::string last_output;

  void Mutate(std::mt19937_64& rng, int inserts, int updates, int deletes) {
    for (int i = 0; i < inserts; ++i) ops[next_id++] = 1;
    for (int i = 0; i < updates && !ops.empty(); ++i) {
      auto it = ops.begin();
      std::advance(it, static_cast<long>(rng() % ops.size()));
      ++it->second;
    }
    for (int i = 0; i < deletes && !ops.empty(); ++i) {
      auto it = ops.begin();
      std::advance(it, static_cast<long>(rng() % ops.size()));
      deleted.insert(it->first);
      ops.erase(it);
    }
  }
  void WriteState(const std::string& path) const {
    std::ofstream f(path);
    for (const auto& [id, modno] : ops) f << "put " << id << " " << modno << "\n";
    for (auto id : deleted) f << "del " << id << "\n";
  }
  std::vector<::v1::Operation> AsOps() const {
    std::vector<::v1::Operation> v;
    for (const auto& [id, modno] : ops) {
      ::v1::Operation op;
      op.set_id(id);
      op.set_modno(modno);
      v.push_back(op);
    }
    return v;
  }
};

std::string SeedHex(int n) {
  char buf[65];
  std::snprintf(buf, sizeof buf, "%064x", n + 1000);
  return buf;
}

// One syncpeer session; its exit code (the output in `out`).
int RunPeer(const std::string& bin, const GoPeer& p, const std::string& url,
            const std::string& extra, std::string* out) {
  const std::string file = "/tmp/" + p.name + "-" + std::to_string(::getpid()) + ".out";
  const std::string cmd = "timeout 60 '" + bin + "' --url " + url + " --identity-seed " +
                          p.seed_hex + " --instance " + p.name + " --timeout 10s " + extra + " >'" +
                          file + "' 2>&1";
  const int rc = std::system(cmd.c_str());
  *out = Slurp(file);
  std::remove(file.c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

TEST(NetFaultGo, BackrestCompatiblePeersConvergeThroughAHostileNetwork) {
  const int peers = EnvInt("BRS_NET_GO_PEERS", 3);
  const int ops = EnvInt("BRS_NET_GO_OPS", 1'000);
  const int fault_s = EnvInt("BRS_NET_GO_FAULT_S", 20);
  const uint64_t seed = std::getenv("BRS_NET_SEED")
                            ? std::strtoull(std::getenv("BRS_NET_SEED"), nullptr, 10)
                            : std::random_device{}();
  TempDir dir;
  const std::string bin = dir.File("syncpeer");
  {
    const std::string data = std::getenv("BRS_TEST_DATA") ? std::getenv("BRS_TEST_DATA") : "";
    ASSERT_NE(data, "") << "BRS_TEST_DATA is not set";
    auto b = Sh(dir, "bash '" + data + "/../interop/build_syncpeer.sh' '" BRS_INTEROP_WORK "' '" +
                         bin + "'");
    if (b.code == 77) GTEST_SKIP() << b.out;
    ASSERT_EQ(b.code, 0) << b.out << b.err;
  }
  std::printf(
      "go net scenario: seed %llu (replay with BRS_NET_SEED=%llu), %d Go peers x %d ops, "
      "%d s of faults\n",
      static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed), peers, ops,
      fault_s);
  std::fflush(stdout);
  std::mt19937_64 rng(seed);

  auto h = Sh(dir, "$B init --data hub --instance hub --json");
  ASSERT_EQ(h.code, 0) << h.err;
  Daemon hub(dir, "hub");
  ASSERT_EQ(hub.Start(), "");
  int hub_pid = 0;
  {
    const std::string info = Slurp(dir.File("hub/daemon.json"));
    const auto p = info.find("\"pid\":");
    ASSERT_NE(p, std::string::npos);
    hub_pid = std::atoi(info.c_str() + p + 6);
  }

  std::vector<GoPeer> ps(static_cast<size_t>(peers));
  for (int i = 0; i < peers; ++i) {
    GoPeer& p = ps[static_cast<size_t>(i)];
    p.name = "go" + std::to_string(i);
    p.seed_hex = SeedHex(i);
    p.proxy = std::make_unique<brs::testing::FaultProxy>(brs::Env::Default(), hub.address(),
                                                         seed + static_cast<uint64_t>(i));
    auto tok = Sh(dir, "$B pair new --data hub --label " + p.name +
                           " --max-uses 1 --grant READ_OPERATIONS:* --json");
    ASSERT_EQ(tok.code, 0) << tok.err;
    const std::string token = JsonField(tok.out, "token");
    const std::string rest = token.substr(token.find(':') + 1);
    p.secret = rest.substr(0, rest.find('#'));
    // Paired over a clean network (the pairing itself is not the subject).
    std::string out;
    ASSERT_EQ(RunPeer(bin, p, "http://" + p.proxy->address(), "--pairing-secret " + p.secret, &out),
              0)
        << out;
    p.Mutate(rng, ops, 0, 0);
  }
  auto peers_json = Sh(dir, "$B peers --data hub --json");
  ASSERT_EQ(peers_json.code, 0) << peers_json.err;
  for (auto& p : ps) {
    const auto at = peers_json.out.find("\"peerInstanceId\":\"" + p.name + "\"");
    ASSERT_NE(at, std::string::npos) << peers_json.out;
    const auto line_start = peers_json.out.rfind('\n', at) + 1;
    p.keyid = JsonField(peers_json.out.substr(line_start), "peerKeyid");
    ASSERT_NE(p.keyid, "");
  }

  std::atomic<bool> faults{true};
  for (auto& p : ps) p.proxy->SetPlan(HostilePlan());
  // Each peer: change its oplog, push it all, wait as Backrest's client
  // would, until the faults are off; then one more session.
  std::vector<std::thread> loops;
  std::mutex mu;
  for (size_t i = 0; i < ps.size(); ++i) {
    loops.emplace_back([&, i, lseed = rng()] {
      std::mt19937_64 lrng(lseed);
      GoPeer& p = ps[i];
      const std::string state = dir.File(p.name + ".state");
      int failures = 0;
      while (faults) {
        p.Mutate(lrng, 1 + static_cast<int>(lrng() % 20), static_cast<int>(lrng() % 10),
                 static_cast<int>(lrng() % 5));
        p.WriteState(state);
        std::string out;
        const int rc = RunPeer(bin, p, "http://" + p.proxy->address(), "--state " + state, &out);
        {
          std::lock_guard<std::mutex> l(mu);
          p.last_output = out;
        }
        if (rc == 0) {
          ++p.sessions_ok;
          failures = 0;
          std::this_thread::sleep_for(std::chrono::seconds(1));
        } else {
          ++p.sessions_failed;
          std::this_thread::sleep_for(std::chrono::seconds(1 << std::min(failures++, 3)));
        }
      }
    });
  }
  std::this_thread::sleep_for(std::chrono::seconds(fault_s));
  faults = false;
  for (auto& p : ps) p.proxy->SetPlan(brs::testing::FaultPlan{});
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& t : loops) t.join();  // a session in a black hole ends at its 10 s timeout

  // The network is healed: one more session each, then the hub must match.
  for (auto& p : ps) {
    p.WriteState(dir.File(p.name + ".state"));
    std::string out;
    EXPECT_EQ(RunPeer(bin, p, "http://" + p.proxy->address(),
                      "--state " + dir.File(p.name + ".state"), &out),
              0)
        << p.name << ": " << out;
  }
  std::map<std::string, OpDiff> diffs;
  const bool converged = WaitFor(
      [&] {
        bool all = true;
        for (auto& p : ps) {
          std::string err;
          diffs[p.name] = CompareOps(p.AsOps(), ListOps(dir, "--data hub --peer " + p.keyid, &err));
          all = all && err.empty() && diffs[p.name].same();
        }
        return all;
      },
      30);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const int64_t hwm_kb = ProcStatusKb(hub_pid, "VmHWM");
  int cuts = 0, blackholes = 0, resets = 0;
  for (auto& p : ps) {
    const auto st = p.proxy->Stats();
    cuts += st.cuts;
    blackholes += st.blackholes;
    resets += st.resets;
    EXPECT_TRUE(diffs[p.name].same())
        << p.name << " (seed " << seed << "): " << diffs[p.name].Summary()
        << "\nlast session: " << p.last_output;
    std::printf("%s: %d ops, %zu deleted; sessions %d ok, %d failed; dials %d; %s\n",
                p.name.c_str(), static_cast<int>(p.ops.size()), p.deleted.size(), p.sessions_ok,
                p.sessions_failed, st.accepted, diffs[p.name].Summary().c_str());
  }
  std::printf("faults struck: %d cuts, %d black holes, %d resets\n", cuts, blackholes, resets);
  std::printf("converged %s %.1f s after the faults stopped; hub VmHWM %lld kB\n",
              converged ? "in" : "NOT in", took, static_cast<long long>(hwm_kb));
  std::fflush(stdout);
  EXPECT_TRUE(converged);
  EXPECT_GT(cuts + blackholes + resets, 0) << "no fault struck: a test of nothing";
  EXPECT_LT(hwm_kb, 256 * 1024);
  EXPECT_TRUE(hub.Alive()) << hub.Tail();
  EXPECT_EQ(hub.Stop(), 0) << hub.Tail();
}

}  // namespace
