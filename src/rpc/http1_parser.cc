#include "rpc/http1_parser.h"

#include <algorithm>
#include <cctype>

#include "rpc/protocol.h"

namespace brs::rpc::internal {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return std::string(s);
}

const char* Reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    case 501:
      return "Not Implemented";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Status";
  }
}

Http1ErrorReply Error(int status, std::string body, std::string ctype = "text/plain") {
  return Http1ErrorReply{status, std::move(ctype), std::move(body)};
}

}  // namespace

bool Http1RequestParser::ParseHead(size_t end, Http1ErrorReply* error) {
  Http1Request& r = pending_;
  const std::string head = buf_.substr(0, end);
  const size_t line_end = head.find("\r\n");
  const std::string line = head.substr(0, line_end);
  const size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
  if (sp1 == std::string::npos || sp2 == sp1) {
    *error = Error(400, "bad request line\n");
    return false;
  }
  r.method = line.substr(0, sp1);
  r.path = line.substr(sp1 + 1, sp2 - sp1 - 1);
  r.version = line.substr(sp2 + 1);
  if (r.version != "HTTP/1.1" && r.version != "HTTP/1.0") {
    *error = Error(505, "HTTP/1.0 or HTTP/1.1 only\n");
    return false;
  }
  r.keep_alive = r.version == "HTTP/1.1";
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    const std::string h = head.substr(pos, e - pos);
    pos = e + 2;
    const size_t colon = h.find(':');
    if (colon == std::string::npos) continue;
    r.headers.emplace_back(Lower(h.substr(0, colon)), Trim(h.substr(colon + 1)));
    if (r.headers.size() > kMaxHeaders) {
      *error = Error(431, "too many headers\n");
      return false;
    }
  }
  if (const std::string* c = FindHeader(r.headers, "connection")) {
    const std::string v = Lower(*c);
    if (v == "close") r.keep_alive = false;
    if (v == "keep-alive") r.keep_alive = true;
  }
  chunked_ = false;
  if (const std::string* te = FindHeader(r.headers, "transfer-encoding")) {
    if (Lower(*te) != "chunked") {
      *error = Error(501, "transfer-encoding other than chunked\n");
      return false;
    }
    if (FindHeader(r.headers, "content-length")) {  // which one frames it is ambiguous
      *error = Error(400, "both transfer-encoding and content-length\n");
      return false;
    }
    chunked_ = true;
    chunk_left_ = 0;
    trailer_lines_ = 0;
    chunk_state_ = ChunkState::kSize;
    pending_.body.clear();
    return true;
  }
  size_t length = 0;
  if (const std::string* cl = FindHeader(r.headers, "content-length")) {
    for (char ch : *cl) {
      if (ch < '0' || ch > '9' || length > max_body_) {
        *error = Error(400, "bad content-length\n");
        return false;
      }
      length = length * 10 + static_cast<size_t>(ch - '0');
    }
  }
  if (length > max_body_) {
    *error = Error(413, ConnectErrorJson(ResourceExhausted("request body larger than the limit")),
                   "application/json");
    return false;
  }
  body_length_ = length;
  return true;
}

Http1RequestParser::Result Http1RequestParser::Next(Http1Request* request, Http1ErrorReply* error) {
  if (!head_complete_) {
    const size_t end = buf_.find("\r\n\r\n");
    if (end == std::string::npos || end > kMaxHeadBytes) {
      if (buf_.size() <= kMaxHeadBytes) return Result::kNeedMore;
      *error = Error(431, "header too large\n");
      return Result::kError;
    }
    pending_ = Http1Request();
    if (!ParseHead(end, error)) return Result::kError;
    buf_.erase(0, end + 4);
    head_complete_ = true;
  }
  if (chunked_) {
    const Result r = NextChunks(error);
    if (r != Result::kRequest) return r;
  } else {
    if (buf_.size() < body_length_) return Result::kNeedMore;
    pending_.body = buf_.substr(0, body_length_);
    buf_.erase(0, body_length_);
  }
  head_complete_ = false;
  body_length_ = 0;
  *request = std::move(pending_);
  return Result::kRequest;
}

