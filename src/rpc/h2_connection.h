// One HTTP/2 connection (either role) on an asio strand, with nghttp2 as
// the protocol engine, and StreamCore: the state of one RPC stream shared
// between the connection (strand) and the thread using the Stream API.
// Internal to the rpc layer.
#pragma once

#include <nghttp2/nghttp2.h>

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "rpc/byte_channel.h"
#include "rpc/envelope.h"
#include "rpc/message_codec.h"
#include "rpc/protocol.h"
#include "rpc/stream.h"

namespace brs::rpc::internal {

enum class Role { kServer, kClient };

// How one call frames its messages.
struct CallConfig {
  ContentType content_type{Protocol::kConnectStream, Codec::kProto};
  Encoding send_encoding = Encoding::kIdentity;
  Encoding recv_encoding = Encoding::kIdentity;
  size_t max_message = kDefaultMaxMessageSize;
  // Connect unary: the body is one bare message, the status is HTTP's.
  bool raw_body() const { return content_type.protocol == Protocol::kConnectUnary; }
};

class Connection;

class StreamCore final : public Stream, public std::enable_shared_from_this<StreamCore> {
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
  std::string peer_address() const override { return peer_; }

  // ---- Connection side (strand) ----
  void set_id(int32_t id) { id_ = id; }
  int32_t id() const { return id_; }
  void set_config(const CallConfig& c) {
    std::lock_guard lock(mu_);
    cfg_ = c;
    decoder_ = EnvelopeDecoder(c.max_message + kEnvelopeHeaderSize);
  }
  CallConfig config() const {
    std::lock_guard lock(mu_);
    return cfg_;
  }
  void OnHeader(std::string name, std::string value, bool trailer);
  // Client: the response headers are complete (validates them).
  void OnResponseHeaders(bool end_stream);
  void OnData(const uint8_t* data, size_t len);
  void OnRemoteEnd();
  // "the HTTP <status> response (<content-type>)", for errors about a body
  // that is not Connect's. mu_ held.
  std::string NonConnectBodyName() const;
  void OnClosed(uint32_t error_code);
  void OnConnectionLost(const Status& why);
  // The data provider of this stream's outgoing body.
  ssize_t ReadOutgoing(uint8_t* buf, size_t len, uint32_t* flags, bool* want_trailers);
  // Server: the headers to submit with the response (status + content).
  Headers ResponseHeadersLocked();
  Headers TrailersToSend();
  const Headers& request_headers_unlocked() const { return in_headers_; }
  // Server: answer with this HTTP status and content type instead of the
  // protocol's (unknown paths, GET endpoints, refused requests).
  void ForceResponse(int http_status, std::string content_type) {
    std::lock_guard lock(mu_);
    forced_status_ = http_status;
    forced_content_type_ = std::move(content_type);
  }
  bool ServerResponseStarted() const {
    std::lock_guard lock(mu_);
    return response_started_;
  }

 private:
  friend class Connection;
  void FailLocked(const Status& s);
  // The inbound side failed (bad or oversized request data). A client's
  // call fails; a server stream can still send its final status.
  void FailReadLocked(const Status& s);
  void QueueEnvelopesLocked();
  void MaybeConsumeLocked();
  // Starts the server response on the strand (headers + data provider).
  void StartResponseLocked();
  void PostResume();

  std::weak_ptr<Connection> conn_;
  const Role role_;
  const std::string peer_;
  int32_t id_ = -1;

  mutable std::mutex mu_;
  std::condition_variable cv_;
  CallConfig cfg_;
  Headers in_headers_;   // server: request; client: response
  Headers in_trailers_;  // client: gRPC trailers
  Headers extra_response_headers_;
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

class Connection final : public std::enable_shared_from_this<Connection> {
 public:
  // Server: called on the strand when a request's headers are complete.
  using RequestFn = std::function<void(const std::shared_ptr<StreamCore>&)>;

