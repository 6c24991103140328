// What the hub and client handlers share (SPEC §6–§8): recording the peer's
// heartbeats, config and resources in its peer state, serving and fetching
// operation logs, and ending in the right connection state.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "sync/config_view.h"
#include "sync/permissions.h"
#include "sync/role_handler.h"
#include "sync/sync_env.h"

namespace brs::sync {

// Receives one fetched log: each chunk in order, then a final call with
// `done` = true and the outcome (OK, or the peer's error message).
using LogChunkFn = std::function<void(std::string_view chunk, bool done, const Status& status)>;

class PeerHandlerBase : public RoleHandler {
 public:
  PeerHandlerBase(SyncEnv env, SyncTunables tunables, PeerFeatures peer_features);

  // The authorized peer (valid after OnConnectionEstablished succeeded).
  const v1::Multihost::Peer& peer() const { return peer_; }
  const PeerFeatures& peer_features() const { return features_; }

  // Records the end of the session in the peer state (SPEC §6 "Errors"),
  // unless told not to (a displaced session).
  void OnConnectionDisconnected(const Status& why) override;
  void set_record_end_state(bool record) { record_end_state_ = record; }

  Status HandleHeartbeat(const SyncStreamItem::SyncActionHeartbeat&, ItemSink&) override;
  Status HandleReceiveConfig(const SyncStreamItem::SyncActionReceiveConfig&, ItemSink&) override;
  Status HandleReceiveResources(const SyncStreamItem::SyncActionReceiveResources&,
                                ItemSink&) override;
  // Log transfer (SPEC §8): answered only when this handler was told the
  // peer announced it; otherwise the default protocol error, as Backrest.
  Status HandleRequestLog(const SyncStreamItem::SyncActionRequestLog&, ItemSink&) override;
  Status HandleReceiveLogData(const SyncStreamItem::SyncActionReceiveLogData&, ItemSink&) override;

  // Asks the peer for a log (by the name in an op's logref) and streams it
  // to `fn`. FailedPrecondition when the peer did not announce log
  // transfer, AlreadyExists when that log is being fetched already.
  // Thread safe.
  Status FetchLog(const std::string& log_id, ItemSink& out, LogChunkFn fn);

  // Called by the session when its own config changed. An error ends the
  // session (e.g. the peer was removed). Thread: the session's.
  virtual Status OnConfigChanged(const v1::Config& config, ItemSink& out) = 0;
  // The sink has room again after it refused a TrySend: a handler that
  // dropped items then brings the peer up to date. Thread: the session's.
  virtual Status CatchUp(ItemSink&) { return Status(); }
  // The peer's first item after the handshakes arrived: it accepted ours
  // (a peer that refuses ends the stream instead). Called once, before that
  // item is dispatched. Thread: the session's.
  virtual Status OnPeerAccepted() { return Status(); }

  // The most log bytes accepted for one fetched log.
  static constexpr int64_t kMaxFetchedLogBytes = 256LL << 20;

 protected:
  // Reads the grants of the peer's config entry (`what` names the entry in
  // the error: "client", "known host"); grants that do not parse are a
  // LocalConfigError.
  Status LoadPermissions(const v1::Multihost::Peer& entry, std::string_view what);
  // Stores the authorized peer and marks it CONNECTED.
  Status MarkConnected(const v1::Multihost::Peer& peer);
  // Sends receive_config (what the peer may view of `config`), then
  // ResourcesItem.
  void SendConfigView(const v1::Config& config, ItemSink& out) const;
  // receive_resources: the repos and plans this role lists to the peer.
  virtual SyncStreamItem ResourcesItem(const v1::Config& config) const = 0;
  // Which local ops this peer may read (the owner check of a log request).
  virtual bool MayReadOperation(const v1::Operation& op) const = 0;

  SyncEnv env_;
  SyncTunables tunables_;
  PeerFeatures features_;
  PermissionSet perms_;  // the peer's grants (LoadPermissions)
  v1::Multihost::Peer peer_;
  bool connected_ = false;
  bool record_end_state_ = true;

 private:
  struct PendingLog {
    LogChunkFn fn;
    int64_t received = 0;
  };
  std::mutex logs_mu_;
  std::map<std::string, PendingLog> pending_logs_;
};

}  // namespace brs::sync
