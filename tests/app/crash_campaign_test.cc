// Crash campaigns (issue #14 §3): a hub and two clients, real processes, sync
// a preloaded oplog while a mutator adds, updates and deletes ops at the
// clients; at random moments (seeded, the seed printed) one of them, hub or
// client, is SIGKILLed and restarted. After every kill every data dir's JSON
// files must parse (no torn config); every restart must come up; at the end
// the hub must hold exactly each client's ops: none lost, none doubled, the
// latest modno, deletions applied; and every change the CLI reported as done
// must be in the client's store. A command that fails (its daemon killed
// under it) has an unknown outcome: the daemon may have applied it before
// the kill and not answered. A failed add's ops are then simply not
// expected (the hub must still match whatever the client holds); a failed
// delete's ops may or may not be gone, so they leave the expected set too
// (and are never picked again); everything else the CLI confirmed must be
// there.
//
// The default run: 10 kills over a 6 000-op sync. The long one (ctest -L
// long): 100 kills over a 50 000-op sync. BRS_CHAOS_SEED replays a campaign.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <map>
#include <mutex>
#include <random>
#include <regex>
#include <set>
#include <thread>

#include "app/chaos_util.h"

namespace {

using namespace brs::app::testing;

int EnvInt(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

std::vector<int64_t> IdsOf(const std::string& json, const std::string& key) {
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

std::string OpLine(const std::string& client, int n) {
  return "{\"repoId\":\"repo1\",\"repoGuid\":\"g-repo1\",\"planId\":\"daily\","
         "\"status\":\"STATUS_SUCCESS\",\"flowId\":\"" +
         std::to_string(n + 1) + "\",\"displayMessage\":\"" + client + " op " + std::to_string(n) +
         "\"}\n";
}

struct Campaign {
  TempDir dir;
  std::vector<std::string> clients{"c0", "c1"};
  std::map<std::string, std::string> keyid;  // client -> key ID
  std::unique_ptr<Daemon> hub;
  std::vector<std::unique_ptr<Daemon>> client_daemons;
  std::mutex mu;  // guards the two below and the daemons' start/kill
  // What the CLI said it did, per client: ops added (and not deleted
  // since) and the modno each update reported.
  std::map<std::string, std::set<int64_t>> reported_live;
  std::map<std::string, std::map<int64_t, int64_t>> reported_modno;
  std::map<std::string, std::map<int64_t, int64_t>> flow_of;  // op ID -> flow ID
  // Ops of a delete whose command failed: deleted or not, either is right.
  std::map<std::string, std::set<int64_t>> unsure_deleted;
  int failed_deletes = 0;
  std::atomic<int> changes_ok{0}, changes_failed{0};

  void Setup(int ops_per_client) {
    auto h = Sh(dir, "$B init --data hub --instance hub --json");
    ASSERT_EQ(h.code, 0) << h.err;
    hub = std::make_unique<Daemon>(dir, "hub");
    ASSERT_EQ(hub->Start(), "");
    for (const auto& c : clients) {
      auto i = Sh(dir, "$B init --data " + c + " --instance " + c + " --json");
      ASSERT_EQ(i.code, 0) << i.err;
      keyid[c] = JsonField(i.out, "keyid");
      auto tok = Sh(dir, "$B pair new --data hub --label " + c + " --grant READ_OPERATIONS:*");
      ASSERT_EQ(tok.code, 0) << tok.err;
      auto j = Sh(dir, "$B join '" + tok.out.substr(0, tok.out.find('\n')) + "' --url http://" +
                           hub->address() + " --data " + c);
      ASSERT_EQ(j.code, 0) << j.err;
      ASSERT_EQ(Sh(dir, "$B repo add --data " + c + " --id repo1 --guid g-repo1 --uri /r1").code,
                0);
      // The preload: written to the store directly (no daemon yet), so the
      // campaign's sync starts with all of it outstanding.
      {
        std::ofstream f(dir.File(c + "-preload.jsonl"));
        for (int n = 0; n < ops_per_client; ++n) f << OpLine(c, n);
      }
      auto add = Sh(dir, "$B ops add --json --data " + c + " " + c + "-preload.jsonl");
      ASSERT_EQ(add.code, 0) << add.err;
      auto ids = IdsOf(add.out, "ids");
      ASSERT_EQ(static_cast<int>(ids.size()), ops_per_client);
      reported_live[c].insert(ids.begin(), ids.end());
      for (int n = 0; n < ops_per_client; ++n) flow_of[c][ids[n]] = n + 1;
      client_daemons.push_back(std::make_unique<Daemon>(dir, c));
    }
    for (auto& d : client_daemons) ASSERT_EQ(d->Start(), "");
  }

  // One live change at a random client: an insert of 1–20 ops (70%), an
  // update (15%) or a delete (15%) of 1–5 of its ops. Through the daemon
  // when one answers, else to the store directly; a command that fails (its
  // daemon killed under it) is counted, not checked: only what the CLI
  // reported as done must hold.
  void Change(std::mt19937_64& rng, int serial) {
    const std::string c = clients[rng() % clients.size()];
    const int kind = static_cast<int>(rng() % 100);
    if (kind < 70) {
      const int n = 1 + static_cast<int>(rng() % 20);
      std::string lines;
      for (int k = 0; k < n; ++k) lines += OpLine(c, 1'000'000 + serial * 100 + k);
      const std::string file = c + "-live.jsonl";
      Spit(dir.File(file), lines);
      auto r = Sh(dir, "$B ops add --json --data " + c + " " + file);
      if (r.code != 0) return void(++changes_failed);
      std::lock_guard<std::mutex> l(mu);
      const auto ids = IdsOf(r.out, "ids");
      for (size_t k = 0; k < ids.size(); ++k) {
        reported_live[c].insert(ids[k]);
        flow_of[c][ids[k]] = 1'000'000 + serial * 100 + static_cast<int64_t>(k) + 1;
      }
      ++changes_ok;
      return;
    }
    std::vector<int64_t> pick;
    {
      std::lock_guard<std::mutex> l(mu);
      const auto& live = reported_live[c];
      const int n = 1 + static_cast<int>(rng() % 5);
      for (int k = 0; k < n && !live.empty(); ++k) {
        auto it = live.begin();
        std::advance(it, static_cast<long>(rng() % live.size()));
        if (std::find(pick.begin(), pick.end(), *it) == pick.end()) pick.push_back(*it);
      }
    }
    if (pick.empty()) return;
    if (kind < 85) {
      // An update: the op as stored, with a new message.
      std::string body;
      for (auto id : pick) {
        // The op as written (same flow), with a new message.
        int64_t flow = 0;
        {
          std::lock_guard<std::mutex> l(mu);
          flow = flow_of[c][id];
        }
        body += "{\"id\":\"" + std::to_string(id) +
                "\",\"repoId\":\"repo1\",\"repoGuid\":\"g-repo1\",\"planId\":\"daily\","
                "\"instanceId\":\"" +
                c + "\",\"flowId\":\"" + std::to_string(flow) +
                "\",\"unixTimeStartMs\":\"1000\",\"status\":\"STATUS_SUCCESS\","
                "\"displayMessage\":\"updated " +
                std::to_string(serial) + "\"}\n";
      }
      const std::string file = c + "-update.jsonl";
      Spit(dir.File(file), body);
      auto r = Sh(dir, "$B ops update --json --data " + c + " " + file);
      if (r.code != 0) return void(++changes_failed);
      auto ids = IdsOf(r.out, "ids");
      auto modnos = IdsOf(r.out, "modnos");
      std::lock_guard<std::mutex> l(mu);
      for (size_t k = 0; k < ids.size() && k < modnos.size(); ++k) {
        reported_modno[c][ids[k]] = modnos[k];
      }
      ++changes_ok;
      return;
    }
    std::string args;
    for (auto id : pick) args += " " + std::to_string(id);
    auto r = Sh(dir, "$B ops delete --json --data " + c + args);
    std::lock_guard<std::mutex> l(mu);
    if (r.code != 0) {
      // The daemon may have deleted them before it was killed.
      ++failed_deletes;
      for (auto id : pick) {
        reported_live[c].erase(id);
        reported_modno[c].erase(id);
        unsure_deleted[c].insert(id);
      }
      return void(++changes_failed);
    }
    for (auto id : IdsOf(r.out, "ids")) {
      reported_live[c].erase(id);
      reported_modno[c].erase(id);
    }
    ++changes_ok;
  }

  std::string CheckAllConfigs() {
    for (const auto& d : std::vector<std::string>{"hub", "c0", "c1"}) {
      auto e = CheckConfigFiles(dir.File(d));
      if (!e.empty()) return e;
    }
    return "";
  }

  // The hub's copy of client c against c's own ops.
  OpDiff Diff(const std::string& c, std::string* err) {
    auto own = ListOps(dir, "--data " + c, err);
    auto held = ListOps(dir, "--data hub --peer " + keyid[c], err);
    return CompareOps(own, held);
  }
};

void RunCampaign(int kills, int ops_total, int converge_s) {
  const uint64_t seed = std::getenv("BRS_CHAOS_SEED")
                            ? std::strtoull(std::getenv("BRS_CHAOS_SEED"), nullptr, 10)
                            : std::random_device{}();
  std::printf("crash campaign: seed %llu (replay with BRS_CHAOS_SEED=%llu), %d kills, %d ops\n",
              static_cast<unsigned long long>(seed), static_cast<unsigned long long>(seed), kills,
              ops_total);
  std::fflush(stdout);
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  std::mt19937_64 rng(seed);
  Campaign c;
  ASSERT_NO_FATAL_FAILURE(c.Setup(ops_total / 2));

  // The mutator: live changes at the clients all through the campaign.
  std::atomic<bool> stop{false};
  std::thread mutator([&, mseed = rng()] {
    std::mt19937_64 mrng(mseed);
    for (int serial = 0; !stop.load(); ++serial) c.Change(mrng, serial);
  });
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Joiner() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } joiner{stop, mutator};

  std::map<std::string, int> kills_by;
  std::map<std::string, std::vector<double>> restart_s;  // until daemon.json names it
  for (int k = 0; k < kills; ++k) {
    // A random moment: 0.1–1.5 s after the previous restart.
    std::this_thread::sleep_for(std::chrono::milliseconds(100 + rng() % 1400));
    const size_t victim = rng() % 3;  // 0: the hub, 1–2: a client
    Daemon& d = victim == 0 ? *c.hub : *c.client_daemons[victim - 1];
    ASSERT_TRUE(d.Alive()) << d.data() << " died by itself (exit " << d.exit_code()
                           << "): " << d.Tail();
    d.Kill();
    ++kills_by[d.data()];
    const std::string torn = c.CheckAllConfigs();
    ASSERT_EQ(torn, "") << "after kill " << k + 1 << " of " << d.data() << " (seed " << seed << ")";
    // Down for 0–0.5 s, then restarted.
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 500));
    const auto r0 = std::chrono::steady_clock::now();
    const std::string started = d.Start();
    ASSERT_EQ(started, "") << "restart " << k + 1 << " (seed " << seed << ")";
    restart_s[d.data()].push_back(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - r0).count());
  }
  stop = true;
  mutator.join();
  std::printf("kills: hub %d, c0 %d, c1 %d; live changes: %d done, %d failed (daemon killed)\n",
              kills_by["hub"], kills_by["c0"], kills_by["c1"], c.changes_ok.load(),
              c.changes_failed.load());
  for (auto& [name, t] : restart_s) {
    std::sort(t.begin(), t.end());
    std::printf("restarts of %s: %zu, median %.2f s, min %.2f s, max %.2f s\n", name.c_str(),
                t.size(), t[t.size() / 2], t.front(), t.back());
  }

  // Everything the CLI reported as done is in the client's store.
  int unsure = 0, unsure_gone = 0;
  for (const auto& name : c.clients) {
    std::string err;
    auto own = ListOps(c.dir, "--data " + name, &err);
    ASSERT_EQ(err, "");
    std::map<int64_t, int64_t> modno;
    for (const auto& op : own) modno[op.id()] = op.modno();
    int lost = 0;
    std::string examples;
    for (auto id : c.reported_live[name]) {
      if (modno.count(id)) continue;
      if (++lost <= 5) examples += " " + std::to_string(id);
    }
    EXPECT_EQ(lost, 0) << name << " (seed " << seed
                       << "): ops reported added (and never deleted) missing, e.g." << examples;
    for (auto id : c.unsure_deleted[name]) {
      ++unsure;
      unsure_gone += modno.count(id) == 0;
    }
    int older = 0;
    for (const auto& [id, m] : c.reported_modno[name]) older += modno.count(id) && modno[id] < m;
    EXPECT_EQ(older, 0) << name << ": updates reported done but not stored";
  }
  std::printf(
      "failed deletes: %d commands, %d ops, %d of them deleted all the same (the daemon was "
      "killed after deleting, before answering)\n",
      c.failed_deletes, unsure, unsure_gone);

  // The hub converges to exactly each client's ops.
  const auto t0 = std::chrono::steady_clock::now();
  std::map<std::string, OpDiff> diffs;
  bool converged = WaitFor(
      [&] {
        bool all = true;
        for (const auto& name : c.clients) {
          std::string err;
          diffs[name] = c.Diff(name, &err);
          all = all && err.empty() && diffs[name].same();
        }
        return all;
      },
      converge_s);
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  for (const auto& name : c.clients) {
    EXPECT_TRUE(diffs[name].same()) << name << " (seed " << seed << "): " << diffs[name].Summary();
    std::printf("%s: %s\n", name.c_str(), diffs[name].Summary().c_str());
  }
  std::printf("converged %s %.1f s after the last kill\n", converged ? "in" : "NOT in", took);

  // Every process is running and stops cleanly.
  for (Daemon* d : {c.hub.get(), c.client_daemons[0].get(), c.client_daemons[1].get()}) {
    EXPECT_TRUE(d->Alive()) << d->data() << ": " << d->Tail();
    EXPECT_EQ(d->Stop(), 0) << d->data() << ": " << d->Tail();
  }
  EXPECT_EQ(c.CheckAllConfigs(), "");
}

TEST(CrashCampaign, TenKillsLoseAndDoubleNothing) {
  RunCampaign(EnvInt("BRS_CHAOS_KILLS", 10), EnvInt("BRS_CHAOS_OPS", 6'000), 90);
}

TEST(CrashCampaignLong, HundredKillsOverA50kOpSync) {
  if (!std::getenv("BRS_RUN_LONG")) GTEST_SKIP() << "long: set BRS_RUN_LONG=1 (ctest -L long)";
  RunCampaign(EnvInt("BRS_CHAOS_KILLS", 100), EnvInt("BRS_CHAOS_OPS", 50'000), 300);
}

}  // namespace
