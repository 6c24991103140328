#include "rpc/server.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <asio.hpp>
#include <asio/ssl.hpp>
#include <chrono>
#include <list>

#include "rpc/gzip.h"
#include "rpc/h2_connection.h"
#include "rpc/http1.h"
#include "rpc/http1_connection_set.h"
#include "rpc/json_stream.h"
#include "rpc/refusal_reporter.h"
#include "rpc/router.h"
#include "rpc/single_request_stream.h"
#include "rpc/start_deadline.h"
#include "rpc/worker_pool.h"

namespace brs::rpc {

using internal::CallConfig;
using internal::Connection;
using internal::Route;
using internal::RouteDecision;
using internal::RouteKind;
using internal::StreamCore;

namespace {

constexpr std::string_view kPreface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

StatusOr<std::pair<std::string, uint16_t>> SplitHostPort(const std::string& s) {
  size_t colon = s.rfind(':');
  if (colon == std::string::npos) return InvalidArgument("listen address must be host:port");
  std::string host = s.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = 0;
  for (char c : s.substr(colon + 1)) {
    if (c < '0' || c > '9') return InvalidArgument("bad port in listen address " + s);
    port = port * 10 + (c - '0');
    if (port > 65535) return InvalidArgument("bad port in listen address " + s);
  }
  if (host.empty()) host = "0.0.0.0";
  return std::make_pair(host, static_cast<uint16_t>(port));
}

// A Connect unary request body under its Content-Encoding (identity or
// gzip, at most `max` bytes once inflated); shared by HTTP/2 and HTTP/1.1.
StatusOr<std::string> DecodeUnaryBody(std::string_view content_encoding, std::string body,
                                      size_t max) {
  if (content_encoding.empty() || content_encoding == "identity") {
    if (body.size() > max) {
      return ResourceExhausted("request body larger than the limit of " + std::to_string(max) +
                               " bytes");
    }
    return body;
  }
  if (content_encoding != "gzip") {
    return Status(Code::kUnimplemented, "unsupported content-encoding");
  }
  auto plain = GzipDecompress(body, max);
  if (!plain.ok()) {  // too large once inflated stays resource_exhausted
    const Code code = plain.status().code() == Code::kResourceExhausted ? Code::kResourceExhausted
                                                                        : Code::kInvalidArgument;
    return Status(code, "request body: " + plain.status().message());
  }
  return plain;
}

// Calls a unary handler with the codec conversions; shared by HTTP/2 and
// HTTP/1.1.
StatusOr<std::string> RunUnary(const Route& route, const CallInfo& info, Codec codec,
                               std::string body, ResponseMetadata* meta) {
  if (codec == Codec::kJson) {
    BRS_ASSIGN_OR_RETURN(body, internal::JsonToBinary(*route.types.request, body));
  }
  BRS_ASSIGN_OR_RETURN(std::string out, route.unary(info, body, meta));
  if (info.deadline_ms != kNoDeadline && SteadyNowMs() > info.deadline_ms) {
    return Status(Code::kDeadlineExceeded, "deadline exceeded");
  }
  if (codec == Codec::kJson) return internal::BinaryToJson(*route.types.response, out);
  return out;
}

// Reads a unary call's request: Connect's bare body (inflated under its
// Content-Encoding), or gRPC's one enveloped message (none or several:
// unimplemented, as ReadSingleRequest).
StatusOr<std::string> ReadUnaryRequest(StreamCore& s, const CallInfo& info,
                                       const std::string& content_encoding, size_t max) {
  if (info.protocol != Protocol::kConnectUnary)
    return internal::ReadSingleRequest(s, info.deadline_ms);
  std::string body;
  BRS_ASSIGN_OR_RETURN(auto r, s.Read(&body, info.deadline_ms));
  if (r != Stream::ReadResult::kMessage) {
    return r == Stream::ReadResult::kTimeout
               ? Status(Code::kDeadlineExceeded, "deadline exceeded")
               : Status(Code::kUnimplemented, "unary call without a request body");
  }
  return DecodeUnaryBody(content_encoding, std::move(body), max);
}

// A unary call over HTTP/2: request, handler, response, status.
void ServeUnary(StreamCore& s, const Route& route, const CallInfo& info, Codec codec,
                const std::string& content_encoding, size_t max) {
  auto body = ReadUnaryRequest(s, info, content_encoding, max);
  if (!body.ok()) {
    s.Finish(body.status());
    return;
  }
  ResponseMetadata meta;
  auto out = RunUnary(route, info, codec, std::move(*body), &meta);
  for (auto& [name, value] : meta.headers) s.AddResponseHeader(std::move(name), std::move(value));
  for (const auto& [k, v] : info.response_headers) s.AddResponseHeader(k, v);
  for (auto& [name, value] : meta.trailers) s.AddResponseTrailer(std::move(name), std::move(value));
  if (!out.ok()) {
    s.Finish(out.status());
    return;
  }
  s.Finish(s.Write(*out));
}

// A server-streaming or bidi call: the handler reads and writes (through
// the JSON codec when asked), its return is the final status.
// A server-streaming route's handler gets its one request message read
// already (internal::ReadSingleRequest).
void ServeStream(StreamCore& s, const Route& route, const CallInfo& info, Codec codec) {
  std::optional<internal::SingleRequestStream> single;
  Stream* stream = &s;
  if (route.kind == RouteKind::kServerStream) {
    auto request = internal::ReadSingleRequest(s, info.deadline_ms);
    if (!request.ok()) {
      s.Finish(request.status());
      return;
    }
    stream = &single.emplace(s, std::move(*request));
  }
  Status result;
  if (codec == Codec::kJson) {
    internal::JsonStream js(*stream, route.types.request, route.types.response);
    result = route.stream(info, js);
  } else {
    result = route.stream(info, *stream);
  }
  s.Finish(result);
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Server* owner = nullptr;
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  std::optional<asio::ip::tcp::acceptor> acceptor;
  std::optional<asio::ssl::context> tls;
  internal::RouteTable table;
  std::mutex mu;
  std::condition_variable cv;
  std::list<std::weak_ptr<Connection>> connections;
  bool stopping = false;
  std::string bound;
  int port = 0;

  void Accept();
  void OnAccepted(asio::ip::tcp::socket socket);
  void Sniff(std::shared_ptr<asio::ip::tcp::socket> socket, std::shared_ptr<std::string> got,
             std::shared_ptr<internal::StartDeadline> deadline);
  void StartH2(std::unique_ptr<internal::ByteChannel> channel, std::string already);
  // A request's headers are complete (on its connection's strand).
  void OnRequest(const std::shared_ptr<StreamCore>& s);
  void ServeGet(const std::shared_ptr<StreamCore>& s, const RouteDecision& d);
  void StartCall(const std::shared_ptr<StreamCore>& s, RouteDecision d);
  // An async route's call, on the strand: running until its Finish.
  void StartAsyncCall(const std::shared_ptr<StreamCore>& s, const Route& route, CallInfo info);
  // Handlers run on these (a thread each while they run; idle ones reused).
  internal::WorkerPool workers;
  void Spawn(std::function<void()> fn);
  std::optional<internal::RefusalReporter> refusals;
  internal::Http1Handlers http1_handlers;
  std::optional<internal::Http1ConnectionSet> http1;
  void MakeHttp1Handlers();
  void Respond(const std::shared_ptr<StreamCore>& s, const HttpResponse& r, bool head);
};

void Server::Impl::Spawn(std::function<void()> fn) {
  owner->active_calls_++;
  workers.Run([this, fn = std::move(fn)]() mutable {
    fn();
    // What the call holds (a connection, its timers) goes now, while the
    // io_context still lives: once Stop sees no calls, it destroys it.
    fn = nullptr;
    // Notified under the lock: once Stop sees no calls, `this` may go.
    std::lock_guard lock(mu);
    owner->active_calls_--;
    cv.notify_all();
  });
}

void Server::Impl::Respond(const std::shared_ptr<StreamCore>& s, const HttpResponse& r, bool head) {
  CallConfig cfg;
  cfg.content_type = {Protocol::kConnectUnary, Codec::kProto};
  s->set_config(cfg);
  s->ForceResponse(r.status, r.content_type);
  if (r.status == 405) s->AddResponseHeader("allow", "POST");
  // On the strand: queue the body without blocking (small), then end. A
  // response to HEAD has no content.
  if (!head) (void)s->Write(r.body);
  s->Finish(Status());
}

void Server::Impl::ServeGet(const std::shared_ptr<StreamCore>& s, const RouteDecision& d) {
  CallConfig cfg;
  cfg.content_type = {Protocol::kConnectUnary, Codec::kProto};
  s->set_config(cfg);
  Spawn([s, handler = *d.get, path = d.info.path, headers = d.info.headers, head = d.head] {
    HttpResponse r = handler(path, headers);
    s->ForceResponse(r.status, r.content_type);
    for (auto& [k, v] : r.headers) s->AddResponseHeader(std::move(k), std::move(v));
    if (!head) (void)s->Write(r.body);
    s->Finish(Status());
  });
}

void Server::Impl::StartAsyncCall(const std::shared_ptr<StreamCore>& s, const Route& route,
                                  CallInfo info) {
  owner->active_calls_++;
  s->SetOnFinish([this] {
    std::lock_guard lock(mu);  // as in Spawn
    owner->active_calls_--;
    cv.notify_all();
  });
  route.async(info, s);
}

void Server::Impl::StartCall(const std::shared_ptr<StreamCore>& s, RouteDecision d) {
  s->set_config(d.config);
  d.info.peer = s->peer_address();
  if (d.route->async && d.config.content_type.codec == Codec::kProto) {
    StartAsyncCall(s, *d.route, std::move(d.info));
    return;
  }
  Spawn([s, route = *d.route, info = std::move(d.info), codec = d.config.content_type.codec,
         content_encoding = std::move(d.content_encoding), max = options.max_message_size] {
    if (route.kind == RouteKind::kUnary) {
      ServeUnary(*s, route, info, codec, content_encoding, max);
    } else {
      ServeStream(*s, route, info, codec);
    }
  });
}

void Server::Impl::OnRequest(const std::shared_ptr<StreamCore>& s) {
  RouteDecision d = internal::RouteRequest(s->request_headers_unlocked(), table,
                                           options.max_message_size, SteadyNowMs());
  switch (d.action) {
    case RouteDecision::Action::kServeGet:
      ServeGet(s, d);
      return;
    case RouteDecision::Action::kRespond:
      Respond(s, d.response, d.head);
      return;
    case RouteDecision::Action::kFail:
      s->set_config(d.config);
      s->Finish(d.status);
      return;
    case RouteDecision::Action::kCall:
      StartCall(s, std::move(d));
      return;
  }
}

void Server::Impl::StartH2(std::unique_ptr<internal::ByteChannel> channel, std::string already) {
  Connection::Options o;
  o.max_concurrent_streams = options.max_concurrent_streams;
  o.keepalive_ms = options.keepalive_ms;
  if (options.on_keepalive_answered) {
    o.on_ping_answered = [fn = options.on_keepalive_answered, peer = channel->PeerAddress()] {
      fn(peer);
    };
  }
  auto conn = Connection::Create(io, std::move(channel), internal::Role::kServer, o,
                                 [this](const std::shared_ptr<StreamCore>& s) { OnRequest(s); });
  {
    std::lock_guard lock(mu);
    if (stopping) {  // sniffed after Stop took its list of connections
      conn->Close(Unavailable("server stopped"));
      return;
    }
    for (auto it = connections.begin(); it != connections.end();) {
      it = it->expired() ? connections.erase(it) : std::next(it);
    }
    connections.push_back(conn);
  }
  conn->Start(std::move(already));
}

void Server::Impl::Sniff(std::shared_ptr<asio::ip::tcp::socket> socket,
                         std::shared_ptr<std::string> got,
                         std::shared_ptr<internal::StartDeadline> deadline) {
  auto buf = std::make_shared<std::array<char, 24>>();
  const size_t want = kPreface.size() - got->size();
  socket->async_read_some(
      asio::buffer(buf->data(), want),
      [this, socket, got, buf, deadline](const asio::error_code& ec, size_t n) {
        if (ec) {  // closed before saying anything (or too late)
          deadline->Meet();
          return;
        }
        got->append(buf->data(), n);
        const bool prefix_ok = kPreface.substr(0, got->size()) == *got;
        if (prefix_ok && got->size() < kPreface.size()) {
          Sniff(socket, got, deadline);
          return;
        }
        deadline->Meet();
        if (prefix_ok) {
          StartH2(std::make_unique<internal::TcpChannel>(std::move(*socket)), std::move(*got));
        } else {
          http1->Serve(std::make_unique<internal::TcpChannel>(std::move(*socket)), std::move(*got),
                       deadline->at_ms);
        }
      });
}

void Server::Impl::OnAccepted(asio::ip::tcp::socket socket) {
  asio::error_code ec;
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  auto deadline = std::make_shared<internal::StartDeadline>(socket.get_executor());
  if (!tls) {
    auto s = std::make_shared<asio::ip::tcp::socket>(std::move(socket));
    deadline->Arm(options.http1_header_timeout_ms, [this, s] {
      asio::error_code e;
      refusals->Note(internal::RefusalReporter::Reason::kHeaderTimeout, internal::FormatPeer(*s));
      s->close(e);
    });
    Sniff(s, std::make_shared<std::string>(), deadline);
    return;
  }
  auto stream = std::make_shared<asio::ssl::stream<asio::ip::tcp::socket>>(std::move(socket), *tls);
  deadline->Arm(options.http1_header_timeout_ms, [this, stream] {
    asio::error_code e;
    refusals->Note(internal::RefusalReporter::Reason::kHeaderTimeout,
                   internal::FormatPeer(stream->lowest_layer()));
    stream->lowest_layer().close(e);
  });
  stream->async_handshake(asio::ssl::stream_base::server, [this, stream,
                                                           deadline](const asio::error_code& e) {
    deadline->Meet();
    if (e) return;  // a failed (or too slow) TLS handshake just closes
    const unsigned char* alpn = nullptr;
    unsigned int len = 0;
    SSL_get0_alpn_selected(stream->native_handle(), &alpn, &len);
    if (len == 2 && std::memcmp(alpn, "h2", 2) == 0) {
      StartH2(std::make_unique<internal::TlsChannel>(std::move(*stream)), "");
    } else {
      http1->Serve(std::make_unique<internal::TlsChannel>(std::move(*stream)), "", deadline->at_ms);
    }
  });
}

void Server::Impl::Accept() {
  // Each connection's start (handshake, sniffing, its deadline) runs on a
  // strand of its own.
  acceptor->async_accept(asio::make_strand(io),
                         [this](const asio::error_code& ec, asio::ip::tcp::socket socket) {
                           {
                             std::lock_guard lock(mu);
                             if (stopping) return;
                           }
                           if (!ec) OnAccepted(std::move(socket));
                           Accept();
                         });
}

void Server::Impl::MakeHttp1Handlers() {
  internal::Http1Handlers& handlers = http1_handlers;
  handlers.get = [this](const std::string& path, const Headers& h) -> std::optional<HttpResponse> {
    auto g = table.gets.find(path);
    if (g == table.gets.end()) return std::nullopt;
    return g->second(path, h);
  };
  handlers.unary = [this](const std::string& path, const Headers& h, Codec codec, std::string body,
                          ResponseMetadata* meta) -> std::optional<StatusOr<std::string>> {
    auto r = table.routes.find(path);
    if (r == table.routes.end() || r->second.kind != RouteKind::kUnary) return std::nullopt;
    if (codec == Codec::kJson && r->second.types.request == nullptr) {
      return StatusOr<std::string>(Status(Code::kUnimplemented, "JSON not supported here"));
    }
    CallInfo info;
    info.path = path;
    info.headers = h;
    info.peer = "http1";
    info.protocol = Protocol::kConnectUnary;
    info.deadline_ms = internal::RequestDeadlineMs(h, SteadyNowMs());
    const std::string* enc = FindHeader(h, "content-encoding");
    auto plain = DecodeUnaryBody(enc ? *enc : "", std::move(body), options.max_message_size);
    if (!plain.ok()) return StatusOr<std::string>(plain.status());
    auto out = RunUnary(r->second, info, codec, std::move(*plain), meta);
    for (auto& h : info.response_headers) meta->headers.push_back(std::move(h));
    return out;
  };
  handlers.server_stream = [this](const std::string& path) -> const Route* {
    auto r = table.routes.find(path);
    if (r == table.routes.end() || r->second.kind != RouteKind::kServerStream) return nullptr;
    return &r->second;
  };
  handlers.is_rpc_path = [this](const std::string& path) { return table.routes.count(path) > 0; };
  handlers.max_message = options.max_message_size;
}

Server::Server(ServerOptions options) : impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  m.options = std::move(options);
  m.owner = this;
  m.refusals.emplace(m.io, m.options);
  m.MakeHttp1Handlers();
  internal::Http1ConnectionSet::Options h1;
  h1.connection.max_message = m.options.max_message_size;
  h1.connection.header_timeout_ms = m.options.http1_header_timeout_ms;
  h1.connection.idle_timeout_ms = m.options.http1_idle_timeout_ms;
  h1.max_connections = m.options.max_http1_connections;
  m.http1.emplace(
      m.io, h1, m.http1_handlers, [&m](std::function<void()> fn) { m.Spawn(std::move(fn)); },
      *m.refusals);
}

Server::~Server() { Stop(0); }

void Server::HandleUnary(std::string path, UnaryHandler handler, MessageTypes types) {
  HandleUnary(
      std::move(path),
      [handler = std::move(handler)](const CallInfo& info, std::string_view body,
                                     ResponseMetadata*) { return handler(info, body); },
      types);
}
void Server::HandleUnary(std::string path, UnaryMetadataHandler handler, MessageTypes types) {
  impl_->table.routes[std::move(path)] =
      Route{RouteKind::kUnary, std::move(handler), nullptr, types, nullptr};
}
void Server::HandleServerStream(std::string path, StreamHandler handler, MessageTypes types) {
  impl_->table.routes[std::move(path)] =
      Route{RouteKind::kServerStream, nullptr, std::move(handler), types, nullptr};
}
void Server::HandleBidi(std::string path, StreamHandler handler, MessageTypes types,
                        AsyncStreamHandler async) {
  impl_->table.routes[std::move(path)] =
      Route{RouteKind::kBidi, nullptr, std::move(handler), types, std::move(async)};
}
void Server::HandleGet(std::string path, GetHandler handler) {
  impl_->table.gets[std::move(path)] = std::move(handler);
}

Status Server::Start() {
  Impl& m = *impl_;
  BRS_ASSIGN_OR_RETURN(auto hp, SplitHostPort(m.options.listen));
  asio::error_code ec;
  auto addr = asio::ip::make_address(hp.first, ec);
  if (ec) return InvalidArgument("listen address " + hp.first + " is not an IP address");
  if (!m.options.tls_cert_file.empty() || !m.options.tls_key_file.empty()) {
    m.tls.emplace(asio::ssl::context::tls_server);
    m.tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                       asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                       asio::ssl::context::no_tlsv1_1);
    m.tls->use_certificate_chain_file(m.options.tls_cert_file, ec);
    if (ec)
      return InvalidArgument("TLS certificate " + m.options.tls_cert_file + ": " + ec.message());
    m.tls->use_private_key_file(m.options.tls_key_file, asio::ssl::context::pem, ec);
    if (ec) return InvalidArgument("TLS key " + m.options.tls_key_file + ": " + ec.message());
    SSL_CTX_set_alpn_select_cb(
        m.tls->native_handle(),
        [](SSL*, const unsigned char** out, unsigned char* outlen, const unsigned char* in,
           unsigned int inlen, void*) -> int {
          static const unsigned char kProtos[] = "\x02h2\x08http/1.1";
          unsigned char* sel = nullptr;
          if (SSL_select_next_proto(&sel, outlen, kProtos, sizeof kProtos - 1, in, inlen) !=
              OPENSSL_NPN_NEGOTIATED) {
            return SSL_TLSEXT_ERR_NOACK;
          }
          *out = sel;
          return SSL_TLSEXT_ERR_OK;
        },
        nullptr);
  }
  asio::ip::tcp::endpoint ep(addr, hp.second);
  m.acceptor.emplace(m.io);
  m.acceptor->open(ep.protocol(), ec);
  if (!ec) m.acceptor->set_option(asio::ip::tcp::acceptor::reuse_address(true), ec);
  if (!ec) m.acceptor->bind(ep, ec);
  if (!ec) m.acceptor->listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return Unavailable("cannot listen on " + m.options.listen + ": " + ec.message());
  auto local = m.acceptor->local_endpoint();
  m.port = local.port();
  m.bound = internal::FormatEndpoint(local);
  m.work.emplace(m.io.get_executor());
  m.Accept();
  for (int i = 0; i < std::max(1, m.options.io_threads); ++i) {
    m.threads.emplace_back([&m] { m.io.run(); });
  }
  return Status();
}

