// HandshakeAdmission: at most max_in_flight handshakes, then a queue in
// arrival order as long as the expected wait (from the measured
// throughput) is at most max_wait_ms, then refusals with a retry hint, a
// slot of their own each (counted, logged once per interval of the Env's
// clock).
#include "sync/handshake_admission.h"

#include <gtest/gtest.h>

#include <vector>

#include "base/fake_env.h"
#include "base/metrics.h"
#include "sync/reconnect_policy.h"

namespace brs::sync {
namespace {

struct Fixture {
  FakeEnv clock;
  metrics::Registry registry;
  SyncMetrics metrics{registry};
  std::vector<std::string> logged;
  std::vector<int> started;
  // Refusals' retry hints, by id.
  std::vector<std::pair<int, int64_t>> refused;
  SyncEnv Env() {
    SyncEnv e;
    e.clock = &clock;
    e.metrics = &metrics;
    e.audit = [this](std::string_view event, bool, const AuditFields& fields) {
      logged.push_back(std::string(event) + " " + fields[1].second);
    };
    return e;
  }
  uint64_t Count(const char* outcome) { return metrics.admission.With({outcome}).Value(); }
  HandshakeAdmission::Outcome Admit(HandshakeAdmission& a, int id) {
    return a.Admit(
        id, [this, id] { started.push_back(id); },
        [this, id](const std::string& m) {
          auto hint = RetryHint(Unavailable(m));
          refused.emplace_back(id, hint ? hint->count() : -1);
        });
  }
};

using O = HandshakeAdmission::Outcome;

TEST(HandshakeAdmission, StartsUpToTheLimitThenQueuesInOrderThenRefuses) {
  Fixture f;
  AdmissionOptions o;
  o.max_in_flight = 2;
  o.max_waiting = 2;
  HandshakeAdmission a(o, f.Env());
  EXPECT_EQ(f.Admit(a, 1), O::kStarted);
  EXPECT_EQ(f.Admit(a, 2), O::kStarted);
  EXPECT_EQ(f.Admit(a, 3), O::kQueued);
  EXPECT_EQ(f.Admit(a, 4), O::kQueued);
  EXPECT_EQ(f.Admit(a, 5), O::kRefused);
  EXPECT_EQ(f.started, (std::vector<int>{1, 2}));
  ASSERT_EQ(f.refused.size(), 1u);
  EXPECT_EQ(f.refused[0].first, 5);
  EXPECT_GE(f.refused[0].second, o.min_retry_ms);  // with a hint a client can read
  a.Release(2);
  a.Release(2);  // idempotent: starts one only
  EXPECT_EQ(f.started, (std::vector<int>{1, 2, 3}));
  a.Release(4);  // still waiting: it ended before its turn
  a.Release(1);
  EXPECT_EQ(f.started, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(a.in_flight(), 1u);
  EXPECT_EQ(a.waiting(), 0u);
  EXPECT_EQ(a.peak_in_flight(), 2u);
  EXPECT_EQ(f.Count("started"), 2u);
  EXPECT_EQ(f.Count("queued"), 2u);
  EXPECT_EQ(f.Count("refused"), 1u);
}

// With a measured throughput of 10 handshakes a second and at most 1 s of
// waiting, the queue holds 10; the refused get slots 100 ms apart behind
// it, so that they come back at the pace the hub serves them.
TEST(HandshakeAdmission, QueuesWhatTheMeasuredRateServesInTimeAndSpreadsTheRest) {
  Fixture f;
  AdmissionOptions o;
  o.max_in_flight = 1;
  o.max_wait_ms = 1'000;
  o.min_retry_ms = 0;
  o.initial_rate_per_s = 1'000'000;  // before a measurement: queue everyone
  HandshakeAdmission a(o, f.Env());
  int id = 0;
  EXPECT_EQ(f.Admit(a, ++id), O::kStarted);  // 1
  EXPECT_EQ(f.Admit(a, ++id), O::kQueued);   // 2
  // 10 per second: one done every 100 ms while another waits.
  for (int done = 1; done <= 16; ++done) {
    f.clock.Advance(Millis(100));
    a.Release(done);
    EXPECT_EQ(f.Admit(a, ++id), O::kQueued);
  }
  EXPECT_NEAR(a.rate_per_s(), 10.0, 0.01);
  EXPECT_EQ(a.waiting(), 1u);
  EXPECT_TRUE(f.refused.empty());
  // Nine more fit in 1 s of waiting; the rest are refused.
  std::vector<O> outcomes;
  const int first = id + 1;
  for (int i = 0; i < 12; ++i) outcomes.push_back(f.Admit(a, ++id));
  std::vector<O> expected(9, O::kQueued);
  expected.resize(12, O::kRefused);
  EXPECT_EQ(outcomes, expected);
  EXPECT_EQ(a.waiting(), 10u);
  ASSERT_EQ(f.refused.size(), 3u);
  // Behind the ten waiting (1 s), then 100 ms apart.
  EXPECT_EQ(f.refused[0], std::make_pair(first + 9, int64_t{1'000}));
  EXPECT_EQ(f.refused[1], std::make_pair(first + 10, int64_t{1'100}));
  EXPECT_EQ(f.refused[2], std::make_pair(first + 11, int64_t{1'200}));
}

// A stream whose turn has not come within max_wait_ms (the rate fell) is
// refused when its turn comes, instead of starting a key exchange its
// client may have given up on; it is never started.
TEST(HandshakeAdmission, ThoseThatWaitedTooLongAreRefusedNotStarted) {
  Fixture f;
  AdmissionOptions o;
  o.max_in_flight = 1;
  o.max_wait_ms = 1'000;
  o.min_retry_ms = 0;
  HandshakeAdmission a(o, f.Env());
  EXPECT_EQ(f.Admit(a, 1), O::kStarted);
  EXPECT_EQ(f.Admit(a, 2), O::kQueued);
  EXPECT_EQ(f.Admit(a, 3), O::kQueued);
  f.clock.Advance(Millis(600));
  EXPECT_EQ(f.Admit(a, 4), O::kQueued);
  f.clock.Advance(Millis(500));  // 2 and 3 waited 1.1 s, 4 0.5 s
  a.Release(1);
  EXPECT_EQ(f.started, (std::vector<int>{1, 4}));
  ASSERT_EQ(f.refused.size(), 2u);
  EXPECT_EQ(f.refused[0].first, 2);
  EXPECT_EQ(f.refused[1].first, 3);
  EXPECT_EQ(a.waiting(), 0u);
  // Nothing released for long: an arrival expires the old ones too.
  EXPECT_EQ(f.Admit(a, 5), O::kQueued);
  f.clock.Advance(Millis(1'001));
  EXPECT_EQ(f.Admit(a, 6), O::kQueued);
  EXPECT_EQ(f.refused.size(), 3u);
  EXPECT_EQ(f.refused[2].first, 5);
  EXPECT_EQ(f.Count("refused"), 3u);
  a.Release(5);  // refused: no longer waiting, nothing to drop
  a.Release(4);
  EXPECT_EQ(f.started, (std::vector<int>{1, 4, 6}));
}

TEST(HandshakeAdmission, RefusalsAreLoggedOncePerIntervalWithTheirCount) {
  Fixture f;
  AdmissionOptions o;
  o.max_in_flight = 1;
  o.max_waiting = 0;
  o.log_interval_ms = 10'000;
  HandshakeAdmission a(o, f.Env());
  f.Admit(a, 1);
  for (int id = 2; id < 12; ++id) f.Admit(a, id);
  EXPECT_EQ(f.logged, (std::vector<std::string>{"sync stream refused 1"}));
  f.clock.Advance(Millis(10'000));
  f.Admit(a, 12);
  EXPECT_EQ(f.logged,
            (std::vector<std::string>{"sync stream refused 1", "sync stream refused 10"}));
  EXPECT_EQ(f.refused.size(), 11u);
}

TEST(HandshakeAdmission, StartAllWaitingStartsEveryoneWhateverTheLimit) {
  Fixture f;
  AdmissionOptions o;
  o.max_in_flight = 1;
  HandshakeAdmission a(o, f.Env());
  for (int id = 1; id <= 5; ++id) f.Admit(a, id);
  EXPECT_EQ(f.started.size(), 1u);
  a.StartAllWaiting();
  EXPECT_EQ(f.started.size(), 5u);
  EXPECT_EQ(a.waiting(), 0u);
}

}  // namespace
}  // namespace brs::sync
