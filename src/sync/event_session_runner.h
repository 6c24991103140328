// Runs Sessions without a thread of their own: each session is a serial
// queue of work on a SessionPool (a fixed number of threads, whatever the
// number of sessions), fed by its EventTransport's notifications, by
// timers (heartbeat, handshake deadline, a throttle's end) and by work
// other threads post. The session's blocking store calls hold up only that
// session; one that waits on a slow peer holds up nothing: its Outbox
// never blocks a sender, the runner stops reading while the Outbox is
// full (HTTP/2 flow control then holds the peer back) and writes only
// while the transport is writable.
//
// Same session semantics as SessionRunner (session_runner.h), which stays
// for callers that block (the client loops, tests over pipes).
#pragma once

#include <atomic>
#include <deque>
#include <memory>
#include <mutex>

#include "sync/session_runner.h"

namespace brs::sync {

// The threads event-driven sessions run on: `threads` of them, started by
// the constructor; the destructor waits for queued work and joins them.
class SessionPool {
 public:
  explicit SessionPool(size_t threads);
  ~SessionPool();
  SessionPool(const SessionPool&) = delete;
  SessionPool& operator=(const SessionPool&) = delete;
  size_t threads() const { return threads_; }

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  size_t threads_;
  std::unique_ptr<Impl> impl_;
};

class EventSessionRunner final : public SessionLoop,
                                 public std::enable_shared_from_this<EventSessionRunner> {
 public:
  using DoneFn = std::function<void(const Status& end)>;
  static std::shared_ptr<EventSessionRunner> Create(SessionOptions options,
                                                    std::shared_ptr<EventTransport> transport,
                                                    SessionPool& pool,
                                                    EndRecorder record_end = nullptr);
  ~EventSessionRunner() override;

  // Starts the session; `done` runs once, on a pool thread, with why it
  // ended, after the transport was finished and the end recorded.
  void Start(DoneFn done);

  // SessionLoop (any thread).
  void Terminate(const Status& why) override;
  Status FetchLog(const std::string& log_id,
                  std::function<void(std::string_view, bool, const Status&)> fn) override;
  Status Post(Task fn) override;
  v1::Multihost::Peer peer() const override;
  const SessionOptions& options() const override { return session_.options(); }
  bool established() const;

 private:
  struct Loop;
  EventSessionRunner(SessionOptions options, std::shared_ptr<EventTransport> transport,
                     SessionPool& pool, EndRecorder record_end);
  // Queues one Pump on the session's queue unless one is queued already.
  void Kick();
  // Everything there is to do now, then the timer for what comes next.
  void Pump();
  Status Step();
  Status ReadItems();
  void MarkEstablished();
  Status Drain();
  Status StatusAfterWriteFailure(const Status& written);
  void ArmTimer();
  void End(const Status& end);

  Outbox outbox_;
  Session session_;
  std::shared_ptr<EventTransport> transport_;
  EndRecorder record_end_;
  std::unique_ptr<Loop> loop_;
  DoneFn done_;

  std::atomic<bool> kicked_{false};
  std::atomic<bool> outbox_room_{false};
  bool started_ = false;   // the session's queue only
  bool finished_ = false;  // the session's queue only
  bool reading_held_ = false;
  MonoTime timer_due_ = kMonoNever;
  uint64_t config_sub_ = 0;

  mutable std::mutex mu_;
  std::deque<Task> tasks_;
  std::optional<Status> terminate_;
  bool established_ = false;
  bool ended_ = false;
  v1::Multihost::Peer peer_;
};

}  // namespace brs::sync
