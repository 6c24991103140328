// The state service of SPEC §7, without transport: the peer states of every
// known host and authorized client (one snapshot, then changes), and
// SetRemoteClientConfig routed to a connected client's session. The RPC
// layer authenticates callers (api_auth.h) before calling in.
#pragma once

#include <chrono>
#include <functional>

#include "store/config_store.h"
#include "store/peer_state_store.h"
#include "sync/session_registry.h"

namespace brs::sync {

class StateService {
 public:
  StateService(store::ConfigStore* config, store::PeerStateStore* peers, SessionRegistry* sessions)
      : config_(config), peers_(peers), sessions_(sessions) {}

  // One PeerState per known host and authorized client of the current
  // config, in config order (known hosts first); a peer never connected
  // appears DISCONNECTED with its instance and key ID.
  StatusOr<std::vector<v1sync::PeerState>> Snapshot() const;

  // Calls fn with each change of a listed peer's state from now on, until
  // Unsubscribe. Thread: the store's notifier.
  store::PeerStateStore::SubscriptionId Subscribe(
      std::function<void(const v1sync::PeerState&)> fn) const;
  void Unsubscribe(store::PeerStateStore::SubscriptionId id) const;

  // InvalidArgument for an empty key ID; NotFound when that peer has no
  // live session; else queues set_config for it.
  Status SetRemoteClientConfig(const v1sync::SetRemoteClientConfigRequest& request) const;

  // SetRemoteClientConfig, then up to `wait` for what the client did with
  // it (the wire stays Backrest's; set_config_result.h):
  //  - kApplied: the client answered so, or its receive_config (in this
  //    session or the next) carries another modno than before the push;
  //  - kRefused: the client answered so (message: why), or its session
  //    ended after the push and it did not come back changed before the
  //    deadline (how a Backrest client refuses);
  //  - kUnreported: neither within `wait` (e.g. nothing to change for a
  //    client that does not answer), or `wait` is 0.
  // Errors as SetRemoteClientConfig. Blocks the calling thread.
  StatusOr<PushOutcome> PushConfigAndWait(const v1sync::SetRemoteClientConfigRequest& request,
                                          std::chrono::milliseconds wait) const;

 private:
  store::ConfigStore* config_;
  store::PeerStateStore* peers_;
  SessionRegistry* sessions_;
};

}  // namespace brs::sync
