#include "app/notifier.h"

#include <algorithm>

#include "app/health_rules.h"
#include "app/log.h"
#include "rpc/http_post.h"

namespace brs::app {
namespace {

constexpr int kDueBatch = 100;

std::string InstanceReason(const health::v1::InstanceHealth& i, int64_t now_ms) {
  if (i.state() == health::v1::HEALTH_UNREACHABLE) {
    if (i.last_heartbeat_ms() <= 0) return "never heard from";
    return "no heartbeat for " + FormatAge((now_ms - i.last_heartbeat_ms()) / 1000);
  }
  if (i.state() == health::v1::HEALTH_NO_PLANS) return "no plans";
  return std::to_string(i.plans()) + " plan(s)";
}

}  // namespace

std::vector<ObservedHealth> ObserveReport(const health::v1::HealthReport& report) {
  std::vector<ObservedHealth> out;
  for (const auto& i : report.instances()) {
    out.push_back(
        {i.instance_id(), "", "", NotifyStateName(i.state()), InstanceReason(i, report.now_ms())});
  }
  for (const auto& p : report.plans()) {
    out.push_back(
        {p.instance_id(), p.plan_id(), p.repo_id(), NotifyStateName(p.state()), p.reason()});
  }
  return out;
}

Notifier::Notifier(NotifierOptions options) : options_(std::move(options)) {}

StatusOr<std::unique_ptr<Notifier>> Notifier::Open(NotifierOptions options) {
  if (!options.registry) return InvalidArgument("Notifier needs a metrics registry");
  if (!options.report) return InvalidArgument("Notifier needs a report function");
  if (options.db_path.empty()) options.db_path = options.dir.path + "/notify.sqlite";
  std::unique_ptr<Notifier> n(new Notifier(std::move(options)));
  BRS_ASSIGN_OR_RETURN(n->queue_, NotifyQueue::Open(n->options_.db_path));
  n->rng_.seed(n->options_.jitter_seed != 0 ? n->options_.jitter_seed : std::random_device{}());
  auto& reg = *n->options_.registry;
  n->deliveries_ = &reg.AddCounter("backrest_sync_webhook_deliveries_total",
                                   "Webhook delivery attempts by target and outcome "
                                   "(delivered, retry, failed).",
                                   {"target", "outcome"});
  n->depth_ = &reg.AddGauge("backrest_sync_webhook_queue_depth",
                            "Health events waiting for delivery to a webhook.")
                   .With({});
  n->failed_ = &reg.AddGauge("backrest_sync_webhook_failed_events",
                             "Health events that exhausted their delivery attempts (kept in "
                             "notify.sqlite).")
                    .With({});
  n->UpdateGauges();
  return n;
}

Notifier::~Notifier() { Stop(); }

Seconds Notifier::Backoff(const NotifySettings& s, int attempts) {
  Seconds b = s.initial_backoff;
  for (int i = 1; i < attempts && b < s.max_backoff; ++i) b *= 2;
  return std::min(b, s.max_backoff);
}

void Notifier::LogOnce(const std::string& error) {
  if (error == last_error_) return;
  last_error_ = error;
  LogError("notifications: health.json refused; keeping the last good settings",
           {{"error", error}});
}

void Notifier::Evaluate() {
  auto loaded = LoadNotifySettings(options_.dir);
  if (!loaded.ok()) {
    LogOnce(loaded.status().message());
  } else {
    last_error_.clear();
    settings_ = std::move(*loaded);
  }
  const Env& env = *options_.env;
  const Seconds every = settings_ ? settings_->evaluate_every : kDefaultEvaluateEvery;
  next_eval_ = env.NowMono() + std::chrono::duration_cast<Millis>(every);
  if (!settings_ || settings_->targets.empty()) {
    if (Status s = queue_->Reset(); !s.ok()) {
      LogWarn("notifications: cannot reset the stored states", {{"error", s.message()}});
    }
    return;
  }
  auto report = options_.report();
  if (!report.ok()) {
    LogWarn("notifications: health not evaluated", {{"error", report.status().message()}});
    return;
  }
  const NotifySettings& s = *settings_;
  auto route = [&s](const std::string& to) {
    std::vector<std::string> names;
    for (const auto& t : s.targets) {
      if (t.Wants(to)) names.push_back(t.name);
    }
    return names;
  };
  auto baselined = queue_->HasBaseline();
  const std::vector<ObservedHealth> seen = ObserveReport(*report);
  auto recorded = queue_->Record(seen, route, env.NowWall());
  if (!recorded.ok()) {
    LogError("notifications: transitions not recorded", {{"error", recorded.status().message()}});
    return;
  }
  if (baselined.ok() && !*baselined) {
    LogInfo(
        "notifications: baseline recorded; health transitions from now on are sent",
        {{"states", std::to_string(seen.size())}, {"targets", std::to_string(s.targets.size())}});
  }
  for (const HealthTransition& t : *recorded) {
    LogInfo("health transition", {{"event", t.event_id}, {"summary", t.summary}});
  }
}

void Notifier::DeliverOne(const QueuedEvent& e, const WebhookTargetSettings* target,
                          std::set<std::string>& failed_targets) {
  const int attempts = e.attempts + 1;
  if (!target) {
    deliveries_->With({e.target, "failed"}).Inc();
    (void)queue_->MarkFailed(e.seq, e.attempts, "target no longer configured");
    LogWarn("webhook event failed: its target is no longer configured",
            {{"target", e.target}, {"event", e.event_id}});
    return;
  }
  rpc::HttpPostRequest req;
  req.url = target->url;
  req.body = e.body;
  req.timeout_ms = target->timeout.count();
  req.ca_file = target->ca_file;
  req.headers.push_back({"Idempotency-Key", e.event_id});
  if (!target->bearer_token.empty()) {
    req.headers.push_back({"Authorization", "Bearer " + target->bearer_token});
  }
  req.cancel = &cancel_;
  auto status = rpc::HttpPost(req);
  if (!status.ok() && status.status().code() == Code::kCanceled) {
    // Stopping: the event stays as it was (not a try), sent again with the
    // same Idempotency-Key after a restart.
    LogInfo("webhook delivery abandoned: stopping", {{"target", e.target}, {"event", e.event_id}});
    return;
  }
  if (status.ok() && *status >= 200 && *status < 300) {
    if (Status s = queue_->MarkDelivered(e.seq); !s.ok()) {
      LogError("webhook delivered but not marked (it may be sent again)",
               {{"target", e.target}, {"event", e.event_id}, {"error", s.message()}});
    }
    deliveries_->With({e.target, "delivered"}).Inc();
    if (e.attempts > 0) {
      LogInfo(
          "webhook delivered after retries",
          {{"target", e.target}, {"event", e.event_id}, {"attempts", std::to_string(attempts)}});
    }
    return;
  }
  failed_targets.insert(e.target);
  const std::string why =
      status.ok() ? "receiver answered " + std::to_string(*status) : status.status().message();
  const NotifySettings& s = *settings_;
  if (attempts >= s.max_attempts) {
    deliveries_->With({e.target, "failed"}).Inc();
    (void)queue_->MarkFailed(e.seq, attempts, why);
    LogError("webhook event failed; giving up", {{"target", e.target},
                                                 {"event", e.event_id},
                                                 {"attempts", std::to_string(attempts)},
                                                 {"reason", why}});
    return;
  }
  const auto backoff = std::chrono::duration_cast<Millis>(Backoff(s, attempts));
  std::uniform_int_distribution<int64_t> jitter(backoff.count() * 8 / 10, backoff.count());
  const int64_t next = UnixMillis(options_.env->NowWall()) + jitter(rng_);
  deliveries_->With({e.target, "retry"}).Inc();
  (void)queue_->MarkRetry(e.seq, attempts, next, why);
  if (attempts == 1) {  // once per event; the give-up line closes it
    LogWarn("webhook delivery failed; retrying with back-off",
            {{"target", e.target},
             {"event", e.event_id},
             {"reason", why},
             {"max_attempts", std::to_string(s.max_attempts)}});
  }
}

void Notifier::Deliver() {
  if (!settings_) return;
  const int64_t now_ms = UnixMillis(options_.env->NowWall());
  // Per target in transition order: its oldest pending event first; one
  // not yet due, or a failed try, holds back the target's later events.
  std::set<std::string> held;
  for (int sent = 0; sent < kDueBatch;) {
    auto heads = queue_->Heads();
    if (!heads.ok()) {
      LogError("notifications: cannot read the queue", {{"error", heads.status().message()}});
      return;
    }
    bool tried = false;
    for (const QueuedEvent& e : *heads) {
      if (cancel_.load()) return;
      if (held.count(e.target)) continue;
      if (e.next_attempt_ms > now_ms) {
        held.insert(e.target);
        continue;
      }
      const WebhookTargetSettings* target = nullptr;
      for (const auto& t : settings_->targets) {
        if (t.name == e.target) target = &t;
      }
      // A slow receiver must not hold up the next evaluation (and with it
      // every transition's detection and time): once one is due, the rest
      // waits for the next Step, which evaluates first.
      if (sent > 0 && next_eval_ && options_.env->NowMono() >= *next_eval_) return;
      DeliverOne(e, target, held);
      tried = true;
      ++sent;
    }
    if (!tried) return;
  }
}

void Notifier::UpdateGauges() {
  if (auto c = queue_->CountEvents(); c.ok()) {
    depth_->Set(c->pending);
    failed_->Set(c->failed);
  }
}

void Notifier::Step() {
  std::lock_guard lock(step_mu_);
  if (!next_eval_ || options_.env->NowMono() >= *next_eval_) Evaluate();
  Deliver();
  UpdateGauges();
}

void Notifier::Start() {
  thread_ = std::thread([this] {
    std::unique_lock lock(mu_);
    while (!stop_) {
      lock.unlock();
      Step();
      lock.lock();
      cv_.wait_for(lock, options_.poll, [this] { return stop_; });
    }
  });
}

void Notifier::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  if (thread_.joinable()) cancel_ = true;  // a POST in flight is abandoned
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

}  // namespace brs::app
