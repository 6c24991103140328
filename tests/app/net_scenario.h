// The hostile-network scenario (net_fault_test.cc): a hub, N client daemons
// each dialing it through its own FaultProxy, live changes while the
// faults are on, then convergence, back-off and hub-memory checks.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "app/chaos_util.h"
#include "app/fault_proxy.h"

namespace brs::app::testing {

struct NetScenarioOptions {
  int clients = 5;
  int ops_per_client = 1'000;
  int fault_s = 20;
  int converge_s = 30;
  int64_t hub_hwm_bound_kb = 256 * 1024;
};

// The faults while they are on: every connection is slowed, and 4 in 5
// die at a random byte offset in their first 64 KiB (a client's session
// carries its backlog, then live changes and heartbeats).
inline brs::testing::FaultPlan HostilePlan() {
  brs::testing::FaultPlan p;
  p.latency_ms = 20;
  p.jitter_ms = 80;
  p.bandwidth_bps = 256 * 1024;
  p.cut_chance = 0.35;
  p.blackhole_chance = 0.15;
  p.reset_chance = 0.3;
  p.fault_offset_min = 1;
  p.fault_offset_max = 64 * 1024;
  return p;
}

// A field "Name:   123 kB" of /proc/PID/status, in kB (-1 when absent).
inline int64_t ProcStatusKb(int pid, const std::string& field) {
  const std::string s = Slurp("/proc/" + std::to_string(pid) + "/status");
  const auto p = s.find(field + ":");
  if (p == std::string::npos) return -1;
  return std::atoll(s.c_str() + p + field.size() + 1);
}

inline std::vector<int64_t> NetIdsOf(const std::string& json, const std::string& key) {
  std::vector<int64_t> ids;
  const auto p = json.find("\"" + key + "\":[");
  if (p == std::string::npos) return ids;
  const auto end = json.find(']', p);
  const std::string arr = json.substr(p, end - p);
  static const std::regex num("[0-9]+");
  for (std::sregex_iterator it(arr.begin(), arr.end(), num), e; it != e; ++it) {
    ids.push_back(std::stoll(it->str()));
  }
  return ids;
}

inline std::string NetOpLine(const std::string& client, int64_t flow, const std::string& msg) {
  return "{\"repoId\":\"repo1\",\"repoGuid\":\"g-repo1\",\"planId\":\"daily\","
         "\"status\":\"STATUS_SUCCESS\",\"flowId\":\"" +
         std::to_string(flow) + "\",\"displayMessage\":\"" + client + " " + msg + "\"}\n";
}

// The per-client dial record at its proxy: how many, the shortest gap
// between two, and whether they stayed within the back-off's floor.
struct DialRecord {
  int dials = 0;
  int64_t min_gap_ms = -1;
  double span_s = 0;  // first dial to the end of the run
};

inline DialRecord DialsOf(const brs::testing::ProxyStats& s, int64_t end_ms) {
  DialRecord r;
  r.dials = s.accepted;
  for (size_t i = 1; i < s.accept_ms.size(); ++i) {
    const int64_t gap = s.accept_ms[i] - s.accept_ms[i - 1];
    if (r.min_gap_ms < 0 || gap < r.min_gap_ms) r.min_gap_ms = gap;
  }
  if (!s.accept_ms.empty()) r.span_s = static_cast<double>(end_ms - s.accept_ms.front()) / 1000.0;
  return r;
}

class NetScenario {
 public:
  explicit NetScenario(const NetScenarioOptions& o) : o_(o) {}

