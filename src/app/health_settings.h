// The hub's health settings: DIR/health.json, protobuf JSON of
// brs.health.v1.HealthSettings (proto/brs/health.proto). A file of our own
// because config.json is Backrest's Config, which refuses unknown fields.
// The operator edits it by hand; it is read at each health evaluation (so
// an edit applies at the next `health` call or metrics scrape, no restart),
// never rewritten. A missing file means every default; unknown fields and
// bad durations are refused, naming the file.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/data_dir.h"
#include "app/health_rules.h"
#include "base/status.h"
#include "brs/health.pb.h"

namespace brs::app {

inline constexpr Seconds kDefaultMaxAge{26 * 3600};
inline constexpr Seconds kDefaultUnreachableAfter{3600};
inline constexpr Seconds kDefaultScheduleGrace{2 * 3600};

struct MaxAgeRule {
  std::string instance;  // empty: any
  std::string plan;      // empty: any
  Seconds max_age;
};

// HealthSettings with durations parsed and defaults filled in.
struct ResolvedHealthSettings {
  Seconds default_max_age = kDefaultMaxAge;
  Seconds unreachable_after = kDefaultUnreachableAfter;
  Seconds schedule_grace = kDefaultScheduleGrace;
  std::vector<MaxAgeRule> overrides;
};

std::string HealthSettingsPath(const DataDir& dir);  // DIR/health.json

// Parses health.json's text (`source` names it in errors).
StatusOr<ResolvedHealthSettings> ParseHealthSettings(const std::string& json,
                                                     const std::string& source);
// Reads DIR/health.json; every default when the file does not exist.
StatusOr<ResolvedHealthSettings> LoadHealthSettings(const DataDir& dir);

// A plan's max age and where it came from ("override", "schedule",
// "default"): the most specific override, else the schedule's interval plus
// the grace, else the default.
struct MaxAge {
  Seconds value;
  std::string from;
};
MaxAge PlanMaxAge(const ResolvedHealthSettings& settings, const std::string& instance,
                  const std::string& plan, std::optional<Seconds> schedule_interval);

}  // namespace brs::app
