// The RPC client: dials http:// (HTTP/2 with prior knowledge) or https://
// (TLS 1.2+, ALPN h2, the system's CAs or a given CA file, host name
// verification), Connect by default or gRPC, and keeps one connection per
// client, redialled when it breaks.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "rpc/protocol.h"
#include "rpc/stream.h"

namespace brs::rpc {

// An io thread several Clients share (a daemon dialing many known hosts
// needs one, not one per host). It runs while a Client or stream using it
// lives.
class ClientIo {
 public:
  static std::shared_ptr<ClientIo> Create();
  ~ClientIo();
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  ClientIo();
  std::unique_ptr<Impl> impl_;
};

struct ClientOptions {
  std::string base_url;  // http://host:port or https://host:port (a path prefix is allowed)
  bool grpc = false;     // gRPC instead of Connect
  bool send_gzip = false;
  std::string ca_file;  // https: trust this PEM bundle instead of the system CAs
  // https: trust exactly the certificate(s) in this PEM file, whoever issued
  // them and whatever name they carry (pinning: for a daemon's own admin
  // link, found through its data directory). Overrides ca_file.
  std::string pinned_cert_file;
  int64_t connect_timeout_ms = 10'000;
  // The largest message received (decompressed); larger ones are refused
  // (resource_exhausted). Messages sent are not bounded by it.
  size_t max_message_size = size_t{16} << 20;
  std::string user_agent = "backrest-sync";
  // The io thread to run on; null: the client starts its own.
  std::shared_ptr<ClientIo> io;
};

enum class CallKind { kUnary, kServerStream, kBidi };

class Client {
 public:
  // InvalidArgument for a URL that is not http(s)://host[:port][/prefix].
  static StatusOr<std::unique_ptr<Client>> Create(ClientOptions options);
  ~Client();

  // Opens a stream to `path` ("/pkg.Service/Method"). Dials when needed:
  // Unavailable with a clear message when the peer is unreachable, refuses
  // TLS or does not speak HTTP/2. `timeout_ms` > 0 sets the call deadline
  // (sent to the server too).
  StatusOr<std::unique_ptr<Stream>> Open(std::string_view path, CallKind kind,
                                         const Headers& extra = {}, int64_t timeout_ms = 0);
  // The same call as an AsyncStream (no thread waits on it): for callers
  // driven by an event loop. It keeps the connection alive while it lives.
  StatusOr<std::shared_ptr<AsyncStream>> OpenAsync(std::string_view path, CallKind kind,
                                                   const Headers& extra = {},
                                                   int64_t timeout_ms = 0);
  // A unary call: request and response are serialized messages.
  StatusOr<std::string> Unary(std::string_view path, std::string_view request,
                              const Headers& extra = {}, int64_t timeout_ms = 0,
                              Headers* response_headers = nullptr);

  const ClientOptions& options() const { return options_; }
  struct Impl;

 private:
  explicit Client(ClientOptions options);
  struct Opened;
  StatusOr<Opened> OpenCore(std::string_view path, CallKind kind, const Headers& extra,
                            int64_t timeout_ms);
  ClientOptions options_;
  // Shared with the streams it opened: its io thread runs until the
  // client and every stream it opened are gone.
  std::shared_ptr<Impl> impl_;
};

}  // namespace brs::rpc
