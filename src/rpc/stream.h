// The RPC layer's public stream API: a stream of messages (serialized
// protobufs), whatever the protocol (Connect, gRPC) and transport (h2c,
// TLS) underneath, in two views of the same stream. Stream: blocking calls,
// for handlers and callers on threads of their own. AsyncStream: calls that
// never wait, with a notification when waiting would end, for callers
// driven by an event loop (no thread per stream). The HTTP/2 connections
// run on an asio io_context and never block.
//
// Back-pressure: Write blocks while the stream's send buffer is full, which
// it stays while HTTP/2 flow control holds the data back (a slow reader
// slows the writer); received messages are acknowledged to the peer's flow
// control only as Read takes them, so memory stays bounded on both ends.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace brs::rpc {

// Header names are lowercase (HTTP/2).
using Headers = std::vector<std::pair<std::string, std::string>>;
// The first value of `name` (lowercase), or nullptr.
const std::string* FindHeader(const Headers& headers, std::string_view name);

// Milliseconds on std::chrono::steady_clock, the clock of every deadline.
int64_t SteadyNowMs();
inline constexpr int64_t kNoDeadline = INT64_MAX;

class Stream {
 public:
  enum class ReadResult { kMessage, kEnd, kTimeout };
  virtual ~Stream() = default;

  // The next message, waiting until `deadline_ms` (steady clock). kEnd:
  // the peer ended its side with success. An error: the call failed (a
  // client sees the server's status, code and message as sent; a reset or
  // lost connection is Unavailable or Canceled).
  virtual StatusOr<ReadResult> Read(std::string* message, int64_t deadline_ms = kNoDeadline) = 0;
  // Makes the Read in progress (or the next) return kTimeout now.
  virtual void Wake() = 0;
  // Queues one message; blocks while the send buffer is full. An error
  // when the stream is over (and then Read tells why).
  virtual Status Write(std::string_view message) = 0;
  // Ends the stream. Server: sends the final status (Connect end-of-stream
  // message, gRPC trailers). Client: OK half-closes the request (the
  // response can still be read); an error cancels the call, after a
  // half-close too while the outcome is unknown. Otherwise idempotent;
  // wakes blocked calls.
  virtual void Finish(const Status& status) = 0;
  // Messages received and not yet read.
  virtual size_t Backlog() const = 0;
  // Server: the request headers. Client: the response headers (complete
  // once the first Read returned or failed).
  virtual Headers headers() const = 0;
  // Server: headers to add to the response; only before the first Write.
  virtual void AddResponseHeader(std::string name, std::string value) = 0;
  // Server: trailers to send with the final status (gRPC trailers, a
  // Connect stream's end-of-stream metadata; Connect unary sends them as
  // "trailer-" headers, so there only before the first Write); before
  // Finish. A client ignores them.
  virtual void AddResponseTrailer(std::string name, std::string value) = 0;
  // Client: the response's trailers (gRPC trailers, Connect end-of-stream
  // metadata, Connect unary "trailer-" headers without the prefix),
  // complete once Read returned kEnd or an error. Server: empty.
  virtual Headers trailers() const = 0;
  // The peer's address ("ip:port").
  virtual std::string peer_address() const = 0;
};

// The non-blocking view of a stream. Back-pressure is the caller's: it
// writes while writable() and waits for the notification otherwise; unread
// messages hold back the peer's flow control as with Stream.
class AsyncStream {
 public:
  virtual ~AsyncStream() = default;

  // `fn` runs whenever something a caller of TryRead or writable() waits
  // for may have changed: a message or the end arrived, the stream failed,
  // the send buffer drained below its high-water mark after writable()
  // said false. It runs with the stream's lock held, on whichever thread
  // caused the change (usually the connection's io thread): it may only
  // schedule work, never call the stream or block. Calls may be spurious.
  // Set before the first TryRead; nullptr stops the calls.
  virtual void SetNotify(std::function<void()> fn) = 0;
  // The next message when one has arrived, else kTimeout at once. kEnd and
  // errors as Stream::Read.
  virtual StatusOr<Stream::ReadResult> TryRead(std::string* message) = 0;
  // Queues one message without waiting, whatever the send buffer holds.
  // An error when the stream is over (TryRead then tells why).
  virtual Status TryWrite(std::string_view message) = 0;
  // The send buffer is below its high-water mark. While false, a notify
  // follows once it is true again (or the stream failed).
  virtual bool writable() = 0;
  // As Stream.
  virtual void Finish(const Status& status) = 0;
  virtual size_t Backlog() const = 0;
  virtual Headers headers() const = 0;
  virtual void AddResponseHeader(std::string name, std::string value) = 0;
  virtual void AddResponseTrailer(std::string name, std::string value) = 0;
  virtual Headers trailers() const = 0;
  virtual std::string peer_address() const = 0;
};

}  // namespace brs::rpc
