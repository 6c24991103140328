// The client's side of one session with a known host (SPEC §6, "Client"):
// it sends its config view and resources, forwards its own operations
// (live events and a manifest, ordered so nothing is lost between them),
// answers the hub's requests for operation data, and applies the config the
// hub pushes within the known host's permissions. Local ops failing
// Backrest's validation are never sent (sync/op_send_guard.h).
//
// Live events never hold the store's writers (issue #15 §1): the oplog
// subscription runs on a writer's thread, so it only ever TrySends. When
// the sink is full the handler falls behind: it drops events until the sink
// has room again (CatchUp), then sends a fresh manifest, from which the hub
// deletes and requests what changed meanwhile.
//
// No I/O: items go out through the ItemSink. The driver calls the Handle*
// methods from one thread at a time; the oplog subscription sends from the
// store's delivery thread, so the sink must be thread safe.
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>

#include "sync/op_send_guard.h"
#include "sync/peer_handler_base.h"

namespace brs::sync {

class ClientHandler final : public PeerHandlerBase {
 public:
  // `known_host` is the config entry this client dialed.
  ClientHandler(SyncEnv env, SyncTunables tunables, PeerFeatures peer_features,
                v1::Multihost::Peer known_host);
  ~ClientHandler() override;

  // `peer` is the entry the handshake matched; it must be the dialed host
  // (auth error otherwise). Marks it CONNECTED, clears its pairing secret,
  // sends receive_config and receive_resources, subscribes to the oplog and
  // sends the manifest of every forwardable op.
  Status OnConnectionEstablished(const v1::Multihost::Peer& peer, ItemSink& out) override;
  void OnConnectionDisconnected(const Status& why) override;

  Status HandleOperationManifest(const SyncStreamItem::SyncActionOperationManifest&,
                                 ItemSink&) override;
  Status HandleRequestOperationData(const SyncStreamItem::SyncActionRequestOperationData&,
                                    ItemSink&) override;
  // Applies the push within the known host's permissions
  // (client_set_config.cc). A refusal refuses it whole, is logged, counted
  // and shown in the host's peer state until a later push applies, and does
  // not end the session; a hub that announced "set-config-result" is told
  // the outcome (set_config_result.h).
  Status HandleSetConfig(const SyncStreamItem::SyncActionSetConfig&, ItemSink&) override;
  Status HandleRequestResources(const SyncStreamItem::SyncActionRequestResources&,
                                ItemSink&) override;
  // The throttle extension: pauses sending for the delay asked (at most
  // kMaxThrottleDelayMs); from a hub we did not announce it to, the default
  // protocol error.
  Status HandleThrottle(const SyncStreamItem::SyncActionThrottle&, ItemSink&) override;
  static constexpr int64_t kMaxThrottleDelayMs = 60'000;

  // The known host was removed or its entry changed (other than the pairing
  // secret this client clears itself): the session ends and the reconnect
  // loop dials again with the new entry. Otherwise the config view and
  // resources are re-sent.
  Status OnConfigChanged(const v1::Config& config, ItemSink& out) override;
  // Fell behind (the sink refused an event): sends a fresh manifest.
  Status CatchUp(ItemSink& out) override;
  // The hub accepted our handshake: clears the pairing secret.
  Status OnPeerAccepted() override;

  struct Stats {
    int64_t manifests_sent = 0;
    int64_t ops_sent = 0;
    int64_t events_forwarded = 0;
    int64_t catch_ups = 0;  // manifests sent after falling behind
  };
  Stats stats() const;

 protected:
  SyncStreamItem ResourcesItem(const v1::Config& config) const override;
  bool MayReadOperation(const v1::Operation& op) const override;

 private:
  // How live oplog events go to the hub (guarded by forward_mu_).
  enum class Forwarding {
    kHeld,    // kept in held_ until the manifest being read has gone out
    kLive,    // sent as they come, never waiting (ItemSink::TrySend)
    kBehind,  // dropped: the sink was full; CatchUp sends a fresh manifest
  };

  Status Subscribe(const v1::Config& config, ItemSink& out);
  // Reads and sends a fresh manifest; events are held meanwhile.
  Status ResendManifest(ItemSink& out);
  // Sends the manifest, then the events held while it was read.
  void ReleaseWithManifest(const std::vector<store::ManifestEntry>& entries, ItemSink& out);
  bool Forwardable(const store::OpMetadata& m);
  void OnOplogEvent(const store::OpEvent& event);
  void RecordSetConfigRefused(const SetConfigRefusal& refusal);
  void RecordSetConfigApplied(const SetConfigReport& report);
  // Ops went out to the hub (for OpSendGuard::ExplainEnd).
  template <typename Ops>
  void NoteSent(const Ops& ops);
  // Names the local ops the guard kept back, once, in the hub's peer state.
  void NoteInvalidOps();

  v1::Multihost::Peer known_host_;

  // Which ops go to this host; replaced when the config changes. Atomic so
  // the store's filter calls never wait for a lock of ours.
  std::atomic<std::shared_ptr<const ForwardFilter>> filter_;
  // Guards the sink and the order of manifest and events. Held only for
  // queueing, never across a store read or a wait.
  mutable std::mutex forward_mu_;
  ItemSink* sink_ = nullptr;
  Forwarding forwarding_ = Forwarding::kHeld;
  // Events committed while a manifest is read: as many as the store's
  // writers commit during one manifest read.
  std::deque<SyncStreamItem> held_;
  std::optional<store::SubscriptionId> subscription_;
  Stats stats_;
  bool refusal_shown_ = false;  // the peer state shows a set_config refusal
  OpSendGuard guard_;           // Backrest's validation on the way out (SPEC §6a)
};

}  // namespace brs::sync
