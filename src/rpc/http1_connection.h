// One HTTP/1.1 connection, driven by asio on a strand of its own (no thread
// of its own): reads requests under deadlines, hands each complete one to
// the server (which answers it on a worker thread, http1.h), writes the
// answer, then waits for the next request.
//
// Deadlines (steady clock):
//  - a request's head must be complete within header_timeout_ms of its
//    first byte; for the first request, by the deadline given to Start
//    (set at accept, so the TLS handshake and sniffing count);
//  - its body within idle_timeout_ms of the end of its head;
//  - each response write within idle_timeout_ms;
//  - between requests, a connection waits idle_timeout_ms for the next.
// A request whose head or body misses its deadline is answered 408 and the
// connection closed; a missed write or idle deadline closes it silently.
//
// One request at a time: bytes of pipelined requests wait (at most 64 KiB
// are read ahead while a request is being answered). Closing after a last
// response is graceful: the write side is shut, and what the peer still
// sends is read and dropped for up to linger_ms, so that the peer reads the
// response rather than a reset.
#pragma once

#include <array>
#include <asio.hpp>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "rpc/byte_channel.h"
#include "rpc/http1.h"
#include "rpc/http1_parser.h"

namespace brs::rpc::internal {

class Http1Connection final : public Http1ResponseWriter,
                              public std::enable_shared_from_this<Http1Connection> {
 public:
  struct Options {
    size_t max_message = size_t{16} << 20;
    int64_t header_timeout_ms = 10'000;
    int64_t idle_timeout_ms = 90'000;
    int64_t linger_ms = 1'000;
  };
  enum class Event { kHeaderTimeout, kBodyTimeout, kWriteTimeout, kIdleTimeout, kClosed };
  // On the strand, with a complete request; the answer is End's.
  using RequestFn = std::function<void(const std::shared_ptr<Http1Connection>&, Http1Request)>;
  // On the strand; kClosed exactly once, last.
  using EventFn = std::function<void(Event, const std::string& peer)>;

  static std::shared_ptr<Http1Connection> Create(asio::io_context& io,
                                                 std::unique_ptr<ByteChannel> channel,
                                                 Options options, RequestFn on_request,
                                                 EventFn on_event);

  // Starts reading; `already_read` are bytes consumed while sniffing. The
  // first request's head is due by `header_deadline_ms`.
  void Start(std::string already_read, int64_t header_deadline_ms);
  // Writes `reply` (a response with "Connection: close") and closes without
  // serving anything: a connection over the server's limit.
  void Refuse(std::string reply);
  // Any thread: the end of the current request's response. Writes it, then
  // serves the next request, or closes when !keep_alive or shutting down.
  void End(Http1ResponseEnd end);
  // Http1ResponseWriter, for the thread answering the current request.
  bool Write(std::string bytes) override;
  bool peer_gone() const override { return closed_.load() || peer_eof_.load(); }

  // Any thread. Closes now when no request is being answered, else after
  // its response.
  void Shutdown();
  // Any thread. Closes now; a blocked Write returns false at once.
  void Close();
  // False once the socket is closed (on the strand).
  bool alive() const { return alive_.load(); }
  const std::string& peer() const { return peer_; }

 private:
  enum class Phase { kIdle, kRequest, kAnswering, kLingering, kClosed };
  enum class Deadline { kNone, kHeader, kBody, kWrite, kIdle, kLinger };

  Http1Connection(asio::io_context& io, std::unique_ptr<ByteChannel> channel, Options options,
                  RequestFn on_request, EventFn on_event);
  // Strand only, below.
  void ReadMore();
  void OnRead(const asio::error_code& ec, size_t n);
  void Process();
  void WriteThen(std::string bytes, std::function<void()> then);
  void AfterResponse(bool keep_alive);
  void SendAndLinger(std::string bytes);
  void Linger();
  void Arm(Deadline kind, int64_t at_ms);
  void Disarm();
  void OnDeadline();
  void CloseNow();
  // Any thread: the blocked Write (if any) returns `ok`.
  void ReleaseWriter(bool ok);

  asio::strand<asio::io_context::executor_type> strand_;
  std::unique_ptr<ByteChannel> channel_;
  const Options options_;
  RequestFn on_request_;
  EventFn on_event_;
  std::string peer_;
  Http1RequestParser parser_;
  Phase phase_ = Phase::kRequest;
  bool reading_ = false;
  bool shutting_down_ = false;
  std::array<char, 8192> read_buf_{};
  std::string out_;
  asio::steady_timer timer_;
  Deadline deadline_ = Deadline::kNone;
  uint64_t deadline_generation_ = 0;

  std::atomic<bool> alive_{true};
  std::atomic<bool> closed_{false};  // set under writer_mu_: Write refuses
  std::atomic<bool> peer_eof_{false};
  std::mutex writer_mu_;
  std::condition_variable writer_cv_;
  bool writer_waiting_ = false;  // writer_mu_
  bool writer_ok_ = false;       // writer_mu_
};

}  // namespace brs::rpc::internal
