#include "sync/role_handler.h"

#include "sync/session_error.h"

namespace brs::sync {

// Every message of an established session, once: its action case, the
// accessor of its payload (also its name in errors) and the handler method
// named after it. The default methods and the dispatch below are made from
// this list, so a message added to it is routed and refused by default.
#define BRS_SESSION_MESSAGES(X)                                                                   \
  X(kHeartbeat, heartbeat, HandleHeartbeat, SyncActionHeartbeat)                                  \
  X(kOperationManifest, operation_manifest, HandleOperationManifest, SyncActionOperationManifest) \
  X(kRequestOperationData, request_operation_data, HandleRequestOperationData,                    \
    SyncActionRequestOperationData)                                                               \
  X(kReceiveOperations, receive_operations, HandleReceiveOperations, SyncActionReceiveOperations) \
  X(kReceiveConfig, receive_config, HandleReceiveConfig, SyncActionReceiveConfig)                 \
  X(kSetConfig, set_config, HandleSetConfig, SyncActionSetConfig)                                 \
  X(kRequestResources, request_resources, HandleRequestResources, SyncActionRequestResources)     \
  X(kReceiveResources, receive_resources, HandleReceiveResources, SyncActionReceiveResources)     \
  X(kRequestLog, request_log, HandleRequestLog, SyncActionRequestLog)                             \
  X(kReceiveLogData, receive_log_data, HandleReceiveLogData, SyncActionReceiveLogData)            \
  X(kThrottle, throttle, HandleThrottle, SyncActionThrottle)

// A message meant for the other role (or for none) ends the session.
#define BRS_REFUSE_BY_DEFAULT(action, field, method, type)             \
  Status RoleHandler::method(const SyncStreamItem::type&, ItemSink&) { \
    return ProtocolError("unexpected " #field " for this role");       \
  }
BRS_SESSION_MESSAGES(BRS_REFUSE_BY_DEFAULT)
#undef BRS_REFUSE_BY_DEFAULT

Status DispatchItem(const SyncStreamItem& item, RoleHandler& h, ItemSink& out) {
  switch (item.action_case()) {
#define BRS_ROUTE(action, field, method, type) \
  case SyncStreamItem::action:                 \
    return h.method(item.field(), out);
    BRS_SESSION_MESSAGES(BRS_ROUTE)
#undef BRS_ROUTE
    case SyncStreamItem::kHandshake:
      return ProtocolError("handshake received after the session was established");
    case SyncStreamItem::kEstablishSharedSecret:
      return ProtocolError("establish_shared_secret received inside the encrypted channel");
    case SyncStreamItem::kEncrypted:
      return ProtocolError("nested encrypted item");
    case SyncStreamItem::kSignedMessage:
      return ProtocolError("signed_message is not part of sync protocol v3");
    case SyncStreamItem::ACTION_NOT_SET:
      break;
  }
  return ProtocolError("sync stream item carries no known action");
}

#undef BRS_SESSION_MESSAGES

}  // namespace brs::sync