  struct Options {
    uint32_t max_concurrent_streams = 1000;
    uint32_t stream_window = 1 << 20;
    uint32_t connection_window = 16 << 20;
    // PING after this long without reads; GOAWAY and close when 3x passes
    // without reads (the PING unanswered for 2x). 0: off.
    int64_t keepalive_ms = 30'000;
  };

  static std::shared_ptr<Connection> Create(asio::io_context& io,
                                            std::unique_ptr<ByteChannel> channel, Role role,
                                            Options options, RequestFn on_request);
  ~Connection();

  // Starts reading; `already_read` are bytes consumed while sniffing.
  void Start(std::string already_read = {});
  // Client: opens a stream with these request headers (any thread; waits
  // for the strand). Unavailable when the connection is gone.
  StatusOr<std::shared_ptr<StreamCore>> OpenStream(Headers request, const CallConfig& config);
  // Sends GOAWAY, lets running streams finish, then closes once their
  // last frames are written.
  void Shutdown();
  // Closes now; every stream fails with Unavailable.
  void Close(const Status& why);
  bool alive() const { return alive_.load(); }
  // Why the connection closed ("connection closed" until it has).
  Status close_reason() const;
  // Alive and the peer has not sent GOAWAY: new streams may be opened.
  bool accepts_new_streams() const { return alive_.load() && !goaway_received_.load(); }
  size_t stream_count() const { return stream_count_.load(); }
  std::string peer() const { return peer_; }

  // Used by StreamCore (any thread): queue work on the strand.
  void Post(std::function<void()> fn);
  // Strand only.
  void ResumeData(int32_t id);
  void Consume(int32_t id, size_t n);
  void ResetStream(int32_t id, uint32_t code);
  void SubmitServerResponse(const std::shared_ptr<StreamCore>& s);
  void Flush();

 private:
  Connection(asio::io_context& io, std::unique_ptr<ByteChannel> channel, Role role, Options options,
             RequestFn on_request);
  void InitSession();
  void ReadLoop();
  void Feed(const uint8_t* data, size_t len);
  void ArmKeepalive();
  StreamCore* Find(int32_t id);

  static int OnBeginHeaders(nghttp2_session*, const nghttp2_frame*, void*);
  static int OnHeaderCb(nghttp2_session*, const nghttp2_frame*, const uint8_t*, size_t,
                        const uint8_t*, size_t, uint8_t, void*);
  static int OnFrameRecv(nghttp2_session*, const nghttp2_frame*, void*);
  static int OnDataChunk(nghttp2_session*, uint8_t, int32_t, const uint8_t*, size_t, void*);
  static int OnStreamClose(nghttp2_session*, int32_t, uint32_t, void*);
  static ssize_t ReadData(nghttp2_session*, int32_t, uint8_t*, size_t, uint32_t*,
                          nghttp2_data_source*, void*);

  asio::io_context& io_;
  asio::strand<asio::io_context::executor_type> strand_;
  std::unique_ptr<ByteChannel> channel_;
  const Role role_;
  const Options options_;
  RequestFn on_request_;
  std::string peer_;
  nghttp2_session* session_ = nullptr;
  std::map<int32_t, std::shared_ptr<StreamCore>> streams_;
  std::array<uint8_t, 16384> read_buf_{};
  std::string write_buf_;
  bool writing_ = false;
  bool closing_ = false;
  bool seen_bytes_ = false;
  std::atomic<bool> alive_{true};
  mutable std::mutex close_mu_;
  Status close_reason_;  // close_mu_; set before alive_ turns false
  std::atomic<bool> goaway_received_{false};
  std::atomic<size_t> stream_count_{0};
  asio::steady_timer keepalive_;
  int64_t last_read_ms_ = 0;
  int64_t ping_sent_ms_ = -1;  // the keepalive PING unanswered since; -1: none
  // Set: close (with this reason) once everything queued is written, e.g.
  // after a GOAWAY (keepalive timeout, graceful shutdown).
  const char* close_when_flushed_ = nullptr;
};

}  // namespace brs::rpc::internal
