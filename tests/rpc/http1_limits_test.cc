// HTTP/1.1 peers that are slow, idle, too many, or still attached when the
// server stops, against an in-process server with short limits: each is
// closed by the limit that governs it, at about its time, and none holds a
// thread while it waits.
#include <dirent.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "base/metrics.h"
#include "rpc/envelope.h"
#include "rpc/raw_http1_peer.h"
#include "rpc/rpc_test_util.h"
#include "rpc/server.h"
#include "rpc/wait_until.h"
#include "store/store_test_util.h"

namespace brs::rpc {
namespace {

using testing::GetRequest;
using ::testing::HasSubstr;
using testing::RawHttp1Peer;
using ::testing::StartsWith;

constexpr int64_t kHeaderMs = 300;
constexpr int64_t kIdleMs = 5'000;

size_t ThreadCount() {
  size_t n = 0;
  if (DIR* d = ::opendir("/proc/self/task")) {
    while (dirent* e = ::readdir(d)) n += e->d_name[0] != '.';
    ::closedir(d);
  }
  return n;
}

class Http1LimitsTest : public ::testing::Test {
 protected:
  void StartServer(ServerOptions o) {
    o.metrics = &registry_;
    o.on_refusal = [this](const Refusal& r) {
      std::lock_guard lock(mu_);
      refusals_.push_back(r);
    };
    server_ = std::make_unique<Server>(o);
    testing::RegisterEcho(*server_);
    server_->HandleGet("/ping", [](const std::string&, const Headers&) {
      return HttpResponse{200, "text/plain", "pong\n", {}};
    });
    ASSERT_TRUE(server_->Start().ok());
  }
  ServerOptions Short() const {
    ServerOptions o;
    o.http1_header_timeout_ms = kHeaderMs;
    o.http1_idle_timeout_ms = kIdleMs;
    return o;
  }
  void TearDown() override {
    if (server_) server_->Stop(1'000);
  }
  uint64_t Refused(const std::string& reason) {
    return registry_.AddCounter("backrest_sync_rpc_refusals_total", "", {"reason"})
        .With({reason})
        .Value();
  }
  std::vector<Refusal> Reports() {
    std::lock_guard lock(mu_);
    return refusals_;
  }
  // A peer that made one GET and got its 200 (keep-alive).
  std::unique_ptr<RawHttp1Peer> Served() {
    auto p = std::make_unique<RawHttp1Peer>(server_->port());
    EXPECT_TRUE(p->Send(GetRequest("/ping")));
    EXPECT_THAT(p->AwaitResponse(5'000), StartsWith("HTTP/1.1 200 OK\r\n"));
    return p;
  }

  metrics::Registry registry_;
  std::mutex mu_;
  std::vector<Refusal> refusals_;
  std::unique_ptr<Server> server_;
};

// A slowloris peer sends a byte every 100 ms and never finishes its head:
// it is answered 408 and closed at the header timeout, while a peer that is
// merely idle after a response stays until the idle timeout.
TEST_F(Http1LimitsTest, SlowlorisIsClosedAtTheHeaderTimeoutAnIdlePeerAtTheIdleTimeout) {
  StartServer(Short());
  auto idle = Served();
  const int64_t idle_since = SteadyNowMs();
  RawHttp1Peer slow(server_->port());
  ASSERT_TRUE(slow.Send("GET /ping HTTP/1.1\r\nX-Slow: "));
  while (slow.closed_ms() == 0 && SteadyNowMs() - slow.connected_ms() < 5'000) {
    if (!slow.Send("a")) break;  // a reset: the server closed
    slow.Pump(100);
  }
  slow.AwaitClose(2'000);
  ASSERT_NE(slow.closed_ms(), 0) << "the slowloris peer was never closed";
  const int64_t slow_lived = slow.closed_ms() - slow.connected_ms();
  EXPECT_GE(slow_lived, kHeaderMs);
  EXPECT_LT(slow_lived, kHeaderMs + 1'000);
  EXPECT_THAT(slow.received(), StartsWith("HTTP/1.1 408 Request Timeout\r\n"));
  EXPECT_THAT(slow.received(), HasSubstr("Connection: close\r\n"));
  EXPECT_EQ(Refused("header_timeout"), 1u);

  // The idle peer has been silent for longer than the header timeout and
  // is not due before the idle timeout.
  ASSERT_LT(SteadyNowMs() - idle_since, kIdleMs - 1'000) << "too slow a machine for this test";
  EXPECT_TRUE(idle->Pump(0)) << "an idle peer was closed before its idle timeout";
  ASSERT_NE(idle->AwaitClose(kIdleMs + 5'000), 0) << "the idle peer was never closed";
  EXPECT_GE(idle->closed_ms() - idle_since, kIdleMs - 100);
  EXPECT_EQ(idle->received().find("408"), std::string::npos) << "an idle close is silent";
  EXPECT_EQ(Refused("header_timeout"), 1u);
}

// A head on time and a body a byte every 100 ms: the body's deadline (the
// idle timeout after the head) closes it, not the header timeout.
TEST_F(Http1LimitsTest, SlowBodyIsClosedAtTheIdleTimeoutAfterItsHead) {
  ServerOptions o = Short();
  o.http1_idle_timeout_ms = 1'500;
  StartServer(o);
  RawHttp1Peer slow(server_->port());
  ASSERT_TRUE(
      slow.Send("POST /brs.test.v1.EchoService/Echo HTTP/1.1\r\nContent-Type: application/proto\r\n"
                "Content-Length: 1000\r\n\r\n"));
  const int64_t head_sent = SteadyNowMs();
  while (slow.closed_ms() == 0 && SteadyNowMs() - head_sent < 6'000) {
    if (!slow.Send("b")) break;
    slow.Pump(100);
  }
  ASSERT_NE(slow.AwaitClose(2'000), 0) << "the slow body was never cut";
  EXPECT_GE(slow.closed_ms() - head_sent, 1'500 - 100);
  EXPECT_LT(slow.closed_ms() - head_sent, 1'500 + 1'500);
  EXPECT_THAT(slow.received(), StartsWith("HTTP/1.1 408 Request Timeout\r\n"));
  EXPECT_EQ(Refused("http1_body_timeout"), 1u);
  EXPECT_EQ(Refused("header_timeout"), 0u);
}

// A connection that never says anything is closed at the header timeout
// (before anyone knows whether it speaks HTTP/1.1 or HTTP/2).
TEST_F(Http1LimitsTest, SilentConnectionIsClosedAtTheHeaderTimeout) {
  StartServer(Short());
  RawHttp1Peer silent(server_->port());
  ASSERT_NE(silent.AwaitClose(5'000), 0) << "a silent connection was never closed";
  EXPECT_GE(silent.closed_ms() - silent.connected_ms(), kHeaderMs);
  EXPECT_LT(silent.closed_ms() - silent.connected_ms(), kHeaderMs + 1'000);
  EXPECT_EQ(silent.received(), "");
  EXPECT_EQ(Refused("header_timeout"), 1u);
}

// The same over TLS: a peer that opens a TCP connection and never starts
// the handshake is closed at the header timeout.
TEST_F(Http1LimitsTest, SilentTlsConnectionIsClosedAtTheHeaderTimeout) {
  store::testing::TempDir dir;
  ServerOptions o = Short();
  o.tls_cert_file = dir.File("cert.pem");
  o.tls_key_file = dir.File("key.pem");
  ASSERT_TRUE(testing::MakeSelfSignedCert(o.tls_cert_file, o.tls_key_file));
  StartServer(o);
  RawHttp1Peer silent(server_->port());
  ASSERT_NE(silent.AwaitClose(5'000), 0) << "a silent TLS connection was never closed";
  EXPECT_GE(silent.closed_ms() - silent.connected_ms(), kHeaderMs);
  EXPECT_LT(silent.closed_ms() - silent.connected_ms(), kHeaderMs + 1'000);
  EXPECT_EQ(Refused("header_timeout"), 1u);
}

// Connections over the bound are answered 503 and closed; a storm of them
// is reported once (then once more, with its count, when the server
// stops) and counted in full; a freed place serves a new connection.
TEST_F(Http1LimitsTest, ConnectionsOverTheBoundAreRefusedWith503AndReportedOnce) {
  ServerOptions o = Short();
  o.max_http1_connections = 4;
  o.refusal_report_interval_ms = 60'000;
  StartServer(o);
  std::vector<std::unique_ptr<RawHttp1Peer>> served;
  for (int i = 0; i < 4; ++i) served.push_back(Served());
  EXPECT_EQ(server_->connection_count(), 4u);
  for (int i = 0; i < 20; ++i) {
    RawHttp1Peer extra(server_->port());
    ASSERT_TRUE(extra.Send(GetRequest("/ping")));
    const std::string r = extra.AwaitResponse(5'000);
    EXPECT_THAT(r, StartsWith("HTTP/1.1 503 Service Unavailable\r\n")) << i;
    EXPECT_THAT(r, HasSubstr("Connection: close\r\n"));
    EXPECT_NE(extra.AwaitClose(5'000), 0) << "a refused connection stays open";
  }
  EXPECT_EQ(Refused("http1_connection_limit"), 20u);
  {
    auto reports = Reports();
    ASSERT_EQ(reports.size(), 1u) << "a storm of refusals is reported once";
    EXPECT_EQ(reports[0].count, 1u);
    EXPECT_THAT(reports[0].reason, HasSubstr("connection limit (4)"));
    EXPECT_THAT(reports[0].peer, StartsWith("127.0.0.1:"));
  }
  // The ones served are still served.
  ASSERT_TRUE(served[0]->Send(GetRequest("/ping")));
  EXPECT_THAT(served[0]->AwaitResponse(5'000), StartsWith("HTTP/1.1 200 OK\r\n"));
  // One leaves: its place goes to the next connection once the server has
  // seen it leave.
  served.pop_back();
  bool admitted = false;
  for (int i = 0; i < 100 && !admitted; ++i) {
    RawHttp1Peer next(server_->port());
    ASSERT_TRUE(next.Send(GetRequest("/ping")));
    admitted = next.AwaitResponse(5'000).rfind("HTTP/1.1 200 OK\r\n", 0) == 0;
    if (!admitted) next.AwaitClose(5'000);
  }
  EXPECT_TRUE(admitted) << "a freed place was never given to a new connection";
  const uint64_t refused = Refused("http1_connection_limit");
  server_->Stop();
  auto reports = Reports();
  ASSERT_EQ(reports.size(), 2u);
  EXPECT_EQ(reports[1].count, refused - 1) << "the rest of the storm, counted, at Stop";
}

// Requests sent back to back on one connection are answered in order.
TEST_F(Http1LimitsTest, PipelinedRequestsAreAnsweredInOrder) {
  StartServer(Short());
  RawHttp1Peer p(server_->port());
  ASSERT_TRUE(p.Send(GetRequest("/ping") + GetRequest("/nowhere") + GetRequest("/ping", false)));
  EXPECT_THAT(p.AwaitResponse(5'000), StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(p.AwaitResponse(5'000), StartsWith("HTTP/1.1 404 Not Found\r\n"));
  const std::string last = p.AwaitResponse(5'000);
  EXPECT_THAT(last, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(last, HasSubstr("Connection: close\r\n"));
  EXPECT_NE(p.AwaitClose(5'000), 0);
}

// 1 000 idle keep-alive connections hold no thread each, and the server
// still serves a new client.
TEST_F(Http1LimitsTest, ThousandIdleConnectionsHoldNoThreads) {
  ServerOptions o = Short();
  o.http1_idle_timeout_ms = 120'000;
  o.max_http1_connections = 2'000;
  StartServer(o);
  (void)Served();  // a first request starts the handler threads there are
  const size_t before = ThreadCount();
  std::vector<std::unique_ptr<RawHttp1Peer>> peers;
  for (int i = 0; i < 1'000; ++i) peers.push_back(Served());
  EXPECT_EQ(server_->connection_count(), 1'000u);
  const size_t during = ThreadCount();
  // Each request ran on a worker; up to 16 idle ones are kept.
  EXPECT_LE(during, before + 16) << before << " threads before, " << during << " with 1 000 peers";
  testing::ExpectFreshClientServes(server_->port());
  for (auto& p : peers) EXPECT_TRUE(p->Pump(0)) << "an idle peer was closed";
}

// Stop with HTTP/1.1 peers attached (idle, halfway through a head,
// halfway through a body) returns at once and has closed every one.
TEST_F(Http1LimitsTest, StopClosesEveryHttp1PeerAndReturnsWithinASecond) {
  ServerOptions o = Short();
  o.http1_header_timeout_ms = 60'000;
  o.http1_idle_timeout_ms = 60'000;
  StartServer(o);
  std::vector<std::unique_ptr<RawHttp1Peer>> peers;
  for (int i = 0; i < 5; ++i) peers.push_back(Served());
  for (int i = 0; i < 5; ++i) {
    peers.push_back(std::make_unique<RawHttp1Peer>(server_->port()));
    ASSERT_TRUE(peers.back()->Send("GET /ping HTTP/1.1\r\nHost: te"));
  }
  for (int i = 0; i < 5; ++i) {
    peers.push_back(std::make_unique<RawHttp1Peer>(server_->port()));
    ASSERT_TRUE(peers.back()->Send(
        "POST /brs.test.v1.EchoService/Echo HTTP/1.1\r\nContent-Type: application/proto\r\n"
        "Content-Length: 100\r\n\r\nhalf"));
  }
  // Every one is being served (the heads and bodies are on their way).
  ASSERT_TRUE(testing::WaitUntil([&] { return server_->connection_count() >= peers.size(); }));
  ASSERT_EQ(server_->connection_count(), peers.size());
  const int64_t start = SteadyNowMs();
  server_->Stop();
  EXPECT_LT(SteadyNowMs() - start, 1'000);
  for (size_t i = 0; i < peers.size(); ++i) {
    EXPECT_NE(peers[i]->AwaitClose(2'000), 0) << "peer " << i << " still attached after Stop";
  }
  EXPECT_EQ(server_->active_calls(), 0u);
}

// A server stream over HTTP/1.1 whose handler waits for changes until its
// peer goes (as the peer-states subscription does): Stop ends it within
// the grace, and has waited for its handler to return.
TEST_F(Http1LimitsTest, StopEndsAnHttp1ServerStreamAndWaitsForItsHandler) {
  ServerOptions o = Short();
  std::atomic<bool> returned{false};
  server_ = std::make_unique<Server>(o);
  server_->HandleServerStream("/test.Watch/Changes", [&](const CallInfo&, Stream& s) -> Status {
    std::string m;
    (void)s.Read(&m);
    Status st = s.Write("first");
    while (st.ok()) {
      auto r = s.Read(&m, SteadyNowMs() + 20);
      if (!r.ok()) st = r.status();
    }
    returned = true;
    return st;
  });
  ASSERT_TRUE(server_->Start().ok());
  RawHttp1Peer p(server_->port());
  std::string body;
  ASSERT_TRUE(AppendEnvelope(0, "", &body).ok());
  ASSERT_TRUE(
      p.Send("POST /test.Watch/Changes HTTP/1.1\r\nContent-Type: application/connect+proto\r\n"
             "Content-Length: " +
             std::to_string(body.size()) + "\r\n\r\n" + body));
  for (int i = 0; i < 50 && p.received().find("first") == std::string::npos; ++i) p.Pump(100);
  ASSERT_THAT(p.received(), StartsWith("HTTP/1.1 200 OK\r\n"));
  ASSERT_THAT(p.received(), HasSubstr("first"));
  const int64_t start = SteadyNowMs();
  server_->Stop(200);
  EXPECT_LT(SteadyNowMs() - start, 1'000);
  EXPECT_TRUE(returned) << "Stop returned with the stream's handler still running";
  EXPECT_EQ(server_->active_calls(), 0u);
  EXPECT_NE(p.AwaitClose(2'000), 0);
}

}  // namespace
}  // namespace brs::rpc
