#include "app/health_metrics.h"

#include <array>
#include <sstream>

#include "app/health_report.h"

namespace brs::app {
namespace {

using health::v1::HealthState;

constexpr std::array<HealthState, 5> kPlanStates = {
    health::v1::HEALTH_OK, health::v1::HEALTH_WARNING, health::v1::HEALTH_FAILING,
    health::v1::HEALTH_STALE, health::v1::HEALTH_UNREACHABLE};
constexpr std::array<HealthState, 7> kInstanceStates = {
    health::v1::HEALTH_OK,     health::v1::HEALTH_WARNING,     health::v1::HEALTH_FAILING,
    health::v1::HEALTH_STALE,  health::v1::HEALTH_UNREACHABLE, health::v1::HEALTH_NO_PLANS,
    health::v1::HEALTH_UNKNOWN};

// A label value in the text format: backslash, quote and newline escaped.
std::string Escape(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string StateLabel(HealthState s) {
  std::string t = HealthStateText(s);
  for (char& c : t) c = c == ' ' ? '_' : c;
  return t;
}

void Header(std::ostream& out, const char* name, const char* help) {
  out << "# HELP " << name << " " << help << "\n# TYPE " << name << " gauge\n";
}

std::string PlanLabels(const health::v1::PlanHealth& p) {
  return "backrest_instance=\"" + Escape(p.instance_id()) + "\",plan=\"" + Escape(p.plan_id()) +
         "\",repo=\"" + Escape(p.repo_id()) + "\"";
}

void RenderPlans(std::ostream& out, const health::v1::HealthReport& r) {
  Header(out, "backrest_sync_backup_health_state", "1 for the plan's health state");
  for (const auto& p : r.plans()) {
    for (HealthState s : kPlanStates) {
      out << "backrest_sync_backup_health_state{" << PlanLabels(p) << ",state=\"" << StateLabel(s)
          << "\"} " << (p.state() == s ? 1 : 0) << "\n";
    }
  }
  Header(out, "backrest_sync_backup_last_success_timestamp_seconds",
         "start of the plan's newest successful backup");
  for (const auto& p : r.plans()) {
    if (p.last_success_ms() <= 0) continue;
    out << "backrest_sync_backup_last_success_timestamp_seconds{" << PlanLabels(p) << "} "
        << p.last_success_ms() / 1000 << "\n";
  }
  Header(out, "backrest_sync_backup_last_status", "status of the plan's newest finished backup");
  for (const auto& p : r.plans()) {
    if (p.last_backup_ms() <= 0) continue;
    std::string status = v1::OperationStatus_Name(p.last_status());
    if (status.rfind("STATUS_", 0) == 0) status = status.substr(7);
    out << "backrest_sync_backup_last_status{" << PlanLabels(p) << ",status=\"" << status
        << "\"} 1\n";
  }
  Header(out, "backrest_sync_backup_max_age_seconds", "the plan's max age");
  for (const auto& p : r.plans()) {
    out << "backrest_sync_backup_max_age_seconds{" << PlanLabels(p) << "} " << p.max_age_s()
        << "\n";
  }
}

void RenderInstances(std::ostream& out, const health::v1::HealthReport& r) {
  Header(out, "backrest_sync_instance_health_state", "1 for the instance's health state");
  for (const auto& i : r.instances()) {
    for (HealthState s : kInstanceStates) {
      if (s == health::v1::HEALTH_UNKNOWN) continue;
      out << "backrest_sync_instance_health_state{backrest_instance=\"" << Escape(i.instance_id())
          << "\",state=\"" << StateLabel(s) << "\"} " << (i.state() == s ? 1 : 0) << "\n";
    }
  }
  Header(out, "backrest_sync_instance_last_heartbeat_timestamp_seconds",
         "the instance's last heartbeat (0: never heard from)");
  for (const auto& i : r.instances()) {
    if (i.last_heartbeat_ms() <= 0 && i.state() != health::v1::HEALTH_UNREACHABLE) continue;
    out << "backrest_sync_instance_last_heartbeat_timestamp_seconds{backrest_instance=\""
        << Escape(i.instance_id()) << "\"} " << i.last_heartbeat_ms() / 1000 << "\n";
  }
}

}  // namespace

std::string RenderHealthMetrics(const health::v1::HealthReport& report) {
  std::ostringstream out;
  RenderPlans(out, report);
  RenderInstances(out, report);
  return out.str();
}

}  // namespace brs::app
