// The hostile-network scenario (net_fault_test.cc): a hub, N client daemons
// each dialing it through its own FaultProxy, live changes while the
// faults are on, then convergence, back-off and hub-memory checks.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <thread>

#include "app/chaos_util.h"
#include "app/dial_backoff.h"
#include "app/fault_proxy.h"

namespace brs::app::testing {

struct NetScenarioOptions {
  int clients = 5;
  int ops_per_client = 1'000;
  int fault_s = 20;
  int converge_s = 30;
  int64_t hub_hwm_bound_kb = 256 * 1024;  // the hub's peak resident memory
  int min_faults_per_kind = 5;            // cuts, black holes, resets: each at least
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

// The faults of the scenario while they are on: every connection is slowed
// (20-100 ms each way, 256 KiB/s) and meets a fault, a cut (40%), a black
// hole of 0.5-4 s (25%) or a reset (35%), at a random byte offset in its
// first 256 KiB (mid-frame) or 0.3-4 s after it began, whichever comes
// first; one out of a black hole meets its next.
inline brs::testing::FaultPlan ScheduledPlan() {
  brs::testing::FaultPlan p;
  p.latency_ms = 20;
  p.jitter_ms = 80;
  p.bandwidth_bps = 256 * 1024;
  p.cut_chance = 0.4;
  p.blackhole_chance = 0.25;
  p.reset_chance = 0.35;
  p.fault_offset_min = 1;
  p.fault_offset_max = 256 * 1024;
  p.fault_after_ms_min = 300;
  p.fault_after_ms_max = 4'000;
  p.blackhole_ms_min = 500;
  p.blackhole_ms_max = 4'000;
  return p;
}

// A field "Name:   123 kB" of /proc/PID/status, in kB (-1 when absent).
inline int64_t ProcStatusKb(int pid, const std::string& field) {
  const std::string s = Slurp("/proc/" + std::to_string(pid) + "/status");
  const auto p = s.find(field + ":");
  if (p == std::string::npos) return -1;
  return std::atoll(s.c_str() + p + field.size() + 1);
}

class NetScenario {
 public:
  explicit NetScenario(const NetScenarioOptions& o) : o_(o), names_(Names(o.clients)) {}

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
      const std::string& c = names_[i];
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
      ASSERT_EQ(changes_.Preload(c, o_.ops_per_client), "");
      daemons_.push_back(std::make_unique<Daemon>(dir_, c));
    }
  }

  void FaultsOn() {
    for (auto& p : proxies_) p->SetPlan(ScheduledPlan());
  }
  void FaultsOff() {
    for (auto& p : proxies_) p->SetPlan(brs::testing::FaultPlan{});
  }
  void StartClients() {
    for (auto& d : daemons_) ASSERT_EQ(d->Start(), "");
  }

  // One live change at a random client (60% inserts, 20% updates, 20%
  // deletes).
  void Change(std::mt19937_64& rng, int serial) { changes_.Change(rng, serial); }

  OpDiff Diff(const std::string& c, std::string* err) { return HubDiff(dir_, c, keyid_[c], err); }

  static std::vector<std::string> Names(int n) {
    std::vector<std::string> names;
    for (int i = 0; i < n; ++i) names.push_back("c" + std::to_string(i));
    return names;
  }

  const NetScenarioOptions o_;
  TempDir dir_;
  std::unique_ptr<Daemon> hub_;
  int hub_pid_ = -1;
  const std::vector<std::string> names_;
  LiveChanges changes_{dir_, names_, LiveChanges::Mix{60, 20}};
  std::map<std::string, std::string> keyid_;
  std::vector<std::unique_ptr<brs::testing::FaultProxy>> proxies_;
  std::vector<std::unique_ptr<Daemon>> daemons_;
};

