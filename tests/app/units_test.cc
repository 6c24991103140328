// Pure helpers of the CLI: durations, tables, times, sizes, JSON output,
// Backrest ID rules, grants, progress line.
#include <gtest/gtest.h>

#include <sstream>

#include "app/duration.h"
#include "app/grants.h"
#include "app/id_rules.h"
#include "app/json_writer.h"
#include "app/progress.h"
#include "app/table.h"
#include "base/fake_env.h"
#include "v1/config.pb.h"

namespace brs::app {
namespace {

TEST(Duration, ParsesUnitsAndSums) {
  EXPECT_EQ(*ParseDuration("90s"), 90);
  EXPECT_EQ(*ParseDuration("30m"), 1800);
  EXPECT_EQ(*ParseDuration("24h"), 86400);
  EXPECT_EQ(*ParseDuration("7d"), 7 * 86400);
  EXPECT_EQ(*ParseDuration("2w"), 14 * 86400);
  EXPECT_EQ(*ParseDuration("1h30m"), 5400);
  EXPECT_EQ(*ParseDuration("1d1s"), 86401);
}

TEST(Duration, RefusesBadInputWithTheInputQuoted) {
  for (const char* bad : {"", "5", "5x", "h", "-5m", "1.5h", "5m ", " 5m", "0s", "0h0m",
                          "99999999999d", "3700d", "1h-"}) {
    auto d = ParseDuration(bad);
    EXPECT_FALSE(d.ok()) << bad;
    if (!d.ok() && *bad) {
      EXPECT_NE(d.status().message().find("duration"), std::string::npos) << d.status().message();
    }
  }
  EXPECT_NE(ParseDuration("5x").status().message().find("\"5x\""), std::string::npos);
}

TEST(Duration, FormatsBack) {
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatDuration(5400), "1h30m");
  EXPECT_EQ(FormatDuration(7 * 86400 + 1), "7d1s");
  for (int64_t s : {1, 59, 61, 3600, 86399, 86400 * 9 + 7}) {
    EXPECT_EQ(*ParseDuration(FormatDuration(s)), s);
  }
}

TEST(Table, AlignsColumnsWithoutTrailingSpaces) {
  Table t({"ID", "NAME", "X"});
  t.AddRow({"1", "a", "yes"});
  t.AddRow({"100", "long name", "é"});
  std::ostringstream out;
  t.Print(out);
  EXPECT_EQ(out.str(),
            "ID   NAME       X\n"
            "1    a          yes\n"
            "100  long name  é\n");
  EXPECT_EQ(t.size(), 2u);
}

TEST(Table, CountsUtf8CodePointsForWidth) {
  Table t({"A", "B"});
  t.AddRow({"∞∞", "x"});
  std::ostringstream out;
  t.Print(out);
  EXPECT_EQ(out.str(), "A   B\n∞∞  x\n");
}

TEST(Times, LocalRfc3339) {
  ::setenv("TZ", "UTC", 1);
  ::tzset();
  EXPECT_EQ(FormatLocalTime(0), "-");
  EXPECT_EQ(FormatLocalTime(1'700'000'000), "2023-11-14T22:13:20Z");
  EXPECT_EQ(FormatLocalTimeMillis(1'700'000'000'999), "2023-11-14T22:13:20Z");
  ::setenv("TZ", "CET-1", 1);
  ::tzset();
  EXPECT_EQ(FormatLocalTime(1'700'000'000), "2023-11-14T23:13:20+01:00");
  ::setenv("TZ", "<-0330>3:30", 1);
  ::tzset();
  EXPECT_EQ(FormatLocalTime(1'700'000'000), "2023-11-14T18:43:20-03:30");
  ::unsetenv("TZ");
  ::tzset();
}

TEST(Sizes, BinaryUnits) {
  EXPECT_EQ(FormatBytes(0), "0 B");
  EXPECT_EQ(FormatBytes(1023), "1023 B");
  EXPECT_EQ(FormatBytes(1536), "1.5 KiB");
  EXPECT_EQ(FormatBytes(12LL << 20), "12.0 MiB");
  EXPECT_EQ(FormatBytes(3LL << 40), "3.0 TiB");
}

TEST(JsonWriter, StableOrderAndEscapes) {
  std::string s = JsonObject()
                      .Str("b", "q\"uote\\\n\x01")
                      .Int("a", -5)
                      .Bool("t", true)
                      .Raw("l", JsonArray({"1", "\"x\""}))
                      .str();
  EXPECT_EQ(s, "{\"b\":\"q\\\"uote\\\\\\n\\u0001\",\"a\":-5,\"t\":true,\"l\":[1,\"x\"]}");
  EXPECT_EQ(JsonObject().str(), "{}");
  EXPECT_EQ(JsonArray({}), "[]");
  v1::Multihost::Permission p;
  p.set_type(v1::Multihost::Permission::PERMISSION_READ_CONFIG);
  p.add_scopes("repo:r1");
  EXPECT_EQ(ProtoToJson(p), "{\"type\":\"PERMISSION_READ_CONFIG\",\"scopes\":[\"repo:r1\"]}");
}

TEST(IdRules, BackrestIds) {
  EXPECT_TRUE(CheckBackrestId("--id", "repo-1_x.y", 0).ok());
  EXPECT_TRUE(CheckBackrestId("--id", "_leading", 0).ok());
  EXPECT_FALSE(CheckBackrestId("--id", "", 0).ok());
  EXPECT_FALSE(CheckBackrestId("--id", "a b", 0).ok());
  EXPECT_FALSE(CheckBackrestId("--id", "a/b", 0).ok());
  EXPECT_FALSE(CheckBackrestId("--id", "_reserved_", 0).ok());
  EXPECT_FALSE(CheckBackrestId("--instance", std::string(51, 'a'), kInstanceIdMaxLen).ok());
  EXPECT_TRUE(CheckBackrestId("--instance", std::string(50, 'a'), kInstanceIdMaxLen).ok());
  EXPECT_NE(CheckBackrestId("--id", "a b", 0).message().find("--id \"a b\""), std::string::npos);
}

TEST(IdRules, Guids) {
  auto g = RandomGuid();
  ASSERT_TRUE(g.ok());
  EXPECT_TRUE(IsBackrestGuid(*g));
  EXPECT_NE(*g, *RandomGuid());
  EXPECT_FALSE(IsBackrestGuid("g-repo1"));
  EXPECT_FALSE(IsBackrestGuid(std::string(64, 'A')));
  EXPECT_TRUE(IsBackrestGuid(std::string(64, 'a')));
}

TEST(Grants, DefaultIsReadOperationsEverywhere) {
  auto p = ParseGrantFlags({});
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(PermissionsText(*p), "READ_OPERATIONS:*");
}

TEST(Grants, ParsesAndShowsEachFlag) {
  auto p = ParseGrantFlags({"read-config:repo:r1,!plan:p2", "READ_OPERATIONS"});
  ASSERT_TRUE(p.ok()) << p.status().message();
  EXPECT_EQ(PermissionsText(*p), "READ_CONFIG:repo:r1,!plan:p2 READ_OPERATIONS");
}

TEST(Grants, NamesTheFlagThatDoesNotParse) {
  for (const char* bad : {"READ_EVERYTHING", "read-config:bogus:b", "", ":*", "read-config:"}) {
    auto p = ParseGrantFlags({"read-operations:*", bad});
    ASSERT_FALSE(p.ok()) << bad;
    EXPECT_NE(p.status().message().find("--grant"), std::string::npos) << p.status().message();
  }
}

TEST(Progress, AtMostOncePerSecondAndOnlyWhenForcedOrATty) {
  FakeEnv clock;
  std::ostringstream err;
  {
    ProgressLine p(err, "importing", "snapshots", 100, /*force=*/true, clock);
    ASSERT_TRUE(p.enabled());
    p.Update(10);
    EXPECT_EQ(p.lines(), 0);
    clock.Advance(Millis(999));
    p.Update(20);
    EXPECT_EQ(p.lines(), 0);
    clock.Advance(Millis(1));
    p.Update(30);
    EXPECT_EQ(p.lines(), 1);
    p.Update(40);
    EXPECT_EQ(p.lines(), 1);
    clock.Advance(Millis(5000));
    p.Update(100);
    EXPECT_EQ(p.lines(), 2);
    p.Finish();
    p.Finish();
    EXPECT_EQ(p.lines(), 3);
  }
  EXPECT_EQ(err.str(),
            "\rimporting: 30/100 snapshots (30%)\rimporting: 100/100 snapshots (100%)"
            "\rimporting: 100/100 snapshots (100%)\n");
  if (!::isatty(2)) {
    std::ostringstream quiet;
    ProgressLine p(quiet, "importing", "snapshots", 10, /*force=*/false, clock);
    EXPECT_FALSE(p.enabled());
    clock.Advance(Millis(10000));
    p.Update(10);
    p.Finish();
    EXPECT_EQ(quiet.str(), "");
  }
}

}  // namespace
}  // namespace brs::app
