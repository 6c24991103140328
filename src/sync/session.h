// One Sync stream, either role, without I/O (SPEC §4–§6), as Backrest's
// runSync: the key exchange, the identity handshake, authorization (and
// pairing at the hub), then every item decrypted and dispatched to the
// role's handler; heartbeats and the handshake deadline on a clock.
//
// The runner (session_runner.h) feeds it wire items and ticks from one
// thread (the "session thread") and drains the Outbox from a writer, which
// calls Seal on each item in order. Everything here except Seal runs on the
// session thread; Seal may run on another thread.
//
// Failures are Status values classified by session_error.h: the first
// error returned ends the session (the runner calls End with it).
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <optional>

#include "crypto/channel.h"
#include "crypto/channel_setup.h"
#include "crypto/handshake.h"
#include "crypto/identity.h"
#include "sync/outbox.h"
#include "sync/peer_handler_base.h"

namespace brs::sync {

enum class Role { kHub, kClient };

struct SessionOptions;
// Makes the role's handler once the peer is authorized, from the session's
// options as they are then (the peer's features resolved). The standard
// ones are in handler_factory.h.
using HandlerFactory = std::function<std::unique_ptr<PeerHandlerBase>(const SessionOptions&)>;

struct SessionOptions {
  Role role = Role::kHub;
  SyncEnv env;
  SyncTunables tunables;
  // What the peer announced in its extensions header (none for Backrest).
  PeerFeatures peer_features;
  // Client: the hub's response headers arrive with its first item; when
  // set, this is asked again when the session is established.
  std::function<PeerFeatures()> resolve_peer_features;
  // Client: the known host it dialed.
  v1::Multihost::Peer known_host;
  // The peer's network address, for the audit trail ("" when unknown).
  std::string remote_address;
  // Makes the handler items of the established session are dispatched to
  // (required).
  HandlerFactory make_handler;
  // Called once the peer is authorized, before the handler writes any
  // peer state (a HubSession claims the peer's registry slot here,
  // displacing an older session, so that the newest session's state wins).
  std::function<void(const v1::Multihost::Peer&)> on_authorized;
  // This instance.
  const crypto::Identity* identity = nullptr;
  std::string instance_id;
  // The peer's handshake must be verified within this time (Backrest: 15 s).
  int64_t handshake_timeout_ms = 15'000;
  // The hub throttles a peer (that announced it) whose queued ingest
  // passes this many items, asking it to pause for throttle_delay_ms.
  size_t throttle_backlog = 256;
  int64_t throttle_delay_ms = 200;
};

class Session {
 public:
  enum class Phase { kKeyExchange, kHandshake, kEstablished, kEnded };

  Session(SessionOptions options, Outbox* outbox);
  ~Session();

  // Times are monotonic (base/env.h); the hub checks pairing-token expiry
  // against the wall clock of options.env.clock.
  // Client: queues the establish_shared_secret request. Hub: nothing.
  Status Start(MonoTime now);
  // One item from the wire.
  Status OnWireItem(const SyncStreamItem& item, MonoTime now);
  // Timers: heartbeat due, handshake deadline. Call at NextTick() or later.
  Status OnTick(MonoTime now);
  MonoTime NextTick() const;
  // The config changed (hub: a client removed ends its session).
  Status OnConfigChanged(const v1::Config& config);
  // The ingest backlog of this session (hub): items read, not yet handled.
  // Asks the peer to pause (Throttle) while it passes throttle_backlog.
  void OnBacklog(size_t queued_items, MonoTime now);
  // Asks the peer to pause sending for `delay_ms` (the throttle extension):
  // only a hub, only of an established peer that announced it; false
  // otherwise (nothing sent).
  bool Throttle(int64_t delay_ms);
  // The outbox has room again after it refused an item (Outbox::SetOnRoom):
  // the handler catches up on what it dropped.
  Status OnOutboxRoom();
  // Ends the session: the handler records the peer state (unless
  // record_state is false: a displaced session leaves its successor's).
  // Idempotent.
  void End(const Status& why, bool record_state = true);

  // The wire form of an outgoing item: encrypted once the channel is up,
  // the establish item as is. Thread safe (the writer's thread).
  StatusOr<SyncStreamItem> Seal(const SyncStreamItem& plain);

  Phase phase() const { return phase_; }
  // Valid once established.
  const v1::Multihost::Peer& peer() const { return peer_; }
  PeerHandlerBase* handler() { return handler_.get(); }
  Outbox& outbox() { return *outbox_; }
  const PeerFeatures& peer_features() const { return options_.peer_features; }
  const SessionOptions& options() const { return options_; }
  // What the peer's handshake claimed (key ID, instance), verified or not;
  // empty before its handshake arrived. For the audit trail.
  const std::string& claimed_key_id() const { return claimed_key_id_; }
  const std::string& claimed_instance() const { return claimed_instance_; }

 private:
  Status OnKeyExchange(const SyncStreamItem& item);
  Status OnHandshake(const SyncStreamItem& inner, MonoTime now);
  Status SendOwnHandshake();
  StatusOr<v1::Multihost::Peer> Authorize(const crypto::VerifiedHandshake& hs);
  StatusOr<v1::Multihost::Peer> AuthorizeClient(const crypto::VerifiedHandshake& hs);
  StatusOr<v1::Multihost::Peer> Pair(const crypto::VerifiedHandshake& hs);
  Status Establish(const v1::Multihost::Peer& peer, MonoTime now);

  SessionOptions options_;
  Outbox* outbox_;
  Phase phase_ = Phase::kKeyExchange;
  bool peer_accepted_ = false;  // an item came after the handshakes
  MonoTime handshake_deadline_{};
  MonoTime next_heartbeat_{};
  std::optional<MonoTime> last_throttle_;

  std::optional<crypto::ChannelInitiator> initiator_;
  mutable std::mutex channel_mu_;  // Seal (writer) vs Open (session thread)
  std::optional<crypto::Channel> channel_;
  crypto::Transcript transcript_{};

  v1::Multihost::Peer peer_;
  std::string claimed_key_id_, claimed_instance_;
  std::unique_ptr<PeerHandlerBase> handler_;
  bool ended_ = false;
};

}  // namespace brs::sync
