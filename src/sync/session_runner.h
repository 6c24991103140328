// Runs one Session over a SyncTransport until it ends: the calling thread
// reads and handles items (the session thread), a writer thread drains the
// Outbox through Session::Seal, timers run between reads. Other threads
// reach the session through its SessionHandle methods and Post, which
// queue work for the session thread. Either role; the hub's side of a
// session is wrapped in a HubSession (hub_session.h).
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

// What the rest of the daemon uses of a running session, whichever runner
// drives it (this blocking one, or EventSessionRunner on an event loop).
class SessionLoop : public SessionHandle {
 public:
  // Queues fn for the session (any thread); an error it returns ends the
  // session. FailedPrecondition when not established yet, Unavailable once
  // ended (tasks still queued then are dropped).
  using Task = std::function<Status(Session&)>;
  virtual Status Post(Task fn) = 0;
  // The peer once established (empty before). Any thread.
  virtual v1::Multihost::Peer peer() const = 0;
  virtual const SessionOptions& options() const = 0;
};

// How the end of a session is recorded: calls `end_session` once, with
// whether the session records its end in the peer state (Session::End).
// Without one, it always does. The hub's decides under its registry's
// lock (SessionRegistry::End).
using EndRecorder = std::function<void(const v1::Multihost::Peer& peer,
                                       const std::function<void(bool record)>& end_session)>;

class SessionRunner final : public SessionLoop, public std::enable_shared_from_this<SessionRunner> {
 public:
  static std::shared_ptr<SessionRunner> Create(SessionOptions options, SyncTransport* transport,
                                               EndRecorder record_end = nullptr);
  ~SessionRunner() override;

  // Runs the session to its end on the calling thread; returns why it
  // ended (OK for a clean end by the peer).
  Status Run();

  // SessionHandle (any thread).
  void Terminate(const Status& why) override;
  Status FetchLog(const std::string& log_id,
                  std::function<void(std::string_view, bool, const Status&)> fn) override;

  // SessionLoop: tasks run on the session thread.
  Status Post(Task fn) override;
  v1::Multihost::Peer peer() const override;
  const SessionOptions& options() const override { return session_.options(); }

 private:
  SessionRunner(SessionOptions options, SyncTransport* transport, EndRecorder record_end);
  void WriterLoop();
  Status Loop();
  Status StatusAfterWriteFailure();

  Outbox outbox_;
  Session session_;
  SyncTransport* transport_;
  EndRecorder record_end_;

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
};

}  // namespace brs::sync
