// One handler per role (hub, client), each method named after the message it
// handles, as in Backrest's syncapi. The session driver decrypts, checks and
// dispatches every item of an established session to exactly one method.
//
// A handler never does I/O itself: it sends through the ItemSink it is given
// and reads and writes stores. Every method returns a Status whose code
// classifies a failure (session_error.h); any error ends the session.
#pragma once

#include "base/env.h"
#include "base/status.h"
#include "v1/config.pb.h"
#include "v1sync/syncservice.pb.h"

namespace brs::sync {

using SyncStreamItem = v1sync::SyncStreamItem;

// Where a session's outgoing (plaintext) items go; the driver encrypts them.
// A bounded sink (the session's Outbox) makes Send wait while it is full;
// the other two never wait. An unbounded sink takes everything at once.
class ItemSink {
 public:
  virtual ~ItemSink() = default;
  virtual void Send(SyncStreamItem item) = 0;
  // Queues the item even when the sink is full (one item that must not
  // wait, e.g. a manifest sent under a lock a store writer may need).
  virtual void SendNow(SyncStreamItem item) { Send(std::move(item)); }
  // Queues the item unless the sink is full; false then, and the item is
  // dropped.
  virtual bool TrySend(SyncStreamItem item) {
    Send(std::move(item));
    return true;
  }
  // Holds back what is queued (but heartbeats) for `delay` from now: the
  // peer asked for it (the throttle extension). A sink without a writer of
  // its own ignores it.
  virtual void Pause(Millis delay) { (void)delay; }
};

class RoleHandler {
 public:
  virtual ~RoleHandler() = default;

  // The peer passed the handshake and authorization. Sends the role's
  // opening items (config, resources, manifest, …).
  virtual Status OnConnectionEstablished(const v1::Multihost::Peer& peer, ItemSink& out) = 0;
  // The session ended with `why` (OK for a clean end). Called once, after
  // OnConnectionEstablished succeeded.
  virtual void OnConnectionDisconnected(const Status& why) = 0;

  // Each default answers with a protocol error: a role overrides what it
  // accepts, so a message meant for the other role ends the session.
  virtual Status HandleHeartbeat(const SyncStreamItem::SyncActionHeartbeat&, ItemSink&);
  virtual Status HandleOperationManifest(const SyncStreamItem::SyncActionOperationManifest&,
                                         ItemSink&);
  virtual Status HandleRequestOperationData(const SyncStreamItem::SyncActionRequestOperationData&,
                                            ItemSink&);
  virtual Status HandleReceiveOperations(const SyncStreamItem::SyncActionReceiveOperations&,
                                         ItemSink&);
  virtual Status HandleReceiveConfig(const SyncStreamItem::SyncActionReceiveConfig&, ItemSink&);
  virtual Status HandleSetConfig(const SyncStreamItem::SyncActionSetConfig&, ItemSink&);
  virtual Status HandleRequestResources(const SyncStreamItem::SyncActionRequestResources&,
                                        ItemSink&);
  virtual Status HandleReceiveResources(const SyncStreamItem::SyncActionReceiveResources&,
                                        ItemSink&);
  virtual Status HandleRequestLog(const SyncStreamItem::SyncActionRequestLog&, ItemSink&);
  virtual Status HandleReceiveLogData(const SyncStreamItem::SyncActionReceiveLogData&, ItemSink&);
  virtual Status HandleThrottle(const SyncStreamItem::SyncActionThrottle&, ItemSink&);
};

// Sends `item` of an established session to its handler method. Items that
// are not session messages (establish_shared_secret, encrypted, handshake,
// signed_message) or carry no action are protocol errors.
Status DispatchItem(const SyncStreamItem& item, RoleHandler& handler, ItemSink& out);

}  // namespace brs::sync
