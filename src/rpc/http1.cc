#include "rpc/http1.h"

#include <cctype>

#include "rpc/envelope.h"
#include "rpc/gzip.h"
#include "rpc/json_stream.h"

namespace brs::rpc::internal {
namespace {

constexpr size_t kMaxHeaderBytes = 64 << 10;

struct Request {
  std::string method, path, version;
  Headers headers;
  std::string body;
  bool keep_alive = true;
};

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
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 411:
      return "Length Required";
    case 413:
      return "Payload Too Large";
    case 415:
      return "Unsupported Media Type";
    case 431:
      return "Request Header Fields Too Large";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Status";
  }
}

class Conn {
 public:
  Conn(Http1Socket& s, std::string already) : s_(s), buf_(std::move(already)) {}

  // false: closed or malformed (an error response was sent when possible).
  bool ReadRequest(Request* r, size_t max_body) {
    size_t end;
    while ((end = buf_.find("\r\n\r\n")) == std::string::npos) {
      if (buf_.size() > kMaxHeaderBytes) {
        Send(431, "text/plain", "header too large\n", false);
        return false;
      }
      if (!Fill()) return false;
    }
    std::string head = buf_.substr(0, end);
    buf_.erase(0, end + 4);
    size_t line_end = head.find("\r\n");
    std::string line = head.substr(0, line_end);
    size_t sp1 = line.find(' '), sp2 = line.rfind(' ');
    if (sp1 == std::string::npos || sp2 == sp1) {
      Send(400, "text/plain", "bad request line\n", false);
      return false;
    }
    r->method = line.substr(0, sp1);
    r->path = line.substr(sp1 + 1, sp2 - sp1 - 1);
    r->version = line.substr(sp2 + 1);
    if (r->version != "HTTP/1.1" && r->version != "HTTP/1.0") {
      Send(505, "text/plain", "HTTP/1.0 or HTTP/1.1 only\n", false);
      return false;
    }
    r->keep_alive = r->version == "HTTP/1.1";
    size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
    while (pos < head.size()) {
      size_t e = head.find("\r\n", pos);
      if (e == std::string::npos) e = head.size();
      std::string h = head.substr(pos, e - pos);
      pos = e + 2;
      size_t colon = h.find(':');
      if (colon == std::string::npos) continue;
      r->headers.emplace_back(Lower(h.substr(0, colon)), Trim(h.substr(colon + 1)));
      if (r->headers.size() > 256) {
        Send(431, "text/plain", "too many headers\n", false);
        return false;
      }
    }
    if (const std::string* c = FindHeader(r->headers, "connection")) {
      const std::string v = Lower(*c);
      if (v == "close") r->keep_alive = false;
      if (v == "keep-alive") r->keep_alive = true;
    }
    if (FindHeader(r->headers, "transfer-encoding")) {
      Send(411, "text/plain", "chunked request bodies are not supported; send Content-Length\n",
           false);
      return false;
    }
    size_t length = 0;
    if (const std::string* cl = FindHeader(r->headers, "content-length")) {
      for (char ch : *cl) {
        if (ch < '0' || ch > '9' || length > max_body) {
          Send(400, "text/plain", "bad content-length\n", false);
          return false;
        }
        length = length * 10 + static_cast<size_t>(ch - '0');
      }
    }
    if (length > max_body) {
      Send(413, "application/json",
           ConnectErrorJson(ResourceExhausted("request body larger than the limit")), false);
      return false;
    }
    while (buf_.size() < length) {
      if (!Fill()) return false;
    }
    r->body = buf_.substr(0, length);
    buf_.erase(0, length);
    return true;
  }

  bool Send(int status, const std::string& ctype, const std::string& body, bool keep_alive,
            bool head = false) {
    std::string out = "HTTP/1.1 " + std::to_string(status) + " " + Reason(status) + "\r\n";
    out += "Content-Type: " + ctype + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
    if (status == 405) out += "Allow: POST\r\n";  // every 405 here is an RPC path or method
    if (!keep_alive) out += "Connection: close\r\n";
    out += "\r\n";
    if (!head) out += body;
    return WriteRaw(out);
  }

  bool WriteRaw(std::string_view data) {
    asio::error_code ec;
    s_.WriteAll(data, ec);
    return !ec;
  }

 private:
  bool Fill() {
    char tmp[8192];
    asio::error_code ec;
    size_t n = s_.ReadSome(tmp, sizeof tmp, ec);
    if (ec || n == 0) return false;
    buf_.append(tmp, n);
    return true;
  }
  Http1Socket& s_;
  std::string buf_;
};

// A server stream over HTTP/1.1: the request is one message; responses are
// envelopes in chunks; Finish writes the end-of-stream envelope.
class ChunkedStream final : public Stream {
 public:
  ChunkedStream(Conn& c, std::string request, Headers headers)
      : c_(c), request_(std::move(request)), headers_(std::move(headers)) {}
  StatusOr<ReadResult> Read(std::string* m, int64_t) override {
    if (read_) return ReadResult::kEnd;
    read_ = true;
    *m = request_;
    return ReadResult::kMessage;
  }
  void Wake() override {}
  Status Write(std::string_view message) override {
    if (broken_) return Unavailable("client went away");
    std::string env;
    BRS_RETURN_IF_ERROR(AppendEnvelope(0, message, &env));
    return Chunk(env);
  }
  void Finish(const Status& status) override {
    if (finished_) return;
    finished_ = true;
    std::string env;
    (void)AppendEnvelope(kFlagEndStream, ConnectEndStreamJson(status), &env);
    (void)Chunk(env);
    if (!broken_) c_.WriteRaw("0\r\n\r\n");
  }
  size_t Backlog() const override { return 0; }
  Headers headers() const override { return headers_; }
  void AddResponseHeader(std::string n, std::string v) override {
    if (!started_) extra_.emplace_back(std::move(n), std::move(v));
  }
  std::string peer_address() const override { return "http1"; }
  void set_content_type(std::string ct) { ctype_ = std::move(ct); }

