#include "rpc/http_post.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <asio/co_spawn.hpp>
#include <asio/connect.hpp>
#include <asio/detached.hpp>
#include <asio/ip/tcp.hpp>
#include <asio/read_until.hpp>
#include <asio/redirect_error.hpp>
#include <asio/ssl.hpp>
#include <asio/streambuf.hpp>
#include <asio/use_awaitable.hpp>
#include <asio/write.hpp>
#include <chrono>
#include <optional>

namespace brs::rpc {
namespace {

constexpr size_t kMaxResponseHead = 16 << 10;

bool Forbidden(char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }

// The status code of "HTTP/1.x NNN ...", or -1.
int StatusCode(std::string_view head) {
  if (head.size() < 12 || head.substr(0, 7) != "HTTP/1.") return -1;
  if (head[8] != ' ') return -1;
  int code = 0;
  for (int i = 9; i < 12; ++i) {
    if (head[i] < '0' || head[i] > '9') return -1;
    code = code * 10 + (head[i] - '0');
  }
  if (head.size() > 12 && head[12] != ' ' && head[12] != '\r') return -1;
  return code;
}

std::string RequestHead(const PostUrl& u, const HttpPostRequest& r) {
  std::string host = u.host.find(':') != std::string::npos ? "[" + u.host + "]" : u.host;
  const bool default_port = (u.tls && u.port == "443") || (!u.tls && u.port == "80");
  if (!default_port) host += ":" + u.port;
  std::string h = "POST " + u.target + " HTTP/1.1\r\nHost: " + host +
                  "\r\nContent-Type: " + r.content_type +
                  "\r\nContent-Length: " + std::to_string(r.body.size()) +
                  "\r\nConnection: close\r\nUser-Agent: backrest-sync\r\n";
  for (const auto& [k, v] : r.headers) h += k + ": " + v + "\r\n";
  return h + "\r\n";
}

// The outcome of one exchange, set by the coroutine.
struct Outcome {
  bool done = false;
  StatusOr<int> result = Unavailable("not run");
};

template <typename Stream>
asio::awaitable<void> Exchange(Stream& s, const std::string& bytes, const std::string& where,
                               Outcome* out) {
  asio::error_code wec;
  co_await asio::async_write(s, asio::buffer(bytes),
                             asio::redirect_error(asio::use_awaitable, wec));
  if (wec) {
    out->result = Unavailable("sending to " + where + ": " + wec.message());
    co_return;
  }
  asio::streambuf buf(kMaxResponseHead);
  asio::error_code rec;
  size_t m = co_await asio::async_read_until(s, buf, "\r\n",
                                             asio::redirect_error(asio::use_awaitable, rec));
  if (rec) {
    out->result = Unavailable(where + " sent no HTTP response: " + rec.message());
    co_return;
  }
  std::string line(asio::buffers_begin(buf.data()), asio::buffers_begin(buf.data()) + m);
  int code = StatusCode(line);
  if (code < 100) {
    out->result = Unavailable(where + " answered with something other than HTTP/1.x");
    co_return;
  }
  out->result = code;
}

asio::awaitable<void> Post(asio::io_context& io, const PostUrl& u, const HttpPostRequest& r,
                           asio::ssl::context* tls, Outcome* out,
                           std::optional<asio::ip::tcp::socket>* plain,
                           std::optional<asio::ssl::stream<asio::ip::tcp::socket>>* secure) {
  const std::string where = u.host + ":" + u.port;
  asio::ip::tcp::resolver resolver(io);
  asio::error_code rec;
  auto endpoints = co_await resolver.async_resolve(u.host, u.port,
                                                   asio::redirect_error(asio::use_awaitable, rec));
  if (rec) {
    out->result = Unavailable("cannot resolve " + u.host + ": " + rec.message());
    co_return;
  }
  plain->emplace(io);
  asio::error_code cec;
  co_await asio::async_connect(**plain, endpoints, asio::redirect_error(asio::use_awaitable, cec));
  if (cec) {
    out->result = Unavailable("cannot connect to " + where + ": " + cec.message());
    co_return;
  }
  const std::string head = RequestHead(u, r) + r.body;
  if (!tls) {
    co_await Exchange(**plain, head, where, out);
    co_return;
  }
  secure->emplace(std::move(**plain), *tls);
  plain->reset();
  SSL* ssl = (*secure)->native_handle();
  SSL_set_tlsext_host_name(ssl, u.host.c_str());
  asio::error_code parse_ec;
  asio::ip::make_address(u.host, parse_ec);
  if (parse_ec) {
    SSL_set1_host(ssl, u.host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), u.host.c_str());
  }
  asio::error_code hec;
  co_await (*secure)->async_handshake(asio::ssl::stream_base::client,
                                      asio::redirect_error(asio::use_awaitable, hec));
  if (hec) {
    long verify = SSL_get_verify_result(ssl);
    std::string why = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : hec.message();
    out->result = Unavailable("TLS handshake with " + where + " failed: " + why);
    co_return;
  }
  co_await Exchange(**secure, head, where, out);
}

}  // namespace

