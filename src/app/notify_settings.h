// Webhook notifications' settings: the `notifications` object of
// DIR/health.json (brs.health.v1.Notifications, proto/brs/health.proto),
// read with the rest of the health settings at each evaluation.
//
// Strict: a target needs a unique name ([a-z0-9_-], at most 64), an
// http(s) URL without user info, states among the known ones; durations
// must parse; a bearer token file must exist, be a regular file of mode
// 0600 or stricter (a file others can read is refused, not warned about:
// the token would be readable by every local user), hold one non-empty
// line without spaces. The token is kept in memory only, never logged or
// printed back (errors name the file, not its content).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "app/data_dir.h"
#include "app/health_settings.h"
#include "base/status.h"
#include "brs/health.pb.h"

namespace brs::app {

inline constexpr Seconds kDefaultEvaluateEvery{60};
inline constexpr int kDefaultMaxAttempts = 8;
inline constexpr Seconds kDefaultInitialBackoff{30};
inline constexpr Seconds kDefaultMaxBackoff{3600};
inline constexpr Seconds kDefaultWebhookTimeout{10};
// Bounds: every duration at least 1 s; a POST's timeout at most 5 min (it
// delays the next evaluation by as much), an evaluation at least daily, a
// back-off at most a week.
inline constexpr Seconds kMinInterval{1};
inline constexpr Seconds kMaxWebhookTimeout{300};
inline constexpr Seconds kMaxEvaluateEvery{86400};
inline constexpr Seconds kMaxBackoffLimit{7 * 86400};

struct WebhookTargetSettings {
  std::string name;
  std::string url;
  std::string bearer_token;         // empty: none (a secret)
  std::vector<std::string> states;  // empty: every state
  std::chrono::milliseconds timeout{kDefaultWebhookTimeout};
  std::string ca_file;

  // Whether a transition to `state` ("ok", "stale", …) goes to this target.
  bool Wants(const std::string& state) const;
};

struct NotifySettings {
  std::vector<WebhookTargetSettings> targets;
  Seconds evaluate_every = kDefaultEvaluateEvery;
  int max_attempts = kDefaultMaxAttempts;
  Seconds initial_backoff = kDefaultInitialBackoff;
  Seconds max_backoff = kDefaultMaxBackoff;
};

// The state names a target may list ("no_plans" for HEALTH_NO_PLANS).
const std::vector<std::string>& NotifyStateNames();
// The event name of a state: "ok", …, "no_plans", "unknown".
std::string NotifyStateName(health::v1::HealthState state);

// Resolves health.json's `notifications` (`source` names the file in
// errors; relative token and CA files are taken from `dir`).
StatusOr<NotifySettings> ResolveNotifySettings(const health::v1::Notifications& pb,
                                               const DataDir& dir, const std::string& source);
// Reads DIR/health.json (no file: no targets).
StatusOr<NotifySettings> LoadNotifySettings(const DataDir& dir);

}  // namespace brs::app
