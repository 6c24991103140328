// HTTP/1.1 requests on the RPC port (Backrest serves its API on HTTP/1.1
// too): GET routes, Connect unary calls and Connect server streams
// (chunked; proto or JSON), each with its Connect-Timeout-Ms deadline.
// Bidi streams need HTTP/2 and are refused (505).
//
// This file answers one parsed request on a thread that may block (the
// handlers do); reading requests, deadlines and the connection's limits
// are Http1Connection's (http1_connection.h).
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "rpc/http1_parser.h"
#include "rpc/protocol.h"
#include "rpc/router.h"
#include "rpc/server.h"

namespace brs::rpc::internal {

struct Http1Handlers {
  std::function<std::optional<HttpResponse>(const std::string&, const Headers&)> get;
  // nullopt: no unary route at this path. The handler's headers and
  // trailers go in *meta.
  std::function<std::optional<StatusOr<std::string>>(const std::string&, const Headers&, Codec,
                                                     std::string, ResponseMetadata*)>
      unary;
  // The server-streaming route at this path, or nullptr.
  std::function<const Route*(const std::string&)> server_stream;
  std::function<bool(const std::string&)> is_rpc_path;
  size_t max_message = size_t{16} << 20;
};

// Where the beginning of a long response (a chunked stream) goes.
class Http1ResponseWriter {
 public:
  virtual ~Http1ResponseWriter() = default;
  // Blocks until `bytes` are written; false when the connection is gone.
  virtual bool Write(std::string bytes) = 0;
  // The peer has gone (closed its side) or the connection was closed.
  virtual bool peer_gone() const = 0;
};

// The last bytes of a response, and whether the connection serves another
// request after them.
struct Http1ResponseEnd {
  std::string bytes;
  bool keep_alive = false;
};

// Answers `request` (blocking while its handler runs). A server stream
// writes its head and messages through `out`; everything else is in the
// returned end.
Http1ResponseEnd ServeHttp1Request(Http1Request request, const Http1Handlers& handlers,
                                   Http1ResponseWriter& out);

}  // namespace brs::rpc::internal
