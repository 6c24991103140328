#include "rpc/client.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <asio.hpp>
#include <asio/ssl.hpp>
#include <future>

#include "rpc/h2_connection.h"
#include "rpc/timeout.h"

namespace brs::rpc {

using internal::CallConfig;
using internal::Connection;
using internal::StreamCore;

namespace {

struct Url {
  bool tls = false;
  std::string host;
  std::string port;
  std::string prefix;  // path prefix without trailing '/'
  std::string authority;
};

StatusOr<Url> ParseUrl(const std::string& s) {
  Url u;
  std::string rest;
  if (s.rfind("http://", 0) == 0) {
    rest = s.substr(7);
  } else if (s.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = s.substr(8);
  } else {
    return InvalidArgument("URL must start with http:// or https://: " + s);
  }
  size_t slash = rest.find('/');
  std::string hostport = rest.substr(0, slash);
  if (slash != std::string::npos) {
    u.prefix = rest.substr(slash);
    while (!u.prefix.empty() && u.prefix.back() == '/') u.prefix.pop_back();
  }
  if (hostport.empty()) return InvalidArgument("URL without a host: " + s);
  u.authority = hostport;
  if (hostport.front() == '[') {
    size_t close = hostport.find(']');
    if (close == std::string::npos) return InvalidArgument("bad IPv6 address in URL: " + s);
    u.host = hostport.substr(1, close - 1);
    if (close + 1 < hostport.size() && hostport[close + 1] == ':')
      u.port = hostport.substr(close + 2);
  } else {
    size_t colon = hostport.rfind(':');
    u.host = hostport.substr(0, colon);
    if (colon != std::string::npos) u.port = hostport.substr(colon + 1);
  }
  if (u.port.empty()) u.port = u.tls ? "443" : "80";
  for (char c : u.port) {
    if (c < '0' || c > '9') return InvalidArgument("bad port in URL: " + s);
  }
  if (u.host.empty()) return InvalidArgument("URL without a host: " + s);
  return u;
}

// Keeps the connection (and so the stream) alive, and the client's io
// thread too (a stream may outlive its Client), and cancels an unfinished
// call when dropped.
class ClientStream final : public Stream {
 public:
  ClientStream(std::shared_ptr<Client::Impl> owner, std::shared_ptr<Connection> conn,
               std::shared_ptr<StreamCore> core)
      : owner_(std::move(owner)), conn_(std::move(conn)), core_(std::move(core)) {}
  ~ClientStream() override { core_->Finish(Status(Code::kCanceled, "call abandoned")); }
  StatusOr<ReadResult> Read(std::string* m, int64_t d) override { return core_->Read(m, d); }
  void Wake() override { core_->Wake(); }
  Status Write(std::string_view m) override { return core_->Write(m); }
  void Finish(const Status& s) override { core_->Finish(s); }
  size_t Backlog() const override { return core_->Backlog(); }
  Headers headers() const override { return core_->headers(); }
  void AddResponseHeader(std::string, std::string) override {}
  void AddResponseTrailer(std::string, std::string) override {}
  Headers trailers() const override { return core_->trailers(); }
  std::string peer_address() const override { return core_->peer_address(); }

 private:
  std::shared_ptr<Client::Impl> owner_;  // destroyed last
  std::shared_ptr<Connection> conn_;
  std::shared_ptr<StreamCore> core_;
};

// ClientStream's async twin.
class ClientAsyncStream final : public AsyncStream {
 public:
  ClientAsyncStream(std::shared_ptr<Client::Impl> owner, std::shared_ptr<Connection> conn,
                    std::shared_ptr<StreamCore> core)
      : owner_(std::move(owner)), conn_(std::move(conn)), core_(std::move(core)) {}
  ~ClientAsyncStream() override {
    core_->SetNotify(nullptr);
    core_->Finish(Status(Code::kCanceled, "call abandoned"));
  }
  void SetNotify(std::function<void()> fn) override { core_->SetNotify(std::move(fn)); }
  StatusOr<Stream::ReadResult> TryRead(std::string* m) override { return core_->TryRead(m); }
  Status TryWrite(std::string_view m) override { return core_->TryWrite(m); }
  bool writable() override { return core_->writable(); }
  void Finish(const Status& s) override { core_->Finish(s); }
  size_t Backlog() const override { return core_->Backlog(); }
  Headers headers() const override { return core_->headers(); }
  void AddResponseHeader(std::string, std::string) override {}
  void AddResponseTrailer(std::string, std::string) override {}
  Headers trailers() const override { return core_->trailers(); }
  std::string peer_address() const override { return core_->peer_address(); }

