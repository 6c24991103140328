#include "rpc/http1.h"

#include <cstdio>

#include "rpc/envelope.h"
#include "rpc/json_stream.h"
#include "rpc/message_codec.h"

namespace brs::rpc::internal {
namespace {

// 405 and 415 carry no Connect error (as connect-go answers): a client
// takes its code from the HTTP status (unknown for both).
constexpr char kText[] = "text/plain; charset=utf-8";

// A server stream over HTTP/1.1: the request is one message; responses are
// envelopes in chunks; the end-of-stream envelope and the last chunk are
// the response's end (End).
class ChunkedStream final : public Stream {
 public:
  ChunkedStream(Http1ResponseWriter& out, std::string content_type, std::string request,
                Headers headers)
      : out_(out),
        content_type_(std::move(content_type)),
        request_(std::move(request)),
        headers_(std::move(headers)) {}
  // After the request message: kEnd while the peer is there, Canceled once
  // it has gone (so that a handler waiting for changes notices).
  StatusOr<ReadResult> Read(std::string* m, int64_t) override {
    if (!read_) {
      read_ = true;
      *m = request_;
      return ReadResult::kMessage;
    }
    if (out_.peer_gone()) return Status(Code::kCanceled, "client went away");
    return ReadResult::kEnd;
  }
  void Wake() override {}
  Status Write(std::string_view message) override {
    if (broken_ || finished_) return Unavailable("client went away");
    std::string env;
    BRS_RETURN_IF_ERROR(AppendEnvelope(0, message, &env));
    if (!out_.Write(Head() + Chunk(env))) {
      broken_ = true;
      return Unavailable("client went away");
    }
    return Status();
  }
  void Finish(const Status& status) override {
    if (!finished_) status_ = status;
    finished_ = true;
  }
  size_t Backlog() const override { return 0; }
  Headers headers() const override { return headers_; }
  void AddResponseHeader(std::string n, std::string v) override {
    if (!started_) extra_.emplace_back(std::move(n), std::move(v));
  }
  void AddResponseTrailer(std::string n, std::string v) override {
    if (!finished_) trailers_.emplace_back(std::move(n), std::move(v));
  }
  Headers trailers() const override { return {}; }
  std::string peer_address() const override { return "http1"; }

  // The end-of-stream envelope with the final status, and the last chunk.
  Http1ResponseEnd End(bool keep_alive) {
    if (broken_) return {"", false};
    std::string env;
    (void)AppendEnvelope(kFlagEndStream, ConnectEndStreamJson(status_, trailers_), &env);
    std::string head = Head();
    return {head + Chunk(env) + "0\r\n\r\n", keep_alive};
  }

