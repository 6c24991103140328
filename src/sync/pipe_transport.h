// Two SyncTransport ends joined in memory, with bounded queues (a full
// queue blocks the writer, as HTTP/2 flow control would). For tests and for
// running a hub and a client in one process.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <utility>

#include "sync/sync_transport.h"

namespace brs::sync {

class PipeTransport final : public SyncTransport {
 public:
  // Both ends of a new pipe; each direction holds at most `capacity` items.
  static std::pair<std::unique_ptr<PipeTransport>, std::unique_ptr<PipeTransport>> Pair(
      size_t capacity = 1024);

  StatusOr<ReadResult> Read(std::string* message, int64_t deadline_steady_ms) override;
  void Wake() override;
  Status Write(std::string_view message) override;
  void Finish(const Status& status) override;
  size_t Backlog() const override;

  // Breaks the pipe as a lost connection would: both ends read Unavailable.
  void Break();
  // Writers of this end blocked on a full queue now (for tests: a Write
  // known to be waiting).
  size_t blocked_writers() const;

 private:
  struct Direction {
    std::deque<std::string> items;
    bool closed = false;  // the writer finished
    Status close_status;  // what the reader gets after the last item
  };
  struct Shared {
    std::mutex mu;
    std::condition_variable cv;
    Direction dir[2];
    size_t capacity = 0;
    bool wake[2] = {false, false};
    size_t blocked_writers[2] = {0, 0};
  };
  PipeTransport(std::shared_ptr<Shared> shared, int side)
      : shared_(std::move(shared)), side_(side) {}

  std::shared_ptr<Shared> shared_;
  int side_;  // reads dir[side_], writes dir[1 - side_]
};

}  // namespace brs::sync