Http1RequestParser::Result Http1RequestParser::NextChunks(Http1ErrorReply* error) {
  size_t pos = 0;  // bytes of buf_ taken; erased on the way out
  auto done = [&](Result r) {
    buf_.erase(0, pos);
    return r;
  };
  for (;;) {
    if (chunk_state_ == ChunkState::kData) {
      const size_t n = std::min(chunk_left_, buf_.size() - pos);
      pending_.body.append(buf_, pos, n);
      pos += n;
      chunk_left_ -= n;
      if (chunk_left_ > 0) return done(Result::kNeedMore);
      chunk_state_ = ChunkState::kDataEnd;
    }
    const size_t eol = buf_.find("\r\n", pos);
    if (eol == std::string::npos) {
      if (buf_.size() - pos > kMaxChunkLine) {
        *error = Error(400, "chunk line too long\n");
        return Result::kError;
      }
      return done(Result::kNeedMore);
    }
    const std::string_view line(buf_.data() + pos, eol - pos);
    if (line.size() > kMaxChunkLine) {
      *error = Error(400, "chunk line too long\n");
      return Result::kError;
    }
    pos = eol + 2;
    switch (chunk_state_) {
      case ChunkState::kDataEnd:
        if (!line.empty()) {
          *error = Error(400, "chunk data longer than its size\n");
          return Result::kError;
        }
        chunk_state_ = ChunkState::kSize;
        break;
      case ChunkState::kSize: {
        size_t size = 0, digits = 0;
        for (char c : line) {
          const int v = c >= '0' && c <= '9'   ? c - '0'
                        : c >= 'a' && c <= 'f' ? c - 'a' + 10
                        : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                               : -1;
          if (v < 0) break;
          if (size <= max_body_) size = size * 16 + static_cast<size_t>(v);
          ++digits;
        }
        // Only an extension (";…") or whitespace may follow the size.
        const char next = digits < line.size() ? line[digits] : ';';
        if (digits == 0 || (next != ';' && next != ' ' && next != '\t')) {
          *error = Error(400, "bad chunk size\n");
          return Result::kError;
        }
        if (size > max_body_ || pending_.body.size() + size > max_body_) {
          *error =
              Error(413, ConnectErrorJson(ResourceExhausted("request body larger than the limit")),
                    "application/json");
          return Result::kError;
        }
        chunk_left_ = size;
        chunk_state_ = size == 0 ? ChunkState::kTrailers : ChunkState::kData;
        break;
      }
      case ChunkState::kTrailers:
        if (line.empty()) return done(Result::kRequest);  // trailers are read and dropped
        if (++trailer_lines_ > kMaxHeaders) {
          *error = Error(431, "too many trailers\n");
          return Result::kError;
        }
        break;
      case ChunkState::kData:
        break;  // handled above
    }
  }
}

bool Http1HeaderSafe(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    if (c == '\r' || c == '\n' || c == '\0' || c == ':' || c == ' ' || c == '\t') return false;
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

std::string FormatHttp1Response(int status, std::string_view content_type, std::string_view body,
                                bool keep_alive, bool head, const Headers& extra) {
  std::string out = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) + "\r\n";
  out += "Content-Type: ";
  out += content_type;
  out += "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  if (status == 405) out += "Allow: POST\r\n";  // every 405 here is an RPC path or method
  if (!keep_alive) out += "Connection: close\r\n";
  for (const auto& [name, value] : extra) {
    if (!Http1HeaderSafe(name, value)) continue;
    out += name + ": " + value + "\r\n";
  }
  out += "\r\n";
  if (!head) out += body;
  return out;
}

}  // namespace brs::rpc::internal
