#include "sync/pipe_transport.h"

#include <chrono>

#include "sync/outbox.h"

namespace brs::sync {

std::pair<std::unique_ptr<PipeTransport>, std::unique_ptr<PipeTransport>> PipeTransport::Pair(
    size_t capacity) {
  auto shared = std::make_shared<Shared>();
  shared->capacity = capacity;
  return {std::unique_ptr<PipeTransport>(new PipeTransport(shared, 0)),
          std::unique_ptr<PipeTransport>(new PipeTransport(shared, 1))};
}

StatusOr<SyncTransport::ReadResult> PipeTransport::Read(std::string* message,
                                                        int64_t deadline_steady_ms) {
  std::unique_lock lock(shared_->mu);
  Direction& in = shared_->dir[side_];
  for (;;) {
    if (!in.items.empty()) {
      *message = std::move(in.items.front());
      in.items.pop_front();
      shared_->cv.notify_all();
      return ReadResult::kMessage;
    }
    if (in.closed) {
      if (in.close_status.ok()) return ReadResult::kEnd;
      return in.close_status;
    }
    if (shared_->wake[side_]) {
      shared_->wake[side_] = false;
      return ReadResult::kTimeout;
    }
    const int64_t now = MonoMillis(Env::Default().NowMono());
    if (now >= deadline_steady_ms) return ReadResult::kTimeout;
    shared_->cv.wait_for(
        lock, std::chrono::milliseconds(std::min<int64_t>(deadline_steady_ms - now, 3'600'000)));
  }
}

void PipeTransport::Wake() {
  std::lock_guard lock(shared_->mu);
  shared_->wake[side_] = true;
  shared_->cv.notify_all();
}

Status PipeTransport::Write(std::string_view message) {
  if (message.size() > kMaxWireItemBytes) return ResourceExhausted("message too large");
  std::unique_lock lock(shared_->mu);
  Direction& out = shared_->dir[1 - side_];
  Direction& in = shared_->dir[side_];
  ++shared_->blocked_writers[side_];
  shared_->cv.wait(lock,
                   [&] { return out.closed || in.closed || out.items.size() < shared_->capacity; });
  --shared_->blocked_writers[side_];
  if (in.closed && !in.close_status.ok()) return in.close_status;  // the peer's error
  if (out.closed) return Unavailable("stream already finished");
  out.items.emplace_back(message);
  shared_->cv.notify_all();
  return Status();
}

size_t PipeTransport::blocked_writers() const {
  std::lock_guard lock(shared_->mu);
  return shared_->blocked_writers[side_];
}

void PipeTransport::Finish(const Status& status) {
  std::lock_guard lock(shared_->mu);
  Direction& out = shared_->dir[1 - side_];
  if (!out.closed) {
    out.closed = true;
    out.close_status = status;
  }
  // Our own reads end too: a finished stream is over for both directions.
  Direction& in = shared_->dir[side_];
  if (!in.closed) {
    in.closed = true;
    in.close_status = status.ok() ? Status() : status;
    in.items.clear();
  }
  shared_->cv.notify_all();
}

void PipeTransport::Break() {
  std::lock_guard lock(shared_->mu);
  for (Direction& d : shared_->dir) {
    d.closed = true;
    d.close_status = Unavailable("connection lost");
    d.items.clear();
  }
  shared_->cv.notify_all();
}

size_t PipeTransport::Backlog() const {
  std::lock_guard lock(shared_->mu);
  return shared_->dir[side_].items.size();
}

}  // namespace brs::sync
