// Runs one Session over a SyncTransport until it ends: the calling thread
// reads and handles items (the session thread), a writer thread drains the
// Outbox through Session::Seal, timers run between reads. Other threads
// reach the session through its SessionHandle methods, which queue work
// for the session thread.
#pragma once

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>

#include "sync/session.h"
#include "sync/session_registry.h"
#include "sync/sync_transport.h"

namespace brs::sync {

class SessionRunner final : public SessionHandle,
                            public std::enable_shared_from_this<SessionRunner> {
 public:
  struct Hooks {
    // The hub's registry: an established session registers under its
    // peer's key ID (displacing an older one). Null for clients.
    SessionRegistry* registry = nullptr;
    // Called on the session thread when the session is established and
    // when it ended (with the classified status). Optional.
    std::function<void(const v1::Multihost::Peer&)> on_established;
    std::function<void(const v1::Multihost::Peer&, const Status&)> on_end;
  };

  static std::shared_ptr<SessionRunner> Create(SessionOptions options, SyncTransport* transport,
                                               Hooks hooks);
  ~SessionRunner() override;

  // Runs the session to its end on the calling thread; returns why it
  // ended (OK for a clean end by the peer).
  Status Run();

  // SessionHandle (any thread).
  void Terminate(const Status& why) override;
  Status PushConfig(const v1sync::SyncStreamItem::SyncActionSetConfig& set_config,
                    PushCallback done = nullptr) override;
  Status FetchLog(const std::string& log_id,
                  std::function<void(std::string_view, bool, const Status&)> fn) override;
  bool Throttle(int64_t delay_ms) override;

  // The peer once established (empty before). Any thread.
  v1::Multihost::Peer peer() const;

 private:
  SessionRunner(SessionOptions options, SyncTransport* transport, Hooks hooks);
  // Makes the session claim its peer's registry slot once authorized,
  // before any peer state is written (SessionRegistry).
  SessionOptions WithRegistryClaim(SessionOptions options);
  using Task = std::function<Status(Session&)>;
  // Queues fn for the session thread; FailedPrecondition when not
  // established or already ended.
  Status Post(Task fn);
  void WriterLoop();
  Status Loop();
  Status StatusAfterWriteFailure();
  const char* RoleName() const;
  void AuditEnd(const Status& end) const;

  Outbox outbox_;
  Session session_;
  SyncTransport* transport_;
  Hooks hooks_;

  mutable std::mutex mu_;
  std::deque<Task> tasks_;
  std::optional<Status> terminate_;
  bool established_ = false;
  bool ended_ = false;
  v1::Multihost::Peer peer_;
  std::atomic<bool> writer_failed_{false};
  std::atomic<bool> outbox_room_{false};  // the outbox has room again
  Status writer_status_;
  uint64_t config_sub_ = 0;
  uint64_t session_number_ = 0;  // from the registry; 0 until claimed
};

}  // namespace brs::sync
