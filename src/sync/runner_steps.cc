#include "sync/runner_steps.h"

#include "sync/session_error.h"
#include "sync/sync_transport.h"

namespace brs::sync {

const char* RoleName(Role role) { return role == Role::kHub ? "hub" : "client"; }

Status TakeWireMessage(Session& session, const std::string& message, MonoTime now) {
  if (message.size() > kMaxWireItemBytes) return ProtocolError("item larger than 16 MiB");
  if (auto* m = session.options().env.metrics) m->bytes_received.Inc(message.size());
  SyncStreamItem item;
  if (!item.ParseFromString(message)) return ProtocolError("malformed SyncStreamItem");
  return session.OnWireItem(item, now);
}

uint64_t OnSessionEstablished(Session& session,
                              std::function<void(const store::ConfigStore::ConfigPtr&)> on_config) {
  const SessionOptions& o = session.options();
  if (o.env.metrics) o.env.metrics->handshakes.With({RoleName(o.role), "ok"}).Inc();
  return o.env.config->Subscribe(std::move(on_config));
}

void CountSessionEnd(const Session& session, bool established, const Status& end) {
  auto* metrics = session.options().env.metrics;
  if (!metrics) return;
  if (!established) {
    // The key exchange or handshake failed: count it by class.
    const char* why = end.code() == Code::kPermissionDenied  ? "auth"
                      : end.code() == Code::kInvalidArgument ? "protocol"
                      : end.code() == Code::kUnavailable || end.code() == Code::kCanceled
                          ? "disconnected"
                          : "internal";
    metrics->handshakes.With({RoleName(session.options().role), why}).Inc();
  }
  std::string state = v1sync::ConnectionState_Name(ConnectionStateFor(end));
  metrics->sessions_ended.With({state.substr(std::string_view("CONNECTION_STATE_").size())}).Inc();
}

void AuditSessionEnd(const Session& session, bool established, const Status& end) {
  if (established || end.ok()) return;
  const Code code = end.code();
  if (code != Code::kPermissionDenied && code != Code::kInvalidArgument) return;
  const SessionOptions& o = session.options();
  o.env.Audit("handshake refused", true,
              {{"role", RoleName(o.role)},
               {"remote", o.remote_address},
               {"key_id", session.claimed_key_id()},
               {"instance", session.claimed_instance()},
               {"reason", end.message()}});
}

}  // namespace brs::sync
