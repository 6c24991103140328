#include "app/daemon.h"

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "app/admin_service.h"
#include "app/log.h"
#include "app/sync_progress.h"
#include "rpc/server.h"
#include "sync/rpc_glue.h"
#include "sync/session_error.h"
#include "sync/sync_metrics.h"
#include "sync/sync_service.h"

namespace brs::app {

struct Daemon::Impl {
  DaemonOptions options;
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
  uint64_t config_sub = 0;
  uint64_t peer_sub = 0;
  std::thread watcher;
  std::mutex mu;
  std::condition_variable cv;
  bool stop_requested = false;
  bool stopped = false;
  std::atomic<bool> reload_requested{false};
  SyncProgress progress;  // the watcher thread's

  void RebuildAuth(const v1::Config& cfg) {
    auto a = std::make_shared<const sync::ApiAuthenticator>(cfg.auth(),
                                                            std::vector<std::string>{admin_token});
    std::lock_guard lock(auth_mu);
    auth = std::move(a);
  }
};

namespace {

// A periodic line while ops stream in or out (long initial syncs).
void LogSyncProgress(Daemon::Impl& m) {
  auto line = m.progress.Tick(m.sync_metrics->ops_received.Value(),
                              m.sync_metrics->ops_sent.Value(), rpc::SteadyNowMs());
  if (!line) return;
  LogInfo("sync progress", {{"received", std::to_string(line->received)},
                            {"received_per_s", std::to_string(std::lround(line->received_per_s))},
                            {"sent", std::to_string(line->sent)},
                            {"sent_per_s", std::to_string(std::lround(line->sent_per_s))},
                            {"received_total", std::to_string(line->received_total)},
                            {"sent_total", std::to_string(line->sent_total)}});
}

}  // namespace

Daemon::Daemon(DaemonOptions options) : impl_(std::make_unique<Impl>()) {
  impl_->options = std::move(options);
}

Daemon::~Daemon() { Stop(); }

Status Daemon::Start() {
  Impl& m = *impl_;
  const DataDir& dir = m.options.dir;
  BRS_ASSIGN_OR_RETURN(m.config, OpenConfig(dir));
  BRS_ASSIGN_OR_RETURN(auto id, LoadIdentity(*m.config->Get()));
  m.identity.emplace(std::move(id));
  store::OplogStore::Options oo;
  oo.path = dir.oplog();
  auto oplog = store::OplogStore::Open(oo);
  if (!oplog.ok()) {
    if (oplog.status().code() == Code::kUnavailable) {
      return Unavailable("another backrest-sync daemon is already serving " + dir.path);
    }
    return oplog.status();
  }
  m.oplog = std::move(*oplog);
  BRS_ASSIGN_OR_RETURN(m.peers, store::PeerStateStore::Open(dir.state()));
  store::LogStore::Options lo;
  lo.path = dir.logs();
  BRS_ASSIGN_OR_RETURN(m.logs, store::LogStore::Open(lo));
  BRS_ASSIGN_OR_RETURN(m.admin_token, EnsureAdminToken(dir));
  m.RebuildAuth(*m.config->Get());

  m.sync_metrics = std::make_unique<sync::SyncMetrics>(m.registry);
  sync::SyncServiceOptions so;
  so.env = sync::SyncEnv{m.config.get(),
                         m.oplog.get(),
                         m.peers.get(),
                         m.logs.get(),
                         &store::SystemClock::Instance(),
                         m.sync_metrics.get()};
  so.env.log = [](const sync::SyncLogLine& line) {
    std::vector<LogField> fields;
    for (const auto& [k, v] : line.fields) fields.emplace_back(k, v);
    Log(line.warning ? LogLevel::kWarn : LogLevel::kInfo, line.message, fields);
  };
  so.tunables.heartbeat_interval_ms = m.options.heartbeat_interval_ms;
  so.identity = &*m.identity;
  so.retry_delay = std::chrono::milliseconds(m.options.retry_delay_ms);
  sync::RpcDialer::Options dopts;
  dopts.ca_file = m.options.ca_file;
  m.dialer = std::make_unique<sync::RpcDialer>(dopts);
  m.sync = std::make_unique<sync::SyncService>(so, m.dialer.get());

  // One log line per session event (a change of state or message; not the
  // heartbeats and resource updates in between).
  auto last_seen = std::make_shared<std::map<std::string, std::string>>();
  auto last_mu = std::make_shared<std::mutex>();
  m.peer_sub = m.peers->Subscribe([last_seen, last_mu](const v1sync::PeerState& s) {
    {
      std::lock_guard lock(*last_mu);
      std::string key = std::to_string(s.state()) + "\n" + s.status_message();
      auto& prev = (*last_seen)[s.peer_keyid()];
      if (prev == key) return;
      prev = key;
    }
    const auto state = v1sync::ConnectionState_Name(s.state());
    const bool error = s.state() >= v1sync::CONNECTION_STATE_ERROR_AUTH;
    Log(error ? LogLevel::kWarn : LogLevel::kInfo, "peer state",
        {{"peer", s.peer_instance_id()},
         {"keyid", s.peer_keyid()},
         {"state", state.substr(std::string_view("CONNECTION_STATE_").size())},
         {"message", s.status_message()}});
  });

  rpc::ServerOptions ro;
  ro.listen = m.options.listen;
  ro.tls_cert_file = m.options.tls_cert;
  ro.tls_key_file = m.options.tls_key;
  ro.io_threads = m.options.io_threads;
  m.server = std::make_unique<rpc::Server>(ro);
  sync::RegisterSyncServices(*m.server, *m.sync, [this] {
    std::lock_guard lock(impl_->auth_mu);
    return impl_->auth;
  });
  m.admin = AdminContext{m.oplog.get(),
                         m.config.get(),
                         m.logs.get(),
                         m.sync.get(),
                         m.admin_token,
                         "",
                         std::chrono::duration_cast<std::chrono::seconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count()};
  RegisterAdminService(*m.server, &m.admin);
  m.server->HandleGet("/healthz", [](const std::string&, const rpc::Headers&) {
    return rpc::HttpResponse{200, "text/plain; charset=utf-8", "ok\n"};
  });
  m.server->HandleGet("/metrics", [this](const std::string&, const rpc::Headers&) {
    Impl& mm = *impl_;
    if (auto states = mm.sync->state().Snapshot(); states.ok()) {
      std::map<std::string, int64_t> by_state;
      for (int s = v1sync::ConnectionState_MIN; s <= v1sync::ConnectionState_MAX; ++s) {
        if (v1sync::ConnectionState_IsValid(s)) {
          std::string name = v1sync::ConnectionState_Name(static_cast<v1sync::ConnectionState>(s));
          by_state[name.substr(17)] = 0;
        }
      }
      for (const auto& st : *states)
        by_state[v1sync::ConnectionState_Name(st.state()).substr(17)]++;
      for (const auto& [k, v] : by_state) mm.sync_metrics->peers_by_state.With({k}).Set(v);
    }
    return rpc::HttpResponse{200, "text/plain; version=0.0.4; charset=utf-8", mm.registry.Render()};
  });
  BRS_RETURN_IF_ERROR(m.server->Start());
  m.admin.listen = m.server->address();
  BRS_RETURN_IF_ERROR(m.sync->Start());
  m.config_sub = m.config->Subscribe(
      [this](const store::ConfigStore::ConfigPtr& cfg) { impl_->RebuildAuth(*cfg); });
  // The CLI finds the daemon here; with TLS it pins the daemon's own
  // certificate (by absolute path), whatever names it carries.
  std::string info = "{\"listen\":\"" + JsonEscape(m.server->address()) +
                     "\",\"pid\":" + std::to_string(::getpid()) + ",\"tls\":" +
                     (m.options.tls_cert.empty() ? "false" : "true");
  if (!m.options.tls_cert.empty()) {
    std::error_code ec;
    auto abs = std::filesystem::absolute(m.options.tls_cert, ec);
    info += ",\"tls_cert\":\"" + JsonEscape(ec ? m.options.tls_cert : abs.string()) + "\"";
  }
  BRS_RETURN_IF_ERROR(WriteFileAtomic(dir.daemon_info(), info + "}\n", 0600));
  // Pick up edits of config.json made by other processes.
  m.watcher = std::thread([this] {
    Impl& mm = *impl_;
    std::unique_lock lock(mm.mu);
    while (!mm.stopped) {
      mm.cv.wait_for(lock, std::chrono::milliseconds(500));
      if (mm.stopped) break;
      lock.unlock();
      auto changed = mm.config->Reload();
      if (!changed.ok()) {
        LogWarn("config reload failed; keeping the current config",
                {{"error", changed.status().message()}});
      } else if (*changed) {
        LogInfo("config reloaded", {{"modno", std::to_string(mm.config->Get()->modno())}});
      }
      if (mm.reload_requested.exchange(false)) mm.sync->RedialNow();
      LogSyncProgress(mm);
      lock.lock();
    }
  });
  auto cfg = m.config->Get();
  LogInfo("serving",
          {{"instance", cfg->instance()},
           {"keyid", m.identity->key_id()},
           {"listen", m.server->address()},
           {"tls", m.options.tls_cert.empty() ? "off" : "on"},
           {"known_hosts", std::to_string(cfg->multihost().known_hosts_size())},
           {"authorized_clients", std::to_string(cfg->multihost().authorized_clients_size())}});
  return Status();
}

std::string Daemon::address() const { return impl_->server ? impl_->server->address() : ""; }

void Daemon::Reload() {
  impl_->reload_requested = true;
  impl_->cv.notify_all();
}

void Daemon::RequestStop() {
  {
    std::lock_guard lock(impl_->mu);
    impl_->stop_requested = true;
  }
  impl_->cv.notify_all();
}

void Daemon::Wait() {
  std::unique_lock lock(impl_->mu);
  impl_->cv.wait(lock, [&] { return impl_->stop_requested; });
}

void Daemon::Stop() {
  Impl& m = *impl_;
  {
    std::lock_guard lock(m.mu);
    if (m.stopped) return;
    m.stopped = true;
  }
  m.cv.notify_all();
  if (m.watcher.joinable()) m.watcher.join();
  if (m.sync) m.sync->Stop();
  if (m.server) m.server->Stop(3'000);
  if (m.config && m.config_sub) m.config->Unsubscribe(m.config_sub);
  if (m.peers && m.peer_sub) m.peers->Unsubscribe(m.peer_sub);
  ::unlink(m.options.dir.daemon_info().c_str());
}

namespace {
std::atomic<int> g_signal{0};
void OnSignal(int sig) { g_signal = sig; }
}  // namespace

int RunDaemon(DaemonOptions options) {
  Daemon d(std::move(options));
  Status st = d.Start();
  if (!st.ok()) {
    LogError("cannot start", {{"error", st.message()}});
    std::fprintf(stderr, "backrest-sync: error: %s\n", st.message().c_str());
    return 1;
  }
  struct sigaction sa = {};
  sa.sa_handler = OnSignal;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
  std::thread sig_watch([&d] {
    for (;;) {
      int s = g_signal.exchange(0);
      if (s == SIGHUP) {
        LogInfo("SIGHUP: reloading the config and redialing");
        d.Reload();
      } else if (s == SIGINT || s == SIGTERM) {
        LogInfo("stopping", {{"signal", s == SIGINT ? "SIGINT" : "SIGTERM"}});
        d.RequestStop();
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  d.Wait();
  sig_watch.join();
  d.Stop();
  LogInfo("stopped");
  return 0;
}

}  // namespace brs::app
