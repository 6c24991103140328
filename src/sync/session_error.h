// How a session's end is classified (SPEC §6 "Errors"). Session code returns
// brs::Status; its code decides the peer's connection state and the Connect
// error the stream ends with:
//   kPermissionDenied, kUnauthenticated -> CONNECTION_STATE_ERROR_AUTH
//   kInvalidArgument                    -> CONNECTION_STATE_ERROR_PROTOCOL
//   kOk, kCanceled, kUnavailable        -> CONNECTION_STATE_DISCONNECTED
//   anything else                       -> CONNECTION_STATE_ERROR_INTERNAL
// The constructors below name the classes session code uses.
#pragma once

#include <string>
#include <string_view>

#include "base/status.h"
#include "v1sync/syncservice.pb.h"

namespace brs::sync {

inline Status AuthError(std::string m) { return PermissionDenied(std::move(m)); }
inline Status ProtocolError(std::string m) { return InvalidArgument(std::move(m)); }
inline Status Disconnected(std::string m) { return Unavailable(std::move(m)); }
// Our own config cannot serve this peer (e.g. the grants of its entry do
// not parse): the operator's to fix, whichever role finds it, and not the
// peer's fault. ERROR_INTERNAL (Connect `internal`), as Backrest's hub.
inline Status LocalConfigError(std::string m) { return Internal(std::move(m)); }

// The message of the Disconnected status a session ends with when the peer
// closed the stream without an error.
inline constexpr std::string_view kPeerClosedStream = "peer closed the stream";

v1sync::ConnectionState ConnectionStateFor(const Status& session_end);

// The status message stored with the peer state ("connected",
// "disconnected" or the error's message).
std::string StatusMessageFor(const Status& session_end);

}  // namespace brs::sync
