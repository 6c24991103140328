#include "rpc/h2_connection.h"

#include <cstring>
#include <future>

namespace brs::rpc::internal {
namespace {

constexpr char kPingTimeout[] = "connection timed out (no answer to PING)";
constexpr char kShuttingDown[] = "server shutting down";

nghttp2_nv MakeNv(const std::string& name, const std::string& value) {
  return nghttp2_nv{reinterpret_cast<uint8_t*>(const_cast<char*>(name.data())),
                    reinterpret_cast<uint8_t*>(const_cast<char*>(value.data())), name.size(),
                    value.size(), NGHTTP2_NV_FLAG_NONE};
}

std::vector<nghttp2_nv> ToNv(const Headers& h) {
  std::vector<nghttp2_nv> nv;
  nv.reserve(h.size());
  for (const auto& [k, v] : h) nv.push_back(MakeNv(k, v));
  return nv;
}

}  // namespace

std::shared_ptr<Connection> Connection::Create(asio::io_context& io,
                                               std::unique_ptr<ByteChannel> channel, Role role,
                                               Options options, RequestFn on_request) {
  auto c = std::shared_ptr<Connection>(
      new Connection(io, std::move(channel), role, options, std::move(on_request)));
  c->InitSession();
  return c;
}

Connection::Connection(asio::io_context& io, std::unique_ptr<ByteChannel> channel, Role role,
                       Options options, RequestFn on_request)
    : io_(io),
      strand_(asio::make_strand(io)),
      channel_(std::move(channel)),
      role_(role),
      options_(options),
      on_request_(std::move(on_request)),
      keepalive_(io) {
  peer_ = channel_->PeerAddress();
}

Connection::~Connection() {
  if (session_) nghttp2_session_del(session_);
}

void Connection::InitSession() {
  nghttp2_session_callbacks* cbs;
  nghttp2_session_callbacks_new(&cbs);
  nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, &Connection::OnBeginHeaders);
  nghttp2_session_callbacks_set_on_header_callback(cbs, &Connection::OnHeaderCb);
  nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, &Connection::OnFrameRecv);
  nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, &Connection::OnDataChunk);
  nghttp2_session_callbacks_set_on_stream_close_callback(cbs, &Connection::OnStreamClose);
  nghttp2_option* opt;
  nghttp2_option_new(&opt);
  nghttp2_option_set_no_auto_window_update(opt, 1);
  nghttp2_option_set_max_send_header_block_length(opt, 64 << 10);
  if (role_ == Role::kServer) {
    nghttp2_session_server_new2(&session_, cbs, this, opt);
  } else {
    nghttp2_session_client_new2(&session_, cbs, this, opt);
  }
  nghttp2_option_del(opt);
  nghttp2_session_callbacks_del(cbs);
  nghttp2_settings_entry iv[] = {
      {NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, options_.max_concurrent_streams},
      {NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, options_.stream_window},
      {NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, 64 << 10},
  };
  nghttp2_submit_settings(session_, NGHTTP2_FLAG_NONE, iv, sizeof iv / sizeof iv[0]);
  nghttp2_session_set_local_window_size(session_, NGHTTP2_FLAG_NONE, 0,
                                        static_cast<int32_t>(options_.connection_window));
}

void Connection::Post(std::function<void()> fn) { asio::post(strand_, std::move(fn)); }

