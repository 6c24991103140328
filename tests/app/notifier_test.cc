// Webhook notifications of health transitions (app/notifier.h) against a
// real local receiver (webhook_receiver.h), on a fake clock: Step is
// synchronous, so "nothing was sent" is read right after a Step, no sleeps.
#include "app/notifier.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <mutex>

#include "app/cli_test_util.h"
#include "app/webhook_receiver.h"
#include "base/fake_env.h"

namespace brs::app {
namespace {

using testing::ReceivedRequest;
using testing::Slurp;
using testing::Spit;
using testing::TempDir;
using testing::WebhookReceiver;

struct PlanSpec {
  std::string instance, plan, repo;
  health::v1::HealthState state;
};

// What the health model would say; the test moves it.
class FakeHealth {
 public:
  void Set(const std::string& instance, const std::string& plan, health::v1::HealthState s) {
    std::lock_guard lock(mu_);
    for (auto& p : plans_) {
      if (p.instance == instance && p.plan == plan) {
        p.state = s;
        return;
      }
    }
    plans_.push_back({instance, plan, "repo-" + plan, s});
  }
  void SetInstance(const std::string& instance, health::v1::HealthState s) {
    std::lock_guard lock(mu_);
    instances_[instance] = s;
  }
  StatusOr<health::v1::HealthReport> Report(const Env& env) {
    std::lock_guard lock(mu_);
    health::v1::HealthReport r;
    r.set_now_ms(UnixMillis(env.NowWall()));
    for (const auto& [id, s] : instances_) {
      auto* i = r.add_instances();
      i->set_instance_id(id);
      i->set_state(s);
      i->set_last_heartbeat_ms(r.now_ms() - 7'200'000);
    }
    for (const auto& p : plans_) {
      auto* ph = r.add_plans();
      ph->set_instance_id(p.instance);
      ph->set_plan_id(p.plan);
      ph->set_repo_id(p.repo);
      ph->set_state(p.state);
      ph->set_reason("because " + NotifyStateName(p.state));
    }
    return r;
  }

 private:
  std::mutex mu_;
  std::vector<PlanSpec> plans_;
  std::map<std::string, health::v1::HealthState> instances_;
};

class NotifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Spit(dir_.File("hook.token"), "s3cret-token\n");
    ::chmod(dir_.File("hook.token").c_str(), 0600);
  }

  // health.json with one target at `url` and the given extra settings.
  void WriteSettings(const std::string& url, const std::string& target_extra = "",
                     int max_attempts = 6) {
    Spit(dir_.File("health.json"),
         "{\"notifications\":{\"evaluateEvery\":\"1m\",\"initialBackoff\":\"10s\","
         "\"maxBackoff\":\"40s\",\"maxAttempts\":" +
             std::to_string(max_attempts) + ",\"webhooks\":[{\"name\":\"ops\",\"url\":\"" + url +
             "\",\"bearerTokenFile\":\"hook.token\",\"timeout\":\"5s\"" + target_extra + "}]}}");
  }

  std::unique_ptr<Notifier> Open() {
    NotifierOptions o;
    o.dir = DataDir{dir_.path()};
    o.env = &env_;
    o.registry = &registry_;
    o.jitter_seed = 42;
    o.report = [this] { return health_.Report(env_); };
    auto n = Notifier::Open(std::move(o));
    EXPECT_TRUE(n.ok()) << n.status().ToString();
    return n.ok() ? std::move(*n) : nullptr;
  }

  // Moves the clock past the next evaluation and steps.
  void NextEvaluation(Notifier& n) {
    env_.Advance(std::chrono::minutes(1));
    n.Step();
  }

  std::string Metric(const std::string& series) {
    const std::string text = "\n" + registry_.Render();
    auto p = text.find("\n" + series + " ");
    if (p == std::string::npos) return "absent";
    p += series.size() + 2;
    return text.substr(p, text.find('\n', p) - p);
  }

  TempDir dir_;
  FakeEnv env_;
  metrics::Registry registry_;
  FakeHealth health_;
};

std::string Field(const ReceivedRequest& r, const std::string& key) {
  return testing::JsonField(r.body, key);
}

