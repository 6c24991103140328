// The RPC server: one listener serving HTTP/2 with prior knowledge (h2c)
// and HTTP/1.1 on the same port (told apart by the connection preface), or
// TLS with ALPN h2 / http/1.1 when a certificate and key are given.
//
// Routes POST /<package>.<Service>/<Method> to registered handlers, for the
// Connect protocol (unary: application/proto|json; streams:
// application/connect+proto|+json) and gRPC (application/grpc[+proto]).
// JSON needs the message types at registration. Plain GET routes serve
// text (e.g. /metrics) over both HTTP versions.
//
// Every handler runs on a thread of its own and may block (but an
// AsyncStreamHandler, which runs on no thread of its own); the connections
// (HTTP/2 and HTTP/1.1 alike) run on a small asio thread pool. An HTTP/1.1
// connection answers one request at a time, so it holds a handler thread
// only while a request of its own is being answered.
//
// Limits on slow or idle peers: a new connection must send its first
// request (HTTP/1.1) or the HTTP/2 preface within http1_header_timeout_ms;
// HTTP/1.1 connections are bounded in number and in time (ServerOptions);
// HTTP/2 connections are pinged (keepalive_ms).
#pragma once

#include <google/protobuf/message.h>

#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "rpc/protocol.h"
#include "rpc/stream.h"

namespace brs::metrics {
class Registry;
}

namespace brs::rpc {

// A refusal a peer caused, for a log line.
struct Refusal {
  std::string reason;  // which limit, in a sentence
  std::string peer;    // the address of the (last) peer refused
  uint64_t count = 0;  // refusals with this reason since the last report (>= 1)
};

struct ServerOptions {
  std::string listen = "127.0.0.1:0";  // host:port; port 0 picks a free one
  std::string tls_cert_file;           // PEM; with tls_key_file enables TLS
  std::string tls_key_file;
  // The largest message received (decompressed); larger ones are refused
  // (resource_exhausted). Messages sent are not bounded by it.
  size_t max_message_size = size_t{16} << 20;
  int io_threads = 1;
  uint32_t max_concurrent_streams = 1000;
  // PING a connection silent for this long; GOAWAY and close it when the
  // PING stays unanswered for twice as long. 0: off.
  int64_t keepalive_ms = 30'000;
  // Told (on an io thread; must not block) each time a peer answers a
  // keepalive PING, with its address: for diagnostics and tests.
  std::function<void(const std::string& peer)> on_keepalive_answered;

  // HTTP/1.1 (and the start of every connection). A request's head must
  // arrive within http1_header_timeout_ms of its first byte (the first
  // request's, and the HTTP/2 preface, of the connection's accept); its
  // body, and each response write, within http1_idle_timeout_ms; a
  // keep-alive connection waiting for its next request is closed after
  // http1_idle_timeout_ms (as an HTTP/2 connection is once silent for
  // 3 x keepalive_ms). A late request is answered 408. 0: no limit.
  int64_t http1_header_timeout_ms = 10'000;
  int64_t http1_idle_timeout_ms = 90'000;
  // HTTP/1.1 connections open at once; more are answered 503 (with
  // "Connection: close") and closed.
  size_t max_http1_connections = 128;
  // Told of refusals a peer caused (connections over the limit, requests
  // or responses too slow), on an io thread (must not block): the first of
  // each reason at once, then at most one report per reason and interval,
  // with a count.
  std::function<void(const Refusal&)> on_refusal;
  int64_t refusal_report_interval_ms = 10'000;
  // Where the counter backrest_sync_rpc_refusals_total{reason} goes (and
  // must outlive the server); nullptr: a registry of the server's own.
  metrics::Registry* metrics = nullptr;
};

struct CallInfo {
  std::string path;
  Headers headers;
  std::string peer;
  Protocol protocol;
  int64_t deadline_ms = kNoDeadline;  // steady clock; from Connect-Timeout-Ms / grpc-timeout
  // A unary handler may add headers to its (successful or failed) response
  // here, e.g. Set-Cookie; the server sends them before the body.
  mutable Headers response_headers;
};

// Request and response message types, for the JSON codec (optional).
struct MessageTypes {
  const google::protobuf::Message* request = nullptr;
  const google::protobuf::Message* response = nullptr;
};

using UnaryHandler = std::function<StatusOr<std::string>(const CallInfo&, std::string_view)>;
// What a unary handler adds to its response, whether it answers or fails:
// headers, and trailers (gRPC trailers; Connect unary sends them as
// "trailer-<name>" headers).
struct ResponseMetadata {
  Headers headers;
  Headers trailers;
};
using UnaryMetadataHandler =
    std::function<StatusOr<std::string>(const CallInfo&, std::string_view, ResponseMetadata*)>;
// Streams (server-streaming and bidi): the handler reads and writes, and
// returns the call's final status (sent after its messages).
using StreamHandler = std::function<Status(const CallInfo&, Stream&)>;
// A stream served without a thread of its own: called on the connection's
// io thread once the request's headers are in (it must not block), it
// takes the stream and ends it with AsyncStream::Finish when it is done;
// the server counts the call as running until then.
using AsyncStreamHandler = std::function<void(const CallInfo&, std::shared_ptr<AsyncStream>)>;

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
  Headers headers;  // more response headers (ETag, Content-Encoding, ...)
};
using GetHandler = std::function<HttpResponse(const std::string& path, const Headers& headers)>;

class Server {
 public:
  explicit Server(ServerOptions options);
  ~Server();

  // Registration, before Start.
  void HandleUnary(std::string path, UnaryHandler handler, MessageTypes types = {});
  void HandleUnary(std::string path, UnaryMetadataHandler handler, MessageTypes types = {});
  void HandleServerStream(std::string path, StreamHandler handler, MessageTypes types = {});
  // With `async`, calls in the binary codec go to it and `handler` serves
  // only JSON.
  void HandleBidi(std::string path, StreamHandler handler, MessageTypes types = {},
                  AsyncStreamHandler async = nullptr);
  void HandleGet(std::string path, GetHandler handler);

  // Binds and serves. InvalidArgument for a bad address; Unavailable when
  // the port cannot be bound; InvalidArgument for unreadable TLS files.
  Status Start();
  // "host:port" actually bound.
  std::string address() const;
  int port() const;
  // Stops accepting, sends GOAWAY, closes idle HTTP/1.1 connections (the
  // others after their response), waits up to `grace_ms` for running calls,
  // then closes everything, and waits (up to 3 s more) for the handlers to
  // return and for every connection to be closed.
  void Stop(int64_t grace_ms = 5'000);

  size_t connection_count() const;
  size_t active_calls() const { return active_calls_.load(); }

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
  std::atomic<size_t> active_calls_{0};
};

}  // namespace brs::rpc
