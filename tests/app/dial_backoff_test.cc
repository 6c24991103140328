// The back-off judge of the hostile-network scenario (tests/app/dial_backoff.h):
// dials made by the real ReconnectPolicy pass, whatever the sessions'
// lengths; a storm, a back-off that does not grow after failures, and one
// longer than the policy's are each caught.
#include "app/dial_backoff.h"

#include <gtest/gtest.h>

#include <random>

namespace brs::app::testing {
namespace {

using brs::testing::ConnRecord;
using Ms = std::chrono::milliseconds;

// A client with the real policy (1 s retry delay): sessions of these
// lengths, each next dial when the policy says, seen by the proxy up to
// `noise_ms` late.
std::vector<ConnRecord> Dials(const std::vector<int64_t>& lengths, int64_t noise_ms,
                              uint64_t seed) {
  std::mt19937_64 rng(seed);
  brs::sync::ReconnectPolicy policy(Ms(1000));
  std::vector<ConnRecord> out;
  int64_t t = 1'000'000;
  for (int64_t len : lengths) {
    const int64_t seen = noise_ms > 0 ? static_cast<int64_t>(rng() % noise_ms) : 0;
    ConnRecord r;
    r.accept_ms = t + seen;
    r.client_end_ms = t + len;
    out.push_back(r);
    t += len + policy.NextDelay(Ms(len)).count();
  }
  return out;
}

TEST(DialBackoff, DialsThePolicyMadePassWithTheirGrowthSeen) {
  std::mt19937_64 rng(7);
  std::vector<int64_t> lengths;
  for (int i = 0; i < 200; ++i) {
    // Failures (< 1 s) in runs, sessions that lasted, and some within the
    // slack of the retry delay (either branch).
    const int kind = static_cast<int>(rng() % 10);
    lengths.push_back(kind < 5   ? static_cast<int64_t>(rng() % 700)
                      : kind < 8 ? 1'300 + static_cast<int64_t>(rng() % 5'000)
                                 : 850 + static_cast<int64_t>(rng() % 300));
  }
  BackoffCheck c;
  const auto r = CheckBackoff(Dials(lengths, 60, 1), c);
  EXPECT_TRUE(r.ok()) << r.examples;
  EXPECT_EQ(r.dials, 200);
  EXPECT_GT(r.grown, 20) << "runs of failures, each waited out longer";
  EXPECT_LE(r.max_in_window, DialsPerWindowBound(c));
  EXPECT_EQ(DialsPerWindowBound(c), 2);
  EXPECT_EQ(r.unknown_end, 0);
}

TEST(DialBackoff, AStormIsTooSoonAndTooManyInASecond) {
  std::vector<ConnRecord> dials;
  for (int i = 0; i < 20; ++i) dials.push_back(ConnRecord{i * 300, i * 300 + 100});
  const auto r = CheckBackoff(dials, BackoffCheck{});
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.too_soon, 19);
  EXPECT_EQ(r.max_in_window, 4);
}

TEST(DialBackoff, ABackoffThatDoesNotGrowAfterFailuresIsCaught) {
  // Sessions of 200 ms, each next dial 1 s after the last ended: right
  // after one failure, too soon after the second (the policy: 3 s).
  std::vector<ConnRecord> dials;
  for (int i = 0; i < 5; ++i) dials.push_back(ConnRecord{i * 1'200, i * 1'200 + 200});
  const auto r = CheckBackoff(dials, BackoffCheck{});
  EXPECT_EQ(r.too_soon, 3) << r.examples;
  EXPECT_EQ(r.max_in_window, 1);
}

TEST(DialBackoff, AHubsRetryHintExplainsAsManyShortGapsAsItsRefusals) {
  // Two failures in a row, then two dials 600 ms apart: too soon, unless
  // the hub refused the client with a hint (then attempts stay as they
  // were: the next gap after a failure is 3 s, not 5 s).
  std::vector<ConnRecord> dials{ConnRecord{0, 200}, ConnRecord{1'200, 1'400},
                                ConnRecord{4'200, 4'300}, ConnRecord{4'800, 4'900},
                                ConnRecord{7'800, 8'000}};
  const auto strict = CheckBackoff(dials, BackoffCheck{});
  EXPECT_EQ(strict.too_soon, 2) << strict.examples;
  const auto one = CheckBackoff(dials, BackoffCheck{}, 1);
  EXPECT_EQ(one.hinted, 1);
  EXPECT_EQ(one.too_soon, 0) << one.examples;
  EXPECT_TRUE(one.ok());
}

TEST(DialBackoff, AClientsDialsAreReadFromItsPeerStateLog) {
  const std::string log =
      "2026-12-07 13:40:52.100 info  serving listen=127.0.0.1:1\n"
      "2026-12-07 13:40:52.250 info  peer state peer=\"\" keyid=k state=PENDING "
      "message=connecting\n"
      "2026-12-07 13:40:52.700 info  peer state peer=hub keyid=k state=CONNECTED "
      "message=connected\n"
      "2026-12-07 13:40:53.050 info  peer state peer=hub keyid=k state=DISCONNECTED "
      "message=\"connection reset\"\n"
      "2026-12-07 13:40:59.999 info  peer state peer=hub keyid=k state=PENDING "
      "message=connecting\n"
      "2026-12-07 13:41:00.100 warn  peer state peer=hub keyid=k state=ERROR_INTERNAL "
      "message=x\n"
      "2026-12-07 13:41:01.200 info  peer state peer=hub keyid=k state=PENDING "
      "message=connecting\n";
  const auto d = ClientDialsFromLog(log);
  ASSERT_EQ(d.size(), 3u);
  EXPECT_EQ(d[0].client_end_ms - d[0].accept_ms, 800);
  EXPECT_EQ(d[1].accept_ms - d[0].accept_ms, 7'749);
  EXPECT_EQ(d[1].client_end_ms - d[1].accept_ms, 101);
  EXPECT_EQ(d[2].accept_ms - d[1].accept_ms, 1'201);
  EXPECT_EQ(d[2].client_end_ms, -1);
}

TEST(DialBackoff, AWaitLongerThanThePolicysIsCaught) {
  // A 5 s session, then 10 s (the policy: 1 s).
  const auto r = CheckBackoff({ConnRecord{0, 5'000}, ConnRecord{15'000, 16'000}}, BackoffCheck{});
  EXPECT_EQ(r.too_late, 1) << r.examples;
  EXPECT_EQ(r.too_soon, 0);
  // Within the late slack: fine.
  const auto ok = CheckBackoff({ConnRecord{0, 5'000}, ConnRecord{7'500, 8'000}}, BackoffCheck{});
  EXPECT_TRUE(ok.ok()) << ok.examples;
}

TEST(DialBackoff, ASessionNotSeenToEndIsJudgedByItsWidestReading) {
  // The proxy never saw the first session end: it lasted anything up to
  // the next dial; 1.5 s later is what a 0.5 s session allows.
  const auto r = CheckBackoff({ConnRecord{0, -1}, ConnRecord{1'500, 2'000}}, BackoffCheck{});
  EXPECT_TRUE(r.ok()) << r.examples;
  EXPECT_EQ(r.unknown_end, 1);
}

}  // namespace
}  // namespace brs::app::testing
