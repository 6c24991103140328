// max_message_size bounds the messages a side receives, not those it
// sends: a server limited to 1 000 bytes still answers with 10 000, and a
// client limited to 1 000 still sends 5 000 (Connect and gRPC, unary and
// bidi), while what each receives above its limit is refused.
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

#include "rpc/client.h"
#include "rpc/envelope.h"
#include "rpc/raw_http1_peer.h"
#include "rpc/rpc_test_util.h"
#include "rpc/server.h"

namespace brs::rpc {
namespace {

using testing::Bytes;

constexpr char kBig[] = "/t.S/Big";
constexpr char kBigStream[] = "/t.S/BigStream";
constexpr char kSizeStream[] = "/t.S/SizeStream";
constexpr size_t kLimit = 1000;

class MessageLimitTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.max_message_size = kLimit;
    server_ = std::make_unique<Server>(o);
    // Both answer each request with 10 000 bytes (and say how long it was).
    server_->HandleUnary(kBig, [](const CallInfo&, std::string_view req) -> StatusOr<std::string> {
      return Bytes(std::to_string(req.size()) + std::string(10'000, 'r'));
    });
    server_->HandleBidi(kBigStream, [](const CallInfo&, Stream& s) -> Status {
      std::string m;
      for (;;) {
        BRS_ASSIGN_OR_RETURN(auto r, s.Read(&m));
        if (r != Stream::ReadResult::kMessage) return Status();
        BRS_RETURN_IF_ERROR(s.Write(Bytes(std::to_string(m.size()) + std::string(10'000, 'r'))));
      }
    });
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override { server_->Stop(1000); }

  std::unique_ptr<Client> MakeClient(size_t max_message, bool gzip = false) {
    ClientOptions c;
    c.send_gzip = gzip;
    c.base_url = "http://127.0.0.1:" + std::to_string(server_->port());
    c.grpc = GetParam();
    c.max_message_size = max_message;
    auto client = Client::Create(c);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return client.ok() ? std::move(*client) : nullptr;
  }

  std::unique_ptr<Server> server_;
};

TEST_P(MessageLimitTest, ServerSendsAboveItsReceiveLimit) {
  auto client = MakeClient(size_t{1} << 20);
  ASSERT_NE(client, nullptr);
  auto r = client->Unary(kBig, Bytes("small"), {}, 5'000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_GT(r->size(), 10'000u);
  auto s = client->Open(kBigStream, CallKind::kBidi, {}, 5'000);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_TRUE((*s)->Write(Bytes("small")).ok());
  std::string m;
  auto got = (*s)->Read(&m);
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, Stream::ReadResult::kMessage);
  EXPECT_GT(m.size(), 10'000u);
  (*s)->Finish(Status());
}

TEST_P(MessageLimitTest, EachSideRefusesWhatItReceivesAboveItsLimit) {
  auto client = MakeClient(kLimit);
  ASSERT_NE(client, nullptr);
  // The client sends 5 000 bytes (its limit is on receiving): the server,
  // limited to 1 000, refuses them.
  auto r = client->Unary(kBig, Bytes(std::string(5'000, 'q')), {}, 5'000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kResourceExhausted) << r.status().ToString();
  // A small request is taken, and the client refuses the 10 000 back.
  r = client->Unary(kBig, Bytes("small"), {}, 5'000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kResourceExhausted) << r.status().ToString();
}

TEST_P(MessageLimitTest, GzipRequestAboveTheLimitOnceInflatedIsResourceExhausted) {
  auto client = MakeClient(size_t{1} << 20, /*gzip=*/true);
  ASSERT_NE(client, nullptr);
  // 5 000 bytes of one letter: far below 1 000 compressed, above inflated.
  auto r = client->Unary(kBig, Bytes(std::string(5'000, 'q')), {}, 5'000);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kResourceExhausted) << r.status().ToString();
}

// HTTP/1.1: a stream's body is its message and the envelope's 5-byte
// prefix, so a message of exactly the limit is served; a bare unary body
// above the limit is resource_exhausted.
TEST(MessageLimitHttp1Test, StreamMessageOfExactlyTheLimitIsServed) {
  ServerOptions o;
  o.max_message_size = kLimit;
  Server server(o);
  server.HandleServerStream(kSizeStream, [](const CallInfo&, Stream& s) -> Status {
    std::string m;
    BRS_ASSIGN_OR_RETURN(auto r, s.Read(&m));
    if (r != Stream::ReadResult::kMessage) return InvalidArgument("no request");
    return s.Write("size " + std::to_string(m.size()));
  });
  server.HandleUnary(kBig, [](const CallInfo&, std::string_view req) -> StatusOr<std::string> {
    return std::to_string(req.size());
  });
  ASSERT_TRUE(server.Start().ok());
  auto post = [&](const std::string& path, const std::string& ctype, const std::string& body) {
    testing::RawHttp1Peer p(server.port());
    EXPECT_TRUE(p.Send("POST " + path + " HTTP/1.1\r\nHost: t\r\nConnection: close\r\n" +
                       "Content-Type: " + ctype +
                       "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body));
    p.AwaitClose(5'000);
    return p.received();
  };
  std::string body;
  ASSERT_TRUE(AppendEnvelope(0, std::string(kLimit, 'm'), &body).ok());
  const std::string stream = post(kSizeStream, "application/connect+proto", body);
  EXPECT_EQ(stream.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << stream;
  EXPECT_NE(stream.find("size 1000"), std::string::npos) << stream;
  const std::string unary = post(kBig, "application/proto", std::string(kLimit + 3, 'u'));
  EXPECT_EQ(unary.rfind("HTTP/1.1 429 ", 0), 0u) << unary;
  EXPECT_NE(unary.find("resource_exhausted"), std::string::npos) << unary;
  const std::string fits = post(kBig, "application/proto", std::string(kLimit, 'u'));
  EXPECT_EQ(fits.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << fits;
  server.Stop(1000);
}

INSTANTIATE_TEST_SUITE_P(All, MessageLimitTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "Grpc" : "Connect";
                         });

}  // namespace
}  // namespace brs::rpc
