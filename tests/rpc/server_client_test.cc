// C++ client against C++ server, in-process over loopback: unary, server
// stream and bidi (10 000 messages each way), Connect and gRPC, gzip on and
// off, h2c and TLS; errors, unknown paths, cancellation, back-pressure and
// connection loss.
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

#include <atomic>
#include <future>
#include <thread>

#include "rpc/client.h"
#include "rpc/rpc_test_util.h"
#include "rpc/server.h"
#include "rpc/wait_until.h"
#include "store/store_test_util.h"

namespace brs::rpc {
namespace {

using testing::Bytes;
using testing::Int;

struct Param {
  bool grpc;
  bool gzip;
  bool tls;
};

std::string Name(const ::testing::TestParamInfo<Param>& p) {
  return std::string(p.param.grpc ? "Grpc" : "Connect") + (p.param.gzip ? "Gzip" : "Identity") +
         (p.param.tls ? "Tls" : "H2c");
}

class RpcTest : public ::testing::TestWithParam<Param> {
 protected:
  void SetUp() override {
    ServerOptions o;
    if (GetParam().tls) {
      cert_ = dir_.File("cert.pem");
      key_ = dir_.File("key.pem");
      ASSERT_TRUE(testing::MakeSelfSignedCert(cert_, key_));
      o.tls_cert_file = cert_;
      o.tls_key_file = key_;
    }
    server_ = std::make_unique<Server>(o);
    testing::RegisterEcho(*server_);
    ASSERT_TRUE(server_->Start().ok());
    ClientOptions c;
    c.base_url = std::string(GetParam().tls ? "https://localhost:" : "http://127.0.0.1:") +
                 std::to_string(server_->port());
    c.grpc = GetParam().grpc;
    c.send_gzip = GetParam().gzip;
    c.ca_file = cert_;
    auto client = Client::Create(c);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
  }
  void TearDown() override {
    client_.reset();
    if (server_) server_->Stop(1000);
  }

