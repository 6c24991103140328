// Commands that work through a running daemon, end to end with real
// processes: peers --watch, config push, logs get, and the CLI reaching a
// daemon that serves TLS.
#include <gtest/gtest.h>

#include "app/cli_test_util.h"
#include "store/log_store.h"

namespace {

using namespace brs::app::testing;

// A hub and a laptop client paired with `grants` (the laptop's for the hub;
// `hub_grants` the hub's for the laptop), both serving; the laptop has repo1.
struct Pair {
  TempDir dir;
  std::string hub_keyid, laptop_keyid;
  std::unique_ptr<Serve> hub, laptop;

  void Init(const std::string& grants, const std::string& hub_grants = "READ_OPERATIONS:*") {
    auto h = Sh(dir, "$B init --data hub --instance hub --json");
    ASSERT_EQ(h.code, 0) << h.err;
    hub_keyid = JsonField(h.out, "keyid");
    auto l = Sh(dir, "$B init --data laptop --instance laptop --json");
    ASSERT_EQ(l.code, 0) << l.err;
    laptop_keyid = JsonField(l.out, "keyid");
    ASSERT_FALSE(hub_keyid.empty() || laptop_keyid.empty()) << h.out << l.out;
    hub = std::make_unique<Serve>(dir, "hub");
    auto tok = Sh(dir, "$B pair new --data hub --label laptop --grant " + hub_grants);
    ASSERT_EQ(tok.code, 0) << tok.err;
    auto j = Sh(dir, "$B join '" + tok.out.substr(0, tok.out.find('\n')) + "' --url http://" +
                         hub->address() + " --data laptop " + grants);
    ASSERT_EQ(j.code, 0) << j.err;
    ASSERT_EQ(Sh(dir, "$B repo add --data laptop --id repo1 --guid g-repo1 --uri /r1").code, 0);
  }
  void StartLaptop() { laptop = std::make_unique<Serve>(dir, "laptop"); }
  bool LaptopConnected() {
    return Contains(Sh(dir, "$B peers --data hub --json").out, "CONNECTION_STATE_CONNECTED");
  }
  // Adds one op of repo1 on the laptop; true once the hub holds `n` ops.
  void AddLaptopOp() {
    auto add = Sh(dir,
                  "echo '{\"repoId\":\"repo1\",\"repoGuid\":\"g-repo1\",\"planId\":\"daily\","
                  "\"status\":\"STATUS_SUCCESS\"}' | $B ops add --data laptop -");
    ASSERT_EQ(add.code, 0) << add.err;
  }
  bool HubHoldsOps(int n) {
    return CountLines(Sh(dir, "$B ops list --data hub --peer " + laptop_keyid + " --json").out) ==
           n;
  }
  std::string Logs() { return hub->log() + (laptop ? laptop->log() : ""); }
};

TEST(CliDaemon, PeersWatchPrintsEachChange) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(p.Init(""));
  ASSERT_EQ(Sh(p.dir,
               "($B peers --watch --json --data hub >watch.out 2>watch.err & "
               "echo $! >watch.pid)")
                .code,
            0);
  // The hub knows no peer yet (the laptop pairs when it dials). Whether the
  // watch subscribed before or after the laptop connected, CONNECTED is
  // printed: as a change, or in the snapshot a subscription starts with.
  p.StartLaptop();
  EXPECT_TRUE(WaitFor([&] {
    return Contains(Slurp(p.dir.File("watch.out")), "CONNECTION_STATE_CONNECTED");
  })) << Slurp(p.dir.File("watch.out"))
      << Slurp(p.dir.File("watch.err"));
  EXPECT_EQ(p.laptop->Stop(), 0);
  // The laptop's goodbye reaches the hub: a later line says disconnected (a
  // change: the watch was running before the laptop stopped).
  EXPECT_TRUE(WaitFor([&] {
    std::string out = Slurp(p.dir.File("watch.out"));
    auto connected = out.find("CONNECTION_STATE_CONNECTED");
    return connected != std::string::npos &&
           out.find("CONNECTION_STATE_DISCONNECTED", connected) != std::string::npos;
  })) << Slurp(p.dir.File("watch.out"));
  // Still watching (it runs until stopped; it has just printed), one JSON
  // object per line.
  EXPECT_EQ(Sh(p.dir, "kill -0 $(cat watch.pid)").code, 0);
  EXPECT_EQ(Sh(p.dir, "kill $(cat watch.pid)").code, 0);
  std::istringstream lines(Slurp(p.dir.File("watch.out")));
  for (std::string line; std::getline(lines, line);) {
    EXPECT_TRUE(line.front() == '{' && line.back() == '}') << line;
  }
  // Without a daemon --watch says what it needs.
  p.hub->Stop();
  auto r = Sh(p.dir, "$B peers --watch --data hub");
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "needs a running daemon")) << r.err;
}

