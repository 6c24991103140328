// The hub's side of one session with a client: a session runner (blocking
// or event-driven) whose handler is a HubHandler, registered under the client's key ID once the
// client is authorized (displacing an older session of it), and reachable
// through the registry as a HubSessionHandle (config pushes, throttles).
#pragma once

#include <memory>

#include "sync/event_session_runner.h"
#include "sync/hub_handler.h"
#include "sync/session_registry.h"
#include "sync/session_runner.h"

namespace brs::sync {

class HubSession final : public HubSessionHandle, public std::enable_shared_from_this<HubSession> {
 public:
  // `options.role` must be kHub; its make_handler is replaced. `registry`
  // (required) outlives the session.
  static std::shared_ptr<HubSession> Create(SessionOptions options, SyncTransport* transport,
                                            SessionRegistry* registry);
  // The same session on an event loop: runs on `pool` once started.
  static std::shared_ptr<HubSession> CreateOnPool(SessionOptions options,
                                                  std::shared_ptr<EventTransport> transport,
                                                  SessionPool& pool, SessionRegistry* registry);

  // Runs the session to its end on the calling thread (SessionRunner::Run).
  // Only for one made by Create.
  Status Run() { return blocking_->Run(); }
  // Starts the session (EventSessionRunner::Start). Only for one made by
  // CreateOnPool.
  void Start(EventSessionRunner::DoneFn done) { event_->Start(std::move(done)); }
  // The client once established (empty before). Any thread.
  v1::Multihost::Peer peer() const { return runner_->peer(); }

  // HubSessionHandle (any thread).
  void Terminate(const Status& why) override { runner_->Terminate(why); }
  Status FetchLog(const std::string& log_id,
                  std::function<void(std::string_view, bool, const Status&)> fn) override {
    return runner_->FetchLog(log_id, std::move(fn));
  }
  Status PushConfig(const v1sync::SyncStreamItem::SyncActionSetConfig& set_config,
                    PushCallback done = nullptr) override;
  bool Throttle(int64_t delay_ms) override;

 private:
  explicit HubSession(SessionRegistry* registry) : registry_(registry) {}
  // The session's options with the registry claim and the handler factory.
  SessionOptions Wired(SessionOptions options);
  // Records the end only while this is still the client's current session.
  void RecordEnd(const v1::Multihost::Peer& peer, const std::function<void(bool)>& end_session);

  SessionRegistry* const registry_;
  std::shared_ptr<SessionLoop> runner_;  // one of the two below
  std::shared_ptr<SessionRunner> blocking_;
  std::shared_ptr<EventSessionRunner> event_;
  // Both set on the session thread once the client is authorized, and
  // used only there (posted tasks, the end).
  HubHandler* handler_ = nullptr;
  uint64_t number_ = 0;  // the registry's session number
};

}  // namespace brs::sync
