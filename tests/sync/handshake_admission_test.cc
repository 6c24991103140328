// HandshakeAdmission: at most max_in_flight handshakes, then a queue in
// arrival order, then refusals (counted, logged once per interval of the
// Env's clock).
#include "sync/handshake_admission.h"

#include <gtest/gtest.h>

#include <vector>

#include "base/fake_env.h"
#include "base/metrics.h"

namespace brs::sync {
namespace {

struct Fixture {
  FakeEnv clock;
  metrics::Registry registry;
  SyncMetrics metrics{registry};
  std::vector<std::string> logged;
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
};

TEST(HandshakeAdmission, StartsUpToTheLimitThenQueuesInOrderThenRefuses) {
  Fixture f;
  AdmissionOptions o;
  o.max_in_flight = 2;
  o.max_waiting = 2;
  HandshakeAdmission a(o, f.Env());
  std::vector<int> started;
  auto start = [&](int id) { return [&started, id] { started.push_back(id); }; };
  using O = HandshakeAdmission::Outcome;
  EXPECT_EQ(a.Admit(1, start(1)), O::kStarted);
  EXPECT_EQ(a.Admit(2, start(2)), O::kStarted);
  EXPECT_EQ(a.Admit(3, start(3)), O::kQueued);
  EXPECT_EQ(a.Admit(4, start(4)), O::kQueued);
  EXPECT_EQ(a.Admit(5, start(5)), O::kRefused);
  EXPECT_EQ(started, (std::vector<int>{1, 2}));
  a.Release(2);
  a.Release(2);  // idempotent: starts one only
  EXPECT_EQ(started, (std::vector<int>{1, 2, 3}));
  a.Release(4);  // still waiting: it ended before its turn
  a.Release(1);
  EXPECT_EQ(started, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(a.in_flight(), 1u);
  EXPECT_EQ(a.waiting(), 0u);
  EXPECT_EQ(a.peak_in_flight(), 2u);
  EXPECT_EQ(f.Count("started"), 2u);
  EXPECT_EQ(f.Count("queued"), 2u);
  EXPECT_EQ(f.Count("refused"), 1u);
  EXPECT_NE(a.RefusalMessage().find("retry in 1000 ms"), std::string::npos);
}

TEST(HandshakeAdmission, RefusalsAreLoggedOncePerIntervalWithTheirCount) {
  Fixture f;
  AdmissionOptions o;
  o.max_in_flight = 1;
  o.max_waiting = 0;
  o.log_interval_ms = 10'000;
  HandshakeAdmission a(o, f.Env());
  a.Admit(1, [] {});
  for (uint64_t id = 2; id < 12; ++id) a.Admit(id, [] {});
  EXPECT_EQ(f.logged, (std::vector<std::string>{"sync stream refused 1"}));
  f.clock.Advance(Millis(10'000));
  a.Admit(12, [] {});
  EXPECT_EQ(f.logged,
            (std::vector<std::string>{"sync stream refused 1", "sync stream refused 10"}));
}

TEST(HandshakeAdmission, StartAllWaitingStartsEveryoneWhateverTheLimit) {
  Fixture f;
  AdmissionOptions o;
  o.max_in_flight = 1;
  HandshakeAdmission a(o, f.Env());
  int started = 0;
  for (uint64_t id = 1; id <= 5; ++id) a.Admit(id, [&] { ++started; });
  EXPECT_EQ(started, 1);
  a.StartAllWaiting();
  EXPECT_EQ(started, 5);
  EXPECT_EQ(a.waiting(), 0u);
}

}  // namespace
}  // namespace brs::sync
