#include "sync/role_handler.h"

#include "sync/session_error.h"

namespace brs::sync {
namespace {
Status Unexpected(const char* what) {
  return ProtocolError(std::string("unexpected ") + what + " for this role");
}
}  // namespace

Status RoleHandler::HandleHeartbeat(const SyncStreamItem::SyncActionHeartbeat&, ItemSink&) {
  return Unexpected("heartbeat");
}
Status RoleHandler::HandleOperationManifest(const SyncStreamItem::SyncActionOperationManifest&,
                                            ItemSink&) {
  return Unexpected("operation_manifest");
}
Status RoleHandler::HandleRequestOperationData(
    const SyncStreamItem::SyncActionRequestOperationData&, ItemSink&) {
  return Unexpected("request_operation_data");
}
Status RoleHandler::HandleReceiveOperations(const SyncStreamItem::SyncActionReceiveOperations&,
                                            ItemSink&) {
  return Unexpected("receive_operations");
}
Status RoleHandler::HandleReceiveConfig(const SyncStreamItem::SyncActionReceiveConfig&, ItemSink&) {
  return Unexpected("receive_config");
}
Status RoleHandler::HandleSetConfig(const SyncStreamItem::SyncActionSetConfig&, ItemSink&) {
  return Unexpected("set_config");
}
Status RoleHandler::HandleRequestResources(const SyncStreamItem::SyncActionRequestResources&,
                                           ItemSink&) {
  return Unexpected("request_resources");
}
Status RoleHandler::HandleReceiveResources(const SyncStreamItem::SyncActionReceiveResources&,
                                           ItemSink&) {
  return Unexpected("receive_resources");
}
Status RoleHandler::HandleRequestLog(const SyncStreamItem::SyncActionRequestLog&, ItemSink&) {
  return Unexpected("request_log");
}
Status RoleHandler::HandleReceiveLogData(const SyncStreamItem::SyncActionReceiveLogData&,
                                         ItemSink&) {
  return Unexpected("receive_log_data");
}
Status RoleHandler::HandleThrottle(const SyncStreamItem::SyncActionThrottle&, ItemSink&) {
  return Unexpected("throttle");
}

Status DispatchItem(const SyncStreamItem& item, RoleHandler& h, ItemSink& out) {
  switch (item.action_case()) {
    case SyncStreamItem::kHeartbeat:
      return h.HandleHeartbeat(item.heartbeat(), out);
    case SyncStreamItem::kOperationManifest:
      return h.HandleOperationManifest(item.operation_manifest(), out);
    case SyncStreamItem::kRequestOperationData:
      return h.HandleRequestOperationData(item.request_operation_data(), out);
    case SyncStreamItem::kReceiveOperations:
      return h.HandleReceiveOperations(item.receive_operations(), out);
    case SyncStreamItem::kReceiveConfig:
      return h.HandleReceiveConfig(item.receive_config(), out);
    case SyncStreamItem::kSetConfig:
      return h.HandleSetConfig(item.set_config(), out);
    case SyncStreamItem::kRequestResources:
      return h.HandleRequestResources(item.request_resources(), out);
    case SyncStreamItem::kReceiveResources:
      return h.HandleReceiveResources(item.receive_resources(), out);
    case SyncStreamItem::kRequestLog:
      return h.HandleRequestLog(item.request_log(), out);
    case SyncStreamItem::kReceiveLogData:
      return h.HandleReceiveLogData(item.receive_log_data(), out);
    case SyncStreamItem::kThrottle:
      return h.HandleThrottle(item.throttle(), out);
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

}  // namespace brs::sync
