// The sync engine of one instance: both roles over one set of stores.
//  - Hub: ServeStream runs an incoming Sync stream as a hub session on the
//    calling thread; ServeEventStream on the service's session pool (no
//    thread of its own).
//  - Client: one loop per known host dials it (through a Dialer), runs the
//    session, and dials again after Backrest's back-off (SPEC §6), or
//    after the hub's retry hint when it refused us for load. The loops are
//    state machines on a small dial pool (2 threads: a dial blocks one
//    until connected), their sessions on the session pool: the daemon's
//    threads do not grow with its known hosts. (A Dialer without event
//    streams, e.g. in-memory pipes, runs each live session on a thread.)
//  - On Start every peer of the config becomes DISCONNECTED; config changes
//    start and stop client loops and reach every live session.
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <thread>

#include "sync/event_session_runner.h"
#include "sync/handshake_admission.h"
#include "sync/session_runner.h"
#include "sync/state_service.h"

namespace brs::sync {

class HubSession;

// Opens a Sync stream to a known host. Implemented over the RPC client.
class Dialer {
 public:
  struct Connection {
    std::unique_ptr<SyncTransport> transport;
    PeerFeatures peer_features;  // from the hub's response header
    // When the header arrives later: asked once the session is established.
    std::function<PeerFeatures()> resolve_peer_features;
  };
  // The same stream for a session on the event loop (no thread waits on
  // it).
  struct EventConnection {
    std::shared_ptr<EventTransport> transport;
    std::function<PeerFeatures()> resolve_peer_features;
  };
  virtual ~Dialer() = default;
  virtual StatusOr<Connection> Dial(const v1::Multihost::Peer& host, const PeerFeatures& ours) = 0;
  // Unimplemented when the dialer has no event-driven streams: the
  // session then runs on a thread of its own over Dial's transport.
  virtual StatusOr<EventConnection> DialEvent(const v1::Multihost::Peer& /*host*/,
                                              const PeerFeatures& /*ours*/) {
    return Status(Code::kUnimplemented, "no event-driven dial");
  }
};

struct SyncServiceOptions {
  SyncEnv env;
  SyncTunables tunables;
  const crypto::Identity* identity = nullptr;
  std::chrono::milliseconds retry_delay = std::chrono::seconds(60);
  int64_t handshake_timeout_ms = 15'000;
  // What we announce (all extensions we implement).
  PeerFeatures ours = PeerFeatures::All();
  // Threads of the pool event-driven sessions run on (the hub's
  // ServeEventStream ones and our client sessions).
  size_t session_threads = 4;
  // Threads the client loops dial on (a dial blocks one until connected
  // or connect_timeout).
  size_t dial_threads = 2;
  // Bounds the handshakes of ServeEventStream sessions in flight at once.
  AdmissionOptions admission;
};

class SyncService {
 public:
  // `dialer` may be null: then no client role. Starts the session pool's
  // threads (options.session_threads) and the dial pool's
  // (options.dial_threads).
  SyncService(SyncServiceOptions options, Dialer* dialer);
  ~SyncService();

  Status Start();
  // Ends every session and client loop; waits for them.
  void Stop();

  // Runs one incoming stream as a hub session until it ends (on the
  // calling thread). Returns why it ended.
  // `remote_address` names the peer in the audit trail.
  Status ServeStream(SyncTransport* transport, const PeerFeatures& peer_features,
                     const std::string& remote_address = "");
  // The same on the session pool: returns at once (it never blocks); the
  // session finishes the transport when it ends. It waits for a handshake
  // slot (options.admission) and, when the queue is full too, is refused:
  // the transport is finished with Unavailable and a retry hint.
  void ServeEventStream(std::shared_ptr<EventTransport> transport,
                        const PeerFeatures& peer_features, const std::string& remote_address = "");
  // Hub sessions running on the pool (in any phase).
  size_t event_sessions() const;
  const HandshakeAdmission& admission() const { return admission_; }

  StateService& state() { return state_; }
  SessionRegistry& sessions() { return sessions_; }
  // The live client session with a known host (null when not connected).
  std::shared_ptr<SessionLoop> ClientSession(const std::string& host_keyid);
  // Wakes every client loop waiting out its back-off (e.g. after SIGHUP).
  void RedialNow();

 private:
  struct ClientLoop;
  SessionOptions BaseOptions(Role role) const;
  // The client loop's steps, each on the loop's strand of the dial pool.
  void DialClient(const std::shared_ptr<ClientLoop>& loop);
  void RunEventClient(const std::shared_ptr<ClientLoop>& loop, const v1::Multihost::Peer& entry,
                      Dialer::EventConnection conn);
  void RunThreadClient(const std::shared_ptr<ClientLoop>& loop, const v1::Multihost::Peer& entry,
                       Dialer::Connection conn);
  // A client session (or a dial) ended with `end` at `ended` (when it
  // ended, not when the loop's strand got to it: a busy process must not
  // count a failed session as one that lasted): the back-off, measured from
  // then, then a dial again.
  void ClientEnded(const std::shared_ptr<ClientLoop>& loop, const Status& end, MonoTime ended);
  void BackOff(const std::shared_ptr<ClientLoop>& loop, const Status& end, MonoTime ended);
  // The loop stops for good (mu_ held).
  void EndClientLoopLocked(ClientLoop& loop);
  // Cuts the loop's back-off short: it then sees stop or redial (mu_ held).
  void WakeLocked(const std::shared_ptr<ClientLoop>& loop);
  void SyncClientLoops(const v1::Config& config);
  void StopEventSessions();
  // Makes and starts hub session `number` (once admitted).
  void StartEventSession(uint64_t number, std::shared_ptr<EventTransport> transport,
                         const PeerFeatures& peer_features, const std::string& remote_address);

  SyncServiceOptions options_;
  Dialer* dialer_;
  SessionRegistry sessions_;
  StateService state_;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::map<std::string, std::shared_ptr<ClientLoop>> loops_;
  std::vector<std::shared_ptr<ClientLoop>> retired_;  // stopped loops to join
  size_t live_loops_ = 0;                             // client loops not yet ended
  uint64_t config_sub_ = 0;
  // Hub sessions on the pool, by a number of their own (mu_).
  std::map<uint64_t, std::shared_ptr<HubSession>> event_sessions_;
  uint64_t next_event_session_ = 1;
  HandshakeAdmission admission_;
  // Last: their threads are joined before anything they use goes.
  SessionPool pool_;
  SessionPool dial_pool_;
};

}  // namespace brs::sync
