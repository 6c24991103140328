// The hub's side of set_config: pushing it, and pairing each answer of a
// client that announced "set-config-result" with the push it answers
// (set_config_result.h).
#include "sync/hub_handler.h"
#include "sync/session_error.h"

namespace brs::sync {

Status HubHandler::PushConfig(const SyncStreamItem::SyncActionSetConfig& set_config, ItemSink& out,
                              PushCallback done) {
  SyncStreamItem item;
  *item.mutable_set_config() = set_config;
  out.Send(std::move(item));
  if (features_.set_config_result) {
    awaiting_.push_back(std::move(done));
  } else if (done) {
    done({PushOutcome::Kind::kUnreported, ""});
  }
  return Status();
}

Status HubHandler::HandleSetConfig(const SyncStreamItem::SyncActionSetConfig& answer,
                                   ItemSink& out) {
  if (!features_.set_config_result) return RoleHandler::HandleSetConfig(answer, out);
  auto refusal = ParseSetConfigResult(answer);
  if (!refusal.ok()) return ProtocolError(refusal.status().message());
  if (awaiting_.empty()) return ProtocolError("set_config result without a set_config sent");
  PushCallback done = std::move(awaiting_.front());
  awaiting_.pop_front();
  if (refusal->refused()) {
    RecordPushRefused(*refusal);
    if (done) done({PushOutcome::Kind::kRefused, refusal->Reason()});
    return Status();
  }
  if (refusal_shown_) {
    refusal_shown_ = false;
    (void)env_.peers->Update(peer_.keyid(), [](v1sync::PeerState& s) {
      s.set_status_message("connected");
      return Status();
    });
  }
  if (done) done({PushOutcome::Kind::kApplied, ""});
  return Status();
}

void HubHandler::RecordPushRefused(const SetConfigRefusal& refusal) {
  const std::string reason = refusal.Reason();
  if (env_.metrics) env_.metrics->set_config_refused.With({"hub"}).Inc();
  env_.Audit("client refused set_config (nothing applied)", true,
             {{"client", peer_.instance_id()}, {"keyid", peer_.keyid()}, {"reason", reason}});
  refusal_shown_ = true;
  (void)env_.peers->Update(peer_.keyid(), [&](v1sync::PeerState& s) {
    s.set_status_message("connected; the client refused set_config: " + reason);
    return Status();
  });
}

void HubHandler::OnConnectionDisconnected(const Status& why) {
  PeerHandlerBase::OnConnectionDisconnected(why);
  std::deque<PushCallback> pending;
  pending.swap(awaiting_);
  const std::string message = why.ok() ? "the session ended" : why.message();
  for (auto& done : pending) {
    if (done) done({PushOutcome::Kind::kEnded, message});
  }
}

}  // namespace brs::sync
