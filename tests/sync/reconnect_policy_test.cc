#include "sync/reconnect_policy.h"

#include <gtest/gtest.h>

#include <set>

#include "base/fake_env.h"
#include "sync/handshake_admission.h"

namespace brs::sync {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(ReconnectPolicy, FollowsBackrestSchedule) {
  ReconnectPolicy p(seconds(60));
  // A dial that failed at once: wait the rest of the retry delay.
  EXPECT_EQ(p.NextDelay(seconds(0)), seconds(60));
  EXPECT_EQ(p.attempts(), 1);
  // Failures after that add 2^attempts retry delays: 2, 4, 8, 16, 32, 32.
  EXPECT_EQ(p.NextDelay(seconds(0)), seconds(60 + 2 * 60));
  EXPECT_EQ(p.NextDelay(seconds(0)), seconds(60 + 4 * 60));
  EXPECT_EQ(p.NextDelay(seconds(0)), seconds(60 + 8 * 60));
  EXPECT_EQ(p.NextDelay(seconds(0)), seconds(60 + 16 * 60));
  EXPECT_EQ(p.NextDelay(seconds(0)), seconds(60 + 32 * 60));
  EXPECT_EQ(p.NextDelay(seconds(0)), seconds(60 + 32 * 60));
  // A session that lasted a whole retry delay resets the attempts.
  EXPECT_EQ(p.NextDelay(seconds(3600)), seconds(1));
  EXPECT_EQ(p.attempts(), 1);
}

TEST(ReconnectPolicy, NeverLessThanOneSecond) {
  ReconnectPolicy p(milliseconds(200));
  EXPECT_EQ(p.NextDelay(milliseconds(0)), seconds(1));
  ReconnectPolicy q(seconds(10));
  EXPECT_EQ(q.NextDelay(seconds(9)), seconds(1));
  EXPECT_EQ(q.NextDelay(seconds(5)), seconds(5 + 20));  // rest of 10 s + 2^1 * 10 s
}

TEST(ReconnectPolicy, ReadsTheHubsRetryHint) {
  // As the hub's admission control words it (a queue of one, full).
  FakeEnv clock;
  SyncEnv env;
  env.clock = &clock;
  HandshakeAdmission admission(
      AdmissionOptions{.max_in_flight = 1, .max_waiting = 0, .min_retry_ms = 2'500}, env);
  std::string refusal;
  admission.Admit(
      1, [] {}, nullptr);
  admission.Admit(
      2, [] {}, [&](const std::string& m) { refusal = m; });
  EXPECT_EQ(RetryHint(Unavailable(refusal)), milliseconds(2'500));
  EXPECT_EQ(RetryHint(Unavailable("x; retry in 0 ms")), milliseconds(0));
  // Only an Unavailable with the hint as the hub words it.
  EXPECT_EQ(RetryHint(Status(Code::kPermissionDenied, "retry in 5 ms")), std::nullopt);
  EXPECT_EQ(RetryHint(Unavailable("connection refused")), std::nullopt);
  EXPECT_EQ(RetryHint(Unavailable("retry in soon")), std::nullopt);
  EXPECT_EQ(RetryHint(Unavailable("retry in -5 ms")), std::nullopt);
  EXPECT_EQ(RetryHint(Unavailable("retry in 5 s")), std::nullopt);
  EXPECT_EQ(RetryHint(Unavailable("retry in 99999999999999999999 ms")), std::nullopt);
}

// The hint wins over the back-off, with jitter of at most half of it; a
// refusal for load is no failure: the attempts neither grow nor reset.
TEST(ReconnectPolicy, HonoursTheHintWithBoundedJitter) {
  const Status busy = Unavailable("hub busy; retry in 1000 ms");
  ReconnectPolicy p(seconds(60), /*jitter_seed=*/7);
  EXPECT_EQ(p.NextDelay(seconds(0), Unavailable("connection refused")), seconds(60));
  EXPECT_EQ(p.attempts(), 1);
  std::set<int64_t> seen;
  for (int i = 0; i < 200; ++i) {
    const auto d = p.NextDelay(seconds(0), busy);
    EXPECT_GE(d, milliseconds(1000));
    EXPECT_LE(d, milliseconds(1500));
    seen.insert(d.count());
  }
  EXPECT_GT(seen.size(), 50u);  // spread, not in step
  EXPECT_EQ(p.attempts(), 1);
  // The next failure backs off as the one before it would have.
  EXPECT_EQ(p.NextDelay(seconds(0), Unavailable("connection refused")), seconds(60 + 2 * 60));
}

TEST(ReconnectPolicy, TheHintIsBounded) {
  ReconnectPolicy p(seconds(60), 1);
  const auto low = p.NextDelay(seconds(0), Unavailable("retry in 0 ms"));
  EXPECT_GE(low, ReconnectPolicy::kMinHint);
  EXPECT_LE(low, ReconnectPolicy::kMinHint * 3 / 2);
  const auto high = p.NextDelay(seconds(0), Unavailable("retry in 86400000 ms"));
  EXPECT_GE(high, ReconnectPolicy::kMaxHint);
  EXPECT_LE(high, ReconnectPolicy::kMaxHint * 3 / 2);
}

// Two clients with different seeds do not come back at the same moments.
TEST(ReconnectPolicy, SeedsSpreadClients) {
  const Status busy = Unavailable("retry in 1000 ms");
  ReconnectPolicy a(seconds(60), 1), b(seconds(60), 2);
  int same = 0;
  for (int i = 0; i < 100; ++i)
    same += a.NextDelay(seconds(0), busy) == b.NextDelay(seconds(0), busy);
  EXPECT_LT(same, 10);
}

}  // namespace
}  // namespace brs::sync