TEST(CliDaemon, ConfigPushAppliesOnlyWhatTheClientGranted) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(
      p.Init("--grant READ_OPERATIONS:* --grant READ_WRITE_CONFIG:repo:pushed"));
  p.StartLaptop();
  ASSERT_TRUE(WaitFor([&] { return p.LaptopConnected(); })) << p.Logs();
  Spit(
      p.dir.File("push.json"),
      R"([{"id":"pushed","guid":"g-pushed","uri":"/srv/pushed","password":"pushed-secret-9a7f"}])");
  const std::string push_cmd = "$B config push --data hub --peer " + p.laptop_keyid;
  auto push = Sh(p.dir, push_cmd + " --repos push.json");
  ASSERT_EQ(push.code, 0) << push.out << push.err << p.Logs();
  EXPECT_TRUE(Contains(push.out, "applied by " + p.laptop_keyid)) << push.out;
  EXPECT_TRUE(Contains(Slurp(p.dir.File("laptop/config.json")), "g-pushed"));
  EXPECT_TRUE(Contains(p.laptop->log(), "applied set_config from hub")) << p.laptop->log();
  // (a distinctive password: a short one could occur in a random key ID)
  EXPECT_FALSE(Contains(p.laptop->log(), "pushed-secret-9a7f")) << "never a password in the log";
  // A repo the grant does not cover is refused as a whole: nothing applied,
  // and the push says so.
  Spit(p.dir.File("push2.json"),
       R"([{"id":"other","guid":"g-other","uri":"/srv/other","password":"pw"}])");
  push = Sh(p.dir, push_cmd + " --repos push2.json");
  EXPECT_EQ(push.code, 1) << push.out << push.err;
  EXPECT_TRUE(
      Contains(push.out, "refused by " + p.laptop_keyid + ": host may not change repo \"other\""))
      << push.out;
  EXPECT_FALSE(Contains(Slurp(p.dir.File("laptop/config.json")), "g-other"));
  EXPECT_TRUE(Contains(Slurp(p.dir.File("laptop/config.json")), "g-pushed"));
  // The session stays up; both sides show the refusal.
  auto laptop_peers = Sh(p.dir, "$B peers --data laptop --json").out;
  EXPECT_TRUE(Contains(laptop_peers, "CONNECTION_STATE_CONNECTED")) << laptop_peers;
  EXPECT_TRUE(Contains(laptop_peers, "refused the hub's set_config")) << laptop_peers;
  EXPECT_TRUE(Contains(Sh(p.dir, "$B peers --data hub --json").out, "the client refused"));
  // Pushed again, already in place: applied (the client answers anyway).
  push = Sh(p.dir, push_cmd + " --repos push.json --wait 10s");
  EXPECT_EQ(push.code, 0) << push.out << push.err;
  EXPECT_TRUE(Contains(push.out, "applied by")) << push.out;
  // --wait 0 only sends.
  push = Sh(p.dir, push_cmd + " --repos push.json --wait 0");
  EXPECT_EQ(push.code, 0) << push.err;
  EXPECT_TRUE(Contains(push.out, "sent set_config to")) << push.out;
  // Unknown peer, missing input and a bad --wait are clear errors.
  auto unknown = Sh(p.dir, "$B config push --data hub --peer ed25519.nobody --repos push.json");
  EXPECT_EQ(unknown.code, 1);
  EXPECT_TRUE(Contains(unknown.err, "not connected")) << unknown.err;
  EXPECT_EQ(Sh(p.dir, push_cmd).code, 2);
  EXPECT_EQ(Sh(p.dir, push_cmd + " --repos push.json --wait soon").code, 2);
}

