// `backrest-sync serve`: runs the daemon (app/daemon.h) on this data
// directory; a fresh machine gets `init` first (embedded defaults).
#include "app/commands.h"
#include "app/daemon.h"

namespace brs::app {
namespace {

struct ServeFlags {
  DaemonOptions daemon;
  int64_t heartbeat_s = 600;
  int64_t retry_s = 60;
};

Outcome RunServe(CommandContext& ctx, ServeFlags& flags) {
  if (flags.daemon.tls_cert.empty() != flags.daemon.tls_key.empty()) {
    return Outcome::Usage("--tls-cert and --tls-key go together");
  }
  if (flags.heartbeat_s <= 0) return Outcome::Usage("--heartbeat must be positive");
  if (flags.retry_s <= 0) return Outcome::Usage("--retry-delay must be positive");
  if (auto existing = ExistingDataDir(ctx.flags().data);
      !existing.ok() && existing.status().code() == Code::kNotFound) {
    ctx.err() << "backrest-sync: no data directory at " << ctx.flags().data
              << "; initializing it\n";
    Outcome o = RunInit(ctx, InitFlags{});
    if (!o.ok()) return o;
  }
  BRS_ASSIGN_OR_RETURN(DataDir dir, ctx.RequireDataDir());
  flags.daemon.dir = dir;
  flags.daemon.heartbeat_interval_ms = flags.heartbeat_s * 1000;
  flags.daemon.retry_delay_ms = flags.retry_s * 1000;
  ctx.out().flush();
  const int code = RunDaemon(flags.daemon);
  return code == 0 ? Outcome() : Outcome::Silent(code);
}

}  // namespace

void RegisterServe(CommandRegistry& r) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* c = r.AddCommand(nullptr, "serve", "run the hub and client roles",
                             [flags](CommandContext& ctx) { return RunServe(ctx, *flags); });
  c->add_option("--listen", flags->daemon.listen, "address to listen on (default 127.0.0.1:9898)");
  c->add_option("--tls-cert", flags->daemon.tls_cert, "PEM certificate (enables TLS)");
  c->add_option("--tls-key", flags->daemon.tls_key, "PEM private key");
  c->add_option("--ca", flags->daemon.ca_file, "PEM CA bundle for https:// known hosts");
  c->add_flag("--insecure-no-auth", flags->daemon.insecure_no_auth,
              "honour auth.disabled on a non-loopback --listen (anyone reaching the port can "
              "read peer configs and push config)");
  c->add_option("--heartbeat", flags->heartbeat_s, "seconds between heartbeats (Backrest: 600)");
  c->add_option("--retry-delay", flags->retry_s, "reconnect delay base in seconds (Backrest: 60)");
}

}  // namespace brs::app