// The hub's resident memory (VmRSS), sampled every 250 ms from construction
// to Stop; VmHWM is the kernel's own peak, the samples show it was no
// spike at the end and when the peak came.
class HubMemorySampler {
 public:
  explicit HubMemorySampler(int pid) : pid_(pid), thread_([this] { Run(); }) {}
  ~HubMemorySampler() { Stop(); }
  HubMemorySampler(const HubMemorySampler&) = delete;
  HubMemorySampler& operator=(const HubMemorySampler&) = delete;
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  // Read after Stop.
  int samples() const { return samples_; }
  int64_t first_kb() const { return first_kb_; }
  int64_t peak_kb() const { return peak_kb_; }
  double peak_at_s() const { return peak_at_s_; }  // since construction
  int64_t last_kb() const { return last_kb_; }

 private:
  void Run() {
    const auto t0 = std::chrono::steady_clock::now();
    while (!stop_) {
      const int64_t rss = ProcStatusKb(pid_, "VmRSS");
      if (rss > 0) {
        if (samples_++ == 0) first_kb_ = rss;
        if (rss > peak_kb_) {
          peak_kb_ = rss;
          peak_at_s_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        }
        last_kb_ = rss;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(250));
    }
  }

  const int pid_;
  std::atomic<bool> stop_{false};
  int samples_ = 0;
  int64_t first_kb_ = 0, peak_kb_ = 0, last_kb_ = 0;
  double peak_at_s_ = 0;
  std::thread thread_;  // last: starts once the rest is set
};

// Live changes at random clients (one at a time, with the CLI) until
// `seconds` have passed.
inline void RunLiveChanges(NetScenario& s, uint64_t seed, int seconds) {
  std::mt19937_64 rng(seed);
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  for (int serial = 0; std::chrono::steady_clock::now() < end; ++serial) s.Change(rng, serial);
}

// Polls the hub until it holds exactly each client's ops, up to `seconds`
// after `t0` (the faults' end): per client, the seconds until its match was
// seen; `poll_s` gets the longest poll. The clients' own ops no longer
// change (the live changes have stopped), so they are read once; each poll
// lists the hub's whole oplog once, by instance (the client's name); the
// final check (by peer key ID) is RunNetScenario's.
inline std::map<std::string, double> AwaitConvergence(NetScenario& s,
                                                      std::chrono::steady_clock::time_point t0,
                                                      int seconds, double* poll_s) {
  using Clock = std::chrono::steady_clock;
  std::map<std::string, std::vector<v1::Operation>> own;
  for (const auto& name : s.names_) {
    std::string err;
    own[name] = ListOps(s.dir_, "--data " + name, &err);
    EXPECT_EQ(err, "") << name;
  }
  std::map<std::string, double> at;
  *poll_s = 0;
  while (Clock::now() < t0 + std::chrono::seconds(seconds) && at.size() < s.names_.size()) {
    const auto p0 = Clock::now();
    std::string err;
    std::map<std::string, std::vector<v1::Operation>> held;
    for (auto& op : ListOps(s.dir_, "--data hub", &err)) held[op.instance_id()].push_back(op);
    const auto seen = Clock::now();
    *poll_s = std::max(*poll_s, std::chrono::duration<double>(seen - p0).count());
    for (const auto& name : s.names_) {
      if (err.empty() && !at.count(name) && CompareOps(own[name], held[name]).same()) {
        at[name] = std::chrono::duration<double>(seen - t0).count();
      }
    }
    if (at.size() < s.names_.size()) std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  return at;
}

// A client's dials for a failure message: accept time (from the first),
// session length (-1: not seen to end) and faults met.
inline std::string DialTrail(const std::vector<brs::testing::ConnRecord>& conns) {
  std::string out;
  for (const auto& c : conns) {
    const int64_t t0 = conns.front().accept_ms;
    out += " [" + std::to_string(c.accept_ms - t0) + ", " +
           std::to_string(c.client_end_ms < 0 ? -1 : c.client_end_ms - c.accept_ms) + ", " +
           std::to_string(c.cuts) + "c" + std::to_string(c.blackholes) + "b" +
           std::to_string(c.resets) + "r]";
  }
  return out;
}

// A daemon's log without its "sync progress" lines.
inline std::string SessionLines(const std::string& log) {
  std::string out;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find("sync progress") == std::string::npos) out += line + "\n";
  }
  return out;
}

