// StreamCore: the state of one RPC stream, shared between its HTTP/2
// connection (which runs on an asio strand and never blocks) and the thread
// using the Stream API (which blocks). It holds the stream's mailbox (the
// received messages, waiting for Read), its outgoing buffer (written by
// Write, drained by nghttp2's data provider) and its flow control: Write
// blocks above a high-water mark, and received bytes are given back to
// HTTP/2 flow control only as Read takes them. What the protocol says
// (statuses, headers, trailers) comes from call_semantics.h.
//
// Locking: every member below mu_ is guarded by mu_. Methods named
// `…Locked` expect the caller to hold mu_; every other method takes it.
// Internal to the rpc layer.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "rpc/call_semantics.h"
#include "rpc/envelope.h"
#include "rpc/stream.h"

namespace brs::rpc::internal {

class Connection;

class StreamCore final : public Stream,
                         public AsyncStream,
                         public std::enable_shared_from_this<StreamCore> {
 public:
  StreamCore(std::weak_ptr<Connection> conn, Role role, std::string peer)
      : conn_(std::move(conn)), role_(role), peer_(std::move(peer)) {}
  ~StreamCore() override;

  // Stream
  StatusOr<ReadResult> Read(std::string* message, int64_t deadline_ms) override;
  void Wake() override;
  Status Write(std::string_view message) override;
  void Finish(const Status& status) override;
  size_t Backlog() const override;
  Headers headers() const override;
  void AddResponseHeader(std::string name, std::string value) override;
  void AddResponseTrailer(std::string name, std::string value) override;
  Headers trailers() const override;
  std::string peer_address() const override { return peer_; }

  // AsyncStream (Finish, Backlog, headers, … as Stream)
  void SetNotify(std::function<void()> fn) override;
  StatusOr<ReadResult> TryRead(std::string* message) override { return Read(message, 0); }
  Status TryWrite(std::string_view message) override;
  bool writable() override;
  // Runs once, on the thread that first calls Finish, after the lock is
  // released (the server counts calls served without a thread).
  void SetOnFinish(std::function<void()> fn);

  // ---- Connection side (strand) ----
  void set_id(int32_t id) { id_ = id; }
  int32_t id() const { return id_; }
  void set_config(const CallConfig& c);
  CallConfig config() const;
  void OnHeader(std::string name, std::string value, bool trailer);
  // Client: the response headers are complete (validates them).
  void OnResponseHeaders(bool end_stream);
  void OnData(const uint8_t* data, size_t len);
  void OnRemoteEnd();
  void OnClosed(uint32_t error_code);
  void OnConnectionLost(const Status& why);
  // The data provider of this stream's outgoing body: copies up to `len`
  // bytes into buf. Sets NGHTTP2_DATA_FLAG_EOF (and *want_trailers for a
  // gRPC server) at the end; NGHTTP2_ERR_DEFERRED when there is nothing yet.
  ssize_t ReadOutgoing(uint8_t* buf, size_t len, uint32_t* flags, bool* want_trailers);
  // Server: the headers to submit with the response (status + content).
  Headers ResponseHeaders() const;
  // Server, gRPC: the trailers with the final status.
  Headers Trailers() const;
  // The request headers, without the lock: strand only, before the
  // handler runs (they are complete and no longer change).
  const Headers& request_headers_unlocked() const { return in_headers_; }
  // Server: answer with this HTTP status and content type instead of the
  // protocol's (unknown paths, GET endpoints, refused requests).
  void ForceResponse(int http_status, std::string content_type);

 private:
  // Wakes blocked callers and tells the async one (notify_).
  void SignalLocked();
  // Queues one outgoing message (Write and TryWrite).
  Status AppendLocked(std::string_view message);
  size_t PendingOutLocked() const { return out_.size() - out_pos_; }
  void FailLocked(const Status& s);
  // The inbound side failed (bad or oversized request data). A client's
  // call fails; a server stream can still send its final status.
  void FailReadLocked(const Status& s);
  void QueueEnvelopesLocked();
  // Takes an end-of-stream envelope (client, Connect streams).
  void OnEndEnvelopeLocked(const Envelope& e);
  void MaybeConsumeLocked();
  void ClientRemoteEndLocked();
  void ClientFinishLocked(const Status& status);
  // Server: the final status goes out after the queued messages.
  void ServerFinishLocked(const Status& status);
  // Starts the server response on the strand (headers + data provider).
  void StartResponseLocked();
  // Makes the data provider look for data again (new bytes, or the end).
  void ResumeLocked();
  // Runs fn(Connection&) on the connection's strand, then flushes what it
  // queued; nothing when the connection is gone.
  template <typename Fn>
  void OnStrandThenFlush(Fn fn);
  // The error Write returns once the stream is broken.
  Status BrokenStatusLocked() const;

  std::weak_ptr<Connection> conn_;
  const Role role_;
  const std::string peer_;
  int32_t id_ = -1;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  CallConfig cfg_;
  Headers in_headers_;   // server: request; client: response
  Headers in_trailers_;  // client: gRPC trailers, Connect end-of-stream metadata
  Headers extra_response_headers_;
  Headers extra_trailers_;  // server: the handler's trailers
  int http_status_ = 0;
  int forced_status_ = 0;
  std::string forced_content_type_;

  // Inbound.
  EnvelopeDecoder decoder_;
  std::deque<std::string> messages_;
  std::string raw_body_;
  size_t unread_bytes_ = 0;  // wire bytes of queued messages
  size_t held_bytes_ = 0;    // received, not yet given back to flow control
  bool remote_ended_ = false;
  bool end_envelope_seen_ = false;
  std::optional<Status> final_;  // the call's outcome once known
  bool wake_ = false;
  std::function<void()> notify_;
  std::function<void()> on_finish_;
  bool write_waiting_ = false;  // writable() said false: notify once below

  // Outbound.
  std::string out_;
  size_t out_pos_ = 0;
  bool local_finished_ = false;    // Finish called
  Status local_status_;            // what Finish was given
  bool eof_queued_ = false;        // no more data after out_
  bool deferred_ = false;          // the data provider is waiting for data
  bool response_started_ = false;  // server: headers submitted
  bool closed_ = false;            // nghttp2 closed the stream
  bool broken_ = false;            // writes are refused
};

}  // namespace brs::rpc::internal
