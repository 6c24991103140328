#include "sync/sync_service.h"

#include <google/protobuf/util/message_differencer.h>

#include <random>
#include <set>

#include "sync/handler_factory.h"
#include "sync/hub_session.h"
#include "sync/reconnect_policy.h"
#include "sync/session_error.h"
#include "sync/session_pool_impl.h"

namespace brs::sync {

// One known host's loop: dial, run the session, back off, dial again. Its
// steps run on `strand` (of the dial pool), one at a time.
struct SyncService::ClientLoop {
  ClientLoop(asio::thread_pool& pool, std::string id, std::chrono::milliseconds retry_delay,
             uint64_t seed)
      : keyid(std::move(id)),
        strand(asio::make_strand(pool)),
        timer(strand),
        policy(retry_delay, seed) {}
  const std::string keyid;
  asio::strand<asio::thread_pool::executor_type> strand;
  // The strand's only:
  asio::steady_timer timer;  // the back-off
  ReconnectPolicy policy;
  MonoTime started{};
  std::thread session_thread;  // a blocking Dialer's live session
  // mu_:
  bool stop = false;
  bool redial = false;
  bool ended = false;
  std::shared_ptr<SessionLoop> session;
  // The entry last dialed: a change of it (other than the pairing secret
  // the client clears itself) redials at once, even mid back-off.
  v1::Multihost::Peer dialed;
};

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
      pool_(options_.session_threads),
      dial_pool_(options_.dial_threads) {}

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
  std::vector<std::shared_ptr<ClientLoop>> loops;
  {
    std::unique_lock lock(mu_);
    for (auto& [k, l] : loops_) loops.push_back(l);
    for (auto& l : retired_) loops.push_back(l);
    for (auto& l : loops) {
      l->stop = true;
      if (l->session) l->session->Terminate(Disconnected("shutting down"));
      WakeLocked(l);
    }
    cv_.wait(lock, [&] { return live_loops_ == 0; });
    loops_.clear();
    retired_.clear();
  }
  for (auto& l : loops) {
    if (l->session_thread.joinable()) l->session_thread.join();
  }
  // Their timers go while the dial pool still runs.
  loops.clear();
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
  admission_.Admit(number, std::move(start), [transport](const std::string& message) {
    transport->Finish(Unavailable(message));
  });
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

std::shared_ptr<SessionLoop> SyncService::ClientSession(const std::string& host_keyid) {
  std::lock_guard lock(mu_);
  auto it = loops_.find(host_keyid);
  if (it == loops_.end()) return nullptr;
  return it->second->session;
}

void SyncService::RedialNow() {
  std::lock_guard lock(mu_);
  for (auto& [k, l] : loops_) {
    l->redial = true;
    WakeLocked(l);
  }
}

void SyncService::WakeLocked(const std::shared_ptr<ClientLoop>& loop) {
  asio::post(loop->strand, [loop] { loop->timer.cancel(); });
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
      WakeLocked(it->second);
    }
  }
  for (auto it = loops_.begin(); it != loops_.end();) {
    if (wanted.count(it->first)) {
      ++it;
      continue;
    }
    it->second->stop = true;  // the session itself ends through OnConfigChanged
    if (it->second->session) it->second->session->Terminate(Disconnected("known host removed"));
    WakeLocked(it->second);
    retired_.push_back(std::move(it->second));
    it = loops_.erase(it);
  }
  for (const auto& keyid : wanted) {
    if (loops_.count(keyid)) continue;
    const uint64_t seed =
        (uint64_t{std::random_device{}()} << 32) ^ std::hash<std::string>{}(keyid);
    auto loop =
        std::make_shared<ClientLoop>(dial_pool_.impl().pool, keyid, options_.retry_delay, seed);
    loops_[keyid] = loop;
    ++live_loops_;
    asio::post(loop->strand, [this, loop] { DialClient(loop); });
  }
}

void SyncService::EndClientLoopLocked(ClientLoop& loop) {
  if (loop.ended) return;
  loop.ended = true;
  --live_loops_;
  cv_.notify_all();
}

void SyncService::DialClient(const std::shared_ptr<ClientLoop>& loop) {
  {
    std::lock_guard lock(mu_);
    if (loop->stop) return EndClientLoopLocked(*loop);
    loop->redial = false;
  }
  // The newest entry for this host (it may have changed since last time).
  auto config = options_.env.config->Get();
  const v1::Multihost::Peer* host = nullptr;
  for (const auto& kh : config->multihost().known_hosts()) {
    if (kh.keyid() == loop->keyid) host = &kh;
  }
  if (host == nullptr) {
    std::lock_guard lock(mu_);
    return EndClientLoopLocked(*loop);
  }
  const v1::Multihost::Peer entry = *host;
  {
    std::lock_guard lock(mu_);
    loop->dialed = entry;
  }
  loop->started = options_.env.clock->NowMono();
  (void)options_.env.peers->SetConnectionState(entry.keyid(), entry.instance_id(),
                                               v1sync::CONNECTION_STATE_PENDING, "connecting");
  auto failed = [&](const Status& st) {
    (void)options_.env.peers->SetConnectionState(
        entry.keyid(), entry.instance_id(), ConnectionStateFor(st),
        "dial " + entry.instance_url() + ": " + st.message());
    BackOff(loop, st, options_.env.clock->NowMono());
  };
  auto event_conn = dialer_->DialEvent(entry, options_.ours);
  if (event_conn.ok()) return RunEventClient(loop, entry, std::move(*event_conn));
  if (event_conn.status().code() != Code::kUnimplemented) return failed(event_conn.status());
  auto conn = dialer_->Dial(entry, options_.ours);
  if (!conn.ok()) return failed(conn.status());
  RunThreadClient(loop, entry, std::move(*conn));
}

