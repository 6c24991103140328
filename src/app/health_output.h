// How `backrest-sync health` prints a report, as a monitoring plugin
// (Nagios/Icinga/Zabbix): exit code 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN;
// the first line "BACKUP <STATUS> - <summary> | <perfdata>", then one line
// per plan and per instance without plans (the plugin's long output).
//
// Perfdata: the number of plans per state (ok, warning, failing, stale,
// unreachable) and of instances without plans (no_plans), then per plan
// 'INSTANCE/PLAN last_success_age'=Ns;;MAX_AGE;0 (U when it never
// succeeded), whose critical threshold is the plan's max age.
//
// The status is the worst over plans and instances: ok → OK; warning →
// WARNING; failing, stale, unreachable → CRITICAL. An empty report (no
// instance known, or none matching --instance) is UNKNOWN.
#pragma once

#include <string>

#include "brs/health.pb.h"

namespace brs::app {

// 0, 1, 2 or 3 as above.
int HealthExitCode(const health::v1::HealthReport& report);
// "OK", "WARNING", "CRITICAL", "UNKNOWN" for an exit code.
std::string PluginStatusName(int exit_code);
// The summary line, perfdata and long output (each line ends in '\n').
std::string HealthPluginText(const health::v1::HealthReport& report);
// One JSON object (one line): {"status","exit_code","summary","now_ms",
// "counts":{…},"instances":[{"instance","keyid","state","last_heartbeat_ms",
// "plans"}],"plans":[{"instance","plan","repo","state","reason",
// "last_backup_ms","last_status","last_success_ms","duration_ms",
// "bytes_added","max_age_s","max_age_from"}]}.
std::string HealthJson(const health::v1::HealthReport& report);
// An error as the plugin reports it: "BACKUP UNKNOWN - <message>", or
// with json the object {"status":"UNKNOWN","exit_code":3,"summary":…}.
std::string HealthErrorText(const std::string& message, bool json);

}  // namespace brs::app
