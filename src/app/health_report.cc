#include "app/health_report.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

namespace brs::app {
namespace {

using health::v1::HealthReport;

struct PlanEntry {
  BackupSummary summary;
  std::string repo;
  std::optional<v1::Schedule> schedule;
};

struct InstanceEntry {
  std::string keyid;
  std::optional<WallTime> heartbeat;  // nullopt: sends none (this instance, unknown peers)
};

// Everything known, keyed by instance and (instance, plan).
struct Fleet {
  std::map<std::string, InstanceEntry> instances;
  std::map<std::pair<std::string, std::string>, PlanEntry> plans;
};

bool IsPseudoPlan(const std::string& plan) {
  return plan == "_unassociated_" || plan == "_system_";
}

bool Newer(const std::optional<BackupRecord>& a, const std::optional<BackupRecord>& b) {
  return a && (!b || a->start > b->start);
}

void AddConfigPlans(Fleet& fleet, const std::string& instance,
                    const google::protobuf::RepeatedPtrField<v1::Plan>& plans) {
  for (const v1::Plan& p : plans) {
    if (IsPseudoPlan(p.id())) continue;
    PlanEntry& e = fleet.plans[{instance, p.id()}];
    if (e.repo.empty()) e.repo = p.repo();
    if (p.has_schedule()) e.schedule = p.schedule();
  }
}

void AddClients(Fleet& fleet, const HealthSources& src) {
  std::set<std::string> clients;
  for (const auto& c : src.config->multihost().authorized_clients()) clients.insert(c.keyid());
  for (const v1sync::PeerState& p : src.peers) {
    if (!clients.count(p.peer_keyid()) || p.peer_instance_id().empty()) continue;
    const std::string& id = p.peer_instance_id();
    if (!src.instance_filter.empty() && id != src.instance_filter) continue;
    InstanceEntry& e = fleet.instances[id];
    const WallTime hb = WallFromUnixMillis(p.last_heartbeat_millis());
    if (!e.heartbeat || hb > *e.heartbeat) {
      e.heartbeat = hb;
      e.keyid = p.peer_keyid();
    }
    AddConfigPlans(fleet, id, p.remote_config().plans());
  }
}

Status AddOplogGroups(Fleet& fleet, store::OplogStore& oplog, const std::string& filter) {
  return oplog.ScanGroups([&](const store::OpGroup& g, store::GroupOpReader& reader) {
    if (IsPseudoPlan(g.plan_id) || (!filter.empty() && g.instance_id != filter)) return true;
    BackupSummary s = SummarizeBackups([&](v1::Operation* op) { return reader.Next(op); });
    auto [it, added] = fleet.instances.try_emplace(g.instance_id);
    if (added) it->second.keyid = g.original_instance_keyid;
    PlanEntry& e = fleet.plans[{g.instance_id, g.plan_id}];
    if (Newer(s.last, e.summary.last) || e.repo.empty()) {
      if (Newer(s.last, e.summary.last)) e.summary.last = s.last;
      e.repo = g.repo_id;
    }
    if (Newer(s.last_success, e.summary.last_success)) e.summary.last_success = s.last_success;
    return true;
  });
}

health::v1::PlanHealth JudgePlan(const HealthSources& src, const std::string& instance,
                                 const std::string& plan, const PlanEntry& e,
                                 const InstanceEntry& inst) {
  std::optional<Seconds> interval;
  if (e.schedule) interval = ScheduleInterval(*e.schedule);
  const MaxAge max_age = PlanMaxAge(src.settings, instance, plan, interval);
  const PlanVerdict v = JudgePlanHealth(e.summary, inst.heartbeat, src.now,
                                        {max_age.value, src.settings.unreachable_after});
  health::v1::PlanHealth p;
  p.set_instance_id(instance);
  p.set_plan_id(plan);
  p.set_repo_id(e.repo);
  p.set_state(HealthStateProto(v.state));
  p.set_reason(v.reason);
  if (const auto& last = e.summary.last) {
    p.set_last_backup_ms(UnixMillis(last->start));
    p.set_last_status(last->status);
    p.set_duration_ms(last->duration_ms);
    p.set_bytes_added(last->bytes_added);
  }
  if (e.summary.last_success) p.set_last_success_ms(UnixMillis(e.summary.last_success->start));
  p.set_max_age_s(max_age.value.count());
  p.set_max_age_from(max_age.from);
  return p;
}

// An instance's state: unreachable, no plans, or its worst plan's.
health::v1::HealthState InstanceState(const HealthSources& src, const InstanceEntry& e,
                                      const std::vector<health::v1::HealthState>& plans) {
  if (IsUnreachable(e.heartbeat, src.now, src.settings.unreachable_after)) {
    return health::v1::HEALTH_UNREACHABLE;
  }
  if (plans.empty()) return health::v1::HEALTH_NO_PLANS;
  return *std::max_element(plans.begin(), plans.end());
}

HealthReport Judge(const Fleet& fleet, const HealthSources& src) {
  HealthReport report;
  report.set_now_ms(UnixMillis(src.now));
  std::map<std::string, std::vector<health::v1::HealthState>> states;
  static const InstanceEntry kNone;
  for (const auto& [key, e] : fleet.plans) {
    auto it = fleet.instances.find(key.first);
    const InstanceEntry& inst = it == fleet.instances.end() ? kNone : it->second;
    *report.add_plans() = JudgePlan(src, key.first, key.second, e, inst);
    states[key.first].push_back(report.plans().rbegin()->state());
  }
  for (const auto& [id, e] : fleet.instances) {
    health::v1::InstanceHealth* i = report.add_instances();
    i->set_instance_id(id);
    i->set_peer_keyid(e.keyid);
    if (e.heartbeat) i->set_last_heartbeat_ms(UnixMillis(*e.heartbeat));
    const auto& plans = states[id];
    i->set_plans(static_cast<int32_t>(plans.size()));
    i->set_state(InstanceState(src, e, plans));
  }
  return report;
}

}  // namespace

StatusOr<HealthReport> BuildHealthReport(store::OplogStore& oplog, const HealthSources& src) {
  Fleet fleet;
  const std::string& self = src.config->instance();
  if (src.instance_filter.empty() || src.instance_filter == self) {
    AddConfigPlans(fleet, self, src.config->plans());
    if (src.include_self) fleet.instances.try_emplace(self);
  }
  AddClients(fleet, src);
  BRS_RETURN_IF_ERROR(AddOplogGroups(fleet, oplog, src.instance_filter));
  for (const auto& [key, e] : fleet.plans) {
    (void)e;
    fleet.instances.try_emplace(key.first);  // this instance, when it has plans
  }
  return Judge(fleet, src);
}

health::v1::HealthState HealthStateProto(HealthState state) {
  switch (state) {
    case HealthState::kOk:
      return health::v1::HEALTH_OK;
    case HealthState::kWarning:
      return health::v1::HEALTH_WARNING;
    case HealthState::kFailing:
      return health::v1::HEALTH_FAILING;
    case HealthState::kStale:
      return health::v1::HEALTH_STALE;
    case HealthState::kUnreachable:
      return health::v1::HEALTH_UNREACHABLE;
  }
  return health::v1::HEALTH_UNKNOWN;
}

std::string HealthStateText(health::v1::HealthState state) {
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
      return "no plans";
    default:
      return "unknown";
  }
}

int HealthStateSeverity(health::v1::HealthState state) {
  switch (state) {
    case health::v1::HEALTH_OK:
    case health::v1::HEALTH_NO_PLANS:
      return 0;
    case health::v1::HEALTH_WARNING:
      return 1;
    case health::v1::HEALTH_UNKNOWN:
      return 3;
    default:
      return 2;
  }
}

}  // namespace brs::app