 private:
  std::shared_ptr<Client::Impl> owner_;  // destroyed last
  std::shared_ptr<Connection> conn_;
  std::shared_ptr<StreamCore> core_;
};

}  // namespace

struct Client::Opened {
  std::shared_ptr<Connection> conn;
  std::shared_ptr<StreamCore> core;
};

struct ClientIo::Impl {
  asio::io_context io;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::thread thread;

  Impl() : work(io.get_executor()), thread([this] { io.run(); }) {}
  // Once every client and stream on it is gone: lets what is queued run,
  // then stops the io thread.
  ~Impl() {
    work.reset();
    asio::post(io, [this] { io.stop(); });
    if (thread.joinable()) thread.join();
  }
};

ClientIo::ClientIo() : impl_(std::make_unique<Impl>()) {}
ClientIo::~ClientIo() = default;
std::shared_ptr<ClientIo> ClientIo::Create() { return std::shared_ptr<ClientIo>(new ClientIo()); }

struct Client::Impl {
  Url url;
  // The io thread, shared or the client's own; `io` is its context.
  std::shared_ptr<ClientIo> loop;
  asio::io_context& io;
  std::optional<asio::ssl::context> tls;
  std::mutex mu;
  std::shared_ptr<Connection> conn;

  explicit Impl(std::shared_ptr<ClientIo> shared)
      : loop(shared ? std::move(shared) : ClientIo::Create()), io(loop->impl().io) {}

  StatusOr<std::shared_ptr<Connection>> Connected(const ClientOptions& o);
  StatusOr<std::shared_ptr<Connection>> Dial(const ClientOptions& o);
  // Dropping the last reference to `loop` (once the client and all its
  // streams are gone) stops its io thread. Streams are user objects, never
  // owned by io handlers, so this never runs on the io thread itself.
};

StatusOr<std::shared_ptr<Connection>> Client::Impl::Dial(const ClientOptions& o) {
  const std::string where = url.host + ":" + url.port;
  asio::ip::tcp::resolver resolver(io);
  asio::error_code ec;
  auto endpoints = resolver.resolve(url.host, url.port, ec);
  if (ec) return Unavailable("cannot resolve " + url.host + ": " + ec.message());
  asio::ip::tcp::socket socket(io);
  // Connect with a deadline: run the async connect on the client's thread.
  std::promise<asio::error_code> done;
  auto fut = done.get_future();
  asio::async_connect(
      socket, endpoints,
      [&done](const asio::error_code& e, const asio::ip::tcp::endpoint&) { done.set_value(e); });
  if (fut.wait_for(std::chrono::milliseconds(o.connect_timeout_ms)) != std::future_status::ready) {
    asio::post(io, [&socket] {
      asio::error_code ignored;
      socket.close(ignored);
    });
    fut.wait();
    return Unavailable("connecting to " + where + " timed out");
  }
  ec = fut.get();
  if (ec) return Unavailable("cannot connect to " + where + ": " + ec.message());
  socket.set_option(asio::ip::tcp::no_delay(true), ec);
  std::unique_ptr<internal::ByteChannel> channel;
  if (url.tls) {
    asio::ssl::stream<asio::ip::tcp::socket> stream(std::move(socket), *tls);
    SSL* ssl = stream.native_handle();
    SSL_set_tlsext_host_name(ssl, url.host.c_str());
    asio::error_code parse_ec;
    asio::ip::make_address(url.host, parse_ec);
    if (!o.pinned_cert_file.empty()) {
      // Pinned: the certificate is the identity; its names do not matter.
    } else if (parse_ec) {
      SSL_set1_host(ssl, url.host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), url.host.c_str());
    }
    static const unsigned char kAlpn[] = "\x02h2";
    SSL_set_alpn_protos(ssl, kAlpn, sizeof kAlpn - 1);
    std::promise<asio::error_code> hs;
    auto hs_fut = hs.get_future();
    stream.async_handshake(asio::ssl::stream_base::client,
                           [&hs](const asio::error_code& e) { hs.set_value(e); });
    if (hs_fut.wait_for(std::chrono::milliseconds(o.connect_timeout_ms)) !=
        std::future_status::ready) {
      asio::post(io, [&stream] {
        asio::error_code ignored;
        stream.lowest_layer().close(ignored);
      });
      hs_fut.wait();
      return Unavailable("TLS handshake with " + where + " timed out");
    }
    ec = hs_fut.get();
    if (ec) {
      long verify = SSL_get_verify_result(ssl);
      std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : ec.message();
      return Unavailable("TLS handshake with " + where + " failed: " + why);
    }
    const unsigned char* alpn = nullptr;
    unsigned int alpn_len = 0;
    SSL_get0_alpn_selected(ssl, &alpn, &alpn_len);
    if (alpn_len != 2 || std::memcmp(alpn, "h2", 2) != 0) {
      return Unavailable(where + " does not offer HTTP/2 over TLS (ALPN h2)");
    }
    channel = std::make_unique<internal::TlsChannel>(std::move(stream));
  } else {
    channel = std::make_unique<internal::TcpChannel>(std::move(socket));
  }
  Connection::Options co;
  auto c = Connection::Create(io, std::move(channel), internal::Role::kClient, co, nullptr);
  c->Start();
  return c;
}