TEST_F(NotifierTest, EachTransitionDeliveredOnceWithBodyAndBearer) {
  WebhookReceiver rx;
  WriteSettings(rx.url());
  health_.SetInstance("host-a", health::v1::HEALTH_OK);
  health_.Set("host-a", "daily", health::v1::HEALTH_OK);
  auto n = Open();
  ASSERT_TRUE(n);
  n->Step();  // the baseline: nothing sent
  EXPECT_EQ(rx.count(), 0u);

  health_.Set("host-a", "daily", health::v1::HEALTH_STALE);
  n->Step();  // not yet due for an evaluation
  EXPECT_EQ(rx.count(), 0u);
  NextEvaluation(*n);
  ASSERT_EQ(rx.count(), 1u);
  ReceivedRequest r = rx.requests()[0];
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.target, "/hook");
  EXPECT_EQ(r.headers["authorization"], "Bearer s3cret-token");
  EXPECT_EQ(r.headers["content-type"], "application/json");
  EXPECT_EQ(r.headers["idempotency-key"], Field(r, "eventId"));
  EXPECT_EQ(Field(r, "eventId").size(), 32u);
  EXPECT_EQ(Field(r, "instance"), "host-a");
  EXPECT_EQ(Field(r, "plan"), "daily");
  EXPECT_EQ(Field(r, "repo"), "repo-daily");
  EXPECT_EQ(Field(r, "from"), "ok");
  EXPECT_EQ(Field(r, "to"), "stale");
  EXPECT_EQ(Field(r, "time"), "2023-11-14T22:14:20Z");  // the fake wall clock + 1 min
  EXPECT_EQ(Field(r, "summary"), "host-a/daily: ok -> stale: because stale");

  // The same state again: nothing more.
  NextEvaluation(*n);
  NextEvaluation(*n);
  EXPECT_EQ(rx.count(), 1u);

  // Recovered, and the instance went unreachable: one event each.
  health_.Set("host-a", "daily", health::v1::HEALTH_OK);
  health_.SetInstance("host-a", health::v1::HEALTH_UNREACHABLE);
  NextEvaluation(*n);
  NextEvaluation(*n);
  auto all = rx.requests();
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(Field(all[1], "plan"), "");
  EXPECT_EQ(Field(all[1], "to"), "unreachable");
  EXPECT_EQ(Field(all[1], "summary"), "instance host-a: ok -> unreachable: no heartbeat for 2h");
  EXPECT_EQ(Field(all[2], "from"), "stale");
  EXPECT_EQ(Field(all[2], "to"), "ok");
  EXPECT_NE(Field(all[0], "eventId"), Field(all[2], "eventId"));
  EXPECT_EQ(Metric("backrest_sync_webhook_deliveries_total{target=\"ops\",outcome=\"delivered\"}"),
            "3");
  EXPECT_EQ(Metric("backrest_sync_webhook_queue_depth"), "0");
}

