// What both session runners (the blocking SessionRunner and the
// event-driven EventSessionRunner) do the same way around the Session
// engine: taking one wire message, subscribing an established session to
// config changes, and counting and auditing how a session ended.
#pragma once

#include <functional>
#include <string>

#include "sync/session.h"

namespace brs::sync {

// "hub" or "client", for metrics and the audit trail.
const char* RoleName(Role role);

// Checks, counts and parses one serialized item from the wire and hands it
// to the session.
Status TakeWireMessage(Session& session, const std::string& message, MonoTime now);

// The session just became established: counts the handshake and
// subscribes `on_config` to our config changes. Returns the subscription.
uint64_t OnSessionEstablished(Session& session,
                              std::function<void(const store::ConfigStore::ConfigPtr&)> on_config);

// Counts the end of a session (and, before it was established, the failed
// key exchange or handshake by class).
void CountSessionEnd(const Session& session, bool established, const Status& end);

// The audit trail: a handshake refused (by us or by the peer) before the
// session was established, once, with the reason.
void AuditSessionEnd(const Session& session, bool established, const Status& end);

}  // namespace brs::sync