 private:
  Status Chunk(const std::string& data) {
    if (!started_) {
      started_ = true;
      std::string h =
          "HTTP/1.1 200 OK\r\nContent-Type: " + ctype_ + "\r\nTransfer-Encoding: chunked\r\n";
      for (const auto& [k, v] : extra_) h += k + ": " + v + "\r\n";
      h += "\r\n";
      if (!c_.WriteRaw(h)) broken_ = true;
    }
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    if (broken_ || !c_.WriteRaw(std::string(size) + data + "\r\n")) {
      broken_ = true;
      return Unavailable("client went away");
    }
    return Status();
  }
  Conn& c_;
  std::string request_;
  Headers headers_;
  Headers extra_;
  std::string ctype_ = "application/connect+proto";
  bool read_ = false, started_ = false, finished_ = false, broken_ = false;
};

// Inflates a compressed request envelope of a Connect stream call sent
// over HTTP/1.1 (connect-content-encoding: gzip).
Status Inflate(const Headers& headers, const Http1Handlers& h, Envelope* env) {
  const std::string* enc = FindHeader(headers, "connect-content-encoding");
  if (!enc || *enc != "gzip") {
    return Internal("protocol error: compressed message without a negotiated encoding");
  }
  auto plain = GzipDecompress(env->payload, h.max_message);
  if (!plain.ok()) return InvalidArgument("request message: " + plain.status().message());
  env->payload = std::move(*plain);
  env->flags &= static_cast<uint8_t>(~kFlagCompressed);
  return Status();
}

}  // namespace

void ServeHttp1Connection(Http1Socket& socket, std::string already, const Http1Handlers& h) {
  Conn c(socket, std::move(already));
  for (;;) {
    Request r;
    if (!c.ReadRequest(&r, h.max_message)) break;
    const std::string path = r.path.substr(0, r.path.find('?'));
    bool ok = true;
    if (r.method == "GET" || r.method == "HEAD") {
      auto resp = h.get(path, r.headers);
      if (resp) {
        ok = c.Send(resp->status, resp->content_type, resp->body, r.keep_alive, r.method == "HEAD");
      } else if (h.is_rpc_path(path)) {
        ok = c.Send(405, "application/json",
                    ConnectErrorJson(Status(Code::kUnimplemented, "use POST for RPC calls")),
                    r.keep_alive, r.method == "HEAD");
      } else {
        ok = c.Send(404, "text/plain; charset=utf-8", "not found\n", r.keep_alive);
      }
    } else if (r.method != "POST") {
      ok = c.Send(405, "text/plain", "method not allowed\n", r.keep_alive);
    } else {
      const std::string* ct_s = FindHeader(r.headers, "content-type");
      auto ct = ct_s ? ParseContentType(*ct_s) : std::nullopt;
      if (!h.is_rpc_path(path)) {
        ok = c.Send(404, "application/json",
                    ConnectErrorJson(Status(Code::kUnimplemented, "unknown procedure " + path)),
                    r.keep_alive);
      } else if (ct && ct->protocol == Protocol::kConnectUnary) {
        auto result = h.unary(path, r.headers, ct->codec, std::move(r.body));
        if (!result) {
          ok = c.Send(415, "application/json",
                      ConnectErrorJson(Status(Code::kUnimplemented, "not a unary procedure")),
                      r.keep_alive);
        } else if (result->ok()) {
          ok = c.Send(200, ContentTypeString(*ct), **result, r.keep_alive);
        } else {
          ok = c.Send(HttpStatusForCode(result->status().code()), "application/json",
                      ConnectErrorJson(result->status()), r.keep_alive);
        }
      } else if (ct && ct->protocol == Protocol::kConnectStream && ct->codec == Codec::kProto &&
                 h.server_stream(path) != nullptr) {
        EnvelopeDecoder dec(h.max_message + kEnvelopeHeaderSize);
        Status st = dec.Feed(r.body);
        auto env = st.ok() ? dec.Next() : std::nullopt;
        Status payload_status;
        if (env && (env->flags & kFlagCompressed)) payload_status = Inflate(r.headers, h, &*env);
        if (!env || !payload_status.ok()) {
          Status error =
              env ? payload_status : InvalidArgument("expected exactly one request message");
          ok = c.Send(HttpStatusForCode(error.code()), "application/json", ConnectErrorJson(error),
                      r.keep_alive);
        } else {
          ChunkedStream stream(c, env->payload, r.headers);
          CallInfo info;
          info.path = path;
          info.headers = r.headers;
          info.peer = "http1";
          info.protocol = Protocol::kConnectStream;
          Status result = (*h.server_stream(path))(info, stream);
          stream.Finish(result);
        }
      } else {
        ok =
            c.Send(505, "application/json",
                   ConnectErrorJson(Status(Code::kUnimplemented,
                                           "this call needs HTTP/2 (or a supported content-type)")),
                   r.keep_alive);
      }
    }
    if (!ok || !r.keep_alive) break;
  }
  socket.Close();
}

}  // namespace brs::rpc::internal
