#include "sync/sync_service.h"

#include <google/protobuf/util/message_differencer.h>

#include <set>

#include "sync/handler_factory.h"
#include "sync/hub_session.h"
#include "sync/reconnect_policy.h"
#include "sync/session_error.h"

namespace brs::sync {
namespace {

bool SameEntryButSecret(v1::Multihost::Peer a, v1::Multihost::Peer b) {
  a.clear_initial_pairing_secret();
  b.clear_initial_pairing_secret();
  return google::protobuf::util::MessageDifferencer::Equals(a, b);
}

}  // namespace

SyncService::SyncService(SyncServiceOptions options, Dialer* dialer)
    : options_(std::move(options)),
      dialer_(dialer),
      state_(options_.env.config, options_.env.peers, &sessions_),
      admission_(options_.admission, options_.env),
      pool_(options_.session_threads) {}

SyncService::~SyncService() { Stop(); }

SessionOptions SyncService::BaseOptions(Role role) const {
  SessionOptions o;
  o.role = role;
  o.env = options_.env;
  o.tunables = options_.tunables;
  o.identity = options_.identity;
  o.instance_id = options_.env.config->Get()->instance();
  o.handshake_timeout_ms = options_.handshake_timeout_ms;
  return o;
}

Status SyncService::Start() {
  if (options_.identity == nullptr) return FailedPrecondition("no identity: run init first");
  auto config = options_.env.config->Get();
  std::vector<store::PeerRef> peers;
  for (const auto& p : config->multihost().known_hosts())
    peers.push_back({p.keyid(), p.instance_id()});
  for (const auto& p : config->multihost().authorized_clients()) {
    peers.push_back({p.keyid(), p.instance_id()});
  }
  BRS_RETURN_IF_ERROR(options_.env.peers->ResetAllToDisconnected(peers));
  config_sub_ = options_.env.config->Subscribe(
      [this](const store::ConfigStore::ConfigPtr& cfg) { SyncClientLoops(*cfg); });
  SyncClientLoops(*config);
  return Status();
}

void SyncService::Stop() {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (config_sub_ != 0) options_.env.config->Unsubscribe(config_sub_);
  sessions_.TerminateAll(Disconnected("server shutting down"));
  StopEventSessions();
  std::vector<std::unique_ptr<ClientLoop>> loops;
  {
    std::lock_guard lock(mu_);
    for (auto& [k, l] : loops_) {
      l->stop = true;
      if (l->session) l->session->Terminate(Disconnected("shutting down"));
      loops.push_back(std::move(l));
    }
    loops_.clear();
    for (auto& l : retired_) loops.push_back(std::move(l));
    retired_.clear();
    cv_.notify_all();
  }
  for (auto& l : loops) {
    if (l->thread.joinable()) l->thread.join();
  }
}

Status SyncService::ServeStream(SyncTransport* transport, const PeerFeatures& peer_features,
                                const std::string& remote_address) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return Unavailable("shutting down");
  }
  SessionOptions o = BaseOptions(Role::kHub);
  o.peer_features = peer_features;
  o.remote_address = remote_address;
  return HubSession::Create(std::move(o), transport, &sessions_)->Run();
}

void SyncService::ServeEventStream(std::shared_ptr<EventTransport> transport,
                                   const PeerFeatures& peer_features,
                                   const std::string& remote_address) {
  uint64_t number = 0;
  {
    std::lock_guard lock(mu_);
    if (stopping_) {
      transport->Finish(Unavailable("shutting down"));
      return;
    }
    number = next_event_session_++;
  }
  auto start = [this, number, transport, peer_features, remote_address] {
    StartEventSession(number, transport, peer_features, remote_address);
  };
  if (admission_.Admit(number, std::move(start)) == HandshakeAdmission::Outcome::kRefused) {
    transport->Finish(Unavailable(admission_.RefusalMessage()));
  }
}

void SyncService::StartEventSession(uint64_t number, std::shared_ptr<EventTransport> transport,
                                    const PeerFeatures& peer_features,
                                    const std::string& remote_address) {
  SessionOptions o = BaseOptions(Role::kHub);
  o.peer_features = peer_features;
  o.remote_address = remote_address;
  // The handshake's slot goes to the next one once the client is
  // authorized (or, failing that, when the session ends).
  o.on_authorized = [this, number](const v1::Multihost::Peer&) { admission_.Release(number); };
  auto session = HubSession::CreateOnPool(std::move(o), std::move(transport), pool_, &sessions_);
  {
    std::lock_guard lock(mu_);
    event_sessions_[number] = session;
  }
  session->Start([this, number](const Status&) {
    admission_.Release(number);
    std::lock_guard lock(mu_);
    event_sessions_.erase(number);
    cv_.notify_all();
  });
}

