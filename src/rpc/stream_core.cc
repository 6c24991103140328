#include "rpc/stream_core.h"

#include <nghttp2/nghttp2.h>

#include <cstring>

#include "rpc/gzip.h"
#include "rpc/h2_connection.h"

namespace brs::rpc::internal {
namespace {

// Queued, unread inbound bytes beyond which flow-control credit is withheld.
constexpr size_t kMaxUnreadBytes = 1 << 20;
// Pending outbound bytes beyond which Write blocks.
constexpr size_t kSendHighWater = 256 << 10;

}  // namespace

StreamCore::~StreamCore() = default;

void StreamCore::set_config(const CallConfig& c) {
  std::lock_guard lock(mu_);
  cfg_ = c;
  decoder_ = EnvelopeDecoder(c.max_message + kEnvelopeHeaderSize);
}

CallConfig StreamCore::config() const {
  std::lock_guard lock(mu_);
  return cfg_;
}

void StreamCore::ForceResponse(int http_status, std::string content_type) {
  std::lock_guard lock(mu_);
  forced_status_ = http_status;
  forced_content_type_ = std::move(content_type);
}

template <typename Fn>
void StreamCore::OnStrandThenFlush(Fn fn) {
  auto conn = conn_.lock();
  if (!conn) return;
  Connection* c = conn.get();
  c->Post([conn = std::move(conn), fn = std::move(fn)] {
    fn(*conn);
    conn->Flush();
  });
}

void StreamCore::SignalLocked() {
  cv_.notify_all();
  if (notify_) notify_();
}

void StreamCore::SetNotify(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  notify_ = std::move(fn);
}

void StreamCore::SetOnFinish(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  on_finish_ = std::move(fn);
}

void StreamCore::FailLocked(const Status& s) {
  if (!final_) final_ = s;
  broken_ = true;
  SignalLocked();
}

void StreamCore::FailReadLocked(const Status& s) {
  if (role_ == Role::kClient) {
    FailLocked(s);
    return;
  }
  // Server: the request is unusable, but the stream is not; the handler
  // still answers with its final status (which is usually this one).
  if (!final_) final_ = s;
  SignalLocked();
}

Status StreamCore::BrokenStatusLocked() const {
  return final_ && !final_->ok() ? *final_ : Unavailable("stream closed");
}

// ---- the mailbox (inbound) ----

StatusOr<Stream::ReadResult> StreamCore::Read(std::string* message, int64_t deadline_ms) {
  std::unique_lock lock(mu_);
  for (;;) {
    if (!messages_.empty()) {
      *message = std::move(messages_.front());
      messages_.pop_front();
      const size_t wire = message->size() + kEnvelopeHeaderSize;
      unread_bytes_ = unread_bytes_ > wire ? unread_bytes_ - wire : 0;
      MaybeConsumeLocked();
      return ReadResult::kMessage;
    }
    if (final_) {
      if (final_->ok()) return ReadResult::kEnd;
      return *final_;
    }
    if (wake_) {
      wake_ = false;
      return ReadResult::kTimeout;
    }
    const int64_t now = SteadyNowMs();
    if (now >= deadline_ms) return ReadResult::kTimeout;
    if (deadline_ms - now > 3'600'000) {
      cv_.wait_for(lock, std::chrono::hours(1));  // far deadlines must not overflow the clock
    } else {
      cv_.wait_for(lock, std::chrono::milliseconds(deadline_ms - now));
    }
  }
}

void StreamCore::Wake() {
  std::lock_guard lock(mu_);
  wake_ = true;
  SignalLocked();
}

size_t StreamCore::Backlog() const {
  std::lock_guard lock(mu_);
  return messages_.size();
}

Headers StreamCore::headers() const {
  std::lock_guard lock(mu_);
  return in_headers_;
}

Headers StreamCore::trailers() const {
  std::lock_guard lock(mu_);
  if (role_ == Role::kServer) return {};
  if (cfg_.content_type.protocol != Protocol::kConnectUnary) return in_trailers_;
  Headers t;
  constexpr std::string_view kPrefix = "trailer-";
  for (const auto& [name, value] : in_headers_) {
    if (name.size() > kPrefix.size() && name.compare(0, kPrefix.size(), kPrefix) == 0) {
      t.emplace_back(name.substr(kPrefix.size()), value);
    }
  }
  return t;
}

void StreamCore::OnHeader(std::string name, std::string value, bool trailer) {
  std::lock_guard lock(mu_);
  Headers& target = trailer ? in_trailers_ : in_headers_;
  if (target.size() >= 256) return;  // bounded; nghttp2 bounds sizes
  if (name == ":status" && !trailer) {
    int status = 0;
    for (char c : value) status = c >= '0' && c <= '9' ? status * 10 + (c - '0') : status;
    http_status_ = status;
  }
  target.emplace_back(std::move(name), std::move(value));
}

void StreamCore::OnResponseHeaders(bool end_stream) {
  std::lock_guard lock(mu_);
  const ResponseHeadResult r = CheckResponseHeaders(cfg_, http_status_, in_headers_, end_stream);
  switch (r.kind) {
    case ResponseHeadResult::Kind::kEnded:
      final_ = r.status;
      SignalLocked();
      break;
    case ResponseHeadResult::Kind::kFailed:
      FailLocked(r.status);
      break;
    case ResponseHeadResult::Kind::kContinue:
      if (r.recv_encoding) cfg_.recv_encoding = *r.recv_encoding;
      break;
  }
}

// Flow control: received bytes are given back once the unread backlog is
// small enough, so a reader that does not read stops the sender.
void StreamCore::MaybeConsumeLocked() {
  if (held_bytes_ == 0 || unread_bytes_ > kMaxUnreadBytes || id_ < 0) return;
  const size_t n = held_bytes_;
  held_bytes_ = 0;
  OnStrandThenFlush([id = id_, n](Connection& c) { c.Consume(id, n); });
}

void StreamCore::OnEndEnvelopeLocked(const Envelope& e) {
  std::string inflated;
  if (e.flags & kFlagCompressed) {
    auto d = DecodeMessage(e, cfg_.recv_encoding, cfg_.max_message);
    if (!d.ok()) {
      FailLocked(d.status());
      return;
    }
    inflated = std::move(*d);
  }
  end_envelope_seen_ = true;
  const std::string_view json = (e.flags & kFlagCompressed) ? inflated : e.payload;
  final_ = ParseConnectEndStreamJson(json);
  ParseConnectEndStreamMetadata(json, &in_trailers_);
  if (in_trailers_.size() > 256) in_trailers_.resize(256);  // bounded as OnHeader
  SignalLocked();
}

void StreamCore::QueueEnvelopesLocked() {
  while (auto e = decoder_.Next()) {
    if (e->flags & ~kFlagCompressed) {  // not a plain message (the common case is)
      auto kind = ClassifyEnvelope(e->flags, cfg_.content_type.protocol, role_);
      if (!kind.ok()) {
        FailReadLocked(kind.status());
        return;
      }
      if (*kind == EnvelopeKind::kEndStream) {
        OnEndEnvelopeLocked(*e);
        return;
      }
    }
    // As connect-go: a compressed flag without negotiated compression is
    // internal, undecodable gzip invalid_argument, too large
    // resource_exhausted.
    auto msg = DecodeMessage(*e, cfg_.recv_encoding, cfg_.max_message);
    if (!msg.ok()) {
      FailReadLocked(msg.status());
      return;
    }
    unread_bytes_ += msg->size() + kEnvelopeHeaderSize;
    messages_.push_back(std::move(*msg));
  }
  if (!decoder_.status().ok()) FailReadLocked(decoder_.status());
}

void StreamCore::OnData(const uint8_t* data, size_t len) {
  std::lock_guard lock(mu_);
  held_bytes_ += len;
  if (final_ || broken_) {
    MaybeConsumeLocked();
    return;
  }
  if (cfg_.raw_body()) {
    if (raw_body_.size() + len > cfg_.max_message) {
      FailReadLocked(ResourceExhausted("message larger than the limit"));
    } else {
      raw_body_.append(reinterpret_cast<const char*>(data), len);
    }
  } else {
    Status st = decoder_.Feed(std::string_view(reinterpret_cast<const char*>(data), len));
    if (!st.ok()) {
      FailReadLocked(FramingError(st));
    } else {
      QueueEnvelopesLocked();
    }
  }
  MaybeConsumeLocked();
  SignalLocked();
}

void StreamCore::ClientRemoteEndLocked() {
  const Protocol p = cfg_.content_type.protocol;
  if (p != Protocol::kConnectUnary) {
    final_ = StreamResponseEnd(p, http_status_, in_headers_, in_trailers_, end_envelope_seen_);
    // A body that ends inside a message is a broken response, whatever
    // status follows it (grpc-go says internal).
    if (Status st = decoder_.Finish(); final_->ok() && !st.ok()) {
      final_ = Internal("response body ended inside a message: " + st.message());
    }
    return;
  }
  Status st = ConnectUnaryResponseEnd(http_status_, in_headers_, cfg_.recv_encoding,
                                      cfg_.max_message, &raw_body_);
  if (st.ok()) messages_.push_back(std::move(raw_body_));
  final_ = std::move(st);
}

void StreamCore::OnRemoteEnd() {
  std::lock_guard lock(mu_);
  remote_ended_ = true;
  if (final_) {
    SignalLocked();
    return;
  }
  if (role_ == Role::kClient) {
    ClientRemoteEndLocked();
  } else if (cfg_.raw_body()) {
    messages_.push_back(std::move(raw_body_));
    final_ = Status();
  } else {
    Status st = decoder_.Finish();
    final_ = st.ok() ? Status() : InvalidArgument(st.message());
  }
  SignalLocked();
}

void StreamCore::OnClosed(uint32_t error_code) {
  std::lock_guard lock(mu_);
  closed_ = true;
  broken_ = true;
  if (!final_) final_ = StatusForStreamClose(error_code, role_);
  SignalLocked();
}

void StreamCore::OnConnectionLost(const Status& why) {
  std::lock_guard lock(mu_);
  closed_ = true;
  FailLocked(why);
}

// ---- the outgoing buffer ----

void StreamCore::AddResponseHeader(std::string name, std::string value) {
  std::lock_guard lock(mu_);
  if (!response_started_) extra_response_headers_.emplace_back(std::move(name), std::move(value));
}

void StreamCore::AddResponseTrailer(std::string name, std::string value) {
  std::lock_guard lock(mu_);
  if (role_ != Role::kServer || local_finished_) return;
  // Connect unary trailers travel as headers: too late once those are out.
  if (cfg_.content_type.protocol == Protocol::kConnectUnary && response_started_) return;
  extra_trailers_.emplace_back(std::move(name), std::move(value));
}

void StreamCore::ResumeLocked() {
  if (!deferred_) return;
  deferred_ = false;
  OnStrandThenFlush([id = id_](Connection& c) { c.ResumeData(id); });
}

void StreamCore::StartResponseLocked() {
  response_started_ = true;
  OnStrandThenFlush([self = shared_from_this()](Connection& c) { c.SubmitServerResponse(self); });
}

Status StreamCore::AppendLocked(std::string_view message) {
  if (local_finished_) return FailedPrecondition("write after finish");
  if (broken_) return BrokenStatusLocked();
  // A client's call is over once the server ended it (its status is what
  // Read returns); a server still answers after the request side ended.
  if (role_ == Role::kClient && final_) {
    return final_->ok() ? Unavailable("the server ended the call") : *final_;
  }
  // max_message bounds what this side receives (the peer's input is the
  // hostile one); what it sends is bounded only by the framing's 32-bit
  // length, as connect-go and grpc-go do.
  if (message.size() > kMaxFramedMessage) {
    return ResourceExhausted("message of " + std::to_string(message.size()) +
                             " bytes cannot be framed");
  }
  if (cfg_.raw_body() && cfg_.send_encoding == Encoding::kGzip) {
    BRS_ASSIGN_OR_RETURN(std::string packed, GzipCompress(message));
    out_.append(packed);
  } else if (cfg_.raw_body()) {
    out_.append(message);
  } else {
    BRS_RETURN_IF_ERROR(EncodeMessage(message, cfg_.send_encoding, &out_));
  }
  if (role_ == Role::kServer && !response_started_) {
    StartResponseLocked();
  } else {
    ResumeLocked();
  }
  return Status();
}

Status StreamCore::Write(std::string_view message) {
  std::unique_lock lock(mu_);
  BRS_RETURN_IF_ERROR(AppendLocked(message));
  cv_.wait(lock, [&] { return broken_ || PendingOutLocked() <= kSendHighWater; });
  if (broken_ && PendingOutLocked() > 0) return BrokenStatusLocked();
  return Status();
}

Status StreamCore::TryWrite(std::string_view message) {
  std::lock_guard lock(mu_);
  return AppendLocked(message);
}

bool StreamCore::writable() {
  std::lock_guard lock(mu_);
  if (broken_ || PendingOutLocked() <= kSendHighWater) return true;
  write_waiting_ = true;
  return false;
}

void StreamCore::ClientFinishLocked(const Status& status) {
  if (status.ok()) {
    eof_queued_ = true;
    ResumeLocked();
    return;
  }
  FailLocked(ClientCancelStatus(status));
  OnStrandThenFlush([id = id_](Connection& c) { c.ResetStream(id, NGHTTP2_CANCEL); });
}

void StreamCore::ServerFinishLocked(const Status& status) {
  ServerEnd end = ServerEndOfCall(cfg_.content_type.protocol, status, forced_status_ != 0,
                                  response_started_, extra_trailers_);
  switch (end.kind) {
    case ServerEnd::Kind::kReset:
      FailLocked(status);
      OnStrandThenFlush([id = id_](Connection& c) { c.ResetStream(id, NGHTTP2_INTERNAL_ERROR); });
      return;
    case ServerEnd::Kind::kReplace:
      out_ = std::move(end.bytes);
      out_pos_ = 0;
      break;
    case ServerEnd::Kind::kAppend:
      out_.append(end.bytes);
      break;
  }
  eof_queued_ = true;
  if (!response_started_) {
    StartResponseLocked();
  } else {
    ResumeLocked();
  }
  SignalLocked();
}

void StreamCore::Finish(const Status& status) {
  std::function<void()> finished;
  {
    std::lock_guard lock(mu_);
    if (local_finished_) {
      // A client that half-closed may still cancel the call while its
      // outcome is unknown (the response is still being read).
      if (role_ == Role::kClient && local_status_.ok() && !status.ok() && !final_ && !broken_ &&
          !closed_) {
        local_status_ = status;
        ClientFinishLocked(status);
      }
      return;
    }
    local_finished_ = true;
    local_status_ = status;
    finished = std::move(on_finish_);
    if (broken_ || closed_) {
      SignalLocked();
    } else if (role_ == Role::kServer) {
      ServerFinishLocked(status);
    } else {
      ClientFinishLocked(status);
      SignalLocked();
    }
  }
  if (finished) finished();
}

Headers StreamCore::ResponseHeaders() const {
  std::lock_guard lock(mu_);
  ResponseHead head;
  head.config = &cfg_;
  head.forced_status = forced_status_;
  head.forced_content_type = forced_content_type_;
  head.finished = local_finished_ ? &local_status_ : nullptr;
  head.extra = &extra_response_headers_;
  head.trailers = &extra_trailers_;
  return ServerResponseHeaders(head);
}

Headers StreamCore::Trailers() const {
  std::lock_guard lock(mu_);
  return GrpcTrailers(local_status_, extra_trailers_);
}

ssize_t StreamCore::ReadOutgoing(uint8_t* buf, size_t len, uint32_t* flags, bool* want_trailers) {
  std::lock_guard lock(mu_);
  const size_t pending = out_.size() - out_pos_;
  const size_t n = std::min(len, pending);
  if (n > 0) {
    std::memcpy(buf, out_.data() + out_pos_, n);
    out_pos_ += n;
    if (out_pos_ == out_.size()) {
      out_.clear();
      out_pos_ = 0;
    } else if (out_pos_ > (64 << 10) && out_pos_ * 2 > out_.size()) {
      out_.erase(0, out_pos_);
      out_pos_ = 0;
    }
    cv_.notify_all();
    if (write_waiting_ && PendingOutLocked() <= kSendHighWater) {
      write_waiting_ = false;
      if (notify_) notify_();
    }
  }
  if (out_.size() == out_pos_ && eof_queued_) {
    *flags |= NGHTTP2_DATA_FLAG_EOF;
    if (role_ == Role::kServer && cfg_.content_type.protocol == Protocol::kGrpc) {
      *flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
      *want_trailers = true;
    }
    return static_cast<ssize_t>(n);
  }
  if (n == 0) {
    deferred_ = true;
    return NGHTTP2_ERR_DEFERRED;
  }
  return static_cast<ssize_t>(n);
}

}  // namespace brs::rpc::internal
