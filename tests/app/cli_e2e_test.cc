// End to end with real processes: the backrest-sync binary as an operator
// runs it (init, serve, pair, join, ops, import-restic, peers, status), and
// every command's bad input.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "app/cli_test_util.h"

namespace {

using namespace brs::app::testing;

TEST(CliE2E, InitRefusesToReplaceAnIdentity) {
  TempDir dir;
  auto r = Sh(dir, "$B init --data d --instance one --json");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("\"instance\":\"one\""), std::string::npos);
  std::string before = Slurp(dir.File("d/config.json"));
  r = Sh(dir, "$B init --data d --instance two");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("already has an identity"), std::string::npos) << r.err;
  EXPECT_EQ(Slurp(dir.File("d/config.json")), before);
  r = Sh(dir, "stat -c %a d d/config.json d/admin.token");
  EXPECT_EQ(r.out, "700\n600\n600\n");
}

TEST(CliE2E, HubAndClientTour) {
  TempDir dir;
  ASSERT_EQ(
      Sh(dir, "$B init --data hub --instance hub && $B init --data laptop --instance laptop").code,
      0);
  Serve hub(dir, "hub");
  ASSERT_FALSE(hub.address().empty());
  auto tok =
      Sh(dir, "$B pair new --data hub --label laptop --expires 1h --grant READ_OPERATIONS:*");
  ASSERT_EQ(tok.code, 0) << tok.err;
  std::string token = tok.out.substr(0, tok.out.find('\n'));
  auto j = Sh(dir, "$B join '" + token + "' --url http://" + hub.address() + " --data laptop");
  ASSERT_EQ(j.code, 0) << j.err;
  ASSERT_EQ(Sh(dir, "$B repo add --data laptop --id repo1 --guid g-repo1 --uri /r1").code, 0);
  // 1 000 ops as JSON Lines.
  {
    std::ofstream ops(dir.File("ops.jsonl"));
    for (int i = 0; i < 1000; ++i) {
      ops << "{\"repoId\":\"repo1\",\"repoGuid\":\"g-repo1\",\"planId\":\"daily\",\"status\":"
             "\"STATUS_SUCCESS\",\"unixTimeStartMs\":\""
          << 1'700'000'000'000 + i << "\",\"displayMessage\":\"op " << i << "\"}\n";
    }
  }
  auto add = Sh(dir, "$B ops add --data laptop ops.jsonl");
  ASSERT_EQ(add.code, 0) << add.err;
  EXPECT_EQ(add.out, "added 1000 operations\n");
  // A real restic repository, backed up twice.
  int snapshots = 0;
  if (Sh(dir, "command -v restic").code == 0) {
    auto rr = Sh(dir,
                 "export RESTIC_PASSWORD=pw RESTIC_REPOSITORY=$PWD/restic-repo && "
                 "restic init -q && mkdir -p data && echo one > data/a && "
                 "restic backup -q --tag plan:nightly data && echo two > data/b && "
                 "restic backup -q data && restic snapshots --json > snaps.json");
    ASSERT_EQ(rr.code, 0) << rr.err;
    auto imp = Sh(dir, "$B ops import-restic --data laptop --repo repo1 snaps.json --json");
    ASSERT_EQ(imp.code, 0) << imp.err;
    EXPECT_EQ(imp.out,
              "{\"imported\":2,\"skipped\":0,\"repo\":\"repo1\",\"guid\":\"g-repo1\","
              "\"repo_added\":false}\n");
    auto again = Sh(dir, "$B ops import-restic --data laptop --repo repo1 snaps.json --json");
    EXPECT_EQ(again.out,
              "{\"imported\":0,\"skipped\":2,\"repo\":\"repo1\",\"guid\":\"g-repo1\","
              "\"repo_added\":false}\n")
        << again.err;
    snapshots = 2;
  } else {
    std::cerr << "restic not installed: skipping the restic import part\n";
  }
  Serve laptop(dir, "laptop");
  const int want = 1000 + snapshots;
  ASSERT_TRUE(WaitFor([&] {
    auto l = Sh(dir, "$B ops list --data hub --json");
    return CountLines(l.out) == want;
  })) << Slurp(dir.File("hub.log"))
      << Slurp(dir.File("laptop.log"));
  auto listed = Sh(dir, "$B ops list --data hub --json");
  EXPECT_NE(listed.out.find("\"displayMessage\":\"op 999\""), std::string::npos);
  if (snapshots) {
    auto snaps = Slurp(dir.File("snaps.json"));
    auto p = snaps.find("\"id\":\"");
    ASSERT_NE(p, std::string::npos);
    std::string id = snaps.substr(p + 6, 64);
    EXPECT_NE(listed.out.find(id), std::string::npos) << "snapshot " << id << " reached the hub";
    EXPECT_NE(listed.out.find("\"planId\":\"nightly\""), std::string::npos);
  }
  // Live: an op added while both run goes through the daemon's admin API.
  auto live = Sh(dir,
                 "echo '{\"repoId\":\"repo1\",\"repoGuid\":\"g-repo1\",\"planId\":\"p\","
                 "\"status\":\"STATUS_SUCCESS\",\"displayMessage\":\"live one\"}' | "
                 "$B ops add --data laptop -");
  ASSERT_EQ(live.code, 0) << live.err;
  EXPECT_TRUE(WaitFor([&] {
    return Sh(dir, "$B ops list --data hub --json").out.find("live one") != std::string::npos;
  }));
  auto peers = Sh(dir, "$B peers --data hub --json");
  EXPECT_NE(peers.out.find("CONNECTION_STATE_CONNECTED"), std::string::npos) << peers.out;
  auto status = Sh(dir, "$B status --data hub --json");
  EXPECT_NE(status.out.find("\"running\":true"), std::string::npos) << status.out;
  // The pairing secret was cleared on the client, the token used up at the hub.
  EXPECT_EQ(Slurp(dir.File("laptop/config.json")).find("initialPairingSecret"), std::string::npos);
  EXPECT_EQ(Slurp(dir.File("hub/config.json")).find("pairingTokens"), std::string::npos);
  auto metrics = Sh(dir, "curl -s http://" + hub.address() + "/metrics");
  if (metrics.code == 0) {
    EXPECT_NE(metrics.out.find("backrest_sync_ops_received_total"), std::string::npos);
  }
  EXPECT_EQ(laptop.Stop(), 0);
  EXPECT_EQ(hub.Stop(), 0);
}

