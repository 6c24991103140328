#include "app/daemon.h"

#include <signal.h>
#include <unistd.h>

#include <asio/signal_set.hpp>
#include <asio/steady_timer.hpp>
#include <atomic>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <mutex>

#include "app/admin_service.h"
#include "app/auth_policy.h"
#include "app/file_watch.h"
#include "app/health_metrics.h"
#include "app/json_writer.h"
#include "app/log.h"
#include "app/oplog_lock_wait.h"
#include "app/peer_view.h"
#include "app/sync_progress.h"
#include "app/trust_audit.h"
#include "rpc/server.h"
#include "sync/rpc_glue.h"
#include "sync/session_error.h"
#include "sync/sync_metrics.h"
#include "sync/sync_service.h"

namespace brs::app {
namespace {

// How often the event loop offers the op counters to SyncProgress (which
// logs at most one line per interval of its own).
constexpr auto kProgressTick = std::chrono::milliseconds(500);

// A periodic line while ops stream in or out (long initial syncs).
void LogSyncProgress(SyncProgress& progress, const sync::SyncMetrics& metrics, const Env& env) {
  auto line = progress.Tick(metrics.ops_received.Value(), metrics.ops_sent.Value(), env.NowMono());
  if (!line) return;
  LogInfo("sync progress", {{"received", std::to_string(line->received)},
                            {"received_per_s", std::to_string(std::lround(line->received_per_s))},
                            {"sent", std::to_string(line->sent)},
                            {"sent_per_s", std::to_string(std::lround(line->sent_per_s))},
                            {"received_total", std::to_string(line->received_total)},
                            {"sent_total", std::to_string(line->sent_total)}});
}

// One log line per session event: a change of state or message, not the
// heartbeats and resource updates in between.
store::PeerStateStore::Callback PeerStateLogger() {
  auto last_seen = std::make_shared<std::map<std::string, std::string>>();
  auto last_mu = std::make_shared<std::mutex>();
  return [last_seen, last_mu](const v1sync::PeerState& s) {
    {
      std::lock_guard lock(*last_mu);
      std::string key = std::to_string(s.state()) + "\n" + s.status_message();
      auto& prev = (*last_seen)[s.peer_keyid()];
      if (prev == key) return;
      prev = key;
    }
    const bool error = s.state() >= v1sync::CONNECTION_STATE_ERROR_AUTH;
    Log(error ? LogLevel::kWarn : LogLevel::kInfo, "peer state",
        {{"peer", s.peer_instance_id()},
         {"keyid", s.peer_keyid()},
         {"state", ConnectionStateText(s.state())},
         {"message", s.status_message()}});
  };
}

// /metrics: the registry, with the peers-by-state gauge brought up to date
// (every state listed, zero when no peer is in it).
rpc::HttpResponse RenderMetrics(sync::SyncService& sync, sync::SyncMetrics& metrics,
                                metrics::Registry& registry) {
  if (auto states = sync.state().Snapshot(); states.ok()) {
    std::map<std::string, int64_t> by_state;
    for (int s = v1sync::ConnectionState_MIN; s <= v1sync::ConnectionState_MAX; ++s) {
      if (v1sync::ConnectionState_IsValid(s)) {
        by_state[ConnectionStateText(static_cast<v1sync::ConnectionState>(s))] = 0;
      }
    }
    for (const auto& st : *states) by_state[ConnectionStateText(st.state())]++;
    for (const auto& [k, v] : by_state) metrics.peers_by_state.With({k}).Set(v);
  }
  return rpc::HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", registry.Render()};
}

// DIR/daemon.json (app/daemon_link.h): where the CLI finds the daemon; with
// TLS it pins the daemon's own certificate (by absolute path), whatever
// names it carries.
std::string DaemonInfoJson(const std::string& listen, const std::string& tls_cert) {
  JsonObject info;
  info.Str("listen", listen).Int("pid", ::getpid()).Bool("tls", !tls_cert.empty());
  if (!tls_cert.empty()) {
    std::error_code ec;
    auto abs = std::filesystem::absolute(tls_cert, ec);
    info.Str("tls_cert", ec ? tls_cert : abs.string());
  }
  return info.str() + "\n";
}

}  // namespace

struct Daemon::Impl {
  DaemonOptions options;
  // The event loop (Run's thread) and what it waits on. Declared before
  // them: it outlives them.
  asio::io_context loop;
  asio::signal_set signals{loop};
  asio::steady_timer progress_timer{loop};
  std::shared_ptr<FileWatch> config_watch;
  SyncProgress progress;  // the event loop's