StatusOr<std::shared_ptr<Connection>> Client::Impl::Connected(const ClientOptions& o) {
  std::lock_guard lock(mu);
  // A connection draining after the server's GOAWAY finishes its calls;
  // new ones go to a new connection.
  if (conn && conn->accepts_new_streams()) return conn;
  BRS_ASSIGN_OR_RETURN(conn, Dial(o));
  return conn;
}

Client::Client(ClientOptions options)
    : options_(std::move(options)), impl_(std::make_shared<Impl>(options_.io)) {}

Client::~Client() {
  // Fails the calls still open; their streams keep the io thread (impl_)
  // until they are dropped.
  std::lock_guard lock(impl_->mu);
  if (impl_->conn) impl_->conn->Close(Status(Code::kCanceled, "client closed"));
  impl_->conn.reset();
}

StatusOr<std::unique_ptr<Client>> Client::Create(ClientOptions options) {
  BRS_ASSIGN_OR_RETURN(Url url, ParseUrl(options.base_url));
  std::unique_ptr<Client> c(new Client(std::move(options)));
  c->impl_->url = url;
  if (url.tls) {
    c->impl_->tls.emplace(asio::ssl::context::tls_client);
    auto& ctx = *c->impl_->tls;
    ctx.set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                    asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                    asio::ssl::context::no_tlsv1_1);
    ctx.set_verify_mode(asio::ssl::verify_peer);
    asio::error_code ec;
    if (!c->options_.pinned_cert_file.empty()) {
      ctx.load_verify_file(c->options_.pinned_cert_file, ec);
      if (ec) {
        return InvalidArgument("certificate " + c->options_.pinned_cert_file + ": " + ec.message());
      }
      // The pinned certificate is the trust anchor itself, CA or not.
      X509_STORE* store = SSL_CTX_get_cert_store(ctx.native_handle());
      X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    } else if (!c->options_.ca_file.empty()) {
      ctx.load_verify_file(c->options_.ca_file, ec);
      if (ec) return InvalidArgument("CA file " + c->options_.ca_file + ": " + ec.message());
    } else {
      ctx.set_default_verify_paths(ec);
    }
  }
  return c;
}

