#include "app/health_settings.h"

#include <google/protobuf/util/json_util.h>
#include <sys/stat.h>

#include <cerrno>

#include "app/duration.h"

namespace brs::app {
namespace {

// An empty string keeps `fallback`.
StatusOr<Seconds> DurationField(const std::string& text, const std::string& field,
                                const std::string& source, Seconds fallback) {
  if (text.empty()) return fallback;
  auto s = ParseDuration(text);
  if (!s.ok()) return InvalidArgument(source + ": " + field + ": " + s.status().message());
  return Seconds(*s);
}

// 0 for no match; higher for a more specific rule.
int Specificity(const MaxAgeRule& r, const std::string& instance, const std::string& plan) {
  if (!r.instance.empty() && r.instance != instance) return 0;
  if (!r.plan.empty() && r.plan != plan) return 0;
  if (!r.instance.empty() && !r.plan.empty()) return 3;
  return r.instance.empty() ? (r.plan.empty() ? 0 : 1) : 2;
}

}  // namespace

std::string HealthSettingsPath(const DataDir& dir) { return dir.path + "/health.json"; }

StatusOr<ResolvedHealthSettings> ParseHealthSettings(const std::string& json,
                                                     const std::string& source) {
  health::v1::HealthSettings pb;
  auto parsed = google::protobuf::util::JsonStringToMessage(json, &pb);
  if (!parsed.ok()) return InvalidArgument(source + ": " + std::string(parsed.message()));
  ResolvedHealthSettings s;
  BRS_ASSIGN_OR_RETURN(s.default_max_age, DurationField(pb.default_max_age(), "defaultMaxAge",
                                                        source, kDefaultMaxAge));
  BRS_ASSIGN_OR_RETURN(
      s.unreachable_after,
      DurationField(pb.unreachable_after(), "unreachableAfter", source, kDefaultUnreachableAfter));
  BRS_ASSIGN_OR_RETURN(s.schedule_grace, DurationField(pb.schedule_grace(), "scheduleGrace", source,
                                                       kDefaultScheduleGrace));
  for (int i = 0; i < pb.overrides_size(); ++i) {
    const auto& o = pb.overrides(i);
    const std::string field = "overrides[" + std::to_string(i) + "]";
    if (o.instance().empty() && o.plan().empty()) {
      return InvalidArgument(source + ": " + field + " names neither an instance nor a plan");
    }
    if (o.max_age().empty()) return InvalidArgument(source + ": " + field + ".maxAge is missing");
    BRS_ASSIGN_OR_RETURN(Seconds age,
                         DurationField(o.max_age(), field + ".maxAge", source, kDefaultMaxAge));
    s.overrides.push_back({o.instance(), o.plan(), age});
  }
  return s;
}

StatusOr<ResolvedHealthSettings> LoadHealthSettings(const DataDir& dir) {
  const std::string path = HealthSettingsPath(dir);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return ResolvedHealthSettings{};
  BRS_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  return ParseHealthSettings(text, path);
}

MaxAge PlanMaxAge(const ResolvedHealthSettings& settings, const std::string& instance,
                  const std::string& plan, std::optional<Seconds> schedule_interval) {
  const MaxAgeRule* best = nullptr;
  int best_rank = 0;
  for (const MaxAgeRule& r : settings.overrides) {
    const int rank = Specificity(r, instance, plan);
    if (rank > best_rank) {
      best = &r;
      best_rank = rank;
    }
  }
  if (best != nullptr) return {best->max_age, "override"};
  if (schedule_interval) return {*schedule_interval + settings.schedule_grace, "schedule"};
  return {settings.default_max_age, "default"};
}

}  // namespace brs::app
