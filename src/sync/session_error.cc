#include "sync/session_error.h"

namespace brs::sync {

v1sync::ConnectionState ConnectionStateFor(const Status& session_end) {
  switch (session_end.code()) {
    case Code::kPermissionDenied:
    case Code::kUnauthenticated:
      return v1sync::CONNECTION_STATE_ERROR_AUTH;
    case Code::kInvalidArgument:
      return v1sync::CONNECTION_STATE_ERROR_PROTOCOL;
    case Code::kOk:
    case Code::kCanceled:
    case Code::kUnavailable:
      return v1sync::CONNECTION_STATE_DISCONNECTED;
    default:
      return v1sync::CONNECTION_STATE_ERROR_INTERNAL;
  }
}

std::string StatusMessageFor(const Status& session_end) {
  if (ConnectionStateFor(session_end) == v1sync::CONNECTION_STATE_DISCONNECTED &&
      session_end.message().empty()) {
    return "disconnected";
  }
  return session_end.message();
}

}  // namespace brs::sync