void Connection::Start(std::string already_read) {
  auto self = shared_from_this();
  Post([self, bytes = std::move(already_read)] {
    self->last_read_ms_ = SteadyNowMs();
    if (!bytes.empty()) self->Feed(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    self->Flush();
    self->ReadLoop();
    self->ArmKeepalive();
  });
}

void Connection::ReadLoop() {
  if (!alive_) return;
  auto self = shared_from_this();
  channel_->AsyncReadSome(
      asio::buffer(read_buf_), strand_, [self](const asio::error_code& ec, size_t n) {
        if (ec) {
          self->Close(Unavailable(ec == asio::error::eof ? "connection closed by the peer"
                                                         : "connection lost: " + ec.message()));
          return;
        }
        self->last_read_ms_ = SteadyNowMs();
        self->ping_sent_ms_ = -1;  // the peer is alive: any PING is answered
        self->Feed(self->read_buf_.data(), n);
        self->Flush();
        self->ReadLoop();
      });
}

void Connection::ArmKeepalive() {
  if (options_.keepalive_ms <= 0 || !alive_) return;
  auto self = shared_from_this();
  keepalive_.expires_after(std::chrono::milliseconds(options_.keepalive_ms));
  keepalive_.async_wait(asio::bind_executor(strand_, [self](const asio::error_code& ec) {
    if (ec || !self->alive_) return;
    const int64_t now = SteadyNowMs();
    const int64_t keepalive = self->options_.keepalive_ms;
    // A PING goes out after keepalive_ms of silence; nothing read for 2x
    // keepalive_ms after it was sent (measured from the PING, so a late
    // timer tick cannot shorten the peer's time to answer): GOAWAY, closed
    // once that is written (or at the next tick, for a peer that does not
    // even read).
    if (self->ping_sent_ms_ >= 0 && now - self->ping_sent_ms_ >= 2 * keepalive) {
      if (self->close_when_flushed_ != nullptr) {
        self->Close(Unavailable(kPingTimeout));
        return;
      }
      self->close_when_flushed_ = kPingTimeout;
      static constexpr std::string_view kDebug = "keepalive ping timeout";
      nghttp2_submit_goaway(self->session_, NGHTTP2_FLAG_NONE,
                            nghttp2_session_get_last_proc_stream_id(self->session_),
                            NGHTTP2_NO_ERROR, reinterpret_cast<const uint8_t*>(kDebug.data()),
                            kDebug.size());
      self->Flush();
      self->ArmKeepalive();
      return;
    }
    if (self->ping_sent_ms_ < 0 && now - self->last_read_ms_ >= keepalive) {
      nghttp2_submit_ping(self->session_, NGHTTP2_FLAG_NONE, nullptr);
      self->ping_sent_ms_ = now;
      self->Flush();
    }
    self->ArmKeepalive();
  }));
}

void Connection::Feed(const uint8_t* data, size_t len) {
  if (!alive_) return;
  if (role_ == Role::kClient && !seen_bytes_) {
    seen_bytes_ = true;
    if (len >= 5 && std::memcmp(data, "HTTP/", 5) == 0) {
      Close(Unavailable(
          "the server answered with HTTP/1; it does not speak HTTP/2 with prior knowledge (h2c)"));
      return;
    }
  }
  ssize_t rv = nghttp2_session_mem_recv(session_, data, len);
  if (rv < 0) {
    // nghttp2 has queued a GOAWAY where the protocol allows one.
    Flush();
    Close(InvalidArgument(std::string("HTTP/2 protocol error: ") +
                          nghttp2_strerror(static_cast<int>(rv))));
  }
}

void Connection::Flush() {
  if (!alive_ || writing_) return;
  for (;;) {
    const uint8_t* p = nullptr;
    ssize_t n = nghttp2_session_mem_send(session_, &p);
    if (n < 0) {
      Close(Internal(std::string("HTTP/2 send error: ") + nghttp2_strerror(static_cast<int>(n))));
      return;
    }
    if (n == 0) break;
    write_buf_.append(reinterpret_cast<const char*>(p), static_cast<size_t>(n));
    // Drain until nghttp2 has nothing more: it finalizes a frame only on the
    // next mem_send call, so no frame is left half-done while other work
    // runs on the strand. Flow-control windows bound the total.
  }
  if (write_buf_.empty()) {
    if (close_when_flushed_ != nullptr) {
      Close(Unavailable(close_when_flushed_));  // the last frames (GOAWAY) are out
    } else if (nghttp2_session_want_read(session_) == 0 &&
               nghttp2_session_want_write(session_) == 0) {
      Close(Unavailable("connection finished"));
    }
    return;
  }
  writing_ = true;
  auto self = shared_from_this();
  channel_->AsyncWrite(asio::buffer(write_buf_), strand_,
                       [self](const asio::error_code& ec, size_t) {
                         self->writing_ = false;
                         self->write_buf_.clear();
                         if (ec) {
                           self->Close(Unavailable("connection lost: " + ec.message()));
                           return;
                         }
                         self->Flush();
                       });
}

Status Connection::close_reason() const {
  std::lock_guard lock(close_mu_);
  return close_reason_.ok() ? Unavailable("connection closed") : close_reason_;
}

void Connection::Close(const Status& why) {
  if (!strand_.running_in_this_thread()) {
    auto self = shared_from_this();
    Post([self, why] { self->Close(why); });
    return;
  }
  if (!alive_) return;
  {
    std::lock_guard lock(close_mu_);
    close_reason_ = why.ok() ? Unavailable("connection closed") : why;
  }
  alive_ = false;
  keepalive_.cancel();
  auto streams = std::move(streams_);
  streams_.clear();
  stream_count_ = 0;
  for (auto& [id, s] : streams) s->OnConnectionLost(why);
  channel_->Close();
}

void Connection::Shutdown() {
  auto self = shared_from_this();
  Post([self] {
    if (!self->alive_) return;
    nghttp2_submit_goaway(self->session_, NGHTTP2_FLAG_NONE,
                          nghttp2_session_get_last_proc_stream_id(self->session_), NGHTTP2_NO_ERROR,
                          nullptr, 0);
    self->closing_ = true;
    if (self->streams_.empty()) self->close_when_flushed_ = kShuttingDown;
    self->Flush();
  });
}

StreamCore* Connection::Find(int32_t id) {
  auto it = streams_.find(id);
  return it == streams_.end() ? nullptr : it->second.get();
}

void Connection::ResumeData(int32_t id) {
  if (alive_ && Find(id)) nghttp2_session_resume_data(session_, id);
}

void Connection::Consume(int32_t id, size_t n) {
  if (!alive_) return;
  if (Find(id) == nullptr || nghttp2_session_consume(session_, id, n) != 0) {
    nghttp2_session_consume_connection(session_, n);
  }
}

void Connection::ResetStream(int32_t id, uint32_t code) {
  if (alive_ && Find(id)) nghttp2_submit_rst_stream(session_, NGHTTP2_FLAG_NONE, id, code);
}

void Connection::SubmitServerResponse(const std::shared_ptr<StreamCore>& s) {
  if (!alive_ || Find(s->id()) == nullptr) return;
  Headers h = s->ResponseHeaders();
  auto nv = ToNv(h);
  nghttp2_data_provider prd;
  prd.source.ptr = s.get();
  prd.read_callback = &Connection::ReadData;
  if (nghttp2_submit_response(session_, s->id(), nv.data(), nv.size(), &prd) != 0) {
    ResetStream(s->id(), NGHTTP2_INTERNAL_ERROR);
  }
}

StatusOr<std::shared_ptr<StreamCore>> Connection::OpenStream(Headers request,
                                                             const CallConfig& config) {
  if (!alive_) return close_reason();
  auto self = shared_from_this();
  std::promise<StatusOr<std::shared_ptr<StreamCore>>> done;
  auto fut = done.get_future();
  Post([self, &request, &config, &done] {
    if (!self->alive_ || self->closing_) {
      done.set_value(self->alive_ ? Unavailable("connection closing (GOAWAY)")
                                  : self->close_reason());
      return;
    }
    auto s = std::make_shared<StreamCore>(self->weak_from_this(), Role::kClient, self->peer_);
    s->set_config(config);
    auto nv = ToNv(request);
    nghttp2_data_provider prd;
    prd.source.ptr = s.get();
    prd.read_callback = &Connection::ReadData;
    int32_t id =
        nghttp2_submit_request(self->session_, nullptr, nv.data(), nv.size(), &prd, nullptr);
    if (id < 0) {
      done.set_value(Unavailable(std::string("cannot open a stream: ") + nghttp2_strerror(id)));
      return;
    }
    s->set_id(id);
    self->streams_[id] = s;
    self->stream_count_ = self->streams_.size();
    self->Flush();
    done.set_value(s);
  });
  return fut.get();
}

// ---- nghttp2 callbacks (strand) ----

int Connection::OnBeginHeaders(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  auto* c = static_cast<Connection*>(user);
  if (c->role_ != Role::kServer || frame->hd.type != NGHTTP2_HEADERS ||
      frame->headers.cat != NGHTTP2_HCAT_REQUEST) {
    return 0;
  }
  auto s = std::make_shared<StreamCore>(c->weak_from_this(), Role::kServer, c->peer_);
  s->set_id(frame->hd.stream_id);
  c->streams_[frame->hd.stream_id] = std::move(s);
  c->stream_count_ = c->streams_.size();
  return 0;
}

int Connection::OnHeaderCb(nghttp2_session*, const nghttp2_frame* frame, const uint8_t* name,
                           size_t namelen, const uint8_t* value, size_t valuelen, uint8_t,
                           void* user) {
  auto* c = static_cast<Connection*>(user);
  if (frame->hd.type != NGHTTP2_HEADERS) return 0;
  StreamCore* s = c->Find(frame->hd.stream_id);
  if (s == nullptr) return 0;
  const bool trailer = frame->headers.cat == NGHTTP2_HCAT_HEADERS;
  s->OnHeader(std::string(reinterpret_cast<const char*>(name), namelen),
              std::string(reinterpret_cast<const char*>(value), valuelen), trailer);
  return 0;
}

int Connection::OnFrameRecv(nghttp2_session*, const nghttp2_frame* frame, void* user) {
  auto* c = static_cast<Connection*>(user);
  if (frame->hd.type == NGHTTP2_GOAWAY) c->goaway_received_ = true;
  if (frame->hd.type == NGHTTP2_PING && (frame->hd.flags & NGHTTP2_FLAG_ACK) &&
      c->options_.on_ping_answered) {
    c->options_.on_ping_answered();
  }
  const int32_t id = frame->hd.stream_id;
  auto it = c->streams_.find(id);
  if (it == c->streams_.end()) return 0;
  std::shared_ptr<StreamCore> s = it->second;
  const bool end_stream = (frame->hd.flags & NGHTTP2_FLAG_END_STREAM) != 0;
  if (frame->hd.type == NGHTTP2_HEADERS) {
    if (c->role_ == Role::kServer && frame->headers.cat == NGHTTP2_HCAT_REQUEST) {
      if (c->on_request_) c->on_request_(s);
    } else if (c->role_ == Role::kClient && frame->headers.cat == NGHTTP2_HCAT_RESPONSE) {
      s->OnResponseHeaders(end_stream);
    }
    if (end_stream) s->OnRemoteEnd();
  } else if (frame->hd.type == NGHTTP2_DATA && end_stream) {
    s->OnRemoteEnd();
  }
  return 0;
}

int Connection::OnDataChunk(nghttp2_session* session, uint8_t, int32_t id, const uint8_t* data,
                            size_t len, void* user) {
  auto* c = static_cast<Connection*>(user);
  StreamCore* s = c->Find(id);
  if (s == nullptr) {
    nghttp2_session_consume(session, id, len);
    return 0;
  }
  s->OnData(data, len);
  return 0;
}

int Connection::OnStreamClose(nghttp2_session*, int32_t id, uint32_t error_code, void* user) {
  auto* c = static_cast<Connection*>(user);
  auto it = c->streams_.find(id);
  if (it == c->streams_.end()) return 0;
  it->second->OnClosed(error_code);
  c->streams_.erase(it);
  c->stream_count_ = c->streams_.size();
  if (c->closing_ && c->streams_.empty()) {
    // Not Close() now: this runs while nghttp2 serializes the stream's last
    // frame, before it is written. Close once everything is written.
    c->close_when_flushed_ = kShuttingDown;
    auto self = c->shared_from_this();
    c->Post([self] { self->Flush(); });
  }
  return 0;
}

ssize_t Connection::ReadData(nghttp2_session* session, int32_t id, uint8_t* buf, size_t length,
                             uint32_t* data_flags, nghttp2_data_source* source, void*) {
  auto* s = static_cast<StreamCore*>(source->ptr);
  bool want_trailers = false;
  ssize_t n = s->ReadOutgoing(buf, length, data_flags, &want_trailers);
  if (want_trailers) {
    Headers t = s->Trailers();
    auto nv = ToNv(t);
    if (nghttp2_submit_trailer(session, id, nv.data(), nv.size()) != 0) {
      *data_flags &= ~NGHTTP2_DATA_FLAG_NO_END_STREAM;
    }
  }
  return n;
}

}  // namespace brs::rpc::internal
