// The Sync stream as a session sees it: serialized SyncStreamItems in both
// directions, blocking calls, no HTTP. RpcSyncTransport (sync/rpc_glue.cc)
// implements it over an HTTP/2 bidi stream; PipeTransport
// (sync/pipe_transport.h) in memory.
#pragma once

#include <cstdint>
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

}  // namespace brs::sync
