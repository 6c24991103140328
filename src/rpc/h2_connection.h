// One HTTP/2 connection (either role) on an asio strand, with nghttp2 as
// the protocol engine: it feeds nghttp2 the bytes it reads, writes what
// nghttp2 gives it, keeps the connection alive (PING) and shuts it down
// (GOAWAY). Each of its streams is a StreamCore (stream_core.h). Internal
// to the rpc layer.
#pragma once

#include <nghttp2/nghttp2.h>

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "rpc/byte_channel.h"
#include "rpc/call_semantics.h"
#include "rpc/stream_core.h"

namespace brs::rpc::internal {

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
    // Told (strand; must not block) when the peer answers a PING.
    std::function<void()> on_ping_answered;
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
  // Strand only. The first four queue frames; Flush writes them.
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
