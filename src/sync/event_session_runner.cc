#include "sync/event_session_runner.h"

#include <algorithm>
#include <asio.hpp>

#include "sync/runner_steps.h"
#include "sync/session_error.h"
#include "sync/session_pool_impl.h"

namespace brs::sync {
namespace {

// Items one turn of a session takes from its stream before the session's
// queue lets other sessions run (it comes back for the rest).
constexpr int kItemsPerTurn = 32;

}  // namespace

SessionPool::SessionPool(size_t threads)
    : threads_(std::max<size_t>(1, threads)), impl_(std::make_unique<Impl>(threads_)) {}

SessionPool::~SessionPool() {
  // Every session has ended by now (their owners wait for it); what is
  // left (a cancelled timer's handler) need not run.
  impl_->pool.stop();
  impl_->pool.join();
}

struct EventSessionRunner::Loop {
  explicit Loop(asio::thread_pool& pool) : strand(asio::make_strand(pool)), timer(strand) {}
  asio::strand<asio::thread_pool::executor_type> strand;
  asio::steady_timer timer;
};

std::shared_ptr<EventSessionRunner> EventSessionRunner::Create(
    SessionOptions options, std::shared_ptr<EventTransport> transport, SessionPool& pool,
    EndRecorder record_end) {
  return std::shared_ptr<EventSessionRunner>(new EventSessionRunner(
      std::move(options), std::move(transport), pool, std::move(record_end)));
}

EventSessionRunner::EventSessionRunner(SessionOptions options,
                                       std::shared_ptr<EventTransport> transport, SessionPool& pool,
                                       EndRecorder record_end)
    : outbox_(options.tunables.outbox_high_water, options.env.clock, /*blocking_send=*/false),
      session_(std::move(options), &outbox_),
      transport_(std::move(transport)),
      record_end_(std::move(record_end)),
      loop_(std::make_unique<Loop>(pool.impl().pool)) {}

EventSessionRunner::~EventSessionRunner() = default;

void EventSessionRunner::Start(DoneFn done) {
  done_ = std::move(done);
  if (auto* metrics = session_.options().env.metrics) metrics->sessions_started.Inc();
  std::weak_ptr<EventSessionRunner> weak = weak_from_this();
  outbox_.SetOnRoom([weak] {
    if (auto self = weak.lock()) {
      self->outbox_room_ = true;
      self->Kick();
    }
  });
  outbox_.SetOnPush([weak] {
    if (auto self = weak.lock()) self->Kick();
  });
  transport_->SetNotify([weak] {
    if (auto self = weak.lock()) self->Kick();
  });
  asio::post(loop_->strand, [self = shared_from_this()] {
    self->started_ = true;
    Status st = self->session_.Start(self->session_.options().env.clock->NowMono());
    if (!st.ok()) {
      self->End(st);
      return;
    }
    self->Pump();
  });
}

void EventSessionRunner::Kick() {
  if (kicked_.exchange(true)) return;
  auto self = weak_from_this().lock();
  if (!self) return;
  asio::post(loop_->strand, [self = std::move(self)] {
    self->kicked_ = false;
    self->Pump();
  });
}

bool EventSessionRunner::established() const {
  std::lock_guard lock(mu_);
  return established_;
}

v1::Multihost::Peer EventSessionRunner::peer() const {
  std::lock_guard lock(mu_);
  return peer_;
}

Status EventSessionRunner::Post(Task fn) {
  {
    std::lock_guard lock(mu_);
    if (ended_) return Unavailable("session ended");
    if (!established_) return FailedPrecondition("session not established yet");
    tasks_.push_back(std::move(fn));
  }
  Kick();
  return Status();
}

void EventSessionRunner::Terminate(const Status& why) {
  {
    std::lock_guard lock(mu_);
    if (ended_ || terminate_) return;
    terminate_ = why;
  }
  Kick();
}

Status EventSessionRunner::FetchLog(const std::string& log_id,
                                    std::function<void(std::string_view, bool, const Status&)> fn) {
  return Post([log_id, fn = std::move(fn)](Session& s) mutable {
    Status st = s.handler()->FetchLog(log_id, s.outbox(), fn);
    if (!st.ok()) fn({}, true, st);
    return Status();  // a refused fetch does not end the session
  });
}

void EventSessionRunner::Pump() {
  if (!started_ || finished_) return;
  std::optional<Status> terminate;
  std::deque<Task> tasks;
  {
    std::lock_guard lock(mu_);
    terminate = terminate_;
    tasks.swap(tasks_);
  }
  if (terminate) {
    End(*terminate);
    return;
  }
  Status st;
  for (Task& t : tasks) {
    if (st.ok()) st = t(session_);
  }
  if (st.ok()) st = Step();
  if (!st.ok()) {
    End(st);
    return;
  }
  ArmTimer();
}

Status EventSessionRunner::Step() {
  if (outbox_room_.load(std::memory_order_relaxed) && outbox_room_.exchange(false)) {
    BRS_RETURN_IF_ERROR(session_.OnOutboxRoom());
  }
  BRS_RETURN_IF_ERROR(session_.OnTick(session_.options().env.clock->NowMono()));
  BRS_RETURN_IF_ERROR(ReadItems());
  return Drain();
}

Status EventSessionRunner::ReadItems() {
  const Env& env = *session_.options().env.clock;
  std::string message;
  for (int i = 0; i < kItemsPerTurn; ++i) {
    // A full outbox holds back reading (and so, by flow control, the peer).
    if (outbox_.size() >= outbox_.high_water()) {
      reading_held_ = true;
      return Status();
    }
    BRS_ASSIGN_OR_RETURN(auto r, transport_->TryRead(&message));
    if (r == SyncTransport::ReadResult::kEnd) return Disconnected(std::string(kPeerClosedStream));
    if (r == SyncTransport::ReadResult::kTimeout) return Status();
    const bool was_established = session_.phase() == Session::Phase::kEstablished;
    BRS_RETURN_IF_ERROR(TakeWireMessage(session_, message, env.NowMono()));
    if (!was_established && session_.phase() == Session::Phase::kEstablished) MarkEstablished();
    session_.OnBacklog(transport_->Backlog(), env.NowMono());
  }
  Kick();  // more may be waiting: after the other sessions' turns
  return Status();
}

void EventSessionRunner::MarkEstablished() {
  {
    std::lock_guard lock(mu_);
    established_ = true;
    peer_ = session_.peer();
  }
  // Our own config changes reach the session through its task queue.
  std::weak_ptr<EventSessionRunner> weak = weak_from_this();
  config_sub_ = OnSessionEstablished(session_, [weak](const store::ConfigStore::ConfigPtr& cfg) {
    if (auto self = weak.lock()) {
      (void)self->Post([cfg](Session& s) { return s.OnConfigChanged(*cfg); });
    }
  });
}

Status EventSessionRunner::Drain() {
  while (transport_->writable()) {
    auto item = outbox_.TryPop();
    if (!item) break;
    BRS_ASSIGN_OR_RETURN(SyncStreamItem wire, session_.Seal(*item));
    std::string bytes;
    if (!wire.SerializeToString(&bytes)) return Internal("serializing an item failed");
    Status st = transport_->TryWrite(bytes);
    if (!st.ok()) return StatusAfterWriteFailure(st);
    if (auto* m = session_.options().env.metrics) m->bytes_sent.Inc(bytes.size());
  }
  if (reading_held_ && outbox_.size() < outbox_.high_water()) {
    reading_held_ = false;
    Kick();
  }
  return Status();
}

// A failed write usually means the peer ended the stream; its reason (e.g.
// a hub's permission_denied) is what the read side reports.
Status EventSessionRunner::StatusAfterWriteFailure(const Status& written) {
  std::string message;
  for (int i = 0; i < 10'000; ++i) {
    auto r = transport_->TryRead(&message);
    if (!r.ok()) return r.status();
    if (*r != SyncTransport::ReadResult::kMessage) break;
  }
  return written;
}

void EventSessionRunner::ArmTimer() {
  const MonoTime due = std::min(session_.NextTick(), outbox_.ResumeAt());
  if (due == timer_due_) return;
  timer_due_ = due;
  if (due == kMonoNever) {
    loop_->timer.cancel();
    return;
  }
  // The session's clock says when; the timer waits as long on the real one.
  const Millis wait = std::max(Millis(0), due - session_.options().env.clock->NowMono());
  loop_->timer.expires_after(wait);
  std::weak_ptr<EventSessionRunner> weak = weak_from_this();
  loop_->timer.async_wait(asio::bind_executor(loop_->strand, [weak](const asio::error_code& ec) {
    if (ec) return;
    if (auto self = weak.lock()) {
      self->timer_due_ = kMonoNever;
      self->Pump();
    }
  }));
}

void EventSessionRunner::End(const Status& end) {
  finished_ = true;
  loop_->timer.cancel();
  bool established;
  {
    std::lock_guard lock(mu_);
    ended_ = true;
    tasks_.clear();
    established = established_;
  }
  CountSessionEnd(session_, established, end);
  if (config_sub_ != 0) session_.options().env.config->Unsubscribe(config_sub_);
  if (end.ok()) (void)Drain();  // a clean end: what fits goes out first
  outbox_.Close();
  transport_->SetNotify(nullptr);
  transport_->Finish(end);
  auto end_session = [&](bool record) { session_.End(end, record); };
  if (record_end_) {
    record_end_(session_.peer(), end_session);
  } else {
    end_session(true);
  }
  AuditSessionEnd(session_, established, end);
  DoneFn done = std::move(done_);
  if (done) done(end);
}

}  // namespace brs::sync
