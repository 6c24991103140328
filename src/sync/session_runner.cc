#include "sync/session_runner.h"

#include <thread>

#include "sync/runner_steps.h"
#include "sync/session_error.h"

namespace brs::sync {

std::shared_ptr<SessionRunner> SessionRunner::Create(SessionOptions options,
                                                     SyncTransport* transport,
                                                     EndRecorder record_end) {
  return std::shared_ptr<SessionRunner>(
      new SessionRunner(std::move(options), transport, std::move(record_end)));
}

namespace {

// The transport waits on the machine's monotonic clock; the session's times
// come from its Env (a fake one in tests). A wait until `due` on the
// session's clock is this deadline on the transport's.
int64_t TransportDeadline(MonoTime due, MonoTime now) {
  if (due == kMonoNever) return INT64_MAX;
  const int64_t wait = std::max<int64_t>(0, (due - now).count());
  return MonoMillis(Env::Default().NowMono()) + wait;
}

}  // namespace

SessionRunner::SessionRunner(SessionOptions options, SyncTransport* transport,
                             EndRecorder record_end)
    : outbox_(options.tunables.outbox_high_water, options.env.clock),
      session_(std::move(options), &outbox_),
      transport_(transport),
      record_end_(std::move(record_end)) {
  outbox_.SetOnRoom([this] {
    outbox_room_ = true;
    transport_->Wake();
  });
}

SessionRunner::~SessionRunner() = default;

v1::Multihost::Peer SessionRunner::peer() const {
  std::lock_guard lock(mu_);
  return peer_;
}

Status SessionRunner::Post(Task fn) {
  {
    std::lock_guard lock(mu_);
    if (ended_) return Unavailable("session ended");
    if (!established_) return FailedPrecondition("session not established yet");
    tasks_.push_back(std::move(fn));
  }
  transport_->Wake();
  return Status();
}

void SessionRunner::Terminate(const Status& why) {
  {
    std::lock_guard lock(mu_);
    if (ended_ || terminate_) return;
    terminate_ = why;
  }
  transport_->Wake();
}

Status SessionRunner::FetchLog(const std::string& log_id,
                               std::function<void(std::string_view, bool, const Status&)> fn) {
  return Post([log_id, fn = std::move(fn)](Session& s) mutable {
    Status st = s.handler()->FetchLog(log_id, s.outbox(), fn);
    if (!st.ok()) fn({}, true, st);
    return Status();  // a refused fetch does not end the session
  });
}

void SessionRunner::WriterLoop() {
  for (;;) {
    auto item = outbox_.Pop(kMonoNever);
    if (!item) return;  // closed
    auto wire = session_.Seal(*item);
    Status st = wire.status();
    if (st.ok()) {
      std::string bytes;
      if (!wire->SerializeToString(&bytes)) st = Internal("serializing an item failed");
      if (st.ok()) st = transport_->Write(bytes);
      if (st.ok() && session_.options().env.metrics) {
        session_.options().env.metrics->bytes_sent.Inc(bytes.size());
      }
    }
    if (!st.ok()) {
      {
        std::lock_guard lock(mu_);
        writer_status_ = st;
      }
      writer_failed_ = true;
      transport_->Wake();
      return;
    }
  }
}

// A failed write usually means the peer ended the stream; its reason (e.g.
// the hub's permission_denied) is what the read side reports.
Status SessionRunner::StatusAfterWriteFailure() {
  Status written;
  {
    std::lock_guard lock(mu_);
    written = writer_status_;
  }
  std::string message;
  const int64_t until = MonoMillis(Env::Default().NowMono()) + 500;
  for (int i = 0; i < 10'000; ++i) {
    auto r = transport_->Read(&message, until);
    if (!r.ok()) return r.status();
    if (*r != SyncTransport::ReadResult::kMessage) break;
  }
  return written;
}

Status SessionRunner::Loop() {
  const Env& env = *session_.options().env.clock;
  BRS_RETURN_IF_ERROR(session_.Start(env.NowMono()));
  std::string message;
  for (;;) {
    // Work from other threads, a termination, a failed writer.
    std::deque<Task> tasks;
    {
      std::lock_guard lock(mu_);
      if (terminate_) return *terminate_;
      tasks.swap(tasks_);
    }
    if (writer_failed_) return StatusAfterWriteFailure();
    for (Task& t : tasks) BRS_RETURN_IF_ERROR(t(session_));
    if (outbox_room_.load(std::memory_order_relaxed) && outbox_room_.exchange(false)) {
      BRS_RETURN_IF_ERROR(session_.OnOutboxRoom());
    }

    const MonoTime now = env.NowMono();
    BRS_RETURN_IF_ERROR(session_.OnTick(now));
    auto r = transport_->Read(&message, TransportDeadline(session_.NextTick(), now));
    if (!r.ok()) return r.status();
    if (*r == SyncTransport::ReadResult::kEnd) return Disconnected(std::string(kPeerClosedStream));
    if (*r == SyncTransport::ReadResult::kTimeout) continue;

    const bool was_established = session_.phase() == Session::Phase::kEstablished;
    BRS_RETURN_IF_ERROR(TakeWireMessage(session_, message, env.NowMono()));
    if (!was_established && session_.phase() == Session::Phase::kEstablished) {
      {
        std::lock_guard lock(mu_);
        established_ = true;
        peer_ = session_.peer();
      }
      // Our own config changes reach the session through its task queue.
      std::weak_ptr<SessionRunner> weak = shared_from_this();
      config_sub_ =
          OnSessionEstablished(session_, [weak](const store::ConfigStore::ConfigPtr& cfg) {
            if (auto self = weak.lock()) {
              (void)self->Post([cfg](Session& s) { return s.OnConfigChanged(*cfg); });
            }
          });
    }
    session_.OnBacklog(transport_->Backlog(), env.NowMono());
  }
}

Status SessionRunner::Run() {
  if (auto* metrics = session_.options().env.metrics) metrics->sessions_started.Inc();
  std::thread writer([this] { WriterLoop(); });
  Status end = Loop();
  CountSessionEnd(session_, established_, end);
  {
    std::lock_guard lock(mu_);
    ended_ = true;
    tasks_.clear();
  }
  if (config_sub_ != 0) session_.options().env.config->Unsubscribe(config_sub_);
  if (end.ok()) {
    // A clean end: let what is queued go out first, for a bounded time.
    const Env& real = Env::Default();
    const MonoTime give_up = real.NowMono() + Millis(5'000);
    while (outbox_.size() > 0 && !writer_failed_ && real.NowMono() < give_up) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }
  outbox_.Close();
  transport_->Finish(end);
  writer.join();
  auto end_session = [&](bool record) { session_.End(end, record); };
  if (record_end_) {
    record_end_(session_.peer(), end_session);
  } else {
    end_session(true);
  }
  AuditSessionEnd(session_, established_, end);
  return end;
}

}  // namespace brs::sync
