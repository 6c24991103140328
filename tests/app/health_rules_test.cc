// The health rules (app/health_rules.h), the cron gaps behind a schedule's
// interval (app/cron_schedule.h) and the hub's health settings
// (app/health_settings.h): pure functions, driven by a fake clock.
#include "app/health_rules.h"

#include <gtest/gtest.h>

#include "app/cron_schedule.h"
#include "app/health_settings.h"
#include "base/fake_env.h"

namespace brs::app {
namespace {

using std::chrono::hours;

BackupRecord Backup(WallTime start, bool success) {
  BackupRecord r;
  r.start = start;
  r.success = success;
  r.status = success ? v1::STATUS_SUCCESS : v1::STATUS_ERROR;
  return r;
}

const HealthLimits kLimits{hours(26), hours(1)};

TEST(HealthRules, StatesFollowTheClock) {
  FakeEnv env;
  BackupSummary s;
  s.last = s.last_success = Backup(env.NowWall(), true);
  EXPECT_EQ(JudgePlanHealth(s, std::nullopt, env.NowWall(), kLimits).state, HealthState::kOk);
  env.Advance(hours(26));
  EXPECT_EQ(JudgePlanHealth(s, std::nullopt, env.NowWall(), kLimits).state, HealthState::kOk);
  env.Advance(Millis(1));
  PlanVerdict v = JudgePlanHealth(s, std::nullopt, env.NowWall(), kLimits);
  EXPECT_EQ(v.state, HealthState::kStale);
  env.Advance(hours(1));
  v = JudgePlanHealth(s, std::nullopt, env.NowWall(), kLimits);
  EXPECT_EQ(v.reason, "no backup for 1d3h (max age 1d2h)");
}

TEST(HealthRules, AgesShowTheirTwoLargestUnits) {
  EXPECT_EQ(FormatAge(0), "0s");
  EXPECT_EQ(FormatAge(59), "59s");
  EXPECT_EQ(FormatAge(90), "1m30s");
  EXPECT_EQ(FormatAge(7203), "2h");
  EXPECT_EQ(FormatAge(93661), "1d2h");
}

TEST(HealthRules, AFailureWithARecentSuccessIsAWarningThenFailing) {
  FakeEnv env;
  BackupSummary s;
  s.last_success = Backup(env.NowWall(), true);
  env.Advance(hours(20));
  s.last = Backup(env.NowWall(), false);
  PlanVerdict v = JudgePlanHealth(s, std::nullopt, env.NowWall(), kLimits);
  EXPECT_EQ(v.state, HealthState::kWarning);
  EXPECT_EQ(v.reason, "last backup failed 0s ago, last success 20h ago");
  env.Advance(hours(7));  // the success is 27 h old, the failure 7 h
  v = JudgePlanHealth(s, std::nullopt, env.NowWall(), kLimits);
  EXPECT_EQ(v.state, HealthState::kFailing);
  EXPECT_EQ(v.reason, "last backup failed 7h ago, last success 1d3h ago (max age 1d2h)");
}

TEST(HealthRules, NeverSucceededIsFailingNoBackupIsStale) {
  FakeEnv env;
  BackupSummary s;
  EXPECT_EQ(JudgePlanHealth(s, std::nullopt, env.NowWall(), kLimits).state, HealthState::kStale);
  s.last = Backup(env.NowWall(), false);
  PlanVerdict v = JudgePlanHealth(s, std::nullopt, env.NowWall(), kLimits);
  EXPECT_EQ(v.state, HealthState::kFailing);
  EXPECT_NE(v.reason.find("never succeeded"), std::string::npos);
}

TEST(HealthRules, AMissingHeartbeatWinsOverEverything) {
  FakeEnv env;
  BackupSummary s;
  s.last = s.last_success = Backup(env.NowWall(), true);
  const WallTime hb = env.NowWall();
  EXPECT_EQ(JudgePlanHealth(s, hb, env.NowWall(), kLimits).state, HealthState::kOk);
  env.Advance(hours(1));
  EXPECT_EQ(JudgePlanHealth(s, hb, env.NowWall(), kLimits).state, HealthState::kOk);
  env.Advance(Millis(1));
  PlanVerdict v = JudgePlanHealth(s, hb, env.NowWall(), kLimits);
  EXPECT_EQ(v.state, HealthState::kUnreachable);
  EXPECT_EQ(v.reason, "no heartbeat for 1h");
  EXPECT_EQ(JudgePlanHealth(s, WallFromUnixMillis(0), env.NowWall(), kLimits).reason,
            "never connected");
  // Without heartbeats (this instance) it is never unreachable.
  EXPECT_EQ(JudgePlanHealth(s, std::nullopt, env.NowWall(), kLimits).state, HealthState::kOk);
}

TEST(HealthRules, SeverityAndNames) {
  EXPECT_EQ(HealthSeverity(HealthState::kOk), 0);
  EXPECT_EQ(HealthSeverity(HealthState::kWarning), 1);
  EXPECT_EQ(HealthSeverity(HealthState::kFailing), 2);
  EXPECT_EQ(HealthSeverity(HealthState::kStale), 2);
  EXPECT_EQ(HealthSeverity(HealthState::kUnreachable), 2);
  EXPECT_EQ(HealthStateName(HealthState::kUnreachable), "unreachable");
}

v1::Operation Op(int64_t start_ms, v1::OperationStatus status, bool backup = true) {
  v1::Operation op;
  op.set_unix_time_start_ms(start_ms);
  op.set_unix_time_end_ms(start_ms + 30'000);
  op.set_status(status);
  if (backup) {
    op.mutable_operation_backup()->mutable_last_status()->mutable_summary()->set_data_added(42);
  } else {
    op.mutable_operation_index_snapshot();
  }
  return op;
}

// Feeds ops (newest first) and counts how many were read.
BackupSummary Summarize(const std::vector<v1::Operation>& ops, size_t* read) {
  size_t at = 0;
  BackupSummary s = SummarizeBackups([&](v1::Operation* op) {
    if (at == ops.size()) return false;
    *op = ops[at++];
    return true;
  });
  *read = at;
  return s;
}

TEST(HealthSummary, StopsOnceTheNewestBackupAndSuccessAreKnown) {
  std::vector<v1::Operation> ops = {
      Op(5000, v1::STATUS_INPROGRESS),     Op(4000, v1::STATUS_ERROR),
      Op(3500, v1::STATUS_SUCCESS, false), Op(3000, v1::STATUS_WARNING),
      Op(2000, v1::STATUS_SUCCESS),        Op(1000, v1::STATUS_SUCCESS)};
  size_t read = 0;
  BackupSummary s = Summarize(ops, &read);
  EXPECT_EQ(read, 4u);
  ASSERT_TRUE(s.last && s.last_success);
  EXPECT_EQ(UnixMillis(s.last->start), 4000);
  EXPECT_FALSE(s.last->success);
  EXPECT_EQ(s.last->duration_ms, 30'000);
  EXPECT_EQ(s.last->bytes_added, 42);
  EXPECT_EQ(UnixMillis(s.last_success->start), 3000);  // a WARNING backup made a snapshot
}

TEST(HealthSummary, IndexedSnapshotsCountOnlyWithoutBackups) {
  size_t read = 0;
  BackupSummary s =
      Summarize({Op(3000, v1::STATUS_SUCCESS, false), Op(2000, v1::STATUS_SUCCESS, false)}, &read);
  ASSERT_TRUE(s.last && s.last_success);
  EXPECT_EQ(UnixMillis(s.last->start), 3000);
  EXPECT_TRUE(s.last->success);
  s = Summarize({Op(3000, v1::STATUS_SUCCESS, false), Op(2000, v1::STATUS_ERROR)}, &read);
  ASSERT_TRUE(s.last);
  EXPECT_FALSE(s.last->success);
  EXPECT_FALSE(s.last_success);
}

TEST(CronSchedule, LongestGaps) {
  auto gap = [](const char* expr) {
    auto g = CronLongestGap(expr);
    EXPECT_TRUE(g.ok()) << expr << ": " << g.status().message();
    return g.ok() ? g->count() : -1;
  };
  EXPECT_EQ(gap("0 2 * * *"), 86400);
  EXPECT_EQ(gap("@daily"), 86400);
  EXPECT_EQ(gap("*/15 * * * *"), 900);
  EXPECT_EQ(gap("0 0,12 * * *"), 12 * 3600);
  EXPECT_EQ(gap("30 1 * * 1-5"), 3 * 86400);  // Friday to Monday
  EXPECT_EQ(gap("0 3 * * SUN"), 7 * 86400);
  EXPECT_EQ(gap("0 3 * * 7"), 7 * 86400);
  EXPECT_EQ(gap("0 0 1 * *"), 31 * 86400);
  EXPECT_EQ(gap("@yearly"), 366 * 86400);       // 2024 is a leap year
  EXPECT_EQ(gap("0 0 1,15 * mon"), 7 * 86400);  // both day fields: either matches
  EXPECT_EQ(gap("CRON_TZ=Europe/Paris 0 4 * * *"), 86400);
  EXPECT_EQ(gap("@every 6h"), 6 * 3600);
  EXPECT_EQ(gap("0 2-10/4 * * *"), 16 * 3600);  // 2, 6, 10
}

TEST(CronSchedule, RefusesMalformedExpressions) {
  for (const char* bad : {"", "* * * *", "61 * * * *", "0 2 * * 8", "x * * * *", "0 0 30 2 *",
                          "@sometimes", "*/0 * * * *", "5-1 * * * *"}) {
    auto g = CronLongestGap(bad);
    EXPECT_FALSE(g.ok()) << bad;
    EXPECT_EQ(g.status().code(), Code::kInvalidArgument) << bad;
  }
}

TEST(HealthRules, ScheduleIntervals) {
  v1::Schedule s;
  EXPECT_FALSE(ScheduleInterval(s));
  s.set_maxfrequencyhours(6);
  EXPECT_EQ(ScheduleInterval(s), Seconds(6 * 3600));
  s.set_maxfrequencydays(2);
  EXPECT_EQ(ScheduleInterval(s), Seconds(2 * 86400));
  s.set_cron("0 1 * * *");
  EXPECT_EQ(ScheduleInterval(s), Seconds(86400));
  s.set_cron("not cron");
  EXPECT_FALSE(ScheduleInterval(s));
  s.set_disabled(true);
  EXPECT_FALSE(ScheduleInterval(s));
}

TEST(HealthSettings, DefaultsOverridesAndErrors) {
  auto s = ParseHealthSettings("{}", "health.json");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->default_max_age, Seconds(26 * 3600));
  EXPECT_EQ(s->unreachable_after, Seconds(3600));
  s = ParseHealthSettings(R"({"defaultMaxAge":"2d","unreachableAfter":"30m","scheduleGrace":"1h",
      "overrides":[{"instance":"nas","maxAge":"8d"},{"instance":"nas","plan":"db","maxAge":"2h"},
                   {"plan":"weekly","maxAge":"9d"}]})",
                          "health.json");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->unreachable_after, Seconds(1800));
  auto age = [&](const char* inst, const char* plan, std::optional<Seconds> interval) {
    MaxAge m = PlanMaxAge(*s, inst, plan, interval);
    return std::to_string(m.value.count()) + " " + m.from;
  };
  EXPECT_EQ(age("nas", "db", std::nullopt), "7200 override");
  EXPECT_EQ(age("nas", "weekly", std::nullopt), "691200 override");  // instance beats plan
  EXPECT_EQ(age("laptop", "weekly", Seconds(3600)), "777600 override");
  EXPECT_EQ(age("laptop", "daily", Seconds(86400)), "90000 schedule");
  EXPECT_EQ(age("laptop", "daily", std::nullopt), "172800 default");

  auto bad = ParseHealthSettings(R"({"defaultMaxAge":"soon"})", "/d/health.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().rfind("/d/health.json: defaultMaxAge: ", 0), 0u)
      << bad.status().message();
  bad = ParseHealthSettings(R"({"maxAge":"1d"})", "health.json");  // unknown field
  EXPECT_FALSE(bad.ok());
  bad = ParseHealthSettings(R"({"overrides":[{"maxAge":"1d"}]})", "health.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "health.json: overrides[0] names neither an instance nor a plan");
}

}  // namespace
}  // namespace brs::app