// How often a log holds NEEDLE.
inline int CountIn(const std::string& log, const std::string& needle) {
  int n = 0;
  for (auto p = log.find(needle); p != std::string::npos; p = log.find(needle, p + 1)) ++n;
  return n;
}

// The streams the hub refused for load (its log: "sync stream refused",
// count=N each line, at most one line per interval).
inline int HubRefusalsForLoad(const std::string& log) {
  int n = 0;
  std::istringstream in(log);
  for (std::string line; std::getline(in, line);) {
    if (line.find("sync stream refused") == std::string::npos) continue;
    const auto p = line.find("count=");
    n += p == std::string::npos ? 1 : std::atoi(line.c_str() + p + 6);
  }
  return n;
}

// Each client's dials against its back-off policy (tests/app/dial_backoff.h;
// the scenario's daemons run --retry-delay 1), and the faults they met.
inline void CheckDialsAndFaults(NetScenario& s, const NetScenarioOptions& o, uint64_t seed) {
  const BackoffCheck check;  // a 1 s retry delay
  const int per_window = DialsPerWindowBound(check);
  std::vector<int> dials;
  int cuts = 0, blackholes = 0, resets = 0, grown = 0, unknown_end = 0, most_in_window = 0;
  int64_t longest_gap = 0;
  int hints = 0, hinted = 0;
  for (size_t i = 0; i < s.proxies_.size(); ++i) {
    const auto st = s.proxies_[i]->Stats();
    cuts += st.cuts;
    blackholes += st.blackholes;
    resets += st.resets;
    // Judged on the client's own timeline (its log: when it dialed, when
    // it saw each session end), counted at the proxy too; the hub's retry
    // hints it heard (its peer state lines) explain as many short gaps.
    const std::string log = Slurp(s.daemons_[i]->log_path());
    const int client_hints = CountIn(log, "retry in ");
    hints += client_hints;
    const auto logged = ClientDialsFromLog(log);
    const BackoffReport r = CheckBackoff(logged, check, client_hints);
    const int proxy_window = MaxDialsInWindow(st.conns, check.window_ms);
    hinted += r.hinted;
    dials.push_back(r.dials);
    grown += r.grown;
    unknown_end += r.unknown_end;
    longest_gap = std::max(longest_gap, r.longest_gap_ms);
    most_in_window = std::max({most_in_window, r.max_in_window, proxy_window});
    EXPECT_TRUE(r.ok()) << s.names_[i] << " (seed " << seed << "): " << r.too_soon
                        << " dials too soon, " << r.too_late << " too late for its back-off"
                        << r.examples << "\nits dials (start ms, session ms):" << DialTrail(logged)
                        << "\nat its proxy (accept ms, session ms, faults):" << DialTrail(st.conns)
                        << (r.ok() ? ""
                                   : "\nits log, but for progress lines:\n" + SessionLines(log));
    EXPECT_EQ(logged.size(), st.conns.size())
        << s.names_[i] << ": dials the client logged, and those its proxy accepted";
    EXPECT_LE(r.max_in_window, per_window)
        << s.names_[i] << ": " << r.max_in_window << " dials within " << check.window_ms << " ms";
    EXPECT_LE(proxy_window, per_window) << s.names_[i] << ": " << proxy_window << " dials within "
                                        << check.window_ms << " ms at its proxy";
  }
  std::sort(dials.begin(), dials.end());
  std::printf("faults struck: %d cuts, %d black holes, %d resets\n", cuts, blackholes, resets);
  std::printf(
      "dials per client: min %d, median %d, max %d; at most %d in any %lld ms (bound %d); "
      "%d gaps grown by failures in a row, longest gap %lld ms, %d sessions not seen to end\n",
      dials.front(), dials[dials.size() / 2], dials.back(), most_in_window,
      static_cast<long long>(check.window_ms), per_window, grown,
      static_cast<long long>(longest_gap), unknown_end);
  std::printf(
      "hub refused %d streams for load; clients heard %d retry hints, %d gaps shorter than "
      "the back-off explained by them\n",
      HubRefusalsForLoad(Slurp(s.hub_->log_path())), hints, hinted);
  ::testing::Test::RecordProperty("cuts", std::to_string(cuts));
  ::testing::Test::RecordProperty("blackholes", std::to_string(blackholes));
  ::testing::Test::RecordProperty("resets", std::to_string(resets));
  EXPECT_GE(cuts, o.min_faults_per_kind) << "cuts";
  EXPECT_GE(blackholes, o.min_faults_per_kind) << "black holes";
  EXPECT_GE(resets, o.min_faults_per_kind) << "resets";
}

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
  HubMemorySampler memory(s.hub_pid_);

  RunLiveChanges(s, rng(), o.fault_s);
  s.FaultsOff();
  const auto faults_off = std::chrono::steady_clock::now();
  std::printf("faults off; live changes: %d inserts, %d updates, %d deletes, %d failed\n",
              s.changes_.inserts(), s.changes_.updates(), s.changes_.deletes(),
              s.changes_.failed());
  std::fflush(stdout);

  double poll_s = 0;
  const std::map<std::string, double> converged_at =
      AwaitConvergence(s, faults_off, o.converge_s, &poll_s);
  double took = 0;
  for (const auto& [name, t] : converged_at) took = std::max(took, t);
  memory.Stop();
  const int64_t hwm_kb = ProcStatusKb(s.hub_pid_, "VmHWM");

  // A final check of every client (none moved after it matched).
  for (size_t i = 0; i < s.names_.size(); ++i) {
    std::string err;
    const OpDiff d = s.Diff(s.names_[i], &err);
    EXPECT_EQ(err, "") << s.names_[i];
    EXPECT_TRUE(d.same()) << s.names_[i] << " (seed " << seed << "): " << d.Summary()
                          << "\nclient log: " << s.daemons_[i]->Tail();
  }
  CheckDialsAndFaults(s, o, seed);
  std::printf(
      "converged %s %.1f s after the faults stopped (%zu of %zu clients; seen by polls of the "
      "hub's oplog taking up to %.1f s)\n",
      converged_at.size() == s.names_.size() ? "in" : "NOT in", took, converged_at.size(),
      s.names_.size(), poll_s);
  std::printf(
      "hub memory: VmHWM %lld kB; VmRSS sampled %d times: first %lld kB, peak %lld kB (at "
      "%.1f s), last %lld kB\n",
      static_cast<long long>(hwm_kb), memory.samples(), static_cast<long long>(memory.first_kb()),
      static_cast<long long>(memory.peak_kb()), memory.peak_at_s(),
      static_cast<long long>(memory.last_kb()));
  std::fflush(stdout);
  ::testing::Test::RecordProperty("converge_s", std::to_string(took));
  ::testing::Test::RecordProperty("hub_vmhwm_kb", std::to_string(hwm_kb));
  ::testing::Test::RecordProperty("hub_peak_rss_kb", std::to_string(memory.peak_kb()));
  EXPECT_EQ(converged_at.size(), s.names_.size())
      << "not converged within " << o.converge_s << " s";
  EXPECT_GE(memory.samples(), 2 * o.fault_s) << "the hub's memory was not watched throughout";
  EXPECT_GT(hwm_kb, 0);
  EXPECT_LT(hwm_kb, o.hub_hwm_bound_kb) << "hub peak memory";
  EXPECT_LT(memory.peak_kb(), o.hub_hwm_bound_kb) << "hub peak memory";

  for (auto& d : s.daemons_) {
    EXPECT_TRUE(d->Alive()) << d->data() << ": " << d->Tail();
    EXPECT_EQ(d->Stop(), 0) << d->data() << ": " << d->Tail();
  }
  EXPECT_TRUE(s.hub_->Alive()) << s.hub_->Tail();
  EXPECT_EQ(s.hub_->Stop(), 0) << s.hub_->Tail();
}

}  // namespace brs::app::testing