std::string Server::address() const { return impl_->bound; }
int Server::port() const { return impl_->port; }

size_t Server::connection_count() const {
  std::lock_guard lock(impl_->mu);
  size_t n = impl_->http1->count();
  for (const auto& w : impl_->connections) {
    if (auto c = w.lock(); c && c->alive()) ++n;
  }
  return n;
}

void Server::Stop(int64_t grace_ms) {
  Impl& m = *impl_;
  std::vector<std::shared_ptr<Connection>> conns;
  {
    std::lock_guard lock(m.mu);
    if (m.stopping) return;
    m.stopping = true;
    for (auto& w : m.connections) {
      if (auto c = w.lock()) conns.push_back(c);
    }
  }
  if (m.acceptor) {
    asio::post(m.io, [&m] {
      asio::error_code ec;
      m.acceptor->close(ec);
    });
  }
  for (auto& c : conns) c->Shutdown();
  m.http1->Shutdown();
  // A handler's return is not its response on the wire: wait for the calls
  // and for the connections, which close once their last frames are out.
  auto wait = [&](int64_t ms, bool for_calls) {
    const int64_t deadline = SteadyNowMs() + std::max<int64_t>(ms, 0);
    std::unique_lock lock(m.mu);
    for (;;) {
      const bool done =
          (!for_calls || active_calls_.load() == 0) &&
          std::none_of(conns.begin(), conns.end(), [](const auto& c) { return c->alive(); }) &&
          !m.http1->any_alive();
      const int64_t left = deadline - SteadyNowMs();
      if (done || left <= 0) return;
      m.cv.wait_for(lock, std::chrono::milliseconds(std::min<int64_t>(left, 10)));
    }
  };
  wait(grace_ms, true);
  for (auto& c : conns) c->Close(Unavailable("server stopped"));
  m.http1->Close();
  // Handlers still running see their streams fail; give them a moment.
  wait(2000, true);
  // The closes run on the connections' strands: let them before stopping.
  wait(1000, false);
  m.refusals->Flush();
  m.work.reset();
  m.io.stop();
  for (auto& t : m.threads) {
    if (t.joinable()) t.join();
  }
  m.threads.clear();
}

}  // namespace brs::rpc
