// The Connect and gRPC call rules without sockets: what a server sends for
// each status, and what a client of the same protocol makes of it, for
// every code, Connect unary, Connect streams and gRPC (unary and streaming
// calls end alike there: trailers after the messages).
#include "rpc/call_semantics.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "rpc/gzip.h"

namespace brs::rpc::internal {
namespace {

constexpr Code kErrorCodes[] = {
    Code::kCanceled,         Code::kUnknown,           Code::kInvalidArgument,
    Code::kDeadlineExceeded, Code::kNotFound,          Code::kAlreadyExists,
    Code::kPermissionDenied, Code::kResourceExhausted, Code::kFailedPrecondition,
    Code::kAborted,          Code::kOutOfRange,        Code::kUnimplemented,
    Code::kInternal,         Code::kUnavailable,       Code::kDataLoss,
    Code::kUnauthenticated};

CallConfig Config(Protocol p, Codec codec = Codec::kProto) {
  CallConfig c;
  c.content_type = {p, codec};
  return c;
}

int HttpStatusOf(const Headers& h) { return std::stoi(*FindHeader(h, ":status")); }

// A server ends a call with `sent` (before any message); what a client of
// the same protocol makes of the response.
Status ClientSees(Protocol p, const Status& sent) {
  const CallConfig cfg = Config(p);
  const ServerEnd end = ServerEndOfCall(p, sent, /*forced=*/false, /*started=*/false);
  ResponseHead head;
  head.config = &cfg;
  head.finished = &sent;
  const Headers h = ServerResponseHeaders(head);
  const int http = HttpStatusOf(h);
  const ResponseHeadResult r = CheckResponseHeaders(cfg, http, h, /*end_stream=*/false);
  if (r.kind != ResponseHeadResult::Kind::kContinue) return r.status;
  if (p == Protocol::kConnectUnary) {
    std::string body = end.bytes;
    return ConnectUnaryResponseEnd(http, h, Encoding::kIdentity, kDefaultMaxMessageSize, &body);
  }
  if (p == Protocol::kConnectStream) {
    EnvelopeDecoder d;
    EXPECT_TRUE(d.Feed(end.bytes).ok());
    auto e = d.Next();
    if (!e) return Internal("no end-of-stream envelope");
    auto kind = ClassifyEnvelope(e->flags, p, Role::kClient);
    EXPECT_TRUE(kind.ok() && *kind == EnvelopeKind::kEndStream);
    return ParseConnectEndStreamJson(e->payload);
  }
  EXPECT_TRUE(end.bytes.empty()) << "gRPC: the status is in the trailers only";
  return StreamResponseEnd(p, http, h, GrpcTrailers(sent), /*end_envelope_seen=*/false);
}

TEST(CallSemantics, EveryCodeRoundTripsInEveryProtocol) {
  for (Protocol p : {Protocol::kConnectUnary, Protocol::kConnectStream, Protocol::kGrpc}) {
    for (Code code : kErrorCodes) {
      for (std::string msg : {std::string("requested"), std::string(),
                              std::string("a \"quoted\" 100% \xc3\xbcnicode\nline")}) {
        const Status got = ClientSees(p, Status(code, msg));
        EXPECT_EQ(got.code(), code) << static_cast<int>(p) << " " << CodeName(code);
        EXPECT_EQ(got.message(), msg) << static_cast<int>(p) << " " << CodeName(code);
      }
    }
    EXPECT_TRUE(ClientSees(p, Status()).ok()) << static_cast<int>(p);
  }
}

TEST(CallSemantics, ConnectUnaryErrorIsAnHttpStatusWithJson) {
  const std::pair<Code, int> table[] = {
      {Code::kCanceled, 499},           {Code::kUnknown, 500},
      {Code::kInvalidArgument, 400},    {Code::kDeadlineExceeded, 504},
      {Code::kNotFound, 404},           {Code::kAlreadyExists, 409},
      {Code::kPermissionDenied, 403},   {Code::kResourceExhausted, 429},
      {Code::kFailedPrecondition, 400}, {Code::kAborted, 409},
      {Code::kOutOfRange, 400},         {Code::kUnimplemented, 501},
      {Code::kInternal, 500},           {Code::kUnavailable, 503},
      {Code::kDataLoss, 500},           {Code::kUnauthenticated, 401}};
  const CallConfig cfg = Config(Protocol::kConnectUnary);
  for (const auto& [code, http] : table) {
    const Status st(code, "no");
    ResponseHead head;
    head.config = &cfg;
    head.finished = &st;
    const Headers h = ServerResponseHeaders(head);
    EXPECT_EQ(HttpStatusOf(h), http) << CodeName(code);
    EXPECT_EQ(*FindHeader(h, "content-type"), "application/json");
    const ServerEnd end = ServerEndOfCall(Protocol::kConnectUnary, st, false, false);
    EXPECT_EQ(end.kind, ServerEnd::Kind::kReplace);
    EXPECT_EQ(end.bytes, "{\"code\":\"" + std::string(CodeName(code)) + "\",\"message\":\"no\"}");
  }
}

TEST(CallSemantics, ServerEndOfCall) {
  const Status err(Code::kInternal, "boom");
  // Connect unary: an error after the response started can only reset.
  EXPECT_EQ(ServerEndOfCall(Protocol::kConnectUnary, err, false, true).kind,
            ServerEnd::Kind::kReset);
  // A forced response (404, GET) keeps its body.
  const ServerEnd forced = ServerEndOfCall(Protocol::kConnectUnary, err, true, false);
  EXPECT_EQ(forced.kind, ServerEnd::Kind::kAppend);
  EXPECT_TRUE(forced.bytes.empty());
  EXPECT_EQ(ServerEndOfCall(Protocol::kConnectUnary, Status(), false, true).kind,
            ServerEnd::Kind::kAppend);
  // Connect streams: an end-of-stream envelope after the messages, even late.
  const ServerEnd stream_ok = ServerEndOfCall(Protocol::kConnectStream, Status(), false, true);
  EXPECT_EQ(stream_ok.kind, ServerEnd::Kind::kAppend);
  EXPECT_EQ(stream_ok.bytes, std::string("\x02\x00\x00\x00\x02{}", 7));
  EXPECT_EQ(ServerEndOfCall(Protocol::kConnectStream, err, false, true).kind,
            ServerEnd::Kind::kAppend);
  // gRPC: nothing in the body; the trailers say it.
  const ServerEnd grpc = ServerEndOfCall(Protocol::kGrpc, err, false, true);
  EXPECT_EQ(grpc.kind, ServerEnd::Kind::kAppend);
  EXPECT_TRUE(grpc.bytes.empty());
}

TEST(CallSemantics, ResponseHeaders) {
  CallConfig stream = Config(Protocol::kConnectStream, Codec::kJson);
  ResponseHead head;
  head.config = &stream;
  EXPECT_EQ(ServerResponseHeaders(head), (Headers{{":status", "200"},
                                                  {"content-type", "application/connect+json"},
                                                  {"connect-accept-encoding", "gzip"}}));
  CallConfig grpc = Config(Protocol::kGrpc);
  grpc.send_encoding = Encoding::kGzip;
  const Headers extra = {{"x-extra", "1"}};
  head.config = &grpc;
  head.extra = &extra;
  EXPECT_EQ(ServerResponseHeaders(head), (Headers{{":status", "200"},
                                                  {"content-type", "application/grpc+proto"},
                                                  {"grpc-encoding", "gzip"},
                                                  {"grpc-accept-encoding", "gzip"},
                                                  {"x-extra", "1"}}));
  // A forced answer wins over the protocol's, even for a failed call.
  CallConfig unary = Config(Protocol::kConnectUnary);
  const Status failed(Code::kInternal, "x");
  head = ResponseHead{};
  head.config = &unary;
  head.forced_status = 404;
  head.forced_content_type = "text/plain";
  head.finished = &failed;
  EXPECT_EQ(ServerResponseHeaders(head),
            (Headers{{":status", "404"}, {"content-type", "text/plain"}}));
  head.forced_status = 0;
  head.finished = nullptr;
  EXPECT_EQ(ServerResponseHeaders(head),
            (Headers{{":status", "200"}, {"content-type", "application/proto"}}));
}

TEST(CallSemantics, GrpcTrailers) {
  EXPECT_EQ(GrpcTrailers(Status()), (Headers{{"grpc-status", "0"}}));
  EXPECT_EQ(GrpcTrailers(Status(Code::kNotFound, "")), (Headers{{"grpc-status", "5"}}));
  EXPECT_EQ(GrpcTrailers(Status(Code::kUnauthenticated, "100% no")),
            (Headers{{"grpc-status", "16"}, {"grpc-message", "100%25 no"}}));
}

TEST(CallSemantics, NegotiateEncodings) {
  CallConfig c = Config(Protocol::kConnectStream);
  ASSERT_TRUE(
      NegotiateEncodings(
          {{"connect-content-encoding", "gzip"}, {"connect-accept-encoding", "br, gzip"}}, &c)
          .ok());
  EXPECT_EQ(c.recv_encoding, Encoding::kGzip);
  EXPECT_EQ(c.send_encoding, Encoding::kGzip);
  c = Config(Protocol::kGrpc);
  ASSERT_TRUE(NegotiateEncodings({{"grpc-encoding", "gzip"}}, &c).ok());
  EXPECT_EQ(c.recv_encoding, Encoding::kGzip);
  EXPECT_EQ(c.send_encoding, Encoding::kIdentity) << "gzip only to a client that accepts it";
  c = Config(Protocol::kGrpc);
  ASSERT_TRUE(NegotiateEncodings({{"grpc-accept-encoding", "gzip"}}, &c).ok());
  EXPECT_EQ(c.send_encoding, Encoding::kIdentity) << "gzip only to a client that uses it";
  c = Config(Protocol::kGrpc);
  EXPECT_EQ(NegotiateEncodings({{"grpc-encoding", "br"}}, &c).code(), Code::kUnimplemented);
  EXPECT_EQ(c.recv_encoding, Encoding::kIdentity);
  c = Config(Protocol::kConnectUnary);
  ASSERT_TRUE(NegotiateEncodings({{"connect-content-encoding", "br"}}, &c).ok())
      << "Connect unary uses Content-Encoding";
}

TEST(CallSemantics, Envelopes) {
  EXPECT_EQ(*ClassifyEnvelope(0, Protocol::kGrpc, Role::kServer), EnvelopeKind::kMessage);
  EXPECT_EQ(*ClassifyEnvelope(kFlagCompressed, Protocol::kConnectStream, Role::kClient),
            EnvelopeKind::kMessage);
  EXPECT_EQ(*ClassifyEnvelope(kFlagEndStream, Protocol::kConnectStream, Role::kClient),
            EnvelopeKind::kEndStream);
  EXPECT_EQ(
      ClassifyEnvelope(kFlagEndStream, Protocol::kConnectStream, Role::kServer).status().code(),
      Code::kInvalidArgument)
      << "no end-of-stream in a request";
  EXPECT_EQ(ClassifyEnvelope(kFlagEndStream, Protocol::kGrpc, Role::kClient).status().code(),
            Code::kInvalidArgument)
      << "gRPC has no end-of-stream message";
  EXPECT_EQ(ClassifyEnvelope(0x04, Protocol::kGrpc, Role::kClient).status().code(),
            Code::kInvalidArgument);
  EXPECT_EQ(FramingError(ResourceExhausted("big")).code(), Code::kResourceExhausted);
  EXPECT_EQ(FramingError(Internal("bad prefix")).code(), Code::kInvalidArgument);
  EXPECT_EQ(FramingError(Internal("bad prefix")).message(), "bad prefix");
}

TEST(CallSemantics, StreamCloseAndCancel) {
  EXPECT_EQ(StatusForStreamClose(0x8, Role::kClient).code(), Code::kCanceled);  // CANCEL
  EXPECT_EQ(StatusForStreamClose(0x8, Role::kServer).code(), Code::kCanceled);
  const Status reset = StatusForStreamClose(0x2, Role::kClient);  // INTERNAL_ERROR
  EXPECT_EQ(reset.code(), Code::kUnavailable);
  EXPECT_EQ(reset.message(), "stream reset by the peer (HTTP/2 error 2)");
  EXPECT_EQ(StatusForStreamClose(0, Role::kServer).code(), Code::kCanceled);
  EXPECT_EQ(StatusForStreamClose(0, Role::kClient).code(), Code::kUnavailable);
  EXPECT_EQ(ClientCancelStatus(Status(Code::kInternal, "bye")).code(), Code::kCanceled);
  EXPECT_EQ(ClientCancelStatus(Status(Code::kInternal, "bye")).message(), "bye");
}

TEST(CallSemantics, ClientChecksResponseHeaders) {
  using Kind = ResponseHeadResult::Kind;
  const CallConfig grpc = Config(Protocol::kGrpc);
  // Trailers-only: the headers end the call.
  auto r = CheckResponseHeaders(grpc, 200, {{"grpc-status", "7"}, {"grpc-message", "no%20way"}},
                                /*end_stream=*/true);
  EXPECT_EQ(r.kind, Kind::kEnded);
  EXPECT_EQ(r.status.code(), Code::kPermissionDenied);
  EXPECT_EQ(r.status.message(), "no way");
  r = CheckResponseHeaders(grpc, 503, {{"content-type", "text/html"}}, false);
  EXPECT_EQ(r.kind, Kind::kFailed);
  EXPECT_EQ(r.status.code(), Code::kUnavailable);
  EXPECT_EQ(r.status.message(), "HTTP status 503 from a gRPC server");
  r = CheckResponseHeaders(grpc, 200, {{"content-type", "application/connect+proto"}}, false);
  EXPECT_EQ(r.kind, Kind::kFailed);
  EXPECT_EQ(r.status.code(), Code::kInternal);
  r = CheckResponseHeaders(grpc, 200, {{"content-type", "image/jpeg"}}, false);
  EXPECT_EQ(r.kind, Kind::kFailed);
  EXPECT_EQ(r.status.code(), Code::kUnknown) << "not an RPC content type at all";
  const CallConfig stream = Config(Protocol::kConnectStream, Codec::kProto);
  r = CheckResponseHeaders(stream, 200, {{"content-type", "image/jpeg"}}, false);
  EXPECT_EQ(r.status.code(), Code::kUnknown);
  r = CheckResponseHeaders(grpc, 200,
                           {{"content-type", "application/grpc"}, {"grpc-encoding", "br"}}, false);
  EXPECT_EQ(r.kind, Kind::kFailed);
  EXPECT_EQ(r.status.message(), "server used unsupported compression");
  r = CheckResponseHeaders(
      grpc, 200, {{"content-type", "application/grpc"}, {"grpc-encoding", "gzip"}}, false);
  EXPECT_EQ(r.kind, Kind::kContinue);
  EXPECT_EQ(r.recv_encoding, Encoding::kGzip);
  // Connect unary: the codec must match; a non-200 is read at the end.
  const CallConfig json = Config(Protocol::kConnectUnary, Codec::kJson);
  EXPECT_EQ(CheckResponseHeaders(json, 200, {{"content-type", "application/proto"}}, false).kind,
            Kind::kFailed);
  r = CheckResponseHeaders(json, 200, {{"content-type", "application/json"}}, false);
  EXPECT_EQ(r.kind, Kind::kContinue);
  EXPECT_FALSE(r.recv_encoding.has_value());
  EXPECT_EQ(CheckResponseHeaders(json, 404, {}, false).kind, Kind::kContinue);
}

TEST(CallSemantics, ClientReadsTheEndOfAResponse) {
  // A Connect unary error body that is not Connect's: HTTP's code, named.
  std::string body = "<html>bad gateway</html>";
  Status st = ConnectUnaryResponseEnd(502, {{"content-type", "text/html"}}, Encoding::kIdentity,
                                      1 << 20, &body);
  EXPECT_EQ(st.code(), Code::kUnavailable);
  EXPECT_EQ(st.message(), "the HTTP 502 response (text/html) is not a Connect error");
  // A gzip error body under Content-Encoding.
  body = *GzipCompress("{\"code\":\"aborted\",\"message\":\"again\"}");
  st = ConnectUnaryResponseEnd(409, {{"content-encoding", "gzip"}}, Encoding::kIdentity, 1 << 20,
                               &body);
  EXPECT_EQ(st.code(), Code::kAborted);
  EXPECT_EQ(st.message(), "again");
  // A gzip message, inflated in place; a broken one is internal.
  body = *GzipCompress("message");
  ASSERT_TRUE(ConnectUnaryResponseEnd(200, {}, Encoding::kGzip, 1 << 20, &body).ok());
  EXPECT_EQ(body, "message");
  body = "not gzip";
  EXPECT_EQ(ConnectUnaryResponseEnd(200, {}, Encoding::kGzip, 1 << 20, &body).code(),
            Code::kInternal);
  // Streams.
  EXPECT_EQ(StreamResponseEnd(Protocol::kConnectStream, 200, {}, {}, false).code(), Code::kInternal)
      << "a Connect stream ends with its end-of-stream message";
  EXPECT_EQ(StreamResponseEnd(Protocol::kGrpc, 200, {}, {}, false).code(), Code::kInternal)
      << "missing grpc-status";
  EXPECT_EQ(StreamResponseEnd(Protocol::kGrpc, 200, {}, {{"grpc-status", "99"}}, false).code(),
            Code::kUnknown);
  st =
      StreamResponseEnd(Protocol::kConnectStream, 401, {{"content-type", "text/plain"}}, {}, false);
  EXPECT_EQ(st.code(), Code::kUnauthenticated);
  EXPECT_EQ(NonConnectBodyName(404, {}), "the HTTP 404 response");
}

}  // namespace
}  // namespace brs::rpc::internal

