// A call whose request is one message (unary, server stream) that brings
// none or two fails unimplemented, in Connect and gRPC, before the handler
// runs (as connect-go and grpc-go answer).
#include <gtest/gtest.h>

#include <atomic>

#include "rpc/client.h"
#include "rpc/rpc_test_util.h"
#include "rpc/server.h"

namespace brs::rpc {
namespace {

using testing::Int;

constexpr char kCount[] = "/t.S/Count";
constexpr char kUnary[] = "/t.S/Unary";

class RequestCountTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    server_ = std::make_unique<Server>(ServerOptions{});
    server_->HandleServerStream(kCount, [this](const CallInfo&, Stream& s) -> Status {
      ++handler_runs_;
      std::string m;
      while (true) {
        BRS_ASSIGN_OR_RETURN(auto r, s.Read(&m));
        if (r != Stream::ReadResult::kMessage) break;
        BRS_RETURN_IF_ERROR(s.Write(m));
      }
      return Status();
    });
    server_->HandleUnary(kUnary,
                         [this](const CallInfo&, std::string_view m) -> StatusOr<std::string> {
                           ++handler_runs_;
                           return std::string(m);
                         });
    ASSERT_TRUE(server_->Start().ok());
    ClientOptions c;
    c.base_url = "http://127.0.0.1:" + std::to_string(server_->port());
    c.grpc = GetParam();
    auto client = Client::Create(c);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(*client);
  }
  void TearDown() override {
    client_.reset();
    server_->Stop(1000);
  }

  // Sends `n` messages on a new call of `kind` and returns its outcome;
  // *messages counts those received.
  Status Call(const char* path, CallKind kind, int n, int* messages) {
    auto s = client_->Open(path, kind, {}, 5'000);
    if (!s.ok()) return s.status();
    for (int i = 0; i < n; ++i) {
      if (Status st = (*s)->Write(Int(i)); !st.ok()) break;
    }
    (*s)->Finish(Status());
    *messages = 0;
    std::string m;
    for (;;) {
      auto r = (*s)->Read(&m, SteadyNowMs() + 5'000);
      if (!r.ok()) return r.status();
      if (*r != Stream::ReadResult::kMessage) return Status();
      ++*messages;
    }
  }

  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> client_;
  std::atomic<int> handler_runs_{0};
};

TEST_P(RequestCountTest, ServerStreamTakesExactlyOneRequest) {
  int got = 0;
  EXPECT_TRUE(Call(kCount, CallKind::kServerStream, 1, &got).ok());
  EXPECT_EQ(got, 1);
  EXPECT_EQ(handler_runs_.load(), 1);
  for (int n : {0, 2}) {
    const Status st = Call(kCount, CallKind::kServerStream, n, &got);
    EXPECT_EQ(st.code(), Code::kUnimplemented) << n << " requests: " << st.ToString();
    EXPECT_EQ(got, 0);
  }
  EXPECT_EQ(handler_runs_.load(), 1) << "the handler never saw the others";
}

TEST_P(RequestCountTest, GrpcUnaryTakesExactlyOneRequest) {
  if (!GetParam()) GTEST_SKIP() << "a Connect unary request is the body itself (always one)";
  int got = 0;
  for (int n : {0, 2}) {
    const Status st = Call(kUnary, CallKind::kBidi, n, &got);
    EXPECT_EQ(st.code(), Code::kUnimplemented) << n << " requests: " << st.ToString();
  }
  EXPECT_EQ(handler_runs_.load(), 0);
}

INSTANTIATE_TEST_SUITE_P(All, RequestCountTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& p) {
                           return p.param ? "Grpc" : "Connect";
                         });

}  // namespace
}  // namespace brs::rpc