TEST(CliE2E, BadInputIsAClearError) {
  TempDir dir;
  auto r = Sh(dir, "$B status --data nowhere");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("does not exist; run `backrest-sync init"), std::string::npos) << r.err;

  ASSERT_EQ(Sh(dir, "$B init --data d --instance x").code, 0);
  std::string good = Slurp(dir.File("d/config.json"));
  {
    std::ofstream bad(dir.File("d/config.json"));
    bad << "{\n  \"instance\": \"x\",\n  \"repos\": [ oops ]\n}\n";
  }
  std::string corrupt = Slurp(dir.File("d/config.json"));
  r = Sh(dir, "$B repo add --data d --id r --guid g");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("config.json:3:"), std::string::npos) << r.err;
  EXPECT_EQ(Slurp(dir.File("d/config.json")), corrupt) << "a broken config is never overwritten";
  {
    std::ofstream restore(dir.File("d/config.json"));
    restore << good;
  }

  r = Sh(dir, "$B join 'not-a-token' --url http://127.0.0.1:1 --data d");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("invalid pairing token"), std::string::npos) << r.err;
  const std::string token =
      "ed25519.iEf35bGCs920X7saIbuc3AxFOC82BbypUdgbwCn6DX8:" + std::string(64, 'a') + "#hub";
  r = Sh(dir, "$B join '" + token + "' --url ftp://x --data d");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("must start with http:// or https://"), std::string::npos) << r.err;
  r = Sh(dir, "$B join '" + token + "' --url http://x --grant READ_EVERYTHING --data d");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--grant READ_EVERYTHING"), std::string::npos) << r.err;
  r = Sh(dir, "$B pair new --data d --expires 5x");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("duration"), std::string::npos) << r.err;
  r = Sh(dir, "$B pair new --data d --grant READ_CONFIG:repo:a,bogus:b");
  EXPECT_EQ(r.code, 2);

  {
    std::ofstream ops(dir.File("ops.jsonl"));
    ops << "{\"repoId\":\"r\",\"repoGuid\":\"g\",\"planId\":\"p\"}\n{\"repoId\": 12,,}\n";
  }
  r = Sh(dir, "$B ops add --data d ops.jsonl");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("ops.jsonl:2"), std::string::npos) << r.err;
  r = Sh(dir, "echo 'not json' | $B ops import-restic --data d --repo r -");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("restic snapshots --json"), std::string::npos) << r.err;
  r = Sh(dir, "$B frobnicate");
  EXPECT_EQ(r.code, 2);

  // An unreachable hub: the daemon keeps running and the peer state says why.
  ASSERT_EQ(Sh(dir, "$B join '" + token + "' --url http://127.0.0.1:1 --data d").code, 0);
  Serve d(dir, "d");
  EXPECT_TRUE(WaitFor([&] {
    return Sh(dir, "$B peers --data d --json").out.find("cannot connect") != std::string::npos;
  })) << Sh(dir, "$B peers --data d --json").out;
  EXPECT_EQ(d.Stop(), 0);
}

}  // namespace

