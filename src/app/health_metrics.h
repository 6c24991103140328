// The health report as Prometheus text, appended to the daemon's /metrics
// at each scrape (the report is built then, from the oplog's op groups:
// app/health_report.h). Labels: `backrest_instance` (not `instance`, which
// Prometheus gives the scraped target), `plan`, `repo`.
//
//   backrest_sync_backup_health_state{backrest_instance,plan,repo,state}
//       1 for the plan's state, 0 for the others (ok, warning, failing,
//       stale, unreachable: every state listed)
//   backrest_sync_backup_last_success_timestamp_seconds{…}   only when one
//   backrest_sync_backup_last_status{…,status}   1, status of the newest
//       finished backup (SUCCESS, ERROR, …), only when one
//   backrest_sync_backup_max_age_seconds{…}
//   backrest_sync_instance_health_state{backrest_instance,state}   as above,
//       with no_plans
//   backrest_sync_instance_last_heartbeat_timestamp_seconds{backrest_instance}
//       for instances that sent one (0: an unreachable client never heard
//       from); none for this instance
#pragma once

#include <string>

#include "brs/health.pb.h"

namespace brs::app {

std::string RenderHealthMetrics(const health::v1::HealthReport& report);

}  // namespace brs::app
