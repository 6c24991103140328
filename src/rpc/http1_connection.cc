#include "rpc/http1_connection.h"

#include <algorithm>
#include <chrono>

#include "rpc/envelope.h"

namespace brs::rpc::internal {
namespace {

// Bytes of later requests read while one is being answered.
constexpr size_t kReadAhead = 64 << 10;

// The deadline `ms` from now (none when ms <= 0: that limit is off).
int64_t After(int64_t ms) { return ms > 0 ? SteadyNowMs() + ms : kNoDeadline; }

}  // namespace

std::shared_ptr<Http1Connection> Http1Connection::Create(asio::io_context& io,
                                                         std::unique_ptr<ByteChannel> channel,
                                                         Options options, RequestFn on_request,
                                                         EventFn on_event) {
  return std::shared_ptr<Http1Connection>(new Http1Connection(
      io, std::move(channel), options, std::move(on_request), std::move(on_event)));
}

Http1Connection::Http1Connection(asio::io_context& io, std::unique_ptr<ByteChannel> channel,
                                 Options options, RequestFn on_request, EventFn on_event)
    : strand_(asio::make_strand(io)),
      channel_(std::move(channel)),
      options_(options),
      on_request_(std::move(on_request)),
      on_event_(std::move(on_event)),
      peer_(channel_->PeerAddress()),
      // A body is one message, plus its envelope's prefix for a stream
      // (a bare unary body is checked against max_message itself).
      parser_(options.max_message + kEnvelopeHeaderSize),
      timer_(io) {}

void Http1Connection::Start(std::string already_read, int64_t header_deadline_ms) {
  asio::post(strand_,
             [self = shared_from_this(), bytes = std::move(already_read), header_deadline_ms] {
               if (self->phase_ != Phase::kRequest) return;  // closed (Shutdown) before starting
               self->parser_.Feed(bytes);
               self->Arm(Deadline::kHeader, header_deadline_ms);
               self->Process();
               self->ReadMore();
             });
}

void Http1Connection::Refuse(std::string reply) {
  asio::post(strand_, [self = shared_from_this(), reply = std::move(reply)]() mutable {
    if (self->phase_ != Phase::kRequest) return;
    self->SendAndLinger(std::move(reply));
  });
}

void Http1Connection::End(Http1ResponseEnd end) {
  asio::post(strand_, [self = shared_from_this(), end = std::move(end)]() mutable {
    if (self->phase_ != Phase::kAnswering) return;  // closed meanwhile
    const bool keep_alive = end.keep_alive && !self->shutting_down_ && !self->peer_eof_;
    self->WriteThen(std::move(end.bytes), [self, keep_alive] { self->AfterResponse(keep_alive); });
  });
}

bool Http1Connection::Write(std::string bytes) {
  {
    std::lock_guard lock(writer_mu_);
    if (closed_) return false;
    writer_waiting_ = true;
  }
  asio::post(strand_, [self = shared_from_this(), bytes = std::move(bytes)]() mutable {
    if (self->phase_ != Phase::kAnswering) {
      self->ReleaseWriter(false);
      return;
    }
    self->WriteThen(std::move(bytes), [self] { self->ReleaseWriter(true); });
  });
  std::unique_lock lock(writer_mu_);
  writer_cv_.wait(lock, [&] { return !writer_waiting_; });
  return writer_ok_;
}

void Http1Connection::ReleaseWriter(bool ok) {
  std::lock_guard lock(writer_mu_);
  if (!writer_waiting_) return;
  writer_waiting_ = false;
  writer_ok_ = ok;
  writer_cv_.notify_all();
}

void Http1Connection::Shutdown() {
  asio::post(strand_, [self = shared_from_this()] {
    self->shutting_down_ = true;
    if (self->phase_ != Phase::kAnswering) self->CloseNow();
  });
}

void Http1Connection::Close() {
  {
    std::lock_guard lock(writer_mu_);
    closed_ = true;
  }
  ReleaseWriter(false);
  asio::post(strand_, [self = shared_from_this()] { self->CloseNow(); });
}

void Http1Connection::ReadMore() {
  if (reading_ || phase_ == Phase::kClosed || peer_eof_) return;
  if (phase_ == Phase::kAnswering && parser_.buffered() >= kReadAhead) return;
  reading_ = true;
  channel_->AsyncReadSome(
      asio::buffer(read_buf_), strand_,
      [self = shared_from_this()](const asio::error_code& ec, size_t n) { self->OnRead(ec, n); });
}

void Http1Connection::OnRead(const asio::error_code& ec, size_t n) {
  reading_ = false;
  if (phase_ == Phase::kClosed) return;
  if (ec) {
    if (ec == asio::error::eof && phase_ == Phase::kAnswering) {
      peer_eof_ = true;  // a half-close: the answer still goes out, then we close
      return;
    }
    CloseNow();
    return;
  }
  if (phase_ != Phase::kLingering) {  // lingering drops what arrives
    parser_.Feed(std::string_view(read_buf_.data(), n));
    if (phase_ == Phase::kIdle) {
      phase_ = Phase::kRequest;
      Arm(Deadline::kHeader, After(options_.header_timeout_ms));
    }
    Process();
  }
  ReadMore();
}

void Http1Connection::Process() {
  if (phase_ != Phase::kRequest) return;
  Http1Request request;
  Http1ErrorReply error;
  switch (parser_.Next(&request, &error)) {
    case Http1RequestParser::Result::kNeedMore:
      if (parser_.head_complete() && deadline_ == Deadline::kHeader) {
        Arm(Deadline::kBody, After(options_.idle_timeout_ms));
      }
      return;
    case Http1RequestParser::Result::kRequest:
      phase_ = Phase::kAnswering;
      Disarm();
      on_request_(shared_from_this(), std::move(request));
      return;
    case Http1RequestParser::Result::kError:
      SendAndLinger(FormatHttp1Response(error.status, error.content_type, error.body, false));
      return;
  }
}

void Http1Connection::WriteThen(std::string bytes, std::function<void()> then) {
  if (bytes.empty()) {
    then();
    return;
  }
  out_ = std::move(bytes);
  Arm(Deadline::kWrite, After(options_.idle_timeout_ms));
  channel_->AsyncWrite(
      asio::buffer(out_), strand_,
      [self = shared_from_this(), then = std::move(then)](const asio::error_code& ec, size_t) {
        if (self->phase_ == Phase::kClosed) return;
        if (ec) {
          self->CloseNow();
          return;
        }
        self->Disarm();
        then();
      });
}

void Http1Connection::AfterResponse(bool keep_alive) {
  if (!keep_alive || shutting_down_) {
    Linger();
    return;
  }
  if (parser_.buffered() > 0) {  // a pipelined request
    phase_ = Phase::kRequest;
    Arm(Deadline::kHeader, After(options_.header_timeout_ms));
    Process();
  } else {
    phase_ = Phase::kIdle;
    Arm(Deadline::kIdle, After(options_.idle_timeout_ms));
  }
  ReadMore();
}

void Http1Connection::SendAndLinger(std::string bytes) {
  phase_ = Phase::kLingering;
  WriteThen(std::move(bytes), [self = shared_from_this()] { self->Linger(); });
}

void Http1Connection::Linger() {
  phase_ = Phase::kLingering;
  if (peer_eof_ || shutting_down_) {
    CloseNow();
    return;
  }
  channel_->ShutdownSend();
  Arm(Deadline::kLinger, After(options_.linger_ms));
  ReadMore();
}

void Http1Connection::Arm(Deadline kind, int64_t at_ms) {
  deadline_ = kind;
  const uint64_t generation = ++deadline_generation_;
  if (at_ms == kNoDeadline) {
    timer_.cancel();
    return;
  }
  timer_.expires_after(std::chrono::milliseconds(std::max<int64_t>(0, at_ms - SteadyNowMs())));
  timer_.async_wait(asio::bind_executor(
      strand_, [self = shared_from_this(), generation](const asio::error_code& ec) {
        if (ec || generation != self->deadline_generation_ || self->phase_ == Phase::kClosed) {
          return;
        }
        self->OnDeadline();
      }));
}

void Http1Connection::Disarm() {
  deadline_ = Deadline::kNone;
  ++deadline_generation_;
  timer_.cancel();
}

void Http1Connection::OnDeadline() {
  switch (deadline_) {
    case Deadline::kHeader:
    case Deadline::kBody: {
      const bool head = deadline_ == Deadline::kHeader;
      on_event_(head ? Event::kHeaderTimeout : Event::kBodyTimeout, peer_);
      if (head && parser_.buffered() == 0) {  // nothing said at all (after a TLS handshake)
        CloseNow();
        return;
      }
      SendAndLinger(FormatHttp1Response(
          408, "text/plain",
          head ? "request head not received in time\n" : "request body not received in time\n",
          false));
      return;
    }
    case Deadline::kWrite:
      on_event_(Event::kWriteTimeout, peer_);
      CloseNow();
      return;
    case Deadline::kIdle:
      on_event_(Event::kIdleTimeout, peer_);
      CloseNow();
      return;
    case Deadline::kLinger:
    case Deadline::kNone:
      CloseNow();
      return;
  }
}

void Http1Connection::CloseNow() {
  if (phase_ == Phase::kClosed) return;
  phase_ = Phase::kClosed;
  Disarm();
  channel_->Close();
  {
    std::lock_guard lock(writer_mu_);
    closed_ = true;
  }
  ReleaseWriter(false);
  alive_ = false;
  on_event_(Event::kClosed, peer_);
}

}  // namespace brs::rpc::internal