StatusOr<Client::Opened> Client::OpenCore(std::string_view path, CallKind kind,
                                          const Headers& extra, int64_t timeout_ms) {
  BRS_ASSIGN_OR_RETURN(auto conn, impl_->Connected(options_));
  const Url& u = impl_->url;
  CallConfig cfg;
  cfg.max_message = options_.max_message_size;
  if (options_.grpc) {
    cfg.content_type = {Protocol::kGrpc, Codec::kProto};
  } else {
    cfg.content_type = {
        kind == CallKind::kUnary ? Protocol::kConnectUnary : Protocol::kConnectStream,
        Codec::kProto};
  }
  const bool gzip = options_.send_gzip;
  if (gzip) cfg.send_encoding = Encoding::kGzip;
  Headers h = {{":method", "POST"},
               {":scheme", u.tls ? "https" : "http"},
               {":authority", u.authority},
               {":path", u.prefix + std::string(path)},
               {"content-type", ContentTypeString(cfg.content_type)},
               {"user-agent", options_.user_agent}};
  if (options_.grpc) {
    h.emplace_back("te", "trailers");
    h.emplace_back("grpc-accept-encoding", "gzip");
    if (gzip) h.emplace_back("grpc-encoding", "gzip");
    if (timeout_ms > 0)
      h.emplace_back("grpc-timeout", FormatGrpcTimeout(std::chrono::milliseconds(timeout_ms)));
  } else {
    h.emplace_back("connect-protocol-version", "1");
    if (cfg.content_type.protocol == Protocol::kConnectUnary) {
      h.emplace_back("accept-encoding", "gzip");
      if (gzip) h.emplace_back("content-encoding", "gzip");
    } else {
      h.emplace_back("connect-accept-encoding", "gzip");
      if (gzip) h.emplace_back("connect-content-encoding", "gzip");
    }
    if (timeout_ms > 0) h.emplace_back("connect-timeout-ms", std::to_string(timeout_ms));
  }
  for (const auto& kv : extra) h.push_back(kv);
  auto core = conn->OpenStream(h, cfg);
  if (!core.ok() && !conn->accepts_new_streams()) {
    // The pooled connection closed or got GOAWAY between the check and the
    // open: one redial, and the second answer is the call's.
    BRS_ASSIGN_OR_RETURN(conn, impl_->Connected(options_));
    core = conn->OpenStream(std::move(h), cfg);
  }
  if (!core.ok()) return core.status();
  return Opened{std::move(conn), std::move(*core)};
}

StatusOr<std::unique_ptr<Stream>> Client::Open(std::string_view path, CallKind kind,
                                               const Headers& extra, int64_t timeout_ms) {
  BRS_ASSIGN_OR_RETURN(Opened o, OpenCore(path, kind, extra, timeout_ms));
  return std::unique_ptr<Stream>(new ClientStream(impl_, std::move(o.conn), std::move(o.core)));
}

StatusOr<std::shared_ptr<AsyncStream>> Client::OpenAsync(std::string_view path, CallKind kind,
                                                         const Headers& extra, int64_t timeout_ms) {
  BRS_ASSIGN_OR_RETURN(Opened o, OpenCore(path, kind, extra, timeout_ms));
  return std::shared_ptr<AsyncStream>(
      new ClientAsyncStream(impl_, std::move(o.conn), std::move(o.core)));
}

StatusOr<std::string> Client::Unary(std::string_view path, std::string_view request,
                                    const Headers& extra, int64_t timeout_ms,
                                    Headers* response_headers) {
  BRS_ASSIGN_OR_RETURN(auto stream, Open(path, CallKind::kUnary, extra, timeout_ms));
  BRS_RETURN_IF_ERROR(stream->Write(request));
  stream->Finish(Status());
  const int64_t deadline = timeout_ms > 0 ? SteadyNowMs() + timeout_ms : kNoDeadline;
  std::string response;
  auto r = stream->Read(&response, deadline);
  if (response_headers) *response_headers = stream->headers();
  if (!r.ok()) return r.status();
  if (*r == Stream::ReadResult::kTimeout)
    return Status(Code::kDeadlineExceeded, "deadline exceeded");
  if (*r == Stream::ReadResult::kEnd) return Internal("unary response without a message");
  if (options_.grpc) {
    std::string extra_msg;
    auto end = stream->Read(&extra_msg, deadline);
    if (!end.ok()) return end.status();
  }
  return response;
}

}  // namespace brs::rpc