  void Setup(uint64_t seed) {
    auto h = Sh(dir_, "$B init --data hub --instance hub --json");
    ASSERT_EQ(h.code, 0) << h.err;
    hub_ = std::make_unique<Daemon>(dir_, "hub");
    ASSERT_EQ(hub_->Start(), "");
    {
      const std::string info = Slurp(dir_.File("hub/daemon.json"));
      const auto p = info.find("\"pid\":");
      if (p != std::string::npos) hub_pid_ = std::atoi(info.c_str() + p + 6);
    }
    ASSERT_GT(hub_pid_, 0);
    for (int i = 0; i < o_.clients; ++i) {
      const std::string c = "c" + std::to_string(i);
      names_.push_back(c);
      proxies_.push_back(
          std::make_unique<brs::testing::FaultProxy>(Env::Default(), hub_->address(), seed + i));
      ASSERT_NE(proxies_.back()->address(), "") << proxies_.back()->error();
      auto in = Sh(dir_, "$B init --data " + c + " --instance " + c + " --json");
      ASSERT_EQ(in.code, 0) << in.err;
      keyid_[c] = JsonField(in.out, "keyid");
      auto tok = Sh(dir_, "$B pair new --data hub --label " + c + " --grant READ_OPERATIONS:*");
      ASSERT_EQ(tok.code, 0) << tok.err;
      // The known host's URL is the proxy's: every dial goes through it.
      auto j = Sh(dir_, "$B join '" + tok.out.substr(0, tok.out.find('\n')) + "' --url http://" +
                            proxies_.back()->address() + " --data " + c);
      ASSERT_EQ(j.code, 0) << j.err;
      ASSERT_EQ(Sh(dir_, "$B repo add --data " + c + " --id repo1 --guid g-repo1 --uri /r1").code,
                0);
      {
        std::ofstream f(dir_.File(c + "-preload.jsonl"));
        for (int n = 0; n < o_.ops_per_client; ++n)
          f << NetOpLine(c, n + 1, "op " + std::to_string(n));
      }
      auto add = Sh(dir_, "$B ops add --json --data " + c + " " + c + "-preload.jsonl");
      ASSERT_EQ(add.code, 0) << add.err;
      auto ids = NetIdsOf(add.out, "ids");
      ASSERT_EQ(static_cast<int>(ids.size()), o_.ops_per_client);
      for (int n = 0; n < o_.ops_per_client; ++n) live_[c][ids[n]] = n + 1;
      daemons_.push_back(std::make_unique<Daemon>(dir_, c));
    }
  }

  void FaultsOn() {
    for (auto& p : proxies_) p->SetPlan(HostilePlan());
  }
  void FaultsOff() {
    for (auto& p : proxies_) p->SetPlan(brs::testing::FaultPlan{});
  }
  void StartClients() {
    for (auto& d : daemons_) ASSERT_EQ(d->Start(), "");
  }

  // One live change at a random client: an insert of 1-20 ops (60%), an
  // update (20%) or a delete (20%) of 1-5 of its ops, with the CLI.
  void Change(std::mt19937_64& rng, int serial) {
    const std::string c = names_[rng() % names_.size()];
    const int kind = static_cast<int>(rng() % 100);
    if (kind < 60) {
      const int n = 1 + static_cast<int>(rng() % 20);
      std::string lines;
      for (int k = 0; k < n; ++k) {
        lines += NetOpLine(c, 1'000'000 + serial * 100 + k, "live " + std::to_string(serial));
      }
      Spit(dir_.File(c + "-live.jsonl"), lines);
      auto r = Sh(dir_, "$B ops add --json --data " + c + " " + c + "-live.jsonl");
      if (r.code != 0) return void(++failed_);
      const auto ids = NetIdsOf(r.out, "ids");
      for (size_t k = 0; k < ids.size(); ++k) {
        live_[c][ids[k]] = 1'000'000 + serial * 100 + static_cast<int64_t>(k);
      }
      ++inserts_;
      return;
    }
    std::vector<int64_t> pick;
    const auto& live = live_[c];
    const int n = 1 + static_cast<int>(rng() % 5);
    for (int k = 0; k < n && !live.empty(); ++k) {
      auto it = live.begin();
      std::advance(it, static_cast<long>(rng() % live.size()));
      if (std::find(pick.begin(), pick.end(), it->first) == pick.end()) pick.push_back(it->first);
    }
    if (pick.empty()) return;
    if (kind < 80) {
      std::string body;
      for (auto id : pick) {
        body += "{\"id\":\"" + std::to_string(id) +
                "\",\"repoId\":\"repo1\",\"repoGuid\":\"g-repo1\",\"planId\":\"daily\","
                "\"instanceId\":\"" +
                c + "\",\"flowId\":\"" + std::to_string(live_[c][id]) +
                "\",\"unixTimeStartMs\":\"1000\",\"status\":\"STATUS_SUCCESS\","
                "\"displayMessage\":\"updated " +
                std::to_string(serial) + "\"}\n";
      }
      Spit(dir_.File(c + "-update.jsonl"), body);
      auto r = Sh(dir_, "$B ops update --json --data " + c + " " + c + "-update.jsonl");
      if (r.code != 0) return void(++failed_);
      ++updates_;
      return;
    }
    std::string args;
    for (auto id : pick) args += " " + std::to_string(id);
    auto r = Sh(dir_, "$B ops delete --json --data " + c + args);
    if (r.code != 0) return void(++failed_);
    for (auto id : NetIdsOf(r.out, "ids")) live_[c].erase(id);
    ++deletes_;
  }