TEST(CliDaemon, SharedRepoLandsWithJoinsDefaultGrantAndARefusalKeepsTheSession) {
  // Backrest's defaults on both sides: the token grants RECEIVE_SHARED_REPOS,
  // `join` without --grant gives READ_OPERATIONS:* and RECEIVE_SHARED_REPOS.
  Pair p;
  ASSERT_NO_FATAL_FAILURE(p.Init("", "RECEIVE_SHARED_REPOS:* --grant READ_OPERATIONS:*"));
  EXPECT_TRUE(Contains(Slurp(p.dir.File("laptop/config.json")), "PERMISSION_RECEIVE_SHARED_REPOS"));
  auto add =
      Sh(p.dir, "$B repo add --data hub --id hubrepo --guid g-hubrepo --uri /srv/h --shared");
  ASSERT_EQ(add.code, 0) << add.err;
  EXPECT_TRUE(Contains(add.out, "added shared repo hubrepo")) << add.out;
  ASSERT_NO_FATAL_FAILURE(p.AddLaptopOp());
  p.StartLaptop();
  EXPECT_TRUE(WaitFor([&] { return p.HubHoldsOps(1); })) << p.Logs();
  EXPECT_TRUE(WaitFor([&] {
    return Contains(Slurp(p.dir.File("laptop/config.json")), "g-hubrepo");
  })) << p.Logs();
  EXPECT_TRUE(Contains(p.laptop->log(), "repos_new=hubrepo")) << p.laptop->log();

  // Without RECEIVE_SHARED_REPOS: ops arrive, the repo does not land, the
  // refusal shows in `peers --json` and the session stays up.
  Pair q;
  ASSERT_NO_FATAL_FAILURE(
      q.Init("--grant READ_OPERATIONS:*", "RECEIVE_SHARED_REPOS:* --grant READ_OPERATIONS:*"));
  ASSERT_EQ(Sh(q.dir, "$B repo add --data hub --id hubrepo --guid g-hubrepo --shared").code, 0);
  ASSERT_NO_FATAL_FAILURE(q.AddLaptopOp());
  q.StartLaptop();
  EXPECT_TRUE(WaitFor([&] { return q.HubHoldsOps(1); })) << q.Logs();
  EXPECT_TRUE(WaitFor([&] {
    return Contains(Sh(q.dir, "$B peers --data laptop --json").out,
                    "refused the hub's set_config: host may not change repo \\\"hubrepo\\\"");
  })) << Sh(q.dir, "$B peers --data laptop --json").out
      << q.Logs();
  EXPECT_FALSE(Contains(Slurp(q.dir.File("laptop/config.json")), "g-hubrepo"));
  EXPECT_TRUE(
      Contains(Sh(q.dir, "$B peers --data laptop --json").out, "CONNECTION_STATE_CONNECTED"));
  ASSERT_NO_FATAL_FAILURE(q.AddLaptopOp());
  EXPECT_TRUE(WaitFor([&] { return q.HubHoldsOps(2); })) << q.Logs();
  EXPECT_TRUE(Contains(q.laptop->log(), "refused set_config from hub")) << q.laptop->log();
  auto metrics = Sh(q.dir, "curl -s http://" + q.laptop->address() + "/metrics");
  if (metrics.code == 0) {
    EXPECT_TRUE(Contains(metrics.out, "backrest_sync_set_config_refused_total{role=\"client\"} 1"))
        << metrics.out;
  }
}

TEST(CliDaemon, JoinReplaceDuringABackOffRedialsAtOnce) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(p.Init(""));
  const std::string token = Sh(p.dir, "$B pair new --data hub --label again").out;
  // Point the laptop at a port where nothing listens; with a 60 s retry
  // delay its next dial after the failure is a minute away.
  ASSERT_EQ(Sh(p.dir, "$B join '" + token.substr(0, token.find('\n')) +
                          "' --url http://127.0.0.1:1 --data laptop --replace")
                .code,
            0);
  p.laptop = std::make_unique<Serve>(p.dir, "laptop", "", "127.0.0.1:0", 60);
  ASSERT_TRUE(WaitFor([&] {
    return Contains(Sh(p.dir, "$B peers --data laptop --json").out, "dial http://127.0.0.1:1");
  })) << p.Logs();
  auto j = Sh(p.dir, "$B join '" + token.substr(0, token.find('\n')) + "' --url http://" +
                         p.hub->address() + " --data laptop --replace");
  ASSERT_EQ(j.code, 0) << j.err;
  EXPECT_TRUE(WaitFor([&] { return p.LaptopConnected(); }, 20)) << p.Logs();
}

