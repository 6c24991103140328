// `backrest-sync health [--json] [--instance N]`: backup health per
// (instance, plan) as a monitoring plugin (app/health_output.h), computed
// by app/health_report.h from the oplog, the peer states, the config and
// DIR/health.json: by the running daemon (admin API Health) when it holds
// the oplog, else here from the stores. Any error is UNKNOWN (exit 3), as
// the plugin convention wants, printed on stdout like every other result.
#include "app/admin_service.h"
#include "app/commands.h"
#include "app/daemon_link.h"
#include "app/health_output.h"
#include "app/health_report.h"
#include "app/peer_view.h"

namespace brs::app {
namespace {

struct HealthFlags {
  std::string instance;
};

// The daemon's report (it holds the oplog).
StatusOr<health::v1::HealthReport> DaemonReport(const DataDir& dir, const std::string& instance,
                                                const Status& direct_error) {
  auto link = FindDaemon(dir);
  if (!link) {
    return Unavailable(dir.oplog() + " is held by another process (a daemon?) but no daemon " +
                       "address is advertised in " + dir.daemon_info() + ": " +
                       direct_error.message());
  }
  health::v1::HealthRequest req;
  req.set_instance_id(instance);
  auto body = link->client->Unary(kAdminHealth, req.SerializeAsString(), link->auth, 30'000);
  if (!body.ok()) {
    return Status(body.status().code(), "the daemon at " + link->base_url +
                                            " does not answer: " + body.status().message());
  }
  health::v1::HealthReport report;
  if (!report.ParseFromString(*body)) return Internal("the daemon's health report is malformed");
  return report;
}

StatusOr<health::v1::HealthReport> LoadReport(CommandContext& ctx, const HealthFlags& flags) {
  BRS_ASSIGN_OR_RETURN(DataDir dir, ctx.RequireDataDir());
  store::OplogStore::Options o;
  o.path = dir.oplog();
  auto oplog = store::OplogStore::Open(o);
  if (!oplog.ok() && oplog.status().code() == Code::kUnavailable) {
    return DaemonReport(dir, flags.instance, oplog.status());
  }
  BRS_RETURN_IF_ERROR(oplog.status());
  BRS_ASSIGN_OR_RETURN(auto config, OpenConfig(dir));
  auto cfg = config->Get();
  HealthSources src;
  src.config = cfg.get();
  BRS_ASSIGN_OR_RETURN(src.peers, StoredPeerStates(dir, *config));
  BRS_ASSIGN_OR_RETURN(src.settings, LoadHealthSettings(dir));
  src.now = ctx.env().NowWall();
  src.instance_filter = flags.instance;
  return BuildHealthReport(**oplog, src);
}

Outcome RunHealth(CommandContext& ctx, const HealthFlags& flags) {
  auto report = LoadReport(ctx, flags);
  if (!report.ok()) {
    ctx.out() << HealthErrorText(report.status().message(), ctx.json());
    return Outcome::Silent(3);
  }
  if (!flags.instance.empty() && report->instances_size() == 0) {
    ctx.out() << HealthErrorText("no instance " + flags.instance + " is known", ctx.json());
    return Outcome::Silent(3);
  }
  ctx.out() << (ctx.json() ? HealthJson(*report) : HealthPluginText(*report));
  const int code = HealthExitCode(*report);
  return code == 0 ? Outcome() : Outcome::Silent(code);
}

}  // namespace

void RegisterHealth(CommandRegistry& r) {
  auto flags = std::make_shared<HealthFlags>();
  CLI::App* c =
      r.AddCommand(nullptr, "health",
                   "backup health per instance and plan (monitoring plugin: exit 0 OK, 1 WARNING, "
                   "2 CRITICAL, 3 UNKNOWN)",
                   [flags](CommandContext& ctx) { return RunHealth(ctx, *flags); });
  c->add_option("--instance", flags->instance, "only this instance");
  r.SetUsageExitCode(c, 3);  // the plugin convention: a bad call is UNKNOWN
}

}  // namespace brs::app