StatusOr<PostUrl> ParsePostUrl(const std::string& url) {
  PostUrl u;
  std::string rest;
  if (url.rfind("https://", 0) == 0) {
    u.tls = true;
    rest = url.substr(8);
  } else if (url.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else {
    return InvalidArgument("URL must start with http:// or https://");
  }
  for (char c : rest) {
    if (Forbidden(c)) return InvalidArgument("URL has a space or control character");
  }
  if (rest.find('#') != std::string::npos) return InvalidArgument("URL has a fragment");
  size_t slash = rest.find_first_of("/?");
  std::string authority = rest.substr(0, slash);
  u.target = slash == std::string::npos ? "/" : rest.substr(slash);
  if (u.target[0] == '?') u.target = "/" + u.target;
  if (authority.find('@') != std::string::npos) return InvalidArgument("URL has user info");
  std::string port;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) return InvalidArgument("URL has an unclosed [");
    u.host = authority.substr(1, close - 1);
    std::string tail = authority.substr(close + 1);
    if (!tail.empty()) {
      if (tail[0] != ':') return InvalidArgument("URL has text after ]");
      port = tail.substr(1);
    }
  } else {
    size_t colon = authority.find(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) return InvalidArgument("URL has no host");
  if (port.empty()) port = u.tls ? "443" : "80";
  if (port.size() > 5) return InvalidArgument("URL has a bad port");
  int p = 0;
  for (char c : port) {
    if (c < '0' || c > '9') return InvalidArgument("URL has a bad port");
    p = p * 10 + (c - '0');
  }
  if (p < 1 || p > 65535) return InvalidArgument("URL has a bad port");
  u.port = port;
  return u;
}

StatusOr<int> HttpPost(const HttpPostRequest& r) {
  BRS_ASSIGN_OR_RETURN(PostUrl u, ParsePostUrl(r.url));
  for (const auto& [k, v] : r.headers) {
    for (char c : k + v) {
      if (c == '\r' || c == '\n') return InvalidArgument("header " + k + " has a line break");
    }
  }
  std::optional<asio::ssl::context> tls;
  if (u.tls) {
    tls.emplace(asio::ssl::context::tls_client);
    tls->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1);
    tls->set_verify_mode(asio::ssl::verify_peer);
    asio::error_code ec;
    if (!r.ca_file.empty()) {
      tls->load_verify_file(r.ca_file, ec);
      if (ec) return InvalidArgument("CA file " + r.ca_file + ": " + ec.message());
    } else {
      tls->set_default_verify_paths(ec);
      if (ec) return Internal("cannot load the system's CAs: " + ec.message());
    }
  }
  asio::io_context io;
  Outcome out;
  std::optional<asio::ip::tcp::socket> plain;
  std::optional<asio::ssl::stream<asio::ip::tcp::socket>> secure;
  asio::co_spawn(io, Post(io, u, r, tls ? &*tls : nullptr, &out, &plain, &secure),
                 [&out](std::exception_ptr e) {
                   out.done = true;
                   if (e) out.result = Internal("HTTP POST failed unexpectedly");
                 });
  // In slices, to notice `cancel`; run_for returns early once done.
  constexpr auto kSlice = std::chrono::milliseconds(50);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(r.timeout_ms);
  bool cancelled = false;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    io.run_for(std::min<std::chrono::milliseconds>(left, kSlice));
    if (out.done) break;
    if (r.cancel && r.cancel->load()) {
      cancelled = true;
      break;
    }
  }
  if (!out.done) {
    // Close whatever is open: the coroutine's pending step completes with
    // an error and it returns.
    asio::error_code ignored;
    if (plain) plain->close(ignored);
    if (secure) secure->lowest_layer().close(ignored);
    io.restart();
    io.run();
    if (cancelled)
      return Status(Code::kCanceled, "POST to " + u.host + ":" + u.port + " abandoned");
    return Unavailable("POST to " + u.host + ":" + u.port + " timed out after " +
                       std::to_string(r.timeout_ms) + " ms");
  }
  return out.result;
}

}  // namespace brs::rpc
