// `backrest-sync health` as a monitoring plugin, with the real binary:
// exit codes, the summary line with perfdata, --json, --instance,
// health.json, and the same answer through a running daemon.
#include <gtest/gtest.h>

#include <chrono>

#include "app/cli_test_util.h"

namespace {

using namespace brs::app::testing;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One backup op of plan `plan` started `ago_ms` ago, as `ops add` input.
std::string BackupJson(const std::string& plan, const std::string& status, int64_t ago_ms) {
  const int64_t start = NowMs() - ago_ms;
  return "{\"repoId\":\"repo1\",\"repoGuid\":\"g-repo1\",\"planId\":\"" + plan +
         "\",\"status\":\"" + status + "\",\"unixTimeStartMs\":\"" + std::to_string(start) +
         "\",\"unixTimeEndMs\":\"" + std::to_string(start + 60'000) +
         "\",\"operationBackup\":{\"lastStatus\":{\"summary\":{\"dataAdded\":\"1048576\"}}}}";
}

std::string FirstLine(const std::string& s) { return s.substr(0, s.find('\n')); }

constexpr int64_t kHour = 3'600'000;

TEST(CliHealth, ExitCodesFollowThePlansStates) {
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data hub --instance hub").code, 0);
  auto r = Sh(dir, "$B health --data hub");
  EXPECT_EQ(r.code, 3) << r.out << r.err;
  EXPECT_EQ(FirstLine(r.out),
            "BACKUP UNKNOWN - no instance known (no plans, no clients, no operations) | ok=0;;;0 "
            "warning=0;;;0 failing=0;;;0 stale=0;;;0 unreachable=0;;;0 no_plans=0;;;0");

  Spit(dir.File("ops.jsonl"), BackupJson("daily", "STATUS_SUCCESS", 2 * kHour) + "\n");
  ASSERT_EQ(Sh(dir, "$B ops add --data hub ops.jsonl").code, 0);
  r = Sh(dir, "$B health --data hub");
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_TRUE(Contains(FirstLine(r.out), "BACKUP OK - 1 plan on 1 instance: 1 ok, 0 warning"))
      << r.out;
  EXPECT_TRUE(Contains(FirstLine(r.out), "'hub/daily last_success_age'=72")) << r.out;
  EXPECT_TRUE(Contains(r.out,
                       "\nhub/daily: ok - last backup 2h ago; SUCCESS, took 1m, "
                       "1.0 MiB added; max age 1d2h (default); repo repo1\n"))
      << r.out;

  Spit(dir.File("ops.jsonl"), BackupJson("daily", "STATUS_ERROR", kHour) + "\n");
  ASSERT_EQ(Sh(dir, "$B ops add --data hub ops.jsonl").code, 0);
  r = Sh(dir, "$B health --data hub --json");
  EXPECT_EQ(r.code, 1) << r.out << r.err;
  EXPECT_EQ(JsonField(r.out, "status"), "WARNING") << r.out;
  EXPECT_TRUE(Contains(r.out, "\"state\":\"warning\"")) << r.out;
  EXPECT_EQ(CountLines(r.out), 1);

  // The operator's override: a success must be at most 90 minutes old.
  Spit(dir.File("hub/health.json"),
       R"({"overrides":[{"instance":"hub","plan":"daily","maxAge":"90m"}]})");
  r = Sh(dir, "$B health --data hub");
  EXPECT_EQ(r.code, 2) << r.out << r.err;
  EXPECT_TRUE(Contains(FirstLine(r.out), "BACKUP CRITICAL - ")) << r.out;
  EXPECT_TRUE(Contains(FirstLine(r.out), "; failing: hub/daily |")) << r.out;
  EXPECT_TRUE(Contains(r.out, "max age 1h30m (override)")) << r.out;

  r = Sh(dir, "$B health --data hub --instance nas");
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(r.out, "BACKUP UNKNOWN - no instance nas is known\n");
  r = Sh(dir, "$B health --data hub --instance hub");
  EXPECT_EQ(r.code, 2) << r.out;
}

TEST(CliHealth, ErrorsAreUnknown) {
  TempDir dir;
  auto r = Sh(dir, "$B health --data nowhere");
  EXPECT_EQ(r.code, 3);
  EXPECT_TRUE(Contains(r.out, "BACKUP UNKNOWN - ")) << r.out;
  EXPECT_TRUE(Contains(r.out, "backrest-sync init")) << r.out;
  ASSERT_EQ(Sh(dir, "$B init --data hub --instance hub").code, 0);
  Spit(dir.File("hub/health.json"), R"({"defaultMaxAge":"forever"})");
  r = Sh(dir, "$B health --data hub --json");
  EXPECT_EQ(r.code, 3);
  EXPECT_EQ(JsonField(r.out, "status"), "UNKNOWN");
  EXPECT_TRUE(Contains(r.out, "health.json: defaultMaxAge: ")) << r.out;
}

// A bad call of the plugin is UNKNOWN (3), not CRITICAL (2); other
// commands keep 2 for a usage error.
TEST(CliHealth, UsageErrorsAreUnknown) {
  TempDir dir;
  EXPECT_EQ(Sh(dir, "$B health --no-such-flag").code, 3);
  EXPECT_EQ(Sh(dir, "$B health --log-format xml").code, 3);
  EXPECT_EQ(Sh(dir, "$B health extra-argument").code, 3);
  EXPECT_EQ(Sh(dir, "$B status --no-such-flag").code, 2);
}

TEST(CliHealth, ThroughTheDaemonAClientsPlans) {
  TempDir dir;
  auto h = Sh(dir, "$B init --data hub --instance hub --json");
  ASSERT_EQ(h.code, 0);
  ASSERT_EQ(Sh(dir, "$B init --data laptop --instance laptop").code, 0);
  Serve hub(dir, "hub");
  auto tok = Sh(dir, "$B pair new --data hub --label laptop --grant READ_OPERATIONS:*");
  ASSERT_EQ(tok.code, 0) << tok.err;
  ASSERT_EQ(Sh(dir, "$B join '" + FirstLine(tok.out) + "' --url http://" + hub.address() +
                        " --data laptop")
                .code,
            0);
  ASSERT_EQ(Sh(dir, "$B repo add --data laptop --id repo1 --guid g-repo1 --uri /r1").code, 0);
  auto r = Sh(dir, "$B health --data hub");  // the laptop is not a client until it connects
  EXPECT_EQ(r.code, 3) << r.out << r.err;

  Spit(dir.File("ops.jsonl"), BackupJson("daily", "STATUS_SUCCESS", kHour) + "\n");
  ASSERT_EQ(Sh(dir, "$B ops add --data laptop ops.jsonl").code, 0);
  Serve laptop(dir, "laptop");
  // Not just "BACKUP OK": the laptop is a client with no plans (also OK)
  // from its handshake until its ops arrive, which under load takes a while.
  const std::string laptop_daily_ok =
      "\"instance\":\"laptop\",\"plan\":\"daily\",\"repo\":\"repo1\",\"state\":\"ok\"";
  ASSERT_TRUE(WaitFor([&] {
    r = Sh(dir, "$B health --data hub --json");
    return Contains(r.out, laptop_daily_ok);
  })) << r.out
      << hub.log();
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_EQ(JsonField(r.out, "status"), "OK") << r.out;
  EXPECT_TRUE(Contains(r.out, "\"bytes_added\":1048576")) << r.out;
  r = Sh(dir, "$B health --data hub");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(Contains(FirstLine(r.out), "BACKUP OK - 1 plan on 1 instance: 1 ok, 0 warning"))
      << r.out;

  // The same judgement on /metrics, for the alert rules of packaging/prometheus/.
  auto metrics = Sh(dir, "curl -s http://" + hub.address() + "/metrics").out;
  const std::string plan = "{backrest_instance=\"laptop\",plan=\"daily\",repo=\"repo1\"";
  EXPECT_TRUE(Contains(metrics, "backrest_sync_backup_health_state" + plan + ",state=\"ok\"} 1\n"))
      << metrics;
  EXPECT_TRUE(
      Contains(metrics, "backrest_sync_backup_health_state" + plan + ",state=\"stale\"} 0\n"));
  EXPECT_TRUE(
      Contains(metrics, "backrest_sync_backup_last_status" + plan + ",status=\"SUCCESS\"} 1\n"));
  EXPECT_TRUE(Contains(metrics, "backrest_sync_backup_max_age_seconds" + plan + "} 93600\n"));
  EXPECT_TRUE(
      Contains(metrics, "backrest_sync_backup_last_success_timestamp_seconds" + plan + "} "));
  EXPECT_TRUE(Contains(metrics,
                       "backrest_sync_instance_health_state{backrest_instance=\"laptop\","
                       "state=\"ok\"} 1\n"));
  EXPECT_TRUE(Contains(metrics,
                       "backrest_sync_instance_last_heartbeat_timestamp_seconds{"
                       "backrest_instance=\"laptop\"} "));
}

// A client that lets the hub read its config (READ_CONFIG) reports its
// plans' schedules: the hub judges "hourly" against its schedule (1 h plus
// the 2 h grace), not the 26 h default, and lists "never-ran", which has
// no ops, as stale. An instance override beats the schedule.
TEST(CliHealth, AClientsScheduleFromItsConfigSetsTheMaxAge) {
  TempDir dir;
  ASSERT_EQ(Sh(dir, "$B init --data hub --instance hub").code, 0);
  ASSERT_EQ(Sh(dir, "$B init --data laptop --instance laptop").code, 0);
  Serve hub(dir, "hub");
  auto tok = Sh(dir, "$B pair new --data hub --label laptop --grant READ_OPERATIONS:*");
  ASSERT_EQ(tok.code, 0) << tok.err;
  ASSERT_EQ(Sh(dir, "$B join '" + FirstLine(tok.out) + "' --url http://" + hub.address() +
                        " --data laptop --grant READ_OPERATIONS:* --grant READ_CONFIG:*")
                .code,
            0);
  ASSERT_EQ(Sh(dir, "$B repo add --data laptop --id repo1 --guid g-repo1 --uri /r1").code, 0);
  // Plans are edited by hand in config.json (no daemon runs yet).
  std::string config = Slurp(dir.File("laptop/config.json"));
  const auto repos = config.find("\"repos\"");
  ASSERT_NE(repos, std::string::npos) << config;
  config.insert(repos,
                "\"plans\":[{\"id\":\"hourly\",\"repo\":\"repo1\",\"schedule\":"
                "{\"maxFrequencyHours\":1}},{\"id\":\"never-ran\",\"repo\":\"repo1\","
                "\"schedule\":{\"maxFrequencyDays\":2}}],");
  Spit(dir.File("laptop/config.json"), config);
  Spit(dir.File("ops.jsonl"), BackupJson("hourly", "STATUS_SUCCESS", 4 * kHour) + "\n");
  ASSERT_EQ(Sh(dir, "$B ops add --data laptop ops.jsonl").code, 0);

  Serve laptop(dir, "laptop");
  Result r;
  const std::string hourly_stale =
      "\"instance\":\"laptop\",\"plan\":\"hourly\",\"repo\":\"repo1\",\"state\":\"stale\"";
  ASSERT_TRUE(WaitFor([&] {
    r = Sh(dir, "$B health --data hub --json");
    return Contains(r.out, hourly_stale) && Contains(r.out, "\"plan\":\"never-ran\"");
  })) << r.out
      << hub.log() << laptop.log();
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(Contains(r.out, "\"max_age_s\":10800,\"max_age_from\":\"schedule\"")) << r.out;
  EXPECT_TRUE(Contains(r.out,
                       "\"plan\":\"never-ran\",\"repo\":\"repo1\",\"state\":\"stale\","
                       "\"reason\":\"no backup yet (max age 2d2h)\""))
      << r.out;
  r = Sh(dir, "$B health --data hub");
  EXPECT_TRUE(Contains(FirstLine(r.out), "; stale: laptop/hourly laptop/never-ran |")) << r.out;

  // The operator knows better: laptop's plans may be 5 hours old.
  Spit(dir.File("hub/health.json"), R"({"overrides":[{"instance":"laptop","maxAge":"5h"}]})");
  r = Sh(dir, "$B health --data hub --json");
  EXPECT_TRUE(Contains(r.out,
                       "\"instance\":\"laptop\",\"plan\":\"hourly\",\"repo\":\"repo1\","
                       "\"state\":\"ok\""))
      << r.out;
  EXPECT_TRUE(Contains(r.out, "\"max_age_s\":18000,\"max_age_from\":\"override\"")) << r.out;
}

}  // namespace
