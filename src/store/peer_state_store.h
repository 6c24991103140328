// PeerStateStore: the sync state of every known host and authorized client
// (v1sync::PeerState, keyed by peer key ID), persisted in SQLite so known
// repos/plans, the remote config and the last heartbeat survive a restart.
//
// The store may share its SQLite file with the oplog (its own table and
// schema_version component) or use a file of its own.
//
// A full disk: a write refused for lack of space (ResourceExhausted: the
// file's disk is full) is not an error of Set/Update. The new state is kept
// in memory, returned by Get and List and notified as if stored, and is
// written with that peer's next change once space returns. So the operator
// still sees why sessions end while the disk is full (the state is what
// tells them), and a session is not ended by its own bookkeeping. Such a
// state is lost if the process dies before it is written: it is connection
// state and what the peer sent, both renewed by the next session.
//
// Thread safety: all methods are thread safe; writes are serialized. Each
// committed change is delivered to subscribers after the commit, with no
// store lock held, in commit order; a write returns after its notification
// was delivered (except a write made from inside a callback, delivered after
// that callback returns). Callbacks may call the store.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"
#include "store/sqlite_db.h"
#include "store/subscriber_list.h"
#include "v1sync/syncservice.pb.h"

namespace brs::store {

// A peer from the config: a known host or an authorized client.
struct PeerRef {
  std::string keyid;
  std::string instance_id;
};

class PeerStateStore {
 public:
  using Callback = std::function<void(const v1sync::PeerState&)>;
  using SubscriptionId = uint64_t;

  static StatusOr<std::unique_ptr<PeerStateStore>> Open(const std::string& path);
  ~PeerStateStore();

  // NotFound when no state is stored for keyid.
  StatusOr<v1sync::PeerState> Get(const std::string& keyid);
  // Every stored state, ordered by key ID.
  StatusOr<std::vector<v1sync::PeerState>> List();
  // Stores `state` under state.peer_keyid (InvalidArgument when empty) and
  // notifies.
  Status Set(const v1sync::PeerState& state);
  // Read-modify-write of one peer's state in one transaction: fn gets the
  // stored state (or a fresh one with only peer_keyid set when absent); an
  // error from fn aborts. Returns the stored result and notifies.
  StatusOr<v1sync::PeerState> Update(const std::string& keyid,
                                     const std::function<Status(v1sync::PeerState&)>& fn);
  // Shorthands over Update: set the connection state and status message
  // (and the instance ID when non-empty); record a heartbeat time.
  StatusOr<v1sync::PeerState> SetConnectionState(const std::string& keyid,
                                                 const std::string& instance_id,
                                                 v1sync::ConnectionState state,
                                                 const std::string& message);
  StatusOr<v1sync::PeerState> RecordHeartbeat(const std::string& keyid, int64_t unix_millis);
  // Removes a peer's state (OK when absent). Not notified.
  Status Delete(const std::string& keyid);
  // Startup: in one transaction every listed peer becomes
  // CONNECTION_STATE_DISCONNECTED "disconnected" (created if absent, with
  // its instance ID; known repos/plans, remote config and last heartbeat
  // kept) and states of peers no longer listed are removed. Notifies each
  // listed peer.
  Status ResetAllToDisconnected(std::span<const PeerRef> peers);

  // How many peers' states are held in memory only (their writes were
  // refused for lack of space).
  size_t unsaved() const;

  SubscriptionId Subscribe(Callback callback);
  // After it returns the callback is not called again (except a call
  // running on the calling thread).
  void Unsubscribe(SubscriptionId id);

 private:
  PeerStateStore() = default;
  StatusOr<std::optional<v1sync::PeerState>> GetLocked(const std::string& keyid);
  Status PutLocked(const v1sync::PeerState& state);
  // Queues the changed states (mu_ held, so in commit order).
  void Publish(std::vector<v1sync::PeerState> states);
  void Deliver();

  // Writes `state` (mu_ held); one refused for lack of space is kept in
  // unsaved_ instead (see the top of this file).
  Status PutOrKeepLocked(const v1sync::PeerState& state);

  mutable std::mutex mu_;  // guards db_ and unsaved_
  std::unique_ptr<SqliteDb> db_;
  // States not written for lack of space, newer than the stored ones.
  std::map<std::string, v1sync::PeerState> unsaved_;
  SubscriberList<v1sync::PeerState, Callback> subscribers_;
};

}  // namespace brs::store