  std::unique_ptr<store::ConfigStore> config;
  std::unique_ptr<store::OplogStore> oplog;
  std::unique_ptr<store::PeerStateStore> peers;
  std::unique_ptr<store::LogStore> logs;
  std::optional<crypto::Identity> identity;
  metrics::Registry registry;
  std::unique_ptr<sync::SyncMetrics> sync_metrics;
  std::unique_ptr<sync::RpcDialer> dialer;
  std::unique_ptr<sync::SyncService> sync;
  std::unique_ptr<rpc::Server> server;
  AdminContext admin;
  std::string admin_token;
  std::mutex auth_mu;
  std::shared_ptr<const sync::ApiAuthenticator> auth;
  int auth_mode = -1;  // the AuthMode last logged (guarded by auth_mu)
  uint64_t config_sub = 0;
  uint64_t peer_sub = 0;
  uint64_t trust_sub = 0;
  std::atomic<bool> stopped{false};
  bool wrote_daemon_info = false;

  enum AuthMode { kRequired, kDisabled, kDisabledRefused };

  // The steps of Start, in order.
  Status WatchSignals();
  Status WatchConfigFile();
  Status OpenStores();
  void BuildSyncService();
  void SubscribeAuditTrails();
  void BuildServer();
  Status StartServing();
  void LogServing() const;

  // On the event loop.
  void AwaitSignal();
  void OnSignal(int sig);
  void ReloadConfig();
  void ScheduleProgressTick();

  void RebuildAuth(const v1::Config& cfg);
  void LogAuthMode(AuthMode mode, bool first) const;
};

// Signals are queued from here on; Run's loop handles them.
Status Daemon::Impl::WatchSignals() {
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) {
    asio::error_code ec;
    signals.add(sig, ec);
    if (ec) return Internal("cannot handle signal " + std::to_string(sig) + ": " + ec.message());
  }
  AwaitSignal();
  return Status();
}

void Daemon::Impl::AwaitSignal() {
  signals.async_wait([this](const asio::error_code& ec, int sig) {
    if (!ec) OnSignal(sig);
  });
}

void Daemon::Impl::OnSignal(int sig) {
  if (sig == SIGHUP) {
    LogInfo("SIGHUP: reloading the config and redialing");
    ReloadConfig();
    if (sync) sync->RedialNow();  // none yet while Start waits for the oplog
    AwaitSignal();
    return;
  }
  LogInfo("stopping", {{"signal", sig == SIGINT ? "SIGINT" : "SIGTERM"}});
  loop.stop();
}

// Before the config is read, so no edit made meanwhile goes unnoticed (the
// events wait for Run).
Status Daemon::Impl::WatchConfigFile() {
  const std::string name = std::filesystem::path(options.dir.config()).filename().string();
  BRS_ASSIGN_OR_RETURN(config_watch,
                       FileWatch::Start(loop, options.dir.path, name, [this] { ReloadConfig(); }));
  return Status();
}

void Daemon::Impl::ReloadConfig() {
  if (!config) return;
  auto changed = config->Reload();
  if (!changed.ok()) {
    LogWarn("config reload failed; keeping the current config",
            {{"error", changed.status().message()}});
  } else if (*changed) {
    LogInfo("config reloaded", {{"modno", std::to_string(config->Get()->modno())}});
  }
}

void Daemon::Impl::ScheduleProgressTick() {
  progress_timer.expires_after(kProgressTick);
  progress_timer.async_wait([this](const asio::error_code& ec) {
    if (ec) return;
    LogSyncProgress(progress, *sync_metrics, *options.env);
    ScheduleProgressTick();
  });
}