  store::testing::TempDir dir_;
  std::string cert_, key_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> client_;
};

TEST_P(RpcTest, Unary) {
  auto r = client_->Unary("/brs.test.v1.EchoService/Echo", Bytes("hello"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  google::protobuf::BytesValue v;
  ASSERT_TRUE(v.ParseFromString(*r));
  EXPECT_EQ(v.value(), "hello");
  // Large message (1 MiB) both ways.
  std::string big(1 << 20, 'z');
  r = client_->Unary("/brs.test.v1.EchoService/Echo", Bytes(big));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(v.ParseFromString(*r));
  EXPECT_EQ(v.value().size(), big.size());
}

TEST_P(RpcTest, ErrorCodesRoundTrip) {
  for (Code code : {Code::kCanceled, Code::kInvalidArgument, Code::kNotFound,
                    Code::kPermissionDenied, Code::kResourceExhausted, Code::kUnauthenticated,
                    Code::kInternal, Code::kUnavailable, Code::kFailedPrecondition}) {
    auto r = client_->Unary("/brs.test.v1.EchoService/Echo",
                            Bytes("error:" + std::string(CodeName(code))));
    EXPECT_EQ(r.status().code(), code) << CodeName(code) << " " << r.status().ToString();
    EXPECT_EQ(r.status().message(), "requested");
  }
  // The same through a bidi stream.
  auto s = client_->Open("/brs.test.v1.EchoService/Bidi", CallKind::kBidi);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Write(Bytes("error:permission_denied")).ok());
  std::string m;
  auto rr = (*s)->Read(&m, SteadyNowMs() + 10'000);
  EXPECT_EQ(rr.status().code(), Code::kPermissionDenied) << rr.status().ToString();
}

TEST_P(RpcTest, UnknownProcedureIsUnimplemented) {
  auto r = client_->Unary("/brs.test.v1.EchoService/Nope", Bytes("x"));
  EXPECT_EQ(r.status().code(), GetParam().grpc ? Code::kUnimplemented : Code::kUnimplemented)
      << r.status().ToString();
}

TEST_P(RpcTest, ServerStream) {
  auto s = client_->Open("/brs.test.v1.EchoService/Count", CallKind::kServerStream);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_TRUE((*s)->Write(Int(1000)).ok());
  (*s)->Finish(Status());
  std::string m;
  int64_t expect = 0;
  for (;;) {
    auto r = (*s)->Read(&m, SteadyNowMs() + 10'000);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (*r == Stream::ReadResult::kEnd) break;
    ASSERT_EQ(*r, Stream::ReadResult::kMessage);
    google::protobuf::Int64Value v;
    ASSERT_TRUE(v.ParseFromString(m));
    EXPECT_EQ(v.value(), expect++);
  }
  EXPECT_EQ(expect, 1000);
  auto neg = client_->Open("/brs.test.v1.EchoService/Count", CallKind::kServerStream);
  ASSERT_TRUE((*neg)->Write(Int(-1)).ok());
  (*neg)->Finish(Status());
  EXPECT_EQ((*neg)->Read(&m, SteadyNowMs() + 10'000).status().code(), Code::kInvalidArgument);
}

TEST_P(RpcTest, Bidi10000EachWay) {
  auto s = client_->Open("/brs.test.v1.EchoService/Bidi", CallKind::kBidi);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  constexpr int kN = 10'000;
  std::atomic<bool> write_ok{true};
  std::thread writer([&] {
    for (int i = 0; i < kN; ++i) {
      if (!(*s)->Write(Bytes("message " + std::to_string(i))).ok()) {
        write_ok = false;
        return;
      }
    }
    (*s)->Finish(Status());
  });
  std::string m;
  int got = 0;
  for (;;) {
    auto r = (*s)->Read(&m, SteadyNowMs() + 30'000);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    if (*r == Stream::ReadResult::kEnd) break;
    ASSERT_EQ(*r, Stream::ReadResult::kMessage);
    google::protobuf::BytesValue v;
    ASSERT_TRUE(v.ParseFromString(m));
    ASSERT_EQ(v.value(), "message " + std::to_string(got));
    ++got;
  }
  writer.join();
  EXPECT_TRUE(write_ok);
  EXPECT_EQ(got, kN);
}

INSTANTIATE_TEST_SUITE_P(All, RpcTest,
                         ::testing::Values(Param{false, false, false}, Param{false, true, false},
                                           Param{true, false, false}, Param{true, true, false},
                                           Param{false, false, true}, Param{true, true, true}),
                         Name);

class RpcPlainTest : public ::testing::Test {
 protected:
  // The flood's writer may run ahead of its reader by the windows and
  // buffers between them (about 2 MiB: 1 MiB unread before the client
  // withholds credit, a 1 MiB stream window, 256 KiB of send buffer), not
  // by the 200 MB it has to send.
  static constexpr int kMaxLead = 5'000;

  void SetUp() override {
    server_ = std::make_unique<Server>(ServerOptions{});
    testing::RegisterEcho(*server_);
    server_->HandleBidi("/test.Slow/Flood", [this](const CallInfo&, Stream& s) -> Status {
      for (int i = 0; i < 200'000; ++i) {
        Status st = s.Write(std::string(1000, 'x'));
        if (!st.ok()) return st;
        written_ = i + 1;
        if (written_.load() - read_.load() > kMaxLead) lead_exceeded_ = true;
      }
      return Status();
    });
    server_->HandleBidi("/test.Slow/WaitForCancel", [this](const CallInfo&, Stream& s) -> Status {
      handler_started_.set_value();
      std::string m;
      auto r = s.Read(&m, SteadyNowMs() + 10'000);
      cancel_seen_.set_value(r.ok() ? Status(Code::kOk, "read returned") : r.status());
      return Status();
    });
    // Reads the request side to its end, then holds the call open until
    // the test releases it.
    server_->HandleBidi("/test.Slow/HoldAfterEnd", [this](const CallInfo&, Stream& s) -> Status {
      std::string m;
      for (;;) {
        auto r = s.Read(&m, SteadyNowMs() + 10'000);
        if (!r.ok() || *r != Stream::ReadResult::kMessage) break;
      }
      request_ended_.set_value();
      release_.get_future().wait_for(std::chrono::seconds(10));
      return Status();
    });
    ASSERT_TRUE(server_->Start().ok());
    ClientOptions c;
    c.base_url = "http://127.0.0.1:" + std::to_string(server_->port());
    client_ = std::move(*Client::Create(c));
  }
  void TearDown() override {
    if (!released_) release_.set_value();
    client_.reset();
    server_->Stop(1000);
  }
  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> client_;
  std::atomic<int> written_{0};
  std::atomic<int> read_{0};
  std::atomic<bool> lead_exceeded_{false};
  std::promise<void> handler_started_;
  std::promise<Status> cancel_seen_;
  std::promise<void> request_ended_;
  std::promise<void> release_;
  bool released_ = false;
};

// A reader that does not read holds the writer back: HTTP/2 flow control
// plus the bounded send buffer keep memory bounded. The writer checks its
// lead over the reader after every message, so no moment is left out.
TEST_F(RpcPlainTest, SlowReaderSlowsTheWriter) {
  auto s = client_->Open("/test.Slow/Flood", CallKind::kBidi);
  ASSERT_TRUE(s.ok());
  // The client takes messages until 1 MiB of them are unread, then gives
  // no more credit: from here on the writer is held by flow control.
  constexpr size_t kCreditWithheld = (1 << 20) / (1000 + 5) + 1;
  ASSERT_TRUE(testing::WaitUntil([&] { return (*s)->Backlog() >= kCreditWithheld; }))
      << "backlog " << (*s)->Backlog();
  const int stalled = written_.load();
  EXPECT_GT(stalled, 0);
  EXPECT_LT(stalled, kMaxLead) << "about 2 MiB of windows and buffers, not 200 MB";
  std::string m;
  while (read_.load() < 20'000) {
    auto r = (*s)->Read(&m, SteadyNowMs() + 10'000);
    ASSERT_TRUE(r.ok() && *r == Stream::ReadResult::kMessage);
    ++read_;
  }
  EXPECT_GT(written_.load(), stalled) << "reading lets the writer go on";
  EXPECT_FALSE(lead_exceeded_.load()) << "the writer ran more than " << kMaxLead << " ahead";
}

TEST_F(RpcPlainTest, ClientCancelReachesTheHandler) {
  auto s = client_->Open("/test.Slow/WaitForCancel", CallKind::kBidi);
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(handler_started_.get_future().wait_for(std::chrono::seconds(10)),
            std::future_status::ready);
  (*s)->Finish(Status(Code::kCanceled, "bye"));
  auto seen = cancel_seen_.get_future();
  ASSERT_EQ(seen.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  const Status st = seen.get();
  EXPECT_EQ(st.code(), Code::kCanceled) << st.ToString();
}

// A client that half-closed (Finish OK) can still cancel while it reads:
// its Read ends canceled at once, not when the server ends the call.
TEST_F(RpcPlainTest, ClientCancelsAfterHalfClose) {
  auto s = client_->Open("/test.Slow/HoldAfterEnd", CallKind::kBidi);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Write(Bytes("a")).ok());
  (*s)->Finish(Status());
  ASSERT_EQ(request_ended_.get_future().wait_for(std::chrono::seconds(10)),
            std::future_status::ready);
  (*s)->Finish(Status(Code::kCanceled, "changed my mind"));
  std::string m;
  auto r = (*s)->Read(&m, SteadyNowMs() + 5'000);
  ASSERT_FALSE(r.ok()) << "read returned " << static_cast<int>(*r);
  EXPECT_EQ(r.status().code(), Code::kCanceled) << r.status().ToString();
  release_.set_value();
  released_ = true;
}

TEST_F(RpcPlainTest, ServerStopFailsOpenStreams) {
  auto s = client_->Open("/brs.test.v1.EchoService/Bidi", CallKind::kBidi);
  ASSERT_TRUE(s.ok());
  ASSERT_TRUE((*s)->Write(Bytes("a")).ok());
  std::string m;
  ASSERT_EQ(*(*s)->Read(&m, SteadyNowMs() + 5'000), Stream::ReadResult::kMessage);
  server_->Stop(100);
  auto r = (*s)->Read(&m, SteadyNowMs() + 5'000);
  EXPECT_FALSE(r.ok());
  EXPECT_TRUE(r.status().code() == Code::kUnavailable || r.status().code() == Code::kCanceled)
      << r.status().ToString();
}

ClientOptions Url(std::string url, int64_t connect_timeout_ms = 10'000) {
  ClientOptions o;
  o.base_url = std::move(url);
  o.connect_timeout_ms = connect_timeout_ms;
  return o;
}

TEST(RpcClient, UnreachableAndBadUrls) {
  EXPECT_EQ(Client::Create(Url("ftp://x")).status().code(), Code::kInvalidArgument);
  EXPECT_EQ(Client::Create(Url("http://")).status().code(), Code::kInvalidArgument);
  auto c = Client::Create(Url("http://127.0.0.1:1", 2000));
  ASSERT_TRUE(c.ok());
  auto r = (*c)->Unary("/x.Y/Z", "");
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_NE(r.status().message().find("cannot connect"), std::string::npos)
      << r.status().ToString();
}

TEST(RpcClient, DeadlineExceeded) {
  Server server(ServerOptions{});
  // The handler is still working when the deadline passes; it is let go
  // once the client has given up.
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  server.HandleUnary("/t.S/Slow", [released](const CallInfo&, std::string_view) {
    released.wait_for(std::chrono::seconds(10));
    return StatusOr<std::string>(std::string());
  });
  ASSERT_TRUE(server.Start().ok());
  auto c = Client::Create(Url("http://127.0.0.1:" + std::to_string(server.port())));
  auto r = (*c)->Unary("/t.S/Slow", "", {}, 100);
  release.set_value();
  EXPECT_EQ(r.status().code(), Code::kDeadlineExceeded) << r.status().ToString();
  server.Stop(2000);
}

}  // namespace
}  // namespace brs::rpc
