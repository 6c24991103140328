#include "app/health_rules.h"

#include <mutex>
#include <unordered_map>

#include "app/cron_schedule.h"
#include "app/duration.h"

namespace brs::app {
namespace {

std::string Age(WallTime now, WallTime t) {
  return FormatAge(std::max<int64_t>(0, UnixSeconds(now) - UnixSeconds(t)));
}

std::string MaxAgeText(const HealthLimits& limits) {
  return "max age " + FormatDuration(limits.max_age.count());
}

BackupRecord RecordOf(const v1::Operation& op, bool success) {
  BackupRecord r;
  r.start = WallFromUnixMillis(op.unix_time_start_ms());
  r.success = success;
  r.status = op.status();
  if (op.unix_time_end_ms() > op.unix_time_start_ms()) {
    r.duration_ms = op.unix_time_end_ms() - op.unix_time_start_ms();
  }
  if (op.has_operation_backup()) {
    r.bytes_added = op.operation_backup().last_status().summary().data_added();
  }
  return r;
}

// A fleet shares few cron expressions: each one's gap is computed once
// (memoized; at most kCronCacheEntries kept, the cache is emptied when full).
constexpr size_t kCronCacheEntries = 4096;

std::optional<Seconds> CachedCronGap(const std::string& expr) {
  static std::mutex mu;
  static auto* cache = new std::unordered_map<std::string, std::optional<Seconds>>();
  {
    std::lock_guard lock(mu);
    if (auto it = cache->find(expr); it != cache->end()) return it->second;
  }
  auto gap = CronLongestGap(expr);
  std::optional<Seconds> value;
  if (gap.ok()) value = *gap;
  std::lock_guard lock(mu);
  if (cache->size() >= kCronCacheEntries) cache->clear();
  cache->emplace(expr, value);
  return value;
}

}  // namespace

std::string FormatAge(int64_t seconds) {
  constexpr int64_t kUnits[] = {86400, 3600, 60, 1};
  for (size_t i = 0; i + 1 < std::size(kUnits); ++i) {
    if (seconds >= kUnits[i]) {
      return FormatDuration(seconds - seconds % kUnits[i + 1]);
    }
  }
  return FormatDuration(seconds);
}

std::string_view HealthStateName(HealthState state) {
  switch (state) {
    case HealthState::kOk:
      return "ok";
    case HealthState::kWarning:
      return "warning";
    case HealthState::kFailing:
      return "failing";
    case HealthState::kStale:
      return "stale";
    case HealthState::kUnreachable:
      return "unreachable";
  }
  return "unknown";
}

int HealthSeverity(HealthState state) {
  if (state == HealthState::kOk) return 0;
  return state == HealthState::kWarning ? 1 : 2;
}

bool AddToSummary(BackupSummary& summary, bool& index_only, std::optional<BackupRecord>& index,
                  const v1::Operation& op) {
  const v1::OperationStatus st = op.status();
  if (op.has_operation_index_snapshot()) {
    if (index_only && !index && st == v1::STATUS_SUCCESS) index = RecordOf(op, true);
    return true;
  }
  if (!op.has_operation_backup()) return true;
  index_only = false;
  const bool success = st == v1::STATUS_SUCCESS || st == v1::STATUS_WARNING;
  const bool failure = st == v1::STATUS_ERROR || st == v1::STATUS_SYSTEM_CANCELLED;
  if (!success && !failure) return true;
  if (!summary.last) summary.last = RecordOf(op, success);
  if (success && !summary.last_success) summary.last_success = RecordOf(op, true);
  return !summary.last_success;
}

bool IsUnreachable(std::optional<WallTime> last_heartbeat, WallTime now, Seconds after) {
  return last_heartbeat && now - *last_heartbeat > after;
}

PlanVerdict JudgePlanHealth(const BackupSummary& summary, std::optional<WallTime> last_heartbeat,
                            WallTime now, const HealthLimits& limits) {
  if (IsUnreachable(last_heartbeat, now, limits.unreachable_after)) {
    if (UnixMillis(*last_heartbeat) <= 0) return {HealthState::kUnreachable, "never connected"};
    return {HealthState::kUnreachable, "no heartbeat for " + Age(now, *last_heartbeat)};
  }
  const WallTime since = now - limits.max_age;
  if (!summary.last) return {HealthState::kStale, "no backup yet (" + MaxAgeText(limits) + ")"};
  if (summary.last->start < since) {
    return {HealthState::kStale,
            "no backup for " + Age(now, summary.last->start) + " (" + MaxAgeText(limits) + ")"};
  }
  if (summary.last->success) {
    return {HealthState::kOk, "last backup " + Age(now, summary.last->start) + " ago"};
  }
  const std::string failed = "last backup failed " + Age(now, summary.last->start) + " ago";
  if (summary.last_success && summary.last_success->start >= since) {
    return {HealthState::kWarning,
            failed + ", last success " + Age(now, summary.last_success->start) + " ago"};
  }
  return {
      HealthState::kFailing,
      failed +
          (summary.last_success ? ", last success " + Age(now, summary.last_success->start) + " ago"
                                : ", never succeeded") +
          " (" + MaxAgeText(limits) + ")"};
}

std::optional<Seconds> ScheduleInterval(const v1::Schedule& schedule) {
  switch (schedule.schedule_case()) {
    case v1::Schedule::kMaxFrequencyDays:
      if (schedule.maxfrequencydays() > 0) return Seconds(schedule.maxfrequencydays() * 86400LL);
      return std::nullopt;
    case v1::Schedule::kMaxFrequencyHours:
      if (schedule.maxfrequencyhours() > 0) return Seconds(schedule.maxfrequencyhours() * 3600LL);
      return std::nullopt;
    case v1::Schedule::kCron:
      return CachedCronGap(schedule.cron());
    default:
      return std::nullopt;
  }
}

}  // namespace brs::app
