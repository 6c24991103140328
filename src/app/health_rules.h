// Backup health rules (issue #12 §1): pure functions, no I/O and no clock of
// their own. From what a hub knows of one (instance, plan) — a summary of
// its newest backups, its schedule, the instance's last heartbeat — and the
// time `now` handed in, JudgePlanHealth decides one state:
//
//   unreachable  the instance's last heartbeat is older than
//                unreachable_after (only for instances that send heartbeats:
//                a peer of this hub; never for this instance itself)
//   stale        no finished backup started within max_age (none at all,
//                or the newest is older)
//   failing      the newest finished backup failed and no success started
//                within max_age
//   warning      the newest finished backup failed, a success started
//                within max_age
//   ok           the newest finished backup succeeded, within max_age
//
// The checks apply in that order (the first that holds wins). "Finished":
// a backup op with status SUCCESS or WARNING (a success: the snapshot was
// made) or ERROR or SYSTEM_CANCELLED (a failure); pending, running and
// user-cancelled backups do not count. A plan without backup ops counts its
// index_snapshot ops (snapshots indexed from the repo, as `ops
// import-restic` makes) as successful backups at their start time.
//
// max_age (PlanMaxAge): an override for the plan or its instance from the
// hub's health settings (app/health_settings.h), else the expected
// interval of the plan's schedule (ScheduleInterval, when the hub knows
// the plan: its own config, or a client's remote config under READ_CONFIG)
// plus schedule_grace, else default_max_age (26 h).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/env.h"
#include "base/status.h"
#include "v1/config.pb.h"
#include "v1/operations.pb.h"

namespace brs::app {

using Seconds = std::chrono::seconds;

enum class HealthState { kOk, kWarning, kFailing, kStale, kUnreachable };

// "ok", "warning", "failing", "stale", "unreachable".
std::string_view HealthStateName(HealthState state);
// The monitoring-plugin severity of a state: 0 OK (ok), 1 WARNING
// (warning), 2 CRITICAL (failing, stale, unreachable).
int HealthSeverity(HealthState state);

// An age for people: its two largest units, truncated ("1d3h", "2h",
// "1m30s", "0s"), as the reasons and the CLI show ages.
std::string FormatAge(int64_t seconds);

// One finished backup, as the rules see it.
struct BackupRecord {
  WallTime start;
  bool success = false;
  v1::OperationStatus status = v1::STATUS_UNKNOWN;
  int64_t duration_ms = 0;  // end - start; 0 when the op has no end time
  int64_t bytes_added = 0;  // the backup summary's data_added (0 when none)
};

// The newest finished backup and the newest success of one plan.
struct BackupSummary {
  std::optional<BackupRecord> last;
  std::optional<BackupRecord> last_success;
};

// Folds one op into a summary built from ops handed in newest first (by
// ID). Returns whether older ops could still change it (false once both
// the newest finished backup and the newest success are known).
bool AddToSummary(BackupSummary& summary, bool& index_only, std::optional<BackupRecord>& index,
                  const v1::Operation& op);

// Builds a summary from ops newest first (pulled from `next` until it
// returns false or nothing older can matter).
template <typename Next>
BackupSummary SummarizeBackups(Next next) {
  BackupSummary s;
  bool index_only = true;
  std::optional<BackupRecord> index;
  v1::Operation op;
  while (next(&op)) {
    if (!AddToSummary(s, index_only, index, op)) break;
  }
  if (index_only && index) s.last = s.last_success = index;
  return s;
}

struct HealthLimits {
  Seconds max_age{26 * 3600};
  Seconds unreachable_after{3600};
};

// What the rules say about one plan.
struct PlanVerdict {
  HealthState state;
  std::string reason;  // one phrase, e.g. "no backup for 2d (max age 26h)"
};

// `last_heartbeat`: nullopt when the instance sends none (this instance);
// the epoch (0) for a peer never heard from.
PlanVerdict JudgePlanHealth(const BackupSummary& summary, std::optional<WallTime> last_heartbeat,
                            WallTime now, const HealthLimits& limits);

// Whether an instance with a heartbeat is unreachable at `now`.
bool IsUnreachable(std::optional<WallTime> last_heartbeat, WallTime now, Seconds after);

// The expected time between two runs of `schedule`: maxFrequencyDays/Hours
// as given, a cron expression's longest gap between consecutive runs
// (app/cron_schedule.h); nullopt when disabled, unset or unparsable (the
// caller then uses the default max age). A cron expression's gap is
// computed once per expression (memoized; thread safe).
std::optional<Seconds> ScheduleInterval(const v1::Schedule& schedule);

}  // namespace brs::app
