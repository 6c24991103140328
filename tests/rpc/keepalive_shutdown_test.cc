// Connection lifetime against an in-process server (h2c): keepalive PINGs
// and their timeout, seen from a raw HTTP/2 peer (raw_h2_client.h), and a
// graceful Server::Stop with calls in flight.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "rpc/client.h"
#include "rpc/envelope.h"
#include "rpc/raw_h2_client.h"
#include "rpc/rpc_test_util.h"
#include "rpc/server.h"

namespace brs::rpc {
namespace {

using testing::Bytes;
using testing::DataFrame;
using testing::Envelope;
using testing::PostHeaders;
using testing::RawH2;
using testing::StreamReply;
namespace h2 = testing::h2;

constexpr char kEcho[] = "/brs.test.v1.EchoService/Echo";
constexpr char kBidi[] = "/brs.test.v1.EchoService/Bidi";
constexpr int64_t kKeepaliveMs = 200;

std::unique_ptr<RawH2> Connect(int port, bool answer_pings) {
  auto c = std::make_unique<RawH2>(port);
  EXPECT_TRUE(c->connected());
  c->answer_pings = answer_pings;
  EXPECT_TRUE(c->Handshake());
  EXPECT_TRUE(c->Pump([&] { return c->settings_received() > 0; }, 5'000));
  return c;
}

class KeepaliveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ServerOptions o;
    o.keepalive_ms = kKeepaliveMs;
    o.on_keepalive_answered = [this](const std::string&) {
      std::lock_guard lock(mu_);
      ++pings_answered_;
      cv_.notify_all();
    };
    server_ = std::make_unique<Server>(o);
    testing::RegisterEcho(*server_);
    // Answers with the caller's address: one connection, one address.
    server_->HandleUnary(
        "/test.Keepalive/Peer",
        [](const CallInfo& info, std::string_view) -> StatusOr<std::string> { return info.peer; });
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    testing::ExpectFreshClientServes(server_->port());
    server_->Stop(1'000);
  }
  // Waits until peers have answered `n` keepalive PINGs in all.
  bool AwaitPingsAnswered(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10),
                        [&] { return pings_answered_.load() >= n; });
  }
  std::unique_ptr<Server> server_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::atomic<int> pings_answered_{0};
};

TEST_F(KeepaliveTest, SilentPeerIsPingedThenClosedWithGoaway) {
  auto c = Connect(server_->port(), /*answer_pings=*/false);
  const int64_t start = SteadyNowMs();
  ASSERT_TRUE(c->Pump([&] { return c->pings_received() > 0; }, 3'000)) << "no PING";
  const int64_t ping_after = c->first_ping_ms() - start;
  EXPECT_GE(ping_after, kKeepaliveMs - 20) << "PING only after keepalive_ms of silence";
  EXPECT_LT(ping_after, 3 * kKeepaliveMs);
  ASSERT_TRUE(c->AwaitEof(5'000)) << "a peer that never answers PINGs is closed";
  const int64_t closed_after = SteadyNowMs() - c->first_ping_ms();
  EXPECT_GE(closed_after, 2 * kKeepaliveMs - 20) << "the PING had 2x keepalive to be answered";
  EXPECT_LT(closed_after, 8 * kKeepaliveMs);
  ASSERT_TRUE(c->goaway().has_value()) << "closed with a GOAWAY first";
  EXPECT_EQ(c->goaway()->code, h2::kNoError);
  EXPECT_EQ(c->goaway()->debug, "keepalive ping timeout");
  EXPECT_EQ(c->goaway()->last_stream, 0u);
  EXPECT_EQ(pings_answered_.load(), 0);
}

TEST_F(KeepaliveTest, PeerAnsweringPingsStaysConnected) {
  auto c = Connect(server_->port(), /*answer_pings=*/true);
  // Idle; only PINGs and their ACKs flow. The server sends a PING only
  // once the one before was answered, and a GOAWAY would come before it:
  // the third PING shows the connection kept through two answered ones.
  ASSERT_TRUE(c->Pump([&] { return c->pings_received() >= 3; }, 10'000));
  EXPECT_FALSE(c->eof());
  EXPECT_FALSE(c->goaway().has_value());
  ASSERT_TRUE(c->SendHeaders(1, PostHeaders(kEcho, "application/proto"), false));
  ASSERT_TRUE(c->Send(DataFrame(1, Bytes("after idling"), true)));
  const StreamReply& r = c->Await(1);
  EXPECT_EQ(*r.Header(":status"), "200");
  EXPECT_EQ(r.body, Bytes("after idling"));
}

TEST_F(KeepaliveTest, IdleClientKeepsItsConnection) {
  ClientOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(server_->port());
  auto client = Client::Create(o);
  ASSERT_TRUE(client.ok());
  auto before = (*client)->Unary("/test.Keepalive/Peer", "");
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  // Idle: the server PINGs, nghttp2 answers.
  ASSERT_TRUE(AwaitPingsAnswered(3)) << "answered " << pings_answered_.load();
  EXPECT_EQ(server_->connection_count(), 1u);
  auto after = (*client)->Unary("/test.Keepalive/Peer", "");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(*after, *before) << "the same connection served both calls";
}

class KeepaliveShutdownTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Server>(ServerOptions{});
    testing::RegisterEcho(*server_);
    server_->HandleBidi("/test.Shutdown/Counted", [this](const CallInfo&, Stream& s) -> Status {
      ++counted_calls_;
      std::string m;
      for (;;) {
        auto r = s.Read(&m);
        if (!r.ok() || *r != Stream::ReadResult::kMessage) return Status();
      }
    });
    ASSERT_TRUE(server_->Start().ok());
    port_ = server_->port();
  }
  void TearDown() override {
    JoinStop();
    server_->Stop(0);
  }

  // Runs Stop(grace_ms) on a thread; stop_ms_ is how long it took.
  void StopInBackground(int64_t grace_ms) {
    stop_started_ms_ = SteadyNowMs();
    stopper_ = std::thread([this, grace_ms] {
      server_->Stop(grace_ms);
      stop_ms_ = SteadyNowMs() - stop_started_ms_;
    });
  }
  void JoinStop() {
    if (stopper_.joinable()) stopper_.join();
  }

  std::unique_ptr<Server> server_;
  int port_ = 0;
  std::atomic<int> counted_calls_{0};
  std::thread stopper_;
  int64_t stop_started_ms_ = 0;
  std::atomic<int64_t> stop_ms_{-1};
};

TEST_F(KeepaliveShutdownTest, InFlightBidiFinishesWithinGraceAndNewStreamsAreRefused) {
  auto c = Connect(port_, true);
  ASSERT_TRUE(c->SendHeaders(1, PostHeaders(kBidi, "application/connect+proto"), false));
  const std::string a = Envelope(0, Bytes("a"));
  ASSERT_TRUE(c->Send(DataFrame(1, a, false)));
  ASSERT_TRUE(c->Pump([&] { return c->reply(1).body == a; }, 5'000)) << "echo before Stop";

  StopInBackground(3'000);
  ASSERT_TRUE(c->Pump([&] { return c->goaway().has_value(); }, 2'000)) << "no GOAWAY";
  EXPECT_EQ(c->goaway()->code, h2::kNoError);
  EXPECT_EQ(c->goaway()->last_stream, 1u) << "stream 1 is still served";

  // A stream opened after the GOAWAY is not processed.
  ASSERT_TRUE(
      c->SendHeaders(3, PostHeaders("/test.Shutdown/Counted", "application/connect+proto"), false));
  // The in-flight call goes on: one more message, then a clean end.
  const std::string b = Envelope(0, Bytes("b"));
  ASSERT_TRUE(c->Send(DataFrame(1, b, true)));
  const StreamReply& r = c->Await(1);
  EXPECT_TRUE(r.end_stream);
  EXPECT_EQ(r.body, a + b + Envelope(kFlagEndStream, "{}")) << "both echoes, then success";

  EXPECT_TRUE(c->AwaitEof(3'000)) << "the connection closes once its last stream is done: eof "
                                  << c->eof() << ", bytes of a cut frame " << c->pending_bytes();
  EXPECT_TRUE(c->reply(3).headers.empty()) << "no answer to a stream after GOAWAY";
  EXPECT_EQ(counted_calls_.load(), 0) << "its handler never ran";
  JoinStop();
  EXPECT_LT(stop_ms_.load(), 2'500) << "Stop returns when the last call is done, not at grace";
  EXPECT_EQ(server_->active_calls(), 0u);
  EXPECT_FALSE(RawH2(port_).connected()) << "no new connections after Stop";
}

TEST_F(KeepaliveShutdownTest, CallOutlivingTheGracePeriodFails) {
  ClientOptions o;
  o.base_url = "http://127.0.0.1:" + std::to_string(port_);
  auto client = Client::Create(o);
  ASSERT_TRUE(client.ok());
  auto s = (*client)->Open(kBidi, CallKind::kBidi);
  ASSERT_TRUE(s.ok());
  std::string m;
  ASSERT_TRUE((*s)->Write(Bytes("a")).ok());
  ASSERT_EQ(*(*s)->Read(&m, SteadyNowMs() + 5'000), Stream::ReadResult::kMessage);

  // A raw connection opened after the client's sees the GOAWAY of Stop:
  // Stop has then stopped accepting and queued the GOAWAY of the client's
  // connection (connections are shut down in the order they came).
  auto watcher = Connect(port_, true);
  constexpr int64_t kGraceMs = 500;
  StopInBackground(kGraceMs);
  ASSERT_TRUE(watcher->Pump([&] { return watcher->goaway().has_value(); }, 5'000));
  // Within the grace period the call still works (and the echo comes
  // after the GOAWAY, so the client has seen it)...
  ASSERT_TRUE((*s)->Write(Bytes("b")).ok());
  auto rb = (*s)->Read(&m, SteadyNowMs() + 5'000);
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  EXPECT_EQ(*rb, Stream::ReadResult::kMessage);
  EXPECT_EQ(m, Bytes("b"));
  // ...but a new call is not taken: the client opens no stream on a
  // connection that got GOAWAY, it dials, and the stopping server no
  // longer accepts.
  auto fresh = (*client)->Unary(kEcho, Bytes("new"), {}, 2'000);
  EXPECT_EQ(fresh.status().code(), Code::kUnavailable) << fresh.status().ToString();
  EXPECT_THAT(fresh.status().message(), ::testing::HasSubstr("cannot connect"));

  // It outlives the grace period: the server closes it.
  auto r = (*s)->Read(&m, SteadyNowMs() + 10'000);
  const int64_t failed_after = SteadyNowMs() - stop_started_ms_;
  ASSERT_FALSE(r.ok()) << "read returned " << static_cast<int>(*r);
  EXPECT_TRUE(r.status().code() == Code::kUnavailable || r.status().code() == Code::kCanceled)
      << r.status().ToString();
  EXPECT_GE(failed_after, kGraceMs - 20);
  EXPECT_LT(failed_after, kGraceMs + 3'000);
  JoinStop();
  EXPECT_EQ(server_->active_calls(), 0u) << "the handler saw its stream fail and returned";
}

}  // namespace
}  // namespace brs::rpc