namespace {

SessionOptions ClientSessionOptions(SessionOptions o, const v1::Multihost::Peer& entry,
                                    PeerFeatures peer_features,
                                    std::function<PeerFeatures()> resolve) {
  o.known_host = entry;
  o.remote_address = entry.instance_url();
  o.peer_features = peer_features;
  o.resolve_peer_features = std::move(resolve);
  o.make_handler = NewClientHandler;
  return o;
}

}  // namespace

void SyncService::RunEventClient(const std::shared_ptr<ClientLoop>& loop,
                                 const v1::Multihost::Peer& entry, Dialer::EventConnection conn) {
  SessionOptions o = ClientSessionOptions(BaseOptions(Role::kClient), entry, {},
                                          std::move(conn.resolve_peer_features));
  auto runner = EventSessionRunner::Create(std::move(o), std::move(conn.transport), pool_);
  {
    std::lock_guard lock(mu_);
    if (loop->stop) {
      runner.reset();  // never started: dropping it cancels the stream
      return EndClientLoopLocked(*loop);
    }
    loop->session = runner;
  }
  EventSessionRunner* raw = runner.get();
  runner->Start([this, loop, raw](const Status& end) {
    // On the session's pool thread, inside the runner (alive).
    const bool established = !raw->peer().keyid().empty();
    const MonoTime ended = options_.env.clock->NowMono();
    asio::post(loop->strand, [this, loop, established, end, ended] {
      if (!established) {
        // Ended before the handshake completed: no handler recorded it.
        const v1::Multihost::Peer dialed = [&] {
          std::lock_guard lock(mu_);
          return loop->dialed;
        }();
        (void)options_.env.peers->SetConnectionState(
            dialed.keyid(), dialed.instance_id(), ConnectionStateFor(end), StatusMessageFor(end));
      }
      ClientEnded(loop, end, ended);
    });
  });
}

void SyncService::RunThreadClient(const std::shared_ptr<ClientLoop>& loop,
                                  const v1::Multihost::Peer& entry, Dialer::Connection conn) {
  SessionOptions o = ClientSessionOptions(BaseOptions(Role::kClient), entry, conn.peer_features,
                                          std::move(conn.resolve_peer_features));
  auto transport = std::shared_ptr<SyncTransport>(std::move(conn.transport));
  auto runner = SessionRunner::Create(std::move(o), transport.get());
  {
    std::lock_guard lock(mu_);
    if (loop->stop) return EndClientLoopLocked(*loop);
    loop->session = runner;
  }
  // The last session's thread has ended (it posted its end, which led
  // here).
  if (loop->session_thread.joinable()) loop->session_thread.join();
  loop->session_thread = std::thread([this, loop, runner, transport, entry] {
    Status end = runner->Run();
    if (runner->peer().keyid().empty()) {
      (void)options_.env.peers->SetConnectionState(entry.keyid(), entry.instance_id(),
                                                   ConnectionStateFor(end), StatusMessageFor(end));
    }
    const MonoTime ended = options_.env.clock->NowMono();
    asio::post(loop->strand, [this, loop, end, ended] { ClientEnded(loop, end, ended); });
  });
}

void SyncService::ClientEnded(const std::shared_ptr<ClientLoop>& loop, const Status& end,
                              MonoTime ended) {
  {
    std::lock_guard lock(mu_);
    loop->session.reset();
  }
  BackOff(loop, end, ended);
}

void SyncService::BackOff(const std::shared_ptr<ClientLoop>& loop, const Status& end,
                          MonoTime ended) {
  const Millis lasted = std::chrono::duration_cast<Millis>(ended - loop->started);
  // The wait counts from the end, however late this step runs.
  const Millis late = std::chrono::duration_cast<Millis>(options_.env.clock->NowMono() - ended);
  const auto delay = std::max(Millis(0), loop->policy.NextDelay(lasted, end) - late);
  {
    std::lock_guard lock(mu_);
    if (loop->stop) return EndClientLoopLocked(*loop);
    if (loop->redial) {
      asio::post(loop->strand, [this, loop] { DialClient(loop); });
      return;
    }
  }
  // A wake (stop, redial) from now on cancels the timer: it runs after
  // this step on the strand.
  loop->timer.expires_after(delay);
  loop->timer.async_wait(asio::bind_executor(
      loop->strand, [this, loop](const asio::error_code&) { DialClient(loop); }));
}

}  // namespace brs::sync