size_t SyncService::event_sessions() const {
  std::lock_guard lock(mu_);
  return event_sessions_.size();
}

// Ends every hub session on the pool (in any phase) and waits for them.
void SyncService::StopEventSessions() {
  admission_.StartAllWaiting();  // so that each is terminated below
  std::vector<std::shared_ptr<HubSession>> live;
  {
    std::lock_guard lock(mu_);
    for (auto& [n, s] : event_sessions_) live.push_back(s);
  }
  for (auto& s : live) s->Terminate(Disconnected("server shutting down"));
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return event_sessions_.empty(); });
}

std::shared_ptr<SessionRunner> SyncService::ClientSession(const std::string& host_keyid) {
  std::lock_guard lock(mu_);
  auto it = loops_.find(host_keyid);
  if (it == loops_.end()) return nullptr;
  return it->second->session;
}

void SyncService::RedialNow() {
  std::lock_guard lock(mu_);
  for (auto& [k, l] : loops_) l->redial = true;
  cv_.notify_all();
}

void SyncService::SyncClientLoops(const v1::Config& config) {
  if (dialer_ == nullptr) return;
  std::lock_guard lock(mu_);
  if (stopping_) return;
  std::set<std::string> wanted;
  for (const auto& kh : config.multihost().known_hosts()) {
    wanted.insert(kh.keyid());
    auto it = loops_.find(kh.keyid());
    if (it != loops_.end() && !it->second->dialed.keyid().empty() &&
        !SameEntryButSecret(kh, it->second->dialed)) {
      it->second->redial = true;  // e.g. `join --replace` during a back-off
    }
  }
  for (auto it = loops_.begin(); it != loops_.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    it->second->stop = true;  // the session itself ends through OnConfigChanged
    if (it->second->session) it->second->session->Terminate(Disconnected("known host removed"));
    retired_.push_back(std::move(it->second));
    it = loops_.erase(it);
  }
  for (const auto& keyid : wanted) {
    if (loops_.count(keyid)) continue;
    auto loop = std::make_unique<ClientLoop>();
    loop->keyid = keyid;
    ClientLoop* raw = loop.get();
    loops_[keyid] = std::move(loop);
    raw->thread = std::thread([this, raw] { RunClientLoop(raw); });
  }
  cv_.notify_all();
}

void SyncService::WaitFor(ClientLoop* loop, std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [&] { return loop->stop || loop->redial; });
  loop->redial = false;
}

void SyncService::RunClientLoop(ClientLoop* loop) {
  ReconnectPolicy policy(options_.retry_delay);
  for (;;) {
    {
      std::lock_guard lock(mu_);
      if (loop->stop) return;
    }
    // The newest entry for this host (it may have changed since last time).
    auto config = options_.env.config->Get();
    const v1::Multihost::Peer* host = nullptr;
    for (const auto& kh : config->multihost().known_hosts()) {
      if (kh.keyid() == loop->keyid) host = &kh;
    }
    if (host == nullptr) return;
    const v1::Multihost::Peer entry = *host;
    {
      std::lock_guard lock(mu_);
      loop->dialed = entry;
    }
    const MonoTime started = options_.env.clock->NowMono();
    (void)options_.env.peers->SetConnectionState(entry.keyid(), entry.instance_id(),
                                                 v1sync::CONNECTION_STATE_PENDING, "connecting");
    auto conn = dialer_->Dial(entry, options_.ours);
    if (!conn.ok()) {
      (void)options_.env.peers->SetConnectionState(
          entry.keyid(), entry.instance_id(), ConnectionStateFor(conn.status()),
          "dial " + entry.instance_url() + ": " + conn.status().message());
    } else {
      SessionOptions o = BaseOptions(Role::kClient);
      o.known_host = entry;
      o.remote_address = entry.instance_url();
      o.peer_features = conn->peer_features;
      o.resolve_peer_features = conn->resolve_peer_features;
      o.make_handler = NewClientHandler;
      auto runner = SessionRunner::Create(std::move(o), conn->transport.get());
      {
        std::lock_guard lock(mu_);
        if (loop->stop) return;
        loop->session = runner;
      }
      Status end = runner->Run();
      {
        std::lock_guard lock(mu_);
        loop->session.reset();
      }
      if (runner->peer().keyid().empty()) {
        // Ended before the handshake completed: no handler recorded it.
        (void)options_.env.peers->SetConnectionState(
            entry.keyid(), entry.instance_id(), ConnectionStateFor(end), StatusMessageFor(end));
      }
    }
    const Millis lasted = options_.env.clock->NowMono() - started;
    WaitFor(loop, policy.NextDelay(lasted));
  }
}

}  // namespace brs::sync
