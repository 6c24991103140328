// HTTP/1.1 request framing, without I/O: bytes in, requests (or the error
// response that refuses them) out, and responses formatted to bytes.
//
// A request is a request line, header lines and an empty line (the head,
// at most 64 KiB and 256 headers), then a body of exactly Content-Length
// bytes or chunked (Transfer-Encoding: chunked; chunk lines at most 1 KiB,
// the body at most `max_body`, trailers read and dropped). Other transfer
// encodings are refused (501), as are both framings at once (400) and
// versions other than HTTP/1.0 and HTTP/1.1 (505). HTTP/1.1 keeps the
// connection open unless "Connection: close"; HTTP/1.0 closes it unless
// "Connection: keep-alive".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "rpc/stream.h"

namespace brs::rpc::internal {

struct Http1Request {
  std::string method, path, version;
  Headers headers;  // names lowercase, values trimmed
  std::string body;
  bool keep_alive = true;
};

// An error response; the connection closes after it.
struct Http1ErrorReply {
  int status = 400;
  std::string content_type = "text/plain";
  std::string body;
};

class Http1RequestParser {
 public:
  static constexpr size_t kMaxHeadBytes = 64 << 10;
  static constexpr size_t kMaxHeaders = 256;

  explicit Http1RequestParser(size_t max_body) : max_body_(max_body) {}

  void Feed(std::string_view bytes) { buf_.append(bytes); }

  enum class Result { kNeedMore, kRequest, kError };
  // Takes the next request from the bytes fed so far. kError: the bytes are
  // not a request this server takes; `error` says how to answer; the
  // parser must not be used again.
  Result Next(Http1Request* request, Http1ErrorReply* error);

  // The head of the request being read is complete; its body is awaited.
  bool head_complete() const { return head_complete_; }
  // Bytes fed and not yet taken as part of a request.
  size_t buffered() const { return buf_.size(); }

 private:
  static constexpr size_t kMaxChunkLine = 1024;
  // Parses buf_[0, end) as a head into pending_ (false: `error` is set).
  bool ParseHead(size_t end, Http1ErrorReply* error);
  // Takes the chunks of a chunked body from buf_ into pending_.body.
  Result NextChunks(Http1ErrorReply* error);

  enum class ChunkState { kSize, kData, kDataEnd, kTrailers };

  const size_t max_body_;
  std::string buf_;
  bool head_complete_ = false;
  Http1Request pending_;
  size_t body_length_ = 0;
  bool chunked_ = false;
  ChunkState chunk_state_ = ChunkState::kSize;
  size_t chunk_left_ = 0;
  size_t trailer_lines_ = 0;
};

// "HTTP/1.1 <status> <reason>" with Content-Type and Content-Length (and
// "Connection: close" unless keep_alive; "Allow: POST" for a 405), then
// the `extra` headers that are safe to send (Http1HeaderSafe). A response
// to HEAD carries no body.
std::string FormatHttp1Response(int status, std::string_view content_type, std::string_view body,
                                bool keep_alive, bool head = false, const Headers& extra = {});

// A header name or value that cannot end the line or the head early (no
// CR, LF or NUL; a name is not empty and has no ':' or space).
bool Http1HeaderSafe(std::string_view name, std::string_view value);

}  // namespace brs::rpc::internal