Status Daemon::Impl::OpenStores() {
  const DataDir& dir = options.dir;
  BRS_ASSIGN_OR_RETURN(config, OpenConfig(dir));
  BRS_RETURN_IF_ERROR(
      CheckAuthDisabledAllowed(config->Get()->auth(), options.listen, options.insecure_no_auth));
  BRS_ASSIGN_OR_RETURN(auto id, LoadIdentity(*config->Get()));
  identity.emplace(std::move(id));
  // A CLI command may hold the oplog's lock for a moment (app/oplog_lock_wait.h);
  // the loop runs meanwhile, so SIGINT/SIGTERM end the wait.
  OplogLockWait w;
  w.wait = Millis(options.store_lock_wait_ms);
  w.env = options.env;
  w.sleep = [this](Millis d) {
    loop.run_for(d);
    return !loop.stopped();
  };
  w.on_waiting = [&dir, &w](const std::string& why) {
    LogWarn(
        "the oplog is locked by another process (a command working on the store?); waiting",
        {{"data", dir.path}, {"up_to_s", std::to_string(w.wait.count() / 1000)}, {"error", why}});
  };
  BRS_ASSIGN_OR_RETURN(oplog, OpenOplogWaitingForLock(dir, w));
  BRS_ASSIGN_OR_RETURN(peers, store::PeerStateStore::Open(dir.state()));
  store::LogStore::Options lo;
  lo.path = dir.logs();
  lo.env = options.env;
  BRS_ASSIGN_OR_RETURN(logs, store::LogStore::Open(lo));
  BRS_ASSIGN_OR_RETURN(admin_token, EnsureAdminToken(dir));
  RebuildAuth(*config->Get());
  return Status();
}

void Daemon::Impl::BuildSyncService() {
  sync_metrics = std::make_unique<sync::SyncMetrics>(registry);
  sync::SyncServiceOptions so;
  so.env = sync::SyncEnv{config.get(),
                         oplog.get(),
                         peers.get(),
                         logs.get(),
                         options.env,
                         sync_metrics.get(),
                         [](std::string_view event, bool warning, const sync::AuditFields& f) {
                           Log(warning ? LogLevel::kWarn : LogLevel::kInfo, event, f);
                         }};
  so.tunables.heartbeat_interval_ms = options.heartbeat_interval_ms;
  so.identity = &*identity;
  so.retry_delay = std::chrono::milliseconds(options.retry_delay_ms);
  sync::RpcDialer::Options dopts;
  dopts.ca_file = options.ca_file;
  dialer = std::make_unique<sync::RpcDialer>(dopts);
  sync = std::make_unique<sync::SyncService>(so, dialer.get());
}

// The audit trail of revocations (tokens, clients), whoever made them, and
// of session events.
void Daemon::Impl::SubscribeAuditTrails() {
  auto seen = std::make_shared<store::ConfigStore::ConfigPtr>(config->Get());
  trust_sub = config->Subscribe([seen](const store::ConfigStore::ConfigPtr& cfg) {
    AuditTrustChanges(**seen, *cfg);
    *seen = cfg;
  });
  peer_sub = peers->Subscribe(PeerStateLogger());
}

void Daemon::Impl::BuildServer() {
  rpc::ServerOptions ro;
  ro.listen = options.listen;
  ro.tls_cert_file = options.tls_cert;
  ro.tls_key_file = options.tls_key;
  ro.io_threads = options.io_threads;
  ro.metrics = &registry;
  ro.on_refusal = [](const rpc::Refusal& r) {
    LogWarn("refused a peer",
            {{"reason", r.reason}, {"peer", r.peer}, {"count", std::to_string(r.count)}});
  };
  server = std::make_unique<rpc::Server>(ro);
  sync::RegisterSyncServices(
      *server, *sync,
      [this] {
        std::lock_guard lock(auth_mu);
        return auth;
      },
      LogAuthRefusal);
  admin = AdminContext{oplog.get(),
                       config.get(),
                       logs.get(),
                       sync.get(),
                       admin_token,
                       "",
                       UnixSeconds(options.env->NowWall()),
                       options.dir,
                       options.env};
  RegisterAdminService(*server, &admin);
  server->HandleGet("/healthz", [](const std::string&, const rpc::Headers&) {
    return rpc::HttpResponse{200, "text/plain; charset=utf-8", "ok\n"};
  });
  server->HandleGet("/metrics", [this](const std::string&, const rpc::Headers&) {
    rpc::HttpResponse r = RenderMetrics(*sync, *sync_metrics, registry);
    auto health = DaemonHealth(&admin, {});
    if (health.ok()) {
      r.body += RenderHealthMetrics(*health);
    } else {
      LogWarn("health metrics not rendered", {{"error", health.status().message()}});
    }
    return r;
  });
}

// Listens, starts the sync roles, then tells the CLI where the daemon is.
Status Daemon::Impl::StartServing() {
  BRS_RETURN_IF_ERROR(server->Start());
  admin.listen = server->address();
  BRS_RETURN_IF_ERROR(sync->Start());
  config_sub =
      config->Subscribe([this](const store::ConfigStore::ConfigPtr& cfg) { RebuildAuth(*cfg); });
  BRS_RETURN_IF_ERROR(WriteFileAtomic(options.dir.daemon_info(),
                                      DaemonInfoJson(server->address(), options.tls_cert), 0600));
  wrote_daemon_info = true;
  return Status();
}

