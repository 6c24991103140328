// The hub's health report: every (instance, plan) it knows and every
// instance, judged by the rules of app/health_rules.h at a time handed in.
//
// What is known, and from where:
//  - plans with ops: the oplog's op groups (OplogStore::ScanGroups), each
//    read newest first only as far as its newest finished backup and newest
//    success (one indexed query per group, never a scan of the whole log);
//    groups of one (instance, plan) in several repos or from several keys
//    merge (the newest backup wins). Backrest's pseudo-plans `_unassociated_`
//    and `_system_` are not plans and are left out.
//  - plans without ops yet, and schedules: this instance's config, and each
//    client's remote config (sent under READ_CONFIG) from its peer state.
//  - instances: this instance when it has plans or ops (or always, with
//    include_self), every authorized
//    client (its peer state's instance ID and last heartbeat: a client never
//    heard from is unreachable), and any other instance with ops. Known hosts
//    (hubs this instance reports to) are not judged here.
//
// Pure apart from the oplog read: no clock (now is an input), no files.
#pragma once

#include <string>
#include <vector>

#include "app/health_settings.h"
#include "base/env.h"
#include "base/status.h"
#include "brs/health.pb.h"
#include "store/oplog_store.h"
#include "v1/config.pb.h"
#include "v1sync/syncservice.pb.h"

namespace brs::app {

struct HealthSources {
  const v1::Config* config = nullptr;    // this instance's config (required)
  std::vector<v1sync::PeerState> peers;  // live or stored peer states
  ResolvedHealthSettings settings;
  WallTime now;
  std::string instance_filter;  // only this instance (empty: all)
  bool include_self = false;    // list this instance even without plans or ops
};

StatusOr<health::v1::HealthReport> BuildHealthReport(store::OplogStore& oplog,
                                                     const HealthSources& sources);

// The enum value of a rules state.
health::v1::HealthState HealthStateProto(HealthState state);
// "ok", "warning", …, "no plans" ("unknown" for HEALTH_UNKNOWN).
std::string HealthStateText(health::v1::HealthState state);
// 0 OK, 1 WARNING, 2 CRITICAL (no plans: 0).
int HealthStateSeverity(health::v1::HealthState state);

}  // namespace brs::app
