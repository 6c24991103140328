// The Sync stream as a session sees it: serialized SyncStreamItems in both
// directions, no HTTP. SyncTransport has blocking calls (SessionRunner);
// EventTransport calls that never wait (EventSessionRunner).
// RpcSyncTransport and RpcEventTransport (sync/rpc_glue.h) implement them
// over an HTTP/2 bidi stream; PipeTransport (sync/pipe_transport.h) the
// first in memory.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace brs::sync {

// The largest serialized item accepted from a peer (Backrest: connect-go's
// default read limit is unbounded; ours matches the channel's cap).
inline constexpr size_t kMaxWireItemBytes = size_t{16} << 20;

class SyncTransport {
 public:
  enum class ReadResult { kMessage, kEnd, kTimeout };
  virtual ~SyncTransport() = default;

  // Waits for the next message until `deadline_steady_ms` (the machine's
  // monotonic clock, rpc::SteadyNowMs; INT64_MAX: no deadline). kEnd: the peer closed its side
  // cleanly; kTimeout: the deadline passed or Wake() was called. An error status: the stream failed
  // (the peer's Connect error code is kept, e.g. permission_denied from a hub that refused us; a
  // dropped connection is Unavailable). Called from one thread at a time.
  virtual StatusOr<ReadResult> Read(std::string* message, int64_t deadline_steady_ms) = 0;
  // Makes a Read waiting now (or the next one) return kTimeout at once.
  // Thread safe.
  virtual void Wake() = 0;
  // Sends one message; blocks while flow control holds it back. Called
  // from one thread at a time (the writer).
  virtual Status Write(std::string_view message) = 0;
  // Ends the stream with `status` (OK: a clean end; else the error the
  // peer receives). Unblocks Read and Write. Thread safe, idempotent.
  virtual void Finish(const Status& status) = 0;
  // Messages received but not yet read (the ingest backlog).
  virtual size_t Backlog() const { return 0; }
};

// The same stream for a session driven by events: nothing waits; `notify`
// says when waiting would have ended.
class EventTransport {
 public:
  virtual ~EventTransport() = default;

  // `fn` runs (on any thread, possibly under the transport's locks: it
  // may only schedule work) whenever TryRead or writable() may say
  // something new. Spurious calls happen; nullptr stops them.
  virtual void SetNotify(std::function<void()> fn) = 0;
  // The next message when one is there (kMessage), kEnd, kTimeout when
  // none is there yet; errors as SyncTransport::Read.
  virtual StatusOr<SyncTransport::ReadResult> TryRead(std::string* message) = 0;
  // Queues one message without waiting; call only while writable().
  virtual Status TryWrite(std::string_view message) = 0;
  // The send buffer has room; while false, a notify follows once it has.
  virtual bool writable() = 0;
  // As SyncTransport.
  virtual void Finish(const Status& status) = 0;
  virtual size_t Backlog() const = 0;
};

}  // namespace brs::sync