TEST_F(NotifierTest, ReceiverDownThenBackDeliversOnceAfterBackoff) {
  WebhookReceiver rx;
  rx.SetStatus(503);
  WriteSettings(rx.url());
  health_.Set("host-a", "daily", health::v1::HEALTH_OK);
  auto n = Open();
  ASSERT_TRUE(n);
  n->Step();
  health_.Set("host-a", "daily", health::v1::HEALTH_FAILING);
  NextEvaluation(*n);
  ASSERT_EQ(rx.count(), 1u);  // try 1: 503
  EXPECT_EQ(Metric("backrest_sync_webhook_queue_depth"), "1");

  // Back-off 10 s (jitter: 8 to 10 s), then 20 s (16 to 20 s).
  env_.Advance(std::chrono::milliseconds(7'900));
  n->Step();
  EXPECT_EQ(rx.count(), 1u);
  env_.Advance(std::chrono::milliseconds(2'100));
  n->Step();
  ASSERT_EQ(rx.count(), 2u);  // try 2
  env_.Advance(std::chrono::milliseconds(15'900));
  n->Step();
  EXPECT_EQ(rx.count(), 2u);
  env_.Advance(std::chrono::milliseconds(4'100));
  n->Step();
  ASSERT_EQ(rx.count(), 3u);  // try 3

  rx.SetStatus(204);  // back up
  env_.Advance(std::chrono::seconds(40));
  n->Step();
  ASSERT_EQ(rx.count(), 4u);  // delivered
  for (int i = 0; i < 5; ++i) NextEvaluation(*n);
  auto all = rx.requests();
  ASSERT_EQ(all.size(), 4u);  // no duplicates after the 2xx
  for (const auto& r : all) {
    EXPECT_EQ(r.headers.at("idempotency-key"), Field(all[0], "eventId"));
    EXPECT_EQ(Field(r, "to"), "failing");
  }
  EXPECT_EQ(Metric("backrest_sync_webhook_deliveries_total{target=\"ops\",outcome=\"retry\"}"),
            "3");
  EXPECT_EQ(Metric("backrest_sync_webhook_deliveries_total{target=\"ops\",outcome=\"delivered\"}"),
            "1");
  EXPECT_EQ(Metric("backrest_sync_webhook_queue_depth"), "0");
}

// A slow receiver (each POST takes a minute of the fake clock) does not
// hold up the evaluations: once one is due, delivery stops until the next
// Step has evaluated, so a recovery during the first POST is detected (and
// timed) at once, not after the whole queue was sent.
TEST_F(NotifierTest, SlowReceiverDoesNotDelayTheNextEvaluation) {
  WebhookReceiver rx;
  WriteSettings(rx.url());
  for (const char* plan : {"a", "b", "c"}) health_.Set("host-a", plan, health::v1::HEALTH_OK);
  auto n = Open();
  ASSERT_TRUE(n);
  n->Step();  // the baseline, at 22:13:20
  for (const char* plan : {"a", "b", "c"}) health_.Set("host-a", plan, health::v1::HEALTH_STALE);
  bool first = true;
  rx.OnRequest([&] {
    env_.Advance(std::chrono::minutes(1));
    if (first) health_.Set("host-a", "a", health::v1::HEALTH_OK);  // recovered meanwhile
    first = false;
  });
  NextEvaluation(*n);  // three events at 22:14:20; the first POST ends at 22:15:20
  EXPECT_EQ(rx.count(), 1u);
  n->Step();  // due: evaluates (a recovered) before the next POST
  EXPECT_EQ(rx.count(), 2u);
  for (int i = 0; i < 4; ++i) n->Step();
  auto all = rx.requests();
  ASSERT_EQ(all.size(), 4u);
  std::vector<std::string> seen;
  for (const auto& r : all) seen.push_back(Field(r, "plan") + ">" + Field(r, "to"));
  EXPECT_EQ(seen, (std::vector<std::string>{"a>stale", "b>stale", "c>stale", "a>ok"}));
  EXPECT_EQ(Field(all[0], "time"), "2023-11-14T22:14:20Z");
  EXPECT_EQ(Field(all[3], "time"), "2023-11-14T22:15:20Z");  // not after the two other POSTs
  EXPECT_EQ(Metric("backrest_sync_webhook_queue_depth"), "0");
}

// Stop (the daemon's SIGTERM) abandons a POST the receiver does not answer
// instead of waiting out its 5 min timeout; the event stays pending, its
// try not counted, and the next run sends it with the same key.
TEST_F(NotifierTest, StopAbandonsAPostInFlightAndKeepsTheEvent) {
  WebhookReceiver rx;
  Spit(dir_.File("health.json"), "{\"notifications\":{\"webhooks\":[{\"name\":\"ops\",\"url\":\"" +
                                     rx.url() + "\",\"timeout\":\"5m\"}]}}");
  health_.Set("host-a", "daily", health::v1::HEALTH_OK);
  auto n = Open();
  ASSERT_TRUE(n);
  n->Step();  // the baseline
  health_.Set("host-a", "daily", health::v1::HEALTH_STALE);
  env_.Advance(std::chrono::minutes(1));
  rx.Hold();
  n->Start();
  ASSERT_TRUE(testing::WaitFor([&] { return rx.count() == 1; }));
  const auto t = std::chrono::steady_clock::now();
  n->Stop();
  // Far below the timeout even on a loaded machine (it takes ~50 ms).
  EXPECT_LT(std::chrono::steady_clock::now() - t, std::chrono::seconds(60));
  EXPECT_EQ(Metric("backrest_sync_webhook_queue_depth"), "1");
  EXPECT_EQ(Metric("backrest_sync_webhook_deliveries_total{target=\"ops\",outcome=\"retry\"}"),
            "absent");
  rx.Release();
  n.reset();

  auto again = Open();
  ASSERT_TRUE(again);
  again->Step();
  auto all = rx.requests();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].headers["idempotency-key"], all[0].headers["idempotency-key"]);
  EXPECT_EQ(all[1].body, all[0].body);
  EXPECT_EQ(Metric("backrest_sync_webhook_queue_depth"), "0");
}

TEST_F(NotifierTest, GivesUpAfterMaxAttemptsAndKeepsTheEvent) {
  WebhookReceiver rx;
  rx.SetStatus(500);
  WriteSettings(rx.url(), "", 3);
  health_.Set("host-a", "daily", health::v1::HEALTH_OK);
  auto n = Open();
  ASSERT_TRUE(n);
  n->Step();
  health_.Set("host-a", "daily", health::v1::HEALTH_STALE);
  NextEvaluation(*n);
  for (int i = 0; i < 6; ++i) {
    env_.Advance(std::chrono::seconds(40));
    n->Step();
  }
  EXPECT_EQ(rx.count(), 3u);
  EXPECT_EQ(Metric("backrest_sync_webhook_deliveries_total{target=\"ops\",outcome=\"failed\"}"),
            "1");
  EXPECT_EQ(Metric("backrest_sync_webhook_failed_events"), "1");
  EXPECT_EQ(Metric("backrest_sync_webhook_queue_depth"), "0");
}

TEST_F(NotifierTest, RestartBetweenEnqueueAndDeliveryAndTransitionsWhileDown) {
  int port;
  {
    WebhookReceiver probe;  // a free port, then closed: connections are refused
    port = probe.port();
  }
  WriteSettings("http://127.0.0.1:" + std::to_string(port) + "/hook");
  health_.Set("host-a", "daily", health::v1::HEALTH_OK);
  health_.Set("host-b", "weekly", health::v1::HEALTH_OK);
  std::string queued_id;
  {
    auto n = Open();
    ASSERT_TRUE(n);
    n->Step();
    health_.Set("host-a", "daily", health::v1::HEALTH_STALE);
    NextEvaluation(*n);  // enqueued, the first try refused
    EXPECT_EQ(Metric("backrest_sync_webhook_queue_depth"), "1");
    EXPECT_EQ(Metric("backrest_sync_webhook_deliveries_total{target=\"ops\",outcome=\"retry\"}"),
              "1");
  }  // the notifier stops (the daemon restarts)
  // While it is down, another plan fails.
  health_.Set("host-b", "weekly", health::v1::HEALTH_FAILING);
  env_.Advance(std::chrono::minutes(5));
  WebhookReceiver rx(port);
  ASSERT_EQ(rx.port(), port);
  {
    auto n = Open();
    ASSERT_TRUE(n);
    n->Step();
    NextEvaluation(*n);
    NextEvaluation(*n);
  }
  auto all = rx.requests();
  ASSERT_EQ(all.size(), 2u);
  std::map<std::string, std::string> to_by_plan;
  for (const auto& r : all) to_by_plan[Field(r, "plan")] = Field(r, "from") + ">" + Field(r, "to");
  EXPECT_EQ(to_by_plan["daily"], "ok>stale");
  EXPECT_EQ(to_by_plan["weekly"], "ok>failing");
  EXPECT_NE(Field(all[0], "eventId"), Field(all[1], "eventId"));
  // A third start sends nothing again.
  {
    auto n = Open();
    ASSERT_TRUE(n);
    n->Step();
    NextEvaluation(*n);
  }
  EXPECT_EQ(rx.count(), 2u);
}

TEST_F(NotifierTest, FirstEvaluationIsABaselineAndNewKeysReportOnlyBadStates) {
  WebhookReceiver rx;
  WriteSettings(rx.url());
  health_.Set("host-a", "daily", health::v1::HEALTH_STALE);
  health_.Set("host-a", "hourly", health::v1::HEALTH_OK);
  auto n = Open();
  ASSERT_TRUE(n);
  n->Step();
  EXPECT_EQ(rx.count(), 0u);  // no flood on a fresh hub, whatever the states
  health_.Set("host-c", "new-ok", health::v1::HEALTH_OK);
  health_.Set("host-c", "new-failing", health::v1::HEALTH_FAILING);
  NextEvaluation(*n);
  auto all = rx.requests();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(Field(all[0], "plan"), "new-failing");
  EXPECT_EQ(Field(all[0], "from"), "none");

  // Notifications off, then on again: a fresh baseline.
  Spit(dir_.File("health.json"), "{}");
  NextEvaluation(*n);
  health_.Set("host-a", "hourly", health::v1::HEALTH_FAILING);
  WriteSettings(rx.url());
  NextEvaluation(*n);
  EXPECT_EQ(rx.count(), 1u);
  health_.Set("host-a", "hourly", health::v1::HEALTH_OK);
  NextEvaluation(*n);
  EXPECT_EQ(rx.count(), 2u);
}

TEST_F(NotifierTest, TargetsGetOnlyTheStatesTheyList) {
  WebhookReceiver rx;
  WriteSettings(rx.url(), ",\"states\":[\"stale\",\"unreachable\"]");
  health_.Set("host-a", "daily", health::v1::HEALTH_OK);
  auto n = Open();
  ASSERT_TRUE(n);
  n->Step();
  health_.Set("host-a", "daily", health::v1::HEALTH_WARNING);
  NextEvaluation(*n);
  health_.Set("host-a", "daily", health::v1::HEALTH_STALE);
  NextEvaluation(*n);
  health_.Set("host-a", "daily", health::v1::HEALTH_OK);
  NextEvaluation(*n);
  auto all = rx.requests();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_EQ(Field(all[0], "from"), "warning");
  EXPECT_EQ(Field(all[0], "to"), "stale");
}

TEST_F(NotifierTest, TlsReceiverVerifiedAgainstTheGivenCa) {
  ASSERT_TRUE(testing::WriteTestCert(dir_.File("rx.pem"), dir_.File("rx.key")));
  WebhookReceiver rx(0, dir_.File("rx.pem"), dir_.File("rx.key"));
  Spit(dir_.File("health.json"),
       "{\"notifications\":{\"webhooks\":["
       "{\"name\":\"trusted\",\"url\":\"" +
           rx.url() +
           "\",\"caFile\":\"rx.pem\"},"
           "{\"name\":\"system-cas\",\"url\":\"" +
           rx.url() + "\"}]}}");
  health_.Set("host-a", "daily", health::v1::HEALTH_OK);
  auto n = Open();
  ASSERT_TRUE(n);
  n->Step();
  health_.Set("host-a", "daily", health::v1::HEALTH_STALE);
  NextEvaluation(*n);
  // Only the target that trusts the test CA got through; the other one's
  // handshake failed its certificate check.
  ASSERT_EQ(rx.count(), 1u);
  EXPECT_EQ(testing::JsonField(rx.requests()[0].body, "to"), "stale");
  EXPECT_EQ(rx.requests()[0].headers.count("authorization"), 0u);
  EXPECT_EQ(
      Metric("backrest_sync_webhook_deliveries_total{target=\"trusted\",outcome=\"delivered\"}"),
      "1");
  EXPECT_EQ(
      Metric("backrest_sync_webhook_deliveries_total{target=\"system-cas\",outcome=\"retry\"}"),
      "1");
}

// health.json's notifications refused with the file and the reason.
TEST(NotifySettings, BadConfigRefusedNamingTheFile) {
  TempDir dir;
  const DataDir d{dir.path()};
  Spit(dir.File("ok.token"), "tok\n");
  ::chmod(dir.File("ok.token").c_str(), 0600);
  Spit(dir.File("open.token"), "tok-visible\n");
  ::chmod(dir.File("open.token").c_str(), 0644);
  Spit(dir.File("spaced.token"), "tok en\n");
  ::chmod(dir.File("spaced.token").c_str(), 0600);
  auto hook = [](const std::string& body) {
    return "{\"notifications\":{\"webhooks\":[{" + body + "}]}}";
  };
  const std::string url = "\"url\":\"https://hooks.example/x\"";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {hook("\"name\":\"a\",\"url\":\"ftp://h/x\""), "http:// or https://"},
      {hook("\"name\":\"a\",\"url\":\"http://u:p@h/x\""), "user info"},
      {hook("\"name\":\"a\",\"url\":\"http://h:99999/\""), "bad port"},
      {hook("\"name\":\"A b\"," + url), ".name must be"},
      {hook("\"name\":\"a\"," + url + ",\"states\":[\"broken\"]"), "unknown state \"broken\""},
      {hook("\"name\":\"a\"," + url + ",\"timeout\":\"soon\""), "webhooks[0].timeout"},
      {hook("\"name\":\"a\"," + url + ",\"bearerTokenFile\":\"open.token\""),
       "has mode 0644; a token file must be readable by its owner only"},
      {hook("\"name\":\"a\"," + url + ",\"bearerTokenFile\":\"missing.token\""),
       "missing.token: No such file"},
      {hook("\"name\":\"a\"," + url + ",\"bearerTokenFile\":\"spaced.token\""),
       "one token without spaces"},
      {hook("\"name\":\"a\"," + url + ",\"secret\":\"x\""), "secret"},
      {"{\"notifications\":{\"webhooks\":[{\"name\":\"a\"," + url + "},{\"name\":\"a\"," + url +
           "}]}}",
       "\"a\" is used twice"},
      {"{\"notifications\":{\"initialBackoff\":\"1h\",\"maxBackoff\":\"1m\"}}",
       "maxBackoff is shorter"},
      {"{\"notifications\":{\"maxAttempts\":1000}}", "maxAttempts must be"},
      {hook("\"name\":\"a\"," + url + ",\"timeout\":\"1h\""),
       "webhooks[0].timeout must be between 1s and 5m"},
      {"{\"notifications\":{\"evaluateEvery\":\"2d\"}}", "evaluateEvery must be between"},
      {"{\"notifications\":{\"maxBackoff\":\"30d\"}}", "maxBackoff must be between"},
  };
  for (const auto& [json, want] : cases) {
    Spit(dir.File("health.json"), json);
    auto s = LoadNotifySettings(d);
    ASSERT_FALSE(s.ok()) << json;
    EXPECT_EQ(s.status().code(), Code::kInvalidArgument) << json;
    EXPECT_NE(s.status().message().find(dir.File("health.json")), std::string::npos)
        << s.status().message();
    EXPECT_NE(s.status().message().find(want), std::string::npos)
        << json << " -> " << s.status().message();
    // The token itself is never in a message.
    EXPECT_EQ(s.status().message().find("tok-visible"), std::string::npos);
    EXPECT_EQ(s.status().message().find("tok en"), std::string::npos);
  }
  // And the good one, with every default.
  Spit(dir.File("health.json"),
       hook("\"name\":\"a\"," + url + ",\"bearerTokenFile\":\"ok.token\""));
  auto s = LoadNotifySettings(d);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->targets.size(), 1u);
  EXPECT_EQ(s->targets[0].bearer_token, "tok");
  EXPECT_TRUE(s->targets[0].Wants("ok"));
  EXPECT_EQ(s->max_attempts, kDefaultMaxAttempts);
  EXPECT_EQ(s->targets[0].timeout, kDefaultWebhookTimeout);
  // The health model's own parser accepts the notifications section.
  EXPECT_TRUE(LoadHealthSettings(d).ok());
}

TEST(NotifySettings, BackoffDoublesUpToTheMax) {
  NotifySettings s;
  s.initial_backoff = Seconds(10);
  s.max_backoff = Seconds(45);
  EXPECT_EQ(Notifier::Backoff(s, 1), Seconds(10));
  EXPECT_EQ(Notifier::Backoff(s, 2), Seconds(20));
  EXPECT_EQ(Notifier::Backoff(s, 3), Seconds(40));
  EXPECT_EQ(Notifier::Backoff(s, 4), Seconds(45));
  EXPECT_EQ(Notifier::Backoff(s, 60), Seconds(45));
}

}  // namespace
}  // namespace brs::app