  OpDiff Diff(const std::string& c, std::string* err) {
    auto own = ListOps(dir_, "--data " + c, err);
    auto held = ListOps(dir_, "--data hub --peer " + keyid_[c], err);
    return CompareOps(own, held);
  }

  const NetScenarioOptions o_;
  TempDir dir_;
  std::unique_ptr<Daemon> hub_;
  int hub_pid_ = -1;
  std::vector<std::string> names_;
  std::map<std::string, std::string> keyid_;
  std::vector<std::unique_ptr<brs::testing::FaultProxy>> proxies_;
  std::vector<std::unique_ptr<Daemon>> daemons_;
  std::map<std::string, std::map<int64_t, int64_t>> live_;  // client -> op ID -> flow ID
  int inserts_ = 0, updates_ = 0, deletes_ = 0, failed_ = 0;
};

inline void RunNetScenario(const NetScenarioOptions& o) {
  const uint64_t seed = std::getenv("BRS_NET_SEED")
                            ? std::strtoull(std::getenv("BRS_NET_SEED"), nullptr, 10)
                            : std::random_device{}();
  std::printf(
      "net scenario: seed %llu (replay with BRS_NET_SEED=%llu), %d clients x %d ops, %d s "
      "of faults\n",
      static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed), o.clients,
      o.ops_per_client, o.fault_s);
  std::fflush(stdout);
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  NetScenario s(o);
  ASSERT_NO_FATAL_FAILURE(s.Setup(seed));
  s.FaultsOn();
  ASSERT_NO_FATAL_FAILURE(s.StartClients());