namespace {

// kill -9 of the hub halfway through a 50 000-op initial sync; after a
// restart on the same port the client reconnects, and the hub ends with
// exactly the client's ops: none lost, none doubled.
TEST(CliE2E, HubKilledMidSyncEndsWithExactlyTheClientsOps) {
  constexpr int kOps = 50'000;
  TempDir dir;
  ASSERT_EQ(
      Sh(dir, "$B init --data hub --instance hub && $B init --data laptop --instance laptop").code,
      0);
  // A fixed port, so the client's known-host URL survives the restart.
  auto hub = std::make_unique<Serve>(dir, "hub");
  const std::string addr = hub->address();
  ASSERT_FALSE(addr.empty());
  auto tok = Sh(dir, "$B pair new --data hub --label laptop --grant READ_OPERATIONS:*");
  ASSERT_EQ(tok.code, 0) << tok.err;
  ASSERT_EQ(Sh(dir, "$B join '" + tok.out.substr(0, tok.out.find('\n')) + "' --url http://" + addr +
                        " --data laptop")
                .code,
            0);
  ASSERT_EQ(Sh(dir, "$B repo add --data laptop --id repo1 --guid g-repo1 --uri /r1").code, 0);
  {
    std::ofstream ops(dir.File("ops.jsonl"));
    for (int i = 0; i < kOps; ++i) {
      ops << "{\"repoId\":\"repo1\",\"repoGuid\":\"g-repo1\",\"planId\":\"daily\",\"status\":"
             "\"STATUS_SUCCESS\",\"unixTimeStartMs\":\""
          << 1'700'000'000'000 + i << "\",\"displayMessage\":\"op " << i << "\"}\n";
    }
  }
  auto add = Sh(dir, "$B ops add --data laptop ops.jsonl");
  ASSERT_EQ(add.code, 0) << add.err;
  Serve laptop(dir, "laptop");
  // Halfway: some ops committed at the hub, not all.
  int64_t at_kill = 0;
  ASSERT_TRUE(WaitFor([&] {
    auto s = Sh(dir, "$B status --data hub --json").out;
    auto p = s.find("\"ops_synced\":");
    at_kill = p == std::string::npos ? 0 : std::atoll(s.c_str() + p + 13);
    return at_kill > 0;
  })) << hub->log();
  hub->Kill();
  std::cerr << "hub killed with " << at_kill << " of " << kOps << " ops committed\n";
  EXPECT_LT(at_kill, kOps) << "the sync finished before the kill";
  std::remove(dir.File("hub/daemon.json").c_str());  // left by the crash
  hub = std::make_unique<Serve>(dir, "hub", "", addr);
  ASSERT_EQ(hub->address(), addr) << hub->log();
  std::string listed;
  EXPECT_TRUE(WaitFor(
      [&] {
        listed = Sh(dir, "$B ops list --data hub --json").out;
        return CountLines(listed) >= kOps;
      },
      60))
      << CountLines(listed) << "\n"
      << hub->log() << laptop.log();
  // Exactly the client's ops: each original ID once.
  std::set<std::string> originals;
  std::istringstream lines(listed);
  for (std::string line; std::getline(lines, line);)
    originals.insert(JsonField(line, "originalId"));
  EXPECT_EQ(CountLines(listed), kOps);
  EXPECT_EQ(originals.size(), static_cast<size_t>(kOps));
  EXPECT_EQ(originals.count(""), 0u);
  EXPECT_EQ(laptop.Stop(), 0);
  EXPECT_EQ(hub->Stop(), 0);
}

}  // namespace