namespace brs::rpc::internal {
namespace {

TEST(CallSemantics, HandlerTrailersGoWhereEachProtocolCarriesThem) {
  const Headers trailers{{"x-t", "v"}};
  EXPECT_EQ(GrpcTrailers(Status(), trailers), (Headers{{"grpc-status", "0"}, {"x-t", "v"}}));
  const ServerEnd end = ServerEndOfCall(Protocol::kConnectStream, Status(), false, true, trailers);
  EXPECT_NE(end.bytes.find("\"metadata\":{\"x-t\":[\"v\"]}"), std::string::npos);
  CallConfig unary;
  unary.content_type = {Protocol::kConnectUnary, Codec::kProto};
  ResponseHead head;
  head.config = &unary;
  head.trailers = &trailers;
  const Headers h = ServerResponseHeaders(head);
  EXPECT_NE(std::find(h.begin(), h.end(), std::pair<std::string, std::string>{"trailer-x-t", "v"}),
            h.end());
  CallConfig grpc;
  grpc.content_type = {Protocol::kGrpc, Codec::kProto};
  head.config = &grpc;
  const Headers g = ServerResponseHeaders(head);
  EXPECT_EQ(std::find(g.begin(), g.end(), std::pair<std::string, std::string>{"trailer-x-t", "v"}),
            g.end());
}

}  // namespace
}  // namespace brs::rpc::internal