  // The hub's resident memory, sampled all along (VmHWM is the kernel's
  // own peak; the samples show it was not one spike at the end).
  std::atomic<bool> stop_sampler{false};
  std::atomic<int64_t> max_rss_kb{0};
  std::thread sampler([&] {
    while (!stop_sampler) {
      const int64_t rss = ProcStatusKb(s.hub_pid_, "VmRSS");
      if (rss > max_rss_kb) max_rss_kb = rss;
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  });

  // Live changes while the faults are on.
  const auto fault_end = std::chrono::steady_clock::now() + std::chrono::seconds(o.fault_s);
  {
    std::mt19937_64 mrng(rng());
    for (int serial = 0; std::chrono::steady_clock::now() < fault_end; ++serial) {
      s.Change(mrng, serial);
    }
  }
  s.FaultsOff();
  const auto t0 = std::chrono::steady_clock::now();
  std::printf("faults off; live changes: %d inserts, %d updates, %d deletes, %d failed\n",
              s.inserts_, s.updates_, s.deletes_, s.failed_);
  std::fflush(stdout);

  // Convergence: each client's ops at the hub, exactly.
  std::map<std::string, OpDiff> diffs;
  std::map<std::string, double> converged_at;
  const auto deadline = t0 + std::chrono::seconds(o.converge_s);
  while (std::chrono::steady_clock::now() < deadline && converged_at.size() < s.names_.size()) {
    for (const auto& name : s.names_) {
      if (converged_at.count(name)) continue;
      std::string err;
      diffs[name] = s.Diff(name, &err);
      if (err.empty() && diffs[name].same()) {
        converged_at[name] =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      }
    }
    if (converged_at.size() < s.names_.size()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }
  double took = 0;
  for (const auto& [name, t] : converged_at) took = std::max(took, t);
  const int64_t end_ms = MonoMillis(Env::Default().NowMono());
  stop_sampler = true;
  sampler.join();
  const int64_t hwm_kb = ProcStatusKb(s.hub_pid_, "VmHWM");

  // A final check of every client (none moved after it matched).
  for (const auto& name : s.names_) {
    std::string err;
    diffs[name] = s.Diff(name, &err);
    EXPECT_EQ(err, "") << name;
    EXPECT_TRUE(diffs[name].same()) << name << " (seed " << seed << "): " << diffs[name].Summary()
                                    << "\nclient log: " << s.daemons_[&name - &s.names_[0]]->Tail();
  }

  // Back-off: per client, the dials its proxy saw.
  brs::testing::ProxyStats total;
  std::vector<int> dials;
  for (size_t i = 0; i < s.proxies_.size(); ++i) {
    const auto st = s.proxies_[i]->Stats();
    const DialRecord r = DialsOf(st, end_ms);
    dials.push_back(r.dials);
    total.cuts += st.cuts;
    total.blackholes += st.blackholes;
    total.resets += st.resets;
    // ReconnectPolicy: never less than one second between dials (some
    // slack for when the proxy's thread gets to accept).
    if (r.dials > 1) {
      EXPECT_GE(r.min_gap_ms, 800) << s.names_[i] << ": two dials " << r.min_gap_ms << " ms apart";
    }
    EXPECT_LE(r.dials, static_cast<int>(r.span_s) + 2)
        << s.names_[i] << ": " << r.dials << " dials in " << r.span_s << " s";
  }
  std::sort(dials.begin(), dials.end());
  std::printf("faults struck: %d cuts, %d black holes, %d resets\n", total.cuts, total.blackholes,
              total.resets);
  std::printf("dials per client: min %d, median %d, max %d\n", dials.front(),
              dials[dials.size() / 2], dials.back());
  std::printf("converged %s %.1f s after the faults stopped (%zu of %zu clients)\n",
              converged_at.size() == s.names_.size() ? "in" : "NOT in", took, converged_at.size(),
              s.names_.size());
  std::printf("hub memory: VmHWM %lld kB, max sampled VmRSS %lld kB\n",
              static_cast<long long>(hwm_kb), static_cast<long long>(max_rss_kb.load()));
  std::fflush(stdout);
  ::testing::Test::RecordProperty("converge_s", std::to_string(took));
  ::testing::Test::RecordProperty("hub_vmhwm_kb", std::to_string(hwm_kb));
  EXPECT_EQ(converged_at.size(), s.names_.size())
      << "not converged within " << o.converge_s << " s";
  EXPECT_GT(total.cuts + total.blackholes + total.resets, 0)
      << "no fault struck: a test of nothing";
  EXPECT_GT(hwm_kb, 0);
  EXPECT_LT(hwm_kb, o.hub_hwm_bound_kb) << "hub peak memory";

  for (auto& d : s.daemons_) {
    EXPECT_TRUE(d->Alive()) << d->data() << ": " << d->Tail();
    EXPECT_EQ(d->Stop(), 0) << d->data() << ": " << d->Tail();
  }
  EXPECT_TRUE(s.hub_->Alive()) << s.hub_->Tail();
  EXPECT_EQ(s.hub_->Stop(), 0) << s.hub_->Tail();
}

}  // namespace brs::app::testing