 private:
  // The response head, the first time.
  std::string Head() {
    if (started_) return "";
    started_ = true;
    std::string h =
        "HTTP/1.1 200 OK\r\nContent-Type: " + content_type_ + "\r\nTransfer-Encoding: chunked\r\n";
    for (const auto& [k, v] : extra_) {
      if (Http1HeaderSafe(k, v)) h += k + ": " + v + "\r\n";
    }
    return h + "\r\n";
  }
  static std::string Chunk(const std::string& data) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", data.size());
    return std::string(size) + data + "\r\n";
  }
  Http1ResponseWriter& out_;
  std::string content_type_;
  std::string request_;
  Headers headers_;
  Headers extra_;
  Headers trailers_;
  Status status_;
  bool read_ = false, started_ = false, finished_ = false, broken_ = false;
};

// The one request message of a Connect server stream sent over HTTP/1.1:
// its body is exactly one envelope, compressed under its
// Connect-Content-Encoding. Another count is unimplemented, as connect-go
// and grpc-go answer a unary-request call with no or several messages.
StatusOr<std::string> OneRequestMessage(const Http1Request& r, size_t max_message) {
  const std::string* enc_s = FindHeader(r.headers, "connect-content-encoding");
  BRS_ASSIGN_OR_RETURN(Encoding enc, ParseEncoding(enc_s ? *enc_s : ""));
  EnvelopeDecoder dec(max_message);
  if (Status st = dec.Feed(r.body); !st.ok()) return FramingError(st);
  auto env = dec.Next();
  if (!dec.status().ok()) return FramingError(dec.status());
  if (!env) {
    if (Status st = dec.Finish(); !st.ok()) return st;
    return Status(Code::kUnimplemented, "server stream without a request message");
  }
  if (dec.buffered() > 0) {
    return Status(Code::kUnimplemented, "server stream with more than one request message");
  }
  if (env->flags & kFlagEndStream) return InvalidArgument("end-stream flag in a request");
  return DecodeMessage(*env, enc, max_message);
}

Http1ResponseEnd Reply(const Http1Request& r, int status, const std::string& ctype,
                       const std::string& body, bool head = false, const Headers& extra = {}) {
  return {FormatHttp1Response(status, ctype, body, r.keep_alive, head, extra), r.keep_alive};
}

Http1ResponseEnd ServeGet(const Http1Request& r, const std::string& path, const Http1Handlers& h) {
  const bool head = r.method == "HEAD";
  if (auto resp = h.get(path, r.headers)) {
    return Reply(r, resp->status, resp->content_type, resp->body, head, resp->headers);
  }
  if (h.is_rpc_path(path)) {
    return Reply(r, 405, kText, "use POST for RPC calls\n", head);
  }
  return Reply(r, 404, "text/plain; charset=utf-8", "not found\n");
}

Http1ResponseEnd ServeUnary(Http1Request& r, const std::string& path, const ContentType& ct,
                            const Http1Handlers& h) {
  ResponseMetadata meta;
  auto result = h.unary(path, r.headers, ct.codec, std::move(r.body), &meta);
  if (!result) {
    return Reply(r, 415, kText, "not a unary procedure\n");
  }
  Headers extra = std::move(meta.headers);
  for (auto& [name, value] : meta.trailers) extra.emplace_back("trailer-" + name, std::move(value));
  if (result->ok()) return Reply(r, 200, ContentTypeString(ct), **result, false, extra);
  return Reply(r, HttpStatusForCode(result->status().code()), "application/json",
               ConnectErrorJson(result->status()), false, extra);
}

// A Connect server stream: a 200 with chunks; every error of the call,
// the request's included, is its end-of-stream message.
Http1ResponseEnd ServeServerStream(const Http1Request& r, const std::string& path,
                                   const ContentType& ct, const Route& route,
                                   const Http1Handlers& h, Http1ResponseWriter& out) {
  auto request = OneRequestMessage(r, h.max_message);
  ChunkedStream stream(out, ContentTypeString(ct), request.ok() ? std::move(*request) : "",
                       r.headers);
  if (!request.ok()) {
    stream.Finish(request.status());
    return stream.End(r.keep_alive);
  }
  CallInfo info;
  info.path = path;
  info.headers = r.headers;
  info.peer = "http1";
  info.protocol = Protocol::kConnectStream;
  info.deadline_ms = RequestDeadlineMs(r.headers, SteadyNowMs());
  if (ct.codec == Codec::kJson) {
    JsonStream js(stream, route.types.request, route.types.response);
    stream.Finish(route.stream(info, js));
  } else {
    stream.Finish(route.stream(info, stream));
  }
  return stream.End(r.keep_alive);
}

}  // namespace

Http1ResponseEnd ServeHttp1Request(Http1Request r, const Http1Handlers& h,
                                   Http1ResponseWriter& out) {
  const std::string path = r.path.substr(0, r.path.find('?'));
  if (r.method == "GET" || r.method == "HEAD") return ServeGet(r, path, h);
  if (r.method != "POST") return Reply(r, 405, "text/plain", "method not allowed\n");
  const std::string* ct_s = FindHeader(r.headers, "content-type");
  auto ct = ct_s ? ParseContentType(*ct_s) : std::nullopt;
  if (!h.is_rpc_path(path)) {
    return Reply(r, 404, "application/json",
                 ConnectErrorJson(Status(Code::kUnimplemented, "unknown procedure " + path)));
  }
  if (ct && ct->protocol == Protocol::kConnectUnary) return ServeUnary(r, path, *ct, h);
  if (ct && ct->protocol == Protocol::kConnectStream) {
    const Route* route = h.server_stream(path);
    if (route != nullptr && (ct->codec == Codec::kProto || route->types.request != nullptr)) {
      return ServeServerStream(r, path, *ct, *route, h, out);
    }
    if (route == nullptr) {  // a client or bidi stream
      return Reply(r, 505, "application/json",
                   ConnectErrorJson(Status(Code::kUnimplemented, "this call needs HTTP/2")));
    }
  }
  return Reply(r, 415, kText, "unsupported content-type " + (ct_s ? *ct_s : "") + "\n");
}

}  // namespace brs::rpc::internal
