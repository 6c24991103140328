#include "sync/hub_session.h"

#include "sync/handler_factory.h"

namespace brs::sync {

std::shared_ptr<HubSession> HubSession::Create(SessionOptions options, SyncTransport* transport,
                                               SessionRegistry* registry) {
  std::shared_ptr<HubSession> hub(new HubSession(registry));
  HubSession* raw = hub.get();
  hub->blocking_ = SessionRunner::Create(
      hub->Wired(std::move(options)), transport,
      [raw](const v1::Multihost::Peer& peer, const std::function<void(bool)>& end_session) {
        raw->RecordEnd(peer, end_session);
      });
  hub->runner_ = hub->blocking_;
  return hub;
}

std::shared_ptr<HubSession> HubSession::CreateOnPool(SessionOptions options,
                                                     std::shared_ptr<EventTransport> transport,
                                                     SessionPool& pool, SessionRegistry* registry) {
  std::shared_ptr<HubSession> hub(new HubSession(registry));
  HubSession* raw = hub.get();
  hub->event_ = EventSessionRunner::Create(
      hub->Wired(std::move(options)), std::move(transport), pool,
      [raw](const v1::Multihost::Peer& peer, const std::function<void(bool)>& end_session) {
        raw->RecordEnd(peer, end_session);
      });
  hub->runner_ = hub->event_;
  return hub;
}

// The session claims its client's registry slot once authorized, before
// any peer state is written, so that the newest session's state wins.
SessionOptions HubSession::Wired(SessionOptions options) {
  auto then = std::move(options.on_authorized);
  options.on_authorized = [this, then = std::move(then)](const v1::Multihost::Peer& peer) {
    number_ = registry_->Register(peer.keyid(), shared_from_this());
    if (then) then(peer);
  };
  options.make_handler = [this](const SessionOptions& o) -> std::unique_ptr<PeerHandlerBase> {
    auto handler = NewHubHandler(o);
    handler_ = handler.get();
    return handler;
  };
  return options;
}

// A displaced session must not overwrite its successor's peer state.
void HubSession::RecordEnd(const v1::Multihost::Peer& peer,
                           const std::function<void(bool)>& end_session) {
  if (number_ == 0) {
    end_session(true);
    return;
  }
  registry_->End(peer.keyid(), number_, end_session);
}

Status HubSession::PushConfig(const v1sync::SyncStreamItem::SyncActionSetConfig& set_config,
                              PushCallback done) {
  return runner_->Post([this, set_config, done = std::move(done)](Session& s) mutable {
    return handler_->PushConfig(set_config, s.outbox(), std::move(done));
  });
}

bool HubSession::Throttle(int64_t delay_ms) {
  if (!runner_->options().peer_features.throttle) return false;  // never to a Backrest peer
  return runner_
      ->Post([delay_ms](Session& s) {
        (void)s.Throttle(delay_ms);
        return Status();
      })
      .ok();
}

}  // namespace brs::sync
