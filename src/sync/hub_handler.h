// The hub's side of one session (SPEC §6, "Hub"): after the client was
// authorized it receives the client's view of the config, stores the
// operations the client forwards (mapped to local IDs, the client's modno
// kept), reconciles manifests, and pushes config and shared repos.
//
// A received op that fails Backrest's validation (store/op_validation.h) is
// refused alone: not stored, counted, and named in the peer's state
// message; the batch's valid ops are stored and the session goes on (a
// Backrest hub would end the stream instead).
//
// No I/O: items go out through the ItemSink; the session driver calls the
// methods from one thread at a time.
#pragma once

#include <deque>

#include "sync/peer_handler_base.h"
#include "sync/set_config_result.h"

namespace brs::sync {

class HubHandler final : public PeerHandlerBase {
 public:
  HubHandler(SyncEnv env, SyncTunables tunables, PeerFeatures peer_features);

  // `peer` is the authorized_clients entry the handshake matched. Marks it
  // CONNECTED and sends receive_config, receive_resources and, if any,
  // set_config with the shared repos the client may receive.
  Status OnConnectionEstablished(const v1::Multihost::Peer& peer, ItemSink& out) override;

  Status HandleOperationManifest(const SyncStreamItem::SyncActionOperationManifest&,
                                 ItemSink&) override;
  Status HandleReceiveOperations(const SyncStreamItem::SyncActionReceiveOperations&,
                                 ItemSink&) override;

  // The client was removed or its entry changed: PermissionDenied-free end
  // (Unavailable, the peer reconnects and is judged again); otherwise the
  // config view, resources and shared repos are sent again.
  Status OnConfigChanged(const v1::Config& config, ItemSink& out) override;

  // Sends set_config to the client (SetRemoteClientConfig of the state
  // service). `done` (optional) learns what became of it: the client's
  // answer when it announced "set-config-result", else kUnreported at once;
  // kEnded when the session ends first. Thread: the session's.
  Status PushConfig(const SyncStreamItem::SyncActionSetConfig& set_config, ItemSink& out,
                    PushCallback done = nullptr);
  // A client's answer to a push (set_config_result.h); without the
  // extension, the default protocol error.
  Status HandleSetConfig(const SyncStreamItem::SyncActionSetConfig&, ItemSink&) override;
  // Also ends the pushes still waiting for an answer (kEnded).
  void OnConnectionDisconnected(const Status& why) override;

  // Counters for metrics and tests.
  struct Stats {
    int64_t ops_upserted = 0;
    int64_t ops_deleted = 0;
    int64_t ops_requested = 0;
    int64_t ops_refused = 0;  // failed Backrest's validation; not stored
  };
  Stats stats() const { return stats_; }

 protected:
  SyncStreamItem ResourcesItem(const v1::Config& config) const override;
  bool MayReadOperation(const v1::Operation& op) const override;

 private:
  // set_config with the shared repos the client may receive, if any.
  void PushSharedRepos(const v1::Config& config, ItemSink& out);
  void RecordPushRefused(const SetConfigRefusal& refusal);
  // The ops of a received batch that pass Backrest's validation; the others
  // are refused (counted, and named in the peer state).
  std::vector<v1::Operation> ValidOps(const v1::OperationList& list);
  void RecordRefused(int64_t count, const std::string& first);
  // The session's end when the store failed `what`: for lack of space,
  // kResourceExhausted (Connect resource_exhausted: the client retries after
  // its back-off), said once per episode, counted; otherwise kInternal.
  Status StoreFailed(std::string_view what, const Status& error);
  // A write of received data was stored: ends a disk-full episode.
  void StoreWorked();

  std::optional<ForwardFilter> read_filter_;
  Stats stats_;
  // One entry per set_config sent to a client that answers, oldest first.
  std::deque<PushCallback> awaiting_;
  bool refusal_shown_ = false;  // the peer state shows the client's refusal
};

}  // namespace brs::sync