TEST(CliDaemon, LogsGetLocallyAndFromAConnectedPeer) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(p.Init(""));
  // An op with a logref, and its log in the laptop's log store.
  auto add = Sh(p.dir,
                "echo '{\"repoId\":\"repo1\",\"repoGuid\":\"g-repo1\",\"planId\":\"daily\","
                "\"status\":\"STATUS_SUCCESS\",\"logref\":\"backup-log-1\"}' | "
                "$B ops add --data laptop -");
  ASSERT_EQ(add.code, 0) << add.err;
  const std::string id = JsonField(Sh(p.dir, "$B ops list --data laptop --json").out, "id");
  ASSERT_FALSE(id.empty());
  std::string content;
  for (int i = 0; i < 5000; ++i) content += "restic says line " + std::to_string(i) + "\n";
  {
    brs::store::LogStore::Options o;
    o.path = p.dir.File("laptop/logs.sqlite");
    auto logs = brs::store::LogStore::Open(o);
    ASSERT_TRUE(logs.ok()) << logs.status().ToString();
    auto w = (*logs)->Create("backup-log-1", std::stoll(id), 0);
    ASSERT_TRUE(w.ok()) << w.status().ToString();
    ASSERT_TRUE((*w)->Append(content).ok());
    ASSERT_TRUE((*w)->Close().ok());
  }
  p.StartLaptop();
  ASSERT_TRUE(WaitFor([&] { return p.LaptopConnected(); })) << p.Logs();
  auto local = Sh(p.dir, "$B logs get backup-log-1 --data laptop");
  ASSERT_EQ(local.code, 0) << local.err;
  EXPECT_EQ(local.out, content);
  // The hub fetches it over the sync stream (log transfer, > 64 KiB: chunks).
  ASSERT_GT(content.size(), 64u << 10);
  auto remote = Sh(p.dir, "$B logs get backup-log-1 --data hub --peer " + p.laptop_keyid);
  ASSERT_EQ(remote.code, 0) << remote.err << p.Logs();
  EXPECT_EQ(remote.out, content);
  // A missing log is a clear error, locally and from the peer.
  auto missing = Sh(p.dir, "$B logs get no-such-log --data laptop");
  EXPECT_EQ(missing.code, 1);
  EXPECT_TRUE(Contains(missing.err, "no-such-log")) << missing.err;
  missing = Sh(p.dir, "$B logs get no-such-log --data hub --peer " + p.laptop_keyid);
  EXPECT_EQ(missing.code, 1);
  EXPECT_FALSE(missing.err.empty());
  // The laptop asks its hub (it is the hub's client, not the other way).
  missing = Sh(p.dir, "$B logs get no-such-log --data laptop --peer " + p.hub_keyid);
  EXPECT_EQ(missing.code, 1);
  EXPECT_FALSE(Contains(missing.err, "not connected")) << missing.err;
  EXPECT_TRUE(Contains(missing.err, "not found")) << missing.err;
}

TEST(CliDaemon, CliReachesADaemonServingTls) {
  TempDir dir;
  if (Sh(dir, "command -v openssl").code != 0) GTEST_SKIP() << "openssl CLI not installed";
  // A certificate for another name than the address the CLI dials.
  ASSERT_EQ(Sh(dir,
               "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
               "-subj /CN=hub.example -keyout key.pem -out cert.pem")
                .code,
            0);
  ASSERT_EQ(Sh(dir, "$B init --data hub --instance hub").code, 0);
  Serve hub(dir, "hub", "--tls-cert cert.pem --tls-key key.pem");
  ASSERT_FALSE(hub.address().empty()) << hub.log();
  auto status = Sh(dir, "$B status --data hub --json");
  ASSERT_EQ(status.code, 0) << status.err;
  EXPECT_TRUE(Contains(status.out, "\"running\":true")) << status.out;
  auto add = Sh(dir,
                "echo '{\"repoId\":\"repo1\",\"repoGuid\":\"g1\",\"planId\":\"p\","
                "\"status\":\"STATUS_SUCCESS\"}' | $B ops add --data hub -");
  EXPECT_EQ(add.code, 0) << add.err;
  EXPECT_EQ(Sh(dir, "$B peers --data hub").code, 0);
  // Another certificate in daemon.json's place is refused: the CLI pins.
  ASSERT_EQ(Sh(dir,
               "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 "
               "-subj /CN=hub.example -keyout key2.pem -out cert2.pem && "
               "sed -i \"s#$PWD/cert.pem#$PWD/cert2.pem#\" hub/daemon.json && "
               "grep -q cert2.pem hub/daemon.json")
                .code,
            0);
  auto refused = Sh(dir, "$B status --data hub --json");
  EXPECT_TRUE(Contains(refused.out, "\"running\":false")) << refused.out;
  EXPECT_TRUE(Contains(refused.err, "TLS handshake")) << refused.err;
  EXPECT_EQ(hub.Stop(), 0);
}

}  // namespace
