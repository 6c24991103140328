// Webhook notifications end to end (issue #12 §1): a real `serve` hub, a
// real client process whose ops move a plan's health, the client stopped
// and started again (unreachable and back), a local receiver that is down
// for a while, and the hub killed with SIGKILL mid-POST and right after a
// transition. The receiver must see each transition's event, in order, and
// no other; the only repeat allowed is a POST the hub was killed in the
// middle of, sent again with the same Idempotency-Key (README,
// Notifications).
//
// Proving "nothing more was sent" without sleeping: every scenario ends with
// one more transition (a sentinel); events reach a target in the order of
// their transitions, so anything spurious enqueued before it would have
// arrived before it.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <map>
#include <memory>

#include "app/cli_test_util.h"
#include "app/webhook_receiver.h"

namespace {

using namespace brs::app::testing;

constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 60 * kMinute;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// One finished backup of plan "daily" that started at `start_ms`.
std::string BackupJson(const std::string& status, int64_t start_ms) {
  return "{\"repoId\":\"repo1\",\"repoGuid\":\"g-repo1\",\"planId\":\"daily\",\"status\":\"" +
         status + "\",\"unixTimeStartMs\":\"" + std::to_string(start_ms) +
         "\",\"unixTimeEndMs\":\"" + std::to_string(start_ms + 30'000) +
         "\",\"operationBackup\":{}}\n";
}

// One POST as the receiver saw it.
struct Event {
  std::string key, id, instance, plan, repo, from, to, summary, body, authorization, type;
  std::string Transition() const {
    return (plan.empty() ? instance : instance + "/" + plan) + " " + from + ">" + to;
  }
};

std::vector<Event> Events(const WebhookReceiver& rx) {
  std::vector<Event> out;
  for (const ReceivedRequest& r : rx.requests()) {
    Event e;
    auto header = [&](const std::string& name) {
      auto it = r.headers.find(name);
      return it == r.headers.end() ? std::string() : it->second;
    };
    e.key = header("idempotency-key");
    e.authorization = header("authorization");
    e.type = header("content-type");
    e.id = JsonField(r.body, "eventId");
    e.instance = JsonField(r.body, "instance");
    e.plan = JsonField(r.body, "plan");
    e.repo = JsonField(r.body, "repo");
    e.from = JsonField(r.body, "from");
    e.to = JsonField(r.body, "to");
    e.summary = JsonField(r.body, "summary");
    e.body = r.body;
    out.push_back(std::move(e));
  }
  return out;
}

// The events deduplicated by Idempotency-Key, in the order first seen.
std::vector<Event> Distinct(const std::vector<Event>& all) {
  std::vector<Event> out;
  std::set<std::string> seen;
  for (const Event& e : all) {
    if (seen.insert(e.key).second) out.push_back(e);
  }
  return out;
}

std::vector<std::string> Transitions(const std::vector<Event>& events) {
  std::vector<std::string> out;
  for (const Event& e : events) out.push_back(e.Transition());
  return out;
}

size_t Occurrences(const std::string& text, const std::string& needle) {
  size_t n = 0;
  for (size_t p = text.find(needle); p != std::string::npos; p = text.find(needle, p + 1)) ++n;
  return n;
}

// A hub and a laptop client (plan "daily" of repo1 on the laptop), both
// `serve` processes; the hub's health.json from `health` (a JSON object's
// members) and `notifications` (the notifications object's members, the
// webhook appended when `webhook_url` is set).
class NotifyFleet {
 public:
  explicit NotifyFleet(std::string health, std::string notifications)
      : health_(std::move(health)), notifications_(std::move(notifications)) {
    EXPECT_EQ(
        Sh(dir, "$B init --data hub --instance hub && $B init --data laptop --instance laptop")
            .code,
        0);
    Spit(dir.File("hub/hook.token"), "e2e-token\n");
    ::chmod(dir.File("hub/hook.token").c_str(), 0600);
    WriteHealth("");
    hub = std::make_unique<Serve>(dir, "hub");
    address = hub->address();
    auto tok = Sh(dir, "$B pair new --data hub --label laptop --grant READ_OPERATIONS:*");
    EXPECT_EQ(tok.code, 0) << tok.err;
    EXPECT_EQ(Sh(dir, "$B join '" + tok.out.substr(0, tok.out.find('\n')) + "' --url http://" +
                          address + " --data laptop")
                  .code,
              0);
    EXPECT_EQ(Sh(dir, "$B repo add --data laptop --id repo1 --guid g-repo1 --uri /r1").code, 0);
  }

  void WriteHealth(const std::string& webhook_url) {
    std::string n = notifications_;
    if (!webhook_url.empty()) {
      n += ",\"webhooks\":[{\"name\":\"ops\",\"url\":\"" + webhook_url +
           "\",\"bearerTokenFile\":\"hook.token\",\"timeout\":\"30s\"}]";
    }
    Spit(dir.File("hub/health.json"), "{" + health_ + ",\"notifications\":{" + n + "}}");
  }

  void StartLaptop() { laptop = std::make_unique<Serve>(dir, "laptop", "--heartbeat 1"); }

  // A backup op made on the laptop (through its daemon when it runs).
  void AddBackup(const std::string& status, int64_t start_ms) {
    Spit(dir.File("op.jsonl"), BackupJson(status, start_ms));
    auto r = Sh(dir, "$B ops add --data laptop op.jsonl");
    EXPECT_EQ(r.code, 0) << r.out << r.err;
  }

  // Waits for the laptop's plan to read `state` at the hub, then turns the
  // webhook on and waits for the notifier's baseline.
  bool EnableWhenHealthy(const std::string& url) {
    const bool ok = WaitFor([&] {
      return Contains(Sh(dir, "$B health --data hub --instance laptop --json").out,
                      "\"plan\":\"daily\",\"repo\":\"repo1\",\"state\":\"ok\"");
    });
    if (!ok) return false;
    WriteHealth(url);
    return WaitFor([&] { return Contains(HubLog(), "baseline recorded"); });
  }

  // How many transitions the hub has logged (recorded) across its runs.
  size_t Logged(const std::string& transition) {
    return Occurrences(HubLog(), "laptop/daily: " + transition);
  }

  std::string HubLog() const { return Slurp(dir.File("hub.log")); }

  // A sample of the hub's /metrics ("" when absent).
  std::string Metric(const std::string& series) {
    std::string text = "\n" + Sh(dir, "curl -s http://" + address + "/metrics").out;
    auto p = text.find("\n" + series + " ");
    if (p == std::string::npos) return "";
    p += series.size() + 2;
    return text.substr(p, text.find('\n', p) - p);
  }

  // SIGKILL, then the same address again.
  void KillAndRestartHub() {
    hub->Kill();
    std::remove(dir.File("hub/daemon.json").c_str());  // left by the crash
    hub = std::make_unique<Serve>(dir, "hub", "", address);
    EXPECT_EQ(hub->address(), address) << HubLog();
  }

  TempDir dir;
  std::string address;
  std::unique_ptr<Serve> hub, laptop;

 private:
  std::string health_, notifications_;
};

// A free port: bound, then closed, so connections to it are refused until
// a receiver listens there again.
int FreePort() {
  WebhookReceiver probe;
  return probe.port();
}

// The fields every event carries, checked against its transition.
void ExpectWellFormed(const Event& e) {
  EXPECT_EQ(e.key, e.id) << e.body;
  EXPECT_EQ(e.id.size(), 32u) << e.body;
  EXPECT_EQ(e.authorization, "Bearer e2e-token");
  EXPECT_EQ(e.type, "application/json");
  EXPECT_EQ(e.instance, "laptop") << e.body;
  EXPECT_EQ(e.repo, e.plan.empty() ? "" : "repo1") << e.body;
  const std::string who = e.plan.empty() ? "instance laptop" : "laptop/daily";
  EXPECT_TRUE(Contains(e.summary, who + ": " + e.from + " -> " + e.to)) << e.body;
  EXPECT_TRUE(Contains(e.body, "\"timeMs\":")) << e.body;
}

// ok -> warning -> failing -> ok for a plan (its success ageing out of a
// 1 h max age in between; a failure with a success within the max age is a
// warning, app/health_rules.h), with the receiver down while the last two
// happen, then the laptop stopped (unreachable) and started again: one
// POST per transition, in order, each with its body, key and bearer. An
// instance's state is its worst plan's (or unreachable), so each plan
// transition here comes with its instance's.
TEST(CliNotify, PlanAndHostTransitionsReachTheReceiverOncePerTransition) {
  NotifyFleet f(
      "\"unreachableAfter\":\"8s\","
      "\"overrides\":[{\"instance\":\"laptop\",\"plan\":\"daily\",\"maxAge\":\"1h\"}]",
      "\"evaluateEvery\":\"1s\",\"initialBackoff\":\"1s\",\"maxBackoff\":\"2s\","
      "\"maxAttempts\":50");
  const int port = FreePort();
  auto rx = std::make_unique<WebhookReceiver>(port);
  // The success leaves the 1 h max age kWindow after it is added: the
  // warning lasts until then, failing after.
  constexpr int64_t kWindow = 30'000;
  const int64_t t0 = NowMs();
  f.AddBackup("STATUS_SUCCESS", t0 - kHour + kWindow);
  f.StartLaptop();
  ASSERT_TRUE(f.EnableWhenHealthy(rx->url())) << f.HubLog();
  EXPECT_EQ(rx->count(), 0u);  // the baseline sends nothing

  // 1. A failed backup: the success is still within the max age.
  f.AddBackup("STATUS_ERROR", NowMs());
  ASSERT_TRUE(WaitFor([&] { return rx->count() >= 2; })) << f.HubLog();
  ASSERT_LT(NowMs(), t0 + kWindow) << "too slow: the success aged out before the warning";

  // 2. The receiver goes down; the success ages out (failing), then a
  // backup succeeds (ok). Both wait, retried with back-off.
  const std::vector<Event> first = Events(*rx);
  rx.reset();
  ASSERT_TRUE(WaitFor([&] { return f.Logged("warning -> failing") == 1; }, 60)) << f.HubLog();
  f.AddBackup("STATUS_SUCCESS", NowMs());
  ASSERT_TRUE(WaitFor([&] { return f.Logged("failing -> ok") == 1; })) << f.HubLog();
  ASSERT_TRUE(WaitFor([&] {
    return std::atoi(
               f.Metric("backrest_sync_webhook_deliveries_total{target=\"ops\",outcome=\"retry\"}")
                   .c_str()) >= 3;
  })) << f.HubLog();
  EXPECT_EQ(f.Metric("backrest_sync_webhook_queue_depth"), "4");
  rx = std::make_unique<WebhookReceiver>(port);  // back, on the same URL
  ASSERT_TRUE(WaitFor([&] { return rx->count() >= 4; })) << f.HubLog();

  // 3. The laptop stops: it and its plan become unreachable; then back.
  ASSERT_EQ(f.laptop->Stop(), 0);
  ASSERT_TRUE(WaitFor([&] { return rx->count() >= 6; }, 40)) << f.HubLog();
  f.StartLaptop();
  ASSERT_TRUE(WaitFor([&] { return rx->count() >= 8; }, 40)) << f.HubLog();

  // The sentinel: one more failure.
  f.AddBackup("STATUS_ERROR", NowMs());
  ASSERT_TRUE(WaitFor([&] { return rx->count() >= 10; })) << f.HubLog();

  EXPECT_EQ(Transitions(first), (std::vector<std::string>{"laptop ok>warning",  //
                                                          "laptop/daily ok>warning"}));
  const std::vector<Event> second = Events(*rx);
  EXPECT_EQ(Transitions(second), (std::vector<std::string>{
                                     "laptop warning>failing",
                                     "laptop/daily warning>failing",
                                     "laptop failing>ok",
                                     "laptop/daily failing>ok",
                                     "laptop ok>unreachable",
                                     "laptop/daily ok>unreachable",
                                     "laptop unreachable>ok",
                                     "laptop/daily unreachable>ok",
                                     "laptop ok>warning",
                                     "laptop/daily ok>warning",
                                 }))
      << f.HubLog();
  std::vector<Event> all = first;
  all.insert(all.end(), second.begin(), second.end());
  EXPECT_EQ(Distinct(all).size(), all.size());  // one event ID per transition, each POSTed once
  for (const Event& e : all) ExpectWellFormed(e);
  EXPECT_TRUE(Contains(second[1].summary, "last backup failed")) << second[1].body;
  EXPECT_TRUE(Contains(second[1].summary, "(max age 1h")) << second[1].body;
  EXPECT_TRUE(Contains(second[5].summary, "no heartbeat for")) << second[5].body;
  EXPECT_EQ(
      f.Metric("backrest_sync_webhook_deliveries_total{target=\"ops\",outcome=\"delivered\"}"),
      "12");
  EXPECT_EQ(f.Metric("backrest_sync_webhook_queue_depth"), "0");
  EXPECT_EQ(f.Metric("backrest_sync_webhook_failed_events"), "0");
  EXPECT_EQ(Occurrences(f.HubLog(), "e2e-token"), 0u);  // the bearer never logged
  EXPECT_EQ(f.laptop->Stop(), 0);
  EXPECT_EQ(f.hub->Stop(), 0);
}

// SIGKILL of the hub (1) in the middle of a POST, (2) right after a
// transition was recorded while the receiver is down, with another
// transition made while the hub was down: after the restarts every
// transition arrives, none is repeated as a new event, and the one repeat
// is the POST cut by the kill, with the same Idempotency-Key and body.
TEST(CliNotify, HubKilledMidPostAndAfterATransitionNeitherRepeatsNorLoses) {
  NotifyFleet f("\"unreachableAfter\":\"1h\"",
                "\"evaluateEvery\":\"1s\",\"initialBackoff\":\"1s\",\"maxBackoff\":\"2s\","
                "\"maxAttempts\":50");
  const int port = FreePort();
  auto rx = std::make_unique<WebhookReceiver>(port);
  f.AddBackup("STATUS_SUCCESS", NowMs() - 10 * kMinute);
  f.StartLaptop();
  ASSERT_TRUE(f.EnableWhenHealthy(rx->url())) << f.HubLog();

  // 1. ok -> warning; the receiver takes the first POST and holds its
  // answer: the hub is killed while it waits.
  rx->Hold();
  f.AddBackup("STATUS_ERROR", NowMs());
  ASSERT_TRUE(WaitFor([&] { return rx->count() >= 1; })) << f.HubLog();
  f.hub->Kill();
  const std::vector<Event> cut = Events(*rx);
  ASSERT_EQ(cut.size(), 1u);
  EXPECT_EQ(cut[0].Transition(), "laptop ok>warning");
  rx->Release();
  rx.reset();  // and down

  // 2. While the hub is down the laptop backs up again (warning -> ok,
  // reported when it reconnects). The hub comes back, records it, and is
  // killed at once: both events are still pending (the receiver is down).
  f.AddBackup("STATUS_SUCCESS", NowMs());
  std::remove(f.dir.File("hub/daemon.json").c_str());
  f.hub = std::make_unique<Serve>(f.dir, "hub", "", f.address);
  ASSERT_EQ(f.hub->address(), f.address) << f.HubLog();
  ASSERT_TRUE(WaitFor([&] { return f.Logged("warning -> ok") == 1; })) << f.HubLog();
  f.KillAndRestartHub();

  // 3. The receiver is back; then the sentinel (ok -> warning).
  rx = std::make_unique<WebhookReceiver>(port);
  ASSERT_TRUE(WaitFor([&] { return Distinct(Events(*rx)).size() >= 4; })) << f.HubLog();
  f.AddBackup("STATUS_ERROR", NowMs());
  ASSERT_TRUE(WaitFor([&] { return Distinct(Events(*rx)).size() >= 6; })) << f.HubLog();

  const std::vector<Event> after = Events(*rx);
  std::vector<Event> all = cut;
  all.insert(all.end(), after.begin(), after.end());
  for (const Event& e : all) ExpectWellFormed(e);
  EXPECT_EQ(Transitions(Distinct(all)), (std::vector<std::string>{
                                            "laptop ok>warning",
                                            "laptop/daily ok>warning",
                                            "laptop warning>ok",
                                            "laptop/daily warning>ok",
                                            "laptop ok>warning",
                                            "laptop/daily ok>warning",
                                        }))
      << f.HubLog();
  // Only the cut POST came twice, the second time with the same key and
  // body; every other event once.
  std::map<std::string, int> posts;
  for (const Event& e : all) ++posts[e.key];
  EXPECT_EQ(posts[cut[0].key], 2);
  EXPECT_EQ(all.size(), 7u);
  ASSERT_FALSE(after.empty());
  EXPECT_EQ(after[0].key, cut[0].key);
  EXPECT_EQ(after[0].body, cut[0].body);
  EXPECT_EQ(Occurrences(f.HubLog(), "baseline recorded"), 1u);  // the restarts kept it
  EXPECT_EQ(f.Metric("backrest_sync_webhook_queue_depth"), "0");
  EXPECT_EQ(f.laptop->Stop(), 0);
  EXPECT_EQ(f.hub->Stop(), 0);
}

}  // namespace
