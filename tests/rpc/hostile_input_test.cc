// Hostile and broken peers against an in-process server (h2c): raw bytes
// and hand-written HTTP/2 frames (raw_h2_client.h). Each case asserts the
// exact answer, and after each one (TearDown) no handler is left running and
// a fresh normal client is still served.
//
// Error codes follow connect-go (the peer Backrest runs), read from its
// envelope.go / compression.go: an envelope longer than the limit is
// resource_exhausted; a body that ends inside an envelope is
// invalid_argument ("protocol error: incomplete envelope" / "promised N
// bytes"); a compressed flag without negotiated compression is internal;
// undecodable gzip is invalid_argument ("decompress: …"); a message that
// does not unmarshal is invalid_argument.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <thread>

#include "rpc/envelope.h"
#include "rpc/raw_h2_client.h"
#include "rpc/rpc_test_util.h"
#include "rpc/server.h"
#include "rpc/wait_until.h"

namespace brs::rpc {
namespace {

using testing::Bytes;
using testing::DataFrame;
using testing::Envelope;
using testing::EnvelopePrefix;
using ::testing::HasSubstr;
using testing::PostHeaders;
using testing::RawH2;
using testing::RstStream;
using testing::StreamReply;
namespace h2 = testing::h2;

constexpr char kEcho[] = "/brs.test.v1.EchoService/Echo";
constexpr char kBidi[] = "/brs.test.v1.EchoService/Bidi";
constexpr size_t kMaxMessage = 1024;
constexpr uint32_t kMaxStreams = 16;

// The payload of the Connect end-of-stream envelope in a response body, or
// "<none>" ("<bad>" when the body is not envelopes).
std::string EndStreamJson(const std::string& body) {
  EnvelopeDecoder dec;
  if (!dec.Feed(body).ok()) return "<bad>";
  while (auto e = dec.Next()) {
    if (e->flags & kFlagEndStream) return e->payload;
  }
  return "<none>";
}

// grpc-status from the trailers, or from the headers of a trailers-only
// response.
std::string GrpcStatus(const StreamReply& r) {
  const std::string* s = FindHeader(r.trailers, "grpc-status");
  if (s == nullptr) s = r.Header("grpc-status");
  return s ? *s : "<none>";
}

std::string Hdr(const StreamReply& r, std::string_view name) {
  const std::string* s = r.Header(name);
  return s ? *s : "<none>";
}
std::string HttpStatus(const StreamReply& r) { return Hdr(r, ":status"); }

class HostileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.max_message_size = kMaxMessage;
    o.max_concurrent_streams = kMaxStreams;
    server_ = std::make_unique<Server>(o);
    testing::RegisterEcho(*server_);
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    EXPECT_TRUE(WaitNoActiveCalls(5'000)) << server_->active_calls() << " calls still running";
    testing::ExpectFreshClientServes(server_->port());
    server_->Stop(1'000);
  }

  // A raw connection that has sent the preface and its SETTINGS and has
  // read the server's SETTINGS.
  std::unique_ptr<RawH2> Connect(bool ack_settings = true) {
    auto c = std::make_unique<RawH2>(server_->port());
    EXPECT_TRUE(c->connected());
    c->ack_settings = ack_settings;
    EXPECT_TRUE(c->Handshake());
    EXPECT_TRUE(c->Pump([&] { return c->settings_received() > 0; }, 5'000));
    return c;
  }
  std::unique_ptr<RawH2> Plain() {
    auto c = std::make_unique<RawH2>(server_->port());
    EXPECT_TRUE(c->connected());
    return c;
  }

  bool WaitNoActiveCalls(int64_t timeout_ms) {
    return testing::WaitUntil([&] { return server_->active_calls() == 0; }, timeout_ms);
  }

  // A Connect unary call on the raw connection succeeds.
  static void ExpectRawUnaryWorks(RawH2& c, uint32_t stream) {
    ASSERT_TRUE(c.SendHeaders(stream, PostHeaders(kEcho, "application/proto"), false));
    ASSERT_TRUE(c.Send(DataFrame(stream, Bytes("raw"), true)));
    const StreamReply& r = c.Await(stream);
    EXPECT_EQ(HttpStatus(r), "200");
    EXPECT_EQ(r.body, Bytes("raw"));
    EXPECT_TRUE(r.end_stream);
  }

  // Sends a Connect/gRPC stream request whose body is `body` (ended).
  static const StreamReply& Call(RawH2& c, uint32_t stream, const Headers& headers,
                                 const std::string& body) {
    EXPECT_TRUE(c.SendHeaders(stream, headers, false));
    EXPECT_TRUE(c.Send(DataFrame(stream, body, true)));
    return c.Await(stream);
  }

  std::unique_ptr<Server> server_;
};

// ---- 1. Bad prefaces

TEST_F(HostileTest, GarbageRequestLineGetsHttp1BadRequest) {
  auto c = Plain();
  ASSERT_TRUE(c->Send("GET garbage\r\n\r\n"));
  bool eof = false;
  std::string out = c->ReadAllRaw(5'000, &eof);
  EXPECT_THAT(out, ::testing::StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_THAT(out, HasSubstr("Connection: close\r\n"));
  EXPECT_TRUE(eof);
}

TEST_F(HostileTest, RandomBytesGetHttp1BadRequest) {
  std::mt19937 rng(42);
  std::string junk;
  for (int i = 0; i < 300; ++i) junk.push_back(static_cast<char>(0x80 + rng() % 0x80));
  auto c = Plain();
  ASSERT_TRUE(c->Send(junk + "\r\n\r\n"));
  bool eof = false;
  std::string out = c->ReadAllRaw(5'000, &eof);
  EXPECT_THAT(out, ::testing::StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_TRUE(eof);
}

TEST_F(HostileTest, UnterminatedJunkThenCloseIsDroppedSilently) {
  std::mt19937 rng(7);
  std::string junk;
  for (int i = 0; i < 1000; ++i) junk.push_back(static_cast<char>(0x80 + rng() % 0x80));
  auto c = Plain();
  ASSERT_TRUE(c->Send(junk));
  c->ShutdownWrite();
  bool eof = false;
  EXPECT_EQ(c->ReadAllRaw(5'000, &eof), "");
  EXPECT_TRUE(eof);
}

TEST_F(HostileTest, TruncatedPrefaceThenCloseIsDroppedSilently) {
  auto c = Plain();
  ASSERT_TRUE(c->Send(h2::kPreface.substr(0, 16)));
  c->ShutdownWrite();
  bool eof = false;
  EXPECT_EQ(c->ReadAllRaw(5'000, &eof), "");
  EXPECT_TRUE(eof);
}

TEST_F(HostileTest, PrefaceNotFollowedBySettingsIsProtocolError) {
  auto c = Plain();
  ASSERT_TRUE(c->Send(std::string(h2::kPreface) +
                      testing::FrameBytes(h2::kPing, 0, 0, std::string(8, 'p'))));
  EXPECT_TRUE(c->AwaitEof(5'000));
  ASSERT_TRUE(c->goaway().has_value());
  EXPECT_EQ(c->goaway()->code, h2::kProtocolError);
  EXPECT_EQ(c->goaway()->last_stream, 0u);
}

// ---- 2. Frames above SETTINGS_MAX_FRAME_SIZE

TEST_F(HostileTest, FrameAboveMaxFrameSizeIsFrameSizeError) {
  auto c = Connect();
  const auto& s = c->server_settings();
  const uint32_t max = s.count(h2::kSettingsMaxFrameSize) ? s.at(h2::kSettingsMaxFrameSize)
                                                          : h2::kDefaultMaxFrameSize;
  EXPECT_EQ(max, h2::kDefaultMaxFrameSize);
  // Only the 9-byte header: the length alone must be refused.
  ASSERT_TRUE(c->Send(testing::FrameHeader(max + 1, h2::kHeaders, h2::kEndHeaders, 1)));
  EXPECT_TRUE(c->AwaitEof(5'000));
  ASSERT_TRUE(c->goaway().has_value());
  EXPECT_EQ(c->goaway()->code, h2::kFrameSizeError);
  EXPECT_EQ(c->reply(1).headers.size(), 0u) << "no request was started";
}

// ---- 3. Messages above max_message_size, refused on the length prefix

TEST_F(HostileTest, OversizedConnectEnvelopeIsRefusedBeforeItsBody) {
  auto c = Connect();
  ASSERT_TRUE(c->SendHeaders(1, PostHeaders(kBidi, "application/connect+proto"), false));
  // Only the prefix, announcing 1 MiB; the body never comes.
  ASSERT_TRUE(c->Send(DataFrame(1, EnvelopePrefix(0, 1u << 20), false)));
  const StreamReply& r = c->Await(1);
  EXPECT_EQ(HttpStatus(r), "200");
  EXPECT_EQ(Hdr(r, "content-type"), "application/connect+proto");
  EXPECT_THAT(EndStreamJson(r.body), HasSubstr("\"code\":\"resource_exhausted\""));
  EXPECT_TRUE(r.end_stream);
  c->Send(RstStream(1, h2::kCancel));
}

TEST_F(HostileTest, OversizedGrpcMessageIsResourceExhaustedBeforeItsBody) {
  auto c = Connect();
  ASSERT_TRUE(
      c->SendHeaders(1, PostHeaders(kBidi, "application/grpc", {{"te", "trailers"}}), false));
  ASSERT_TRUE(c->Send(DataFrame(1, EnvelopePrefix(0, 1u << 20), false)));
  const StreamReply& r = c->Await(1);
  EXPECT_EQ(HttpStatus(r), "200");
  EXPECT_EQ(GrpcStatus(r), "8");
  EXPECT_TRUE(r.end_stream);
  c->Send(RstStream(1, h2::kCancel));
}

TEST_F(HostileTest, ConnectUnaryContentLengthAboveLimitIsRefusedBeforeItsBody) {
  auto c = Connect();
  ASSERT_TRUE(c->SendHeaders(
      1, PostHeaders(kEcho, "application/proto", {{"content-length", "1048576"}}), false));
  const StreamReply& r = c->Await(1);
  EXPECT_EQ(HttpStatus(r), "429");
  EXPECT_EQ(Hdr(r, "content-type"), "application/json");
  EXPECT_THAT(r.body, HasSubstr("\"code\":\"resource_exhausted\""));
  EXPECT_TRUE(r.end_stream);
  c->Send(RstStream(1, h2::kCancel));
}

TEST_F(HostileTest, ConnectUnaryBodyAboveLimitIsResourceExhausted) {
  auto c = Connect();
  ASSERT_TRUE(c->SendHeaders(1, PostHeaders(kEcho, "application/proto"), false));
  // No Content-Length; the body grows past the limit and never ends.
  ASSERT_TRUE(c->Send(DataFrame(1, std::string(kMaxMessage + 100, 'x'), false)));
  const StreamReply& r = c->Await(1);
  EXPECT_EQ(HttpStatus(r), "429");
  EXPECT_THAT(r.body, HasSubstr("\"code\":\"resource_exhausted\""));
  EXPECT_TRUE(r.end_stream);
  c->Send(RstStream(1, h2::kCancel));
}

// ---- 4. A body that ends inside an envelope

TEST_F(HostileTest, TruncatedEnvelopeAtEndOfStreamIsInvalidArgument) {
  auto c = Connect();
  // The prefix promises 100 bytes, 10 come, then END_STREAM.
  const std::string short_body = EnvelopePrefix(0, 100) + std::string(10, 'x');
  const StreamReply& a = Call(*c, 1, PostHeaders(kBidi, "application/connect+proto"), short_body);
  EXPECT_EQ(HttpStatus(a), "200");
  EXPECT_THAT(EndStreamJson(a.body), HasSubstr("\"code\":\"invalid_argument\""));
  // Half a prefix.
  const StreamReply& b =
      Call(*c, 3, PostHeaders(kBidi, "application/connect+proto"), std::string("\0\0\0", 3));
  EXPECT_THAT(EndStreamJson(b.body), HasSubstr("\"code\":\"invalid_argument\""));
  const StreamReply& g =
      Call(*c, 5, PostHeaders(kBidi, "application/grpc", {{"te", "trailers"}}), short_body);
  EXPECT_EQ(GrpcStatus(g), "3");
  ExpectRawUnaryWorks(*c, 7);
}

// ---- 5. Compressed flag without negotiated compression

TEST_F(HostileTest, CompressedFlagWithoutEncodingIsInternal) {
  auto c = Connect();
  const std::string body = Envelope(kFlagCompressed, "not compressed at all");
  const StreamReply& a = Call(*c, 1, PostHeaders(kBidi, "application/connect+proto"), body);
  EXPECT_EQ(HttpStatus(a), "200");
  EXPECT_THAT(EndStreamJson(a.body), HasSubstr("\"code\":\"internal\""));
  const StreamReply& g =
      Call(*c, 3, PostHeaders(kBidi, "application/grpc", {{"te", "trailers"}}), body);
  EXPECT_EQ(GrpcStatus(g), "13");
  ExpectRawUnaryWorks(*c, 5);
}

// ---- 6. Invalid gzip

TEST_F(HostileTest, InvalidGzipIsInvalidArgument) {
  auto c = Connect();
  const std::string body = Envelope(kFlagCompressed, "not gzip at all");
  const StreamReply& a =
      Call(*c, 1,
           PostHeaders(kBidi, "application/connect+proto", {{"connect-content-encoding", "gzip"}}),
           body);
  EXPECT_EQ(HttpStatus(a), "200");
  EXPECT_THAT(EndStreamJson(a.body), HasSubstr("\"code\":\"invalid_argument\""));
  const StreamReply& g =
      Call(*c, 3,
           PostHeaders(kBidi, "application/grpc", {{"te", "trailers"}, {"grpc-encoding", "gzip"}}),
           body);
  EXPECT_EQ(GrpcStatus(g), "3");
  const StreamReply& u = Call(
      *c, 5, PostHeaders(kEcho, "application/proto", {{"content-encoding", "gzip"}}), "not gzip");
  EXPECT_EQ(HttpStatus(u), "400");
  EXPECT_THAT(u.body, HasSubstr("\"code\":\"invalid_argument\""));
  ExpectRawUnaryWorks(*c, 7);
}

// ---- 7. Garbage JSON

TEST_F(HostileTest, GarbageJsonIsInvalidArgument) {
  auto c = Connect();
  const StreamReply& u = Call(*c, 1, PostHeaders(kEcho, "application/json"), "{not json");
  EXPECT_EQ(HttpStatus(u), "400");
  EXPECT_EQ(Hdr(u, "content-type"), "application/json");
  EXPECT_THAT(u.body, HasSubstr("\"code\":\"invalid_argument\""));
  const StreamReply& s =
      Call(*c, 3, PostHeaders(kBidi, "application/connect+json"), Envelope(0, "{not json"));
  EXPECT_EQ(HttpStatus(s), "200");
  EXPECT_EQ(Hdr(s, "content-type"), "application/connect+json");
  EXPECT_THAT(EndStreamJson(s.body), HasSubstr("\"code\":\"invalid_argument\""));
  ExpectRawUnaryWorks(*c, 5);
}

// ---- 8. Unknown paths, wrong methods, wrong content types

TEST_F(HostileTest, UnknownPathsMethodsAndContentTypes) {
  auto c = Connect();
  const StreamReply& unknown =
      Call(*c, 1, PostHeaders("/brs.test.v1.EchoService/Nope", "application/proto"), "x");
  EXPECT_EQ(HttpStatus(unknown), "404");
  EXPECT_THAT(unknown.body, HasSubstr("\"code\":\"unimplemented\""));
  const StreamReply& grpc_unknown = Call(
      *c, 3, PostHeaders("/brs.test.v1.EchoService/Nope", "application/grpc", {{"te", "trailers"}}),
      Envelope(0, ""));
  EXPECT_EQ(HttpStatus(grpc_unknown), "200");
  EXPECT_EQ(GrpcStatus(grpc_unknown), "12");

  uint32_t id = 5;
  for (const char* method : {"GET", "HEAD", "PUT"}) {
    Headers h = PostHeaders(kEcho, "application/proto");
    h[0].second = method;
    ASSERT_TRUE(c->SendHeaders(id, h, true));
    const StreamReply& r = c->Await(id);
    EXPECT_EQ(HttpStatus(r), "405") << method;
    EXPECT_EQ(Hdr(r, "allow"), "POST") << method;
    if (std::string(method) == "HEAD") {
      EXPECT_EQ(r.body, "") << "a HEAD response has no content";
    }
    EXPECT_TRUE(r.end_stream) << method;
    id += 2;
  }
  const StreamReply& media = Call(*c, id, PostHeaders(kEcho, "text/plain"), "x");
  EXPECT_EQ(HttpStatus(media), "415");
  ExpectRawUnaryWorks(*c, id + 2);

  // The same over HTTP/1.1.
  for (const char* method : {"GET", "HEAD"}) {
    auto h1 = Plain();
    ASSERT_TRUE(h1->Send(std::string(method) + " " + kEcho +
                         " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
    bool eof = false;
    const std::string out = h1->ReadAllRaw(5'000, &eof);
    EXPECT_THAT(out, ::testing::StartsWith("HTTP/1.1 405 Method Not Allowed\r\n")) << method;
    EXPECT_THAT(out, HasSubstr("\r\nAllow: POST\r\n")) << method;
    if (std::string(method) == "HEAD") {
      EXPECT_THAT(out, ::testing::EndsWith("\r\n\r\n"));
    }
    EXPECT_TRUE(eof);
  }
}

// ---- 9. Stream floods

TEST_F(HostileTest, ThousandStreamsOpenedAndResetOneAfterAnother) {
  auto c = Connect();
  const Headers h = PostHeaders(kBidi, "application/connect+proto");
  std::string batch;
  for (uint32_t i = 0; i < 1000; ++i) {
    const uint32_t id = 2 * i + 1;
    batch += c->HeadersFrame(id, h, false) + RstStream(id, h2::kCancel);
    if (i % 50 == 49) {
      ASSERT_TRUE(c->Send(batch));
      batch.clear();
      c->Drain();
    }
  }
  EXPECT_TRUE(WaitNoActiveCalls(5'000)) << server_->active_calls();
  c->Drain();
  EXPECT_FALSE(c->goaway().has_value());
  EXPECT_FALSE(c->eof());
  ExpectRawUnaryWorks(*c, 2001);
}

TEST_F(HostileTest, BurstsAboveTheConcurrencyLimitAreRefused) {
  // Before the client acknowledges SETTINGS, nghttp2 refuses each stream
  // above the advertised limit with RST_STREAM(REFUSED_STREAM), a stream
  // error (RFC 9113 §5.1.2), and the connection lives on.
  auto c = Connect(/*ack_settings=*/false);
  EXPECT_EQ(c->server_settings().at(h2::kSettingsMaxConcurrentStreams), kMaxStreams);
  const Headers h = PostHeaders(kBidi, "application/connect+proto");
  constexpr uint32_t kBurst = 40;
  uint32_t next = 1;
  for (int burst = 0; burst < 25; ++burst) {  // 1000 streams
    const uint32_t first = next;
    std::string out;
    for (uint32_t i = 0; i < kBurst; ++i) out += c->HeadersFrame(next + 2 * i, h, false);
    next += 2 * kBurst;
    ASSERT_TRUE(c->Send(out));
    const uint32_t last_refused = first + 2 * (kBurst - 1);
    ASSERT_TRUE(c->Pump([&] { return c->reply(last_refused).rst.has_value(); }, 5'000))
        << "burst " << burst;
    c->Drain();
    for (uint32_t i = 0; i < kBurst; ++i) {
      const StreamReply& r = c->reply(first + 2 * i);
      if (i < kMaxStreams) {
        EXPECT_FALSE(r.rst.has_value()) << "stream " << first + 2 * i << " was admitted";
      } else {
        EXPECT_EQ(r.rst, h2::kRefusedStream) << "stream " << first + 2 * i;
      }
    }
    std::string resets;
    for (uint32_t i = 0; i < kMaxStreams; ++i) resets += RstStream(first + 2 * i, h2::kCancel);
    ASSERT_TRUE(c->Send(resets));
  }
  EXPECT_TRUE(WaitNoActiveCalls(5'000)) << server_->active_calls();
  c->Drain();
  EXPECT_FALSE(c->goaway().has_value());
  ExpectRawUnaryWorks(*c, next);
}

TEST_F(HostileTest, ExceedingTheAcknowledgedLimitEndsTheConnection) {
  // Once the client has acknowledged the limit, nghttp2 (1.52) treats one
  // stream too many as a connection error: GOAWAY(PROTOCOL_ERROR) naming
  // the last admitted stream. (RFC 9113 §5.1.2 would allow a stream error;
  // well-behaved clients never get here.)
  auto c = Connect(/*ack_settings=*/true);
  const Headers h = PostHeaders(kBidi, "application/connect+proto");
  std::string out;
  for (uint32_t i = 0; i <= kMaxStreams; ++i) out += c->HeadersFrame(2 * i + 1, h, false);
  ASSERT_TRUE(c->Send(out));
  EXPECT_TRUE(c->AwaitEof(5'000));
  ASSERT_TRUE(c->goaway().has_value());
  EXPECT_EQ(c->goaway()->code, h2::kProtocolError);
  EXPECT_EQ(c->goaway()->last_stream, 2 * (kMaxStreams - 1) + 1);
}

}  // namespace
}  // namespace brs::rpc
