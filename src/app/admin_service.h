// The daemon's admin API for the CLI and the dashboard (proto/brs/admin.proto),
// behind the admin bearer token (or a dashboard session): add, query (page by page, newest first),
// update and delete operations (the daemon holds the oplog open; app/oplog_actions.h checks them),
// fetch a peer's log, push config to a client and wait for its outcome, change this instance's
// config (UpdateConfig: the daemon writes config.json and applies it before answering), status, and
// the backup health report (Health).
#pragma once

#include <functional>
#include <string>

#include "app/data_dir.h"
#include "app/web_sessions.h"
#include "base/env.h"
#include "brs/health.pb.h"
#include "rpc/server.h"
#include "store/oplog_store.h"
#include "sync/sync_service.h"

namespace brs::app {

inline constexpr std::string_view kAdminAddOps = "/brs.admin.v1.Admin/AddOperations";
inline constexpr std::string_view kAdminQueryOps = "/brs.admin.v1.Admin/QueryOperations";
inline constexpr std::string_view kAdminUpdateOps = "/brs.admin.v1.Admin/UpdateOperations";
inline constexpr std::string_view kAdminDeleteOps = "/brs.admin.v1.Admin/DeleteOperations";
inline constexpr std::string_view kAdminFetchLog = "/brs.admin.v1.Admin/FetchLog";
inline constexpr std::string_view kAdminStatus = "/brs.admin.v1.Admin/Status";
inline constexpr std::string_view kAdminPushConfig = "/brs.admin.v1.Admin/PushConfig";
inline constexpr std::string_view kAdminUpdateConfig = "/brs.admin.v1.Admin/UpdateConfig";
// Health: brs.health.v1.HealthRequest -> HealthReport (app/health_report.h)
// from the daemon's oplog, live peer states, config and DIR/health.json.
inline constexpr std::string_view kAdminHealth = "/brs.admin.v1.Admin/Health";
// The longest a PushConfig call waits for the client's outcome.
inline constexpr int64_t kMaxPushWaitMs = 300'000;

struct AdminContext {
  store::OplogStore* oplog = nullptr;
  store::ConfigStore* config = nullptr;
  store::LogStore* logs = nullptr;
  sync::SyncService* sync = nullptr;
  std::string admin_token;
  std::string listen;
  int64_t started_unix = 0;
  DataDir dir;                       // for DIR/health.json
  const Env* env = &Env::Default();  // "now" of the health report
  // The dashboard's sessions: a call with a session cookie and its CSRF
  // header is let in as with the admin token (nullptr: no dashboard).
  WebSessions* web_sessions = nullptr;
};

void RegisterAdminService(rpc::Server& server, const AdminContext* ctx);

// The health report of the daemon's fleet now (what Health answers; also
// rendered into /metrics).
StatusOr<health::v1::HealthReport> DaemonHealth(const AdminContext* ctx,
                                                const health::v1::HealthRequest& req);

}  // namespace brs::app