void Daemon::Impl::LogServing() const {
  auto cfg = config->Get();
  const bool auth_off =
      EffectiveAuth(cfg->auth(), options.listen, options.insecure_no_auth).disabled();
  LogInfo("serving",
          {{"instance", cfg->instance()},
           {"keyid", identity->key_id()},
           {"listen", server->address()},
           {"tls", options.tls_cert.empty() ? "off" : "on"},
           {"auth", auth_off ? "disabled" : "required"},
           {"known_hosts", std::to_string(cfg->multihost().known_hosts_size())},
           {"authorized_clients", std::to_string(cfg->multihost().authorized_clients_size())}});
}

// The authenticator for `cfg`; logs when auth turns off, or when a reloaded
// config disables it where that is not allowed.
void Daemon::Impl::RebuildAuth(const v1::Config& cfg) {
  const v1::Auth effective = EffectiveAuth(cfg.auth(), options.listen, options.insecure_no_auth);
  auto a = std::make_shared<const sync::ApiAuthenticator>(effective,
                                                          std::vector<std::string>{admin_token});
  const int mode = effective.disabled()    ? kDisabled
                   : cfg.auth().disabled() ? kDisabledRefused
                                           : kRequired;
  std::lock_guard lock(auth_mu);
  auth = std::move(a);
  if (mode == auth_mode) return;
  const bool first = auth_mode < 0;
  auth_mode = mode;
  LogAuthMode(static_cast<AuthMode>(mode), first);
}

void Daemon::Impl::LogAuthMode(AuthMode mode, bool first) const {
  switch (mode) {
    case kDisabled:
      LogWarn(
          "authentication is disabled (auth.disabled in config.json): anyone who reaches "
          "the listen address can read the peers' configs and push config to clients",
          {{"listen", options.listen}});
      return;
    case kDisabledRefused:
      LogWarn(
          "auth.disabled in config.json ignored: the listen address is not loopback and "
          "--insecure-no-auth was not given; credentials stay required",
          {{"listen", options.listen}});
      return;
    case kRequired:
      if (!first) LogInfo("authentication required again (auth.disabled removed)");
      return;
  }
}

Daemon::Daemon(DaemonOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

Daemon::~Daemon() { Stop(); }

Status Daemon::Start() {
  Impl& m = *impl_;
  BRS_RETURN_IF_ERROR(m.WatchSignals());
  BRS_RETURN_IF_ERROR(m.WatchConfigFile());
  BRS_RETURN_IF_ERROR(m.OpenStores());
  m.BuildSyncService();
  m.SubscribeAuditTrails();
  m.BuildServer();
  BRS_RETURN_IF_ERROR(m.StartServing());
  m.ScheduleProgressTick();
  m.LogServing();
  return Status();
}

std::string Daemon::address() const { return impl_->server ? impl_->server->address() : ""; }

void Daemon::Run() { impl_->loop.run(); }

void Daemon::RequestStop() { impl_->loop.stop(); }

void Daemon::Stop() {
  Impl& m = *impl_;
  if (m.stopped.exchange(true)) return;
  m.loop.stop();
  m.progress_timer.cancel();
  if (m.config_watch) m.config_watch->Close();
  if (m.sync) m.sync->Stop();
  if (m.server) m.server->Stop(3'000);
  if (m.config && m.config_sub) m.config->Unsubscribe(m.config_sub);
  if (m.peers && m.peer_sub) m.peers->Unsubscribe(m.peer_sub);
  if (m.config && m.trust_sub) m.config->Unsubscribe(m.trust_sub);
  // Only our own: a daemon that failed to start leaves another's in place.
  if (m.wrote_daemon_info) ::unlink(m.options.dir.daemon_info().c_str());
}

int RunDaemon(DaemonOptions options) {
  ::signal(SIGPIPE, SIG_IGN);
  Daemon d(std::move(options));
  Status st = d.Start();
  if (st.code() == Code::kCanceled) {  // SIGINT/SIGTERM while Start waited
    LogInfo("stopped before serving", {{"reason", st.message()}});
    return 0;
  }
  if (!st.ok()) {
    LogError("cannot start", {{"error", st.message()}});
    std::fprintf(stderr, "backrest-sync: error: %s\n", st.message().c_str());
    return 1;
  }
  d.Run();
  d.Stop();
  LogInfo("stopped");
  return 0;
}

}  // namespace brs::app
