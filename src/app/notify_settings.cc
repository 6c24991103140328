#include "app/notify_settings.h"

#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "app/duration.h"
#include "rpc/http_post.h"

namespace brs::app {
namespace {

constexpr size_t kMaxTargets = 32;
constexpr size_t kMaxTokenBytes = 4096;

StatusOr<Seconds> DurationOr(const std::string& text, const std::string& field,
                             const std::string& source, Seconds fallback) {
  if (text.empty()) return fallback;
  auto s = ParseDuration(text);
  if (!s.ok()) return InvalidArgument(source + ": " + field + ": " + s.status().message());
  return Seconds(*s);
}

// A duration within [min, max] (the fallback when empty).
StatusOr<Seconds> DurationIn(const std::string& text, const std::string& field,
                             const std::string& source, Seconds fallback, Seconds min,
                             Seconds max) {
  BRS_ASSIGN_OR_RETURN(Seconds d, DurationOr(text, field, source, fallback));
  if (d < min || d > max) {
    return InvalidArgument(source + ": " + field + " must be between " +
                           FormatDuration(min.count()) + " and " + FormatDuration(max.count()));
  }
  return d;
}

bool ValidName(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  return std::all_of(n.begin(), n.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

std::string InDir(const DataDir& dir, const std::string& path) {
  return !path.empty() && path[0] == '/' ? path : dir.path + "/" + path;
}

// The token in `path`: a regular file of mode 0600 or stricter, one line.
StatusOr<std::string> ReadTokenFile(const std::string& path, const std::string& where) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    return InvalidArgument(where + ": " + path + ": " + std::strerror(errno));
  }
  if (!S_ISREG(st.st_mode)) return InvalidArgument(where + ": " + path + " is not a regular file");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return InvalidArgument(where + ": " + path + " has mode " + mode +
                           "; a token file must be readable by its owner only (chmod 600)");
  }
  BRS_ASSIGN_OR_RETURN(std::string text, ReadFile(path, kMaxTokenBytes));
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  if (text.empty()) return InvalidArgument(where + ": " + path + " is empty");
  for (char c : text) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return InvalidArgument(where + ": " + path +
                             " must hold one token without spaces or control characters");
    }
  }
  return text;
}

}  // namespace

bool WebhookTargetSettings::Wants(const std::string& state) const {
  return states.empty() || std::find(states.begin(), states.end(), state) != states.end();
}

const std::vector<std::string>& NotifyStateNames() {
  static const std::vector<std::string> names = {"ok",    "warning",     "failing",
                                                 "stale", "unreachable", "no_plans"};
  return names;
}

std::string NotifyStateName(health::v1::HealthState state) {
  switch (state) {
    case health::v1::HEALTH_OK:
      return "ok";
    case health::v1::HEALTH_WARNING:
      return "warning";
    case health::v1::HEALTH_FAILING:
      return "failing";
    case health::v1::HEALTH_STALE:
      return "stale";
    case health::v1::HEALTH_UNREACHABLE:
      return "unreachable";
    case health::v1::HEALTH_NO_PLANS:
      return "no_plans";
    default:
      return "unknown";
  }
}

StatusOr<NotifySettings> ResolveNotifySettings(const health::v1::Notifications& pb,
                                               const DataDir& dir, const std::string& source) {
  NotifySettings s;
  const std::string n = "notifications";
  BRS_ASSIGN_OR_RETURN(s.evaluate_every,
                       DurationIn(pb.evaluate_every(), n + ".evaluateEvery", source,
                                  kDefaultEvaluateEvery, kMinInterval, kMaxEvaluateEvery));
  BRS_ASSIGN_OR_RETURN(s.initial_backoff,
                       DurationIn(pb.initial_backoff(), n + ".initialBackoff", source,
                                  kDefaultInitialBackoff, kMinInterval, kMaxBackoffLimit));
  BRS_ASSIGN_OR_RETURN(s.max_backoff,
                       DurationIn(pb.max_backoff(), n + ".maxBackoff", source, kDefaultMaxBackoff,
                                  kMinInterval, kMaxBackoffLimit));
  if (s.max_backoff < s.initial_backoff) {
    return InvalidArgument(source + ": " + n + ".maxBackoff is shorter than initialBackoff");
  }
  if (pb.max_attempts() < 0 || pb.max_attempts() > 100) {
    return InvalidArgument(source + ": " + n + ".maxAttempts must be between 1 and 100");
  }
  if (pb.max_attempts() > 0) s.max_attempts = pb.max_attempts();
  if (static_cast<size_t>(pb.webhooks_size()) > kMaxTargets) {
    return InvalidArgument(source + ": " + n + ".webhooks: at most " + std::to_string(kMaxTargets) +
                           " targets");
  }
  std::set<std::string> names;
  for (int i = 0; i < pb.webhooks_size(); ++i) {
    const auto& w = pb.webhooks(i);
    const std::string f = n + ".webhooks[" + std::to_string(i) + "]";
    WebhookTargetSettings t;
    if (!ValidName(w.name())) {
      return InvalidArgument(source + ": " + f + ".name must be 1 to 64 of a-z, 0-9, '_' and '-'");
    }
    if (!names.insert(w.name()).second) {
      return InvalidArgument(source + ": " + f + ".name \"" + w.name() + "\" is used twice");
    }
    t.name = w.name();
    if (auto u = rpc::ParsePostUrl(w.url()); !u.ok()) {
      return InvalidArgument(source + ": " + f + ".url: " + u.status().message());
    }
    t.url = w.url();
    for (const std::string& st : w.states()) {
      const auto& known = NotifyStateNames();
      if (std::find(known.begin(), known.end(), st) == known.end()) {
        return InvalidArgument(source + ": " + f + ".states: unknown state \"" + st +
                               "\" (ok, warning, failing, stale, unreachable, no_plans)");
      }
      t.states.push_back(st);
    }
    BRS_ASSIGN_OR_RETURN(Seconds timeout,
                         DurationIn(w.timeout(), f + ".timeout", source, kDefaultWebhookTimeout,
                                    kMinInterval, kMaxWebhookTimeout));
    t.timeout = timeout;
    if (!w.bearer_token_file().empty()) {
      BRS_ASSIGN_OR_RETURN(t.bearer_token, ReadTokenFile(InDir(dir, w.bearer_token_file()),
                                                         source + ": " + f + ".bearerTokenFile"));
    }
    if (!w.ca_file().empty()) t.ca_file = InDir(dir, w.ca_file());
    s.targets.push_back(std::move(t));
  }
  return s;
}

StatusOr<NotifySettings> LoadNotifySettings(const DataDir& dir) {
  const std::string path = HealthSettingsPath(dir);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return NotifySettings{};
  BRS_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  health::v1::HealthSettings pb;
  auto parsed = google::protobuf::util::JsonStringToMessage(text, &pb);
  if (!parsed.ok()) return InvalidArgument(path + ": " + std::string(parsed.message()));
  return ResolveNotifySettings(pb.notifications(), dir, path);
}

}  // namespace brs::app
