#include "app/health_output.h"

#include <algorithm>
#include <array>
#include <sstream>
#include <vector>

#include "app/duration.h"
#include "app/health_report.h"
#include "app/health_rules.h"
#include "app/json_writer.h"
#include "app/table.h"

namespace brs::app {
namespace {

using health::v1::HealthReport;
using health::v1::HealthState;

// The plan states counted, in perfdata order, then instances without plans.
constexpr std::array<HealthState, 5> kPlanStates = {
    health::v1::HEALTH_OK, health::v1::HEALTH_WARNING, health::v1::HEALTH_FAILING,
    health::v1::HEALTH_STALE, health::v1::HEALTH_UNREACHABLE};
// How many plans of a state the summary names before "+N more".
constexpr size_t kNamesShown = 5;

struct Counts {
  std::array<int64_t, 5> plans{};
  int64_t no_plans = 0;
};

Counts CountStates(const HealthReport& r) {
  Counts c;
  for (const auto& p : r.plans()) {
    for (size_t i = 0; i < kPlanStates.size(); ++i) c.plans[i] += p.state() == kPlanStates[i];
  }
  for (const auto& i : r.instances()) c.no_plans += i.state() == health::v1::HEALTH_NO_PLANS;
  return c;
}

std::string StateKey(HealthState s) {
  std::string t = HealthStateText(s);
  std::replace(t.begin(), t.end(), ' ', '_');
  return t;
}

std::string Ago(const HealthReport& r, int64_t ms) {
  const int64_t s = std::max<int64_t>(0, (r.now_ms() - ms) / 1000);
  return s == 0 ? "just now" : FormatAge(s) + " ago";
}

std::string StatusText(v1::OperationStatus s) {
  std::string t = v1::OperationStatus_Name(s);
  return t.rfind("STATUS_", 0) == 0 ? t.substr(7) : t;
}

std::string Summary(const HealthReport& r, const Counts& c) {
  std::ostringstream out;
  if (r.instances_size() == 0) return "no instance known (no plans, no clients, no operations)";
  out << r.plans_size() << " plan" << (r.plans_size() == 1 ? "" : "s") << " on "
      << r.instances_size() << " instance" << (r.instances_size() == 1 ? "" : "s") << ":";
  for (size_t i = 0; i < kPlanStates.size(); ++i) {
    out << (i ? ", " : " ") << c.plans[i] << " " << HealthStateText(kPlanStates[i]);
  }
  if (c.no_plans > 0) out << ", " << c.no_plans << " instance(s) without plans";
  for (size_t i = 1; i < kPlanStates.size(); ++i) {
    std::vector<std::string> names;
    for (const auto& p : r.plans()) {
      if (p.state() == kPlanStates[i]) names.push_back(p.instance_id() + "/" + p.plan_id());
    }
    if (names.empty()) continue;
    out << "; " << HealthStateText(kPlanStates[i]) << ":";
    for (size_t k = 0; k < std::min(names.size(), kNamesShown); ++k) out << " " << names[k];
    if (names.size() > kNamesShown) out << " +" << names.size() - kNamesShown << " more";
  }
  return out.str();
}

std::string Perfdata(const HealthReport& r, const Counts& c) {
  std::ostringstream out;
  for (size_t i = 0; i < kPlanStates.size(); ++i) {
    out << (i ? " " : "") << StateKey(kPlanStates[i]) << "=" << c.plans[i] << ";;;0";
  }
  out << " no_plans=" << c.no_plans << ";;;0";
  for (const auto& p : r.plans()) {
    std::string label = p.instance_id() + "/" + p.plan_id() + " last_success_age";
    std::replace(label.begin(), label.end(), '\'', '_');
    out << " '" << label << "'=";
    if (p.last_success_ms() > 0) {
      out << std::max<int64_t>(0, (r.now_ms() - p.last_success_ms()) / 1000) << "s";
    } else {
      out << "U";
    }
    out << ";;" << p.max_age_s() << ";0";
  }
  return out.str();
}

std::string PlanLine(const health::v1::PlanHealth& p) {
  std::ostringstream out;
  out << p.instance_id() << "/" << p.plan_id() << ": " << HealthStateText(p.state()) << " - "
      << p.reason();
  if (p.last_backup_ms() > 0) {
    out << "; " << StatusText(p.last_status()) << ", took "
        << FormatDuration(p.duration_ms() / 1000) << ", " << FormatBytes(p.bytes_added())
        << " added";
  }
  out << "; max age " << FormatDuration(p.max_age_s()) << " (" << p.max_age_from() << ")";
  if (!p.repo_id().empty()) out << "; repo " << p.repo_id();
  return out.str();
}

}  // namespace

int HealthExitCode(const HealthReport& r) {
  if (r.instances_size() == 0) return 3;
  int worst = 0;
  for (const auto& p : r.plans()) worst = std::max(worst, HealthStateSeverity(p.state()));
  for (const auto& i : r.instances()) worst = std::max(worst, HealthStateSeverity(i.state()));
  return worst;
}

std::string PluginStatusName(int exit_code) {
  switch (exit_code) {
    case 0:
      return "OK";
    case 1:
      return "WARNING";
    case 2:
      return "CRITICAL";
    default:
      return "UNKNOWN";
  }
}

std::string HealthPluginText(const HealthReport& r) {
  const Counts c = CountStates(r);
  std::ostringstream out;
  out << "BACKUP " << PluginStatusName(HealthExitCode(r)) << " - " << Summary(r, c) << " | "
      << Perfdata(r, c) << "\n";
  for (const auto& p : r.plans()) out << PlanLine(p) << "\n";
  for (const auto& i : r.instances()) {
    if (i.plans() > 0) continue;
    out << i.instance_id() << ": " << HealthStateText(i.state());
    if (i.last_heartbeat_ms() > 0) out << " - last heartbeat " << Ago(r, i.last_heartbeat_ms());
    out << "\n";
  }
  return out.str();
}

std::string HealthJson(const HealthReport& r) {
  const Counts c = CountStates(r);
  JsonObject counts;
  for (size_t i = 0; i < kPlanStates.size(); ++i) counts.Int(StateKey(kPlanStates[i]), c.plans[i]);
  counts.Int("no_plans", c.no_plans);
  std::vector<std::string> instances, plans;
  for (const auto& i : r.instances()) {
    instances.push_back(JsonObject()
                            .Str("instance", i.instance_id())
                            .Str("keyid", i.peer_keyid())
                            .Str("state", StateKey(i.state()))
                            .Int("last_heartbeat_ms", i.last_heartbeat_ms())
                            .Int("plans", i.plans())
                            .str());
  }
  for (const auto& p : r.plans()) {
    plans.push_back(
        JsonObject()
            .Str("instance", p.instance_id())
            .Str("plan", p.plan_id())
            .Str("repo", p.repo_id())
            .Str("state", StateKey(p.state()))
            .Str("reason", p.reason())
            .Int("last_backup_ms", p.last_backup_ms())
            .Str("last_status", p.last_backup_ms() > 0 ? StatusText(p.last_status()) : "")
            .Int("last_success_ms", p.last_success_ms())
            .Int("duration_ms", p.duration_ms())
            .Int("bytes_added", p.bytes_added())
            .Int("max_age_s", p.max_age_s())
            .Str("max_age_from", p.max_age_from())
            .str());
  }
  const int code = HealthExitCode(r);
  return JsonObject()
             .Str("status", PluginStatusName(code))
             .Int("exit_code", code)
             .Str("summary", Summary(r, c))
             .Int("now_ms", r.now_ms())
             .Raw("counts", counts.str())
             .Raw("instances", JsonArray(instances))
             .Raw("plans", JsonArray(plans))
             .str() +
         "\n";
}

std::string HealthErrorText(const std::string& message, bool json) {
  if (!json) return "BACKUP UNKNOWN - " + message + "\n";
  return JsonObject().Str("status", "UNKNOWN").Int("exit_code", 3).Str("summary", message).str() +
         "\n";
}

}  // namespace brs::app
