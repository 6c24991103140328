// RouteRequest: which handler answers a request, or which refusal, from
// its headers alone.
#include "rpc/router.h"

#include <gtest/gtest.h>

namespace brs::rpc::internal {
namespace {

using Action = RouteDecision::Action;

constexpr char kUnary[] = "/t.S/Unary";
constexpr char kBidi[] = "/t.S/Bidi";
constexpr int64_t kNow = 1'000'000;
constexpr size_t kMax = 1000;

class RouterTest : public ::testing::Test {
 protected:
  RouterTest() {
    table_.routes[kUnary] = internal::Route{RouteKind::kUnary, nullptr, nullptr, {}, nullptr};
    table_.routes[kBidi] = internal::Route{RouteKind::kBidi, nullptr, nullptr, {}, nullptr};
    table_.gets["/metrics"] = [](const std::string&, const Headers&) { return HttpResponse{}; };
  }
  RouteDecision Decide(Headers h) { return RouteRequest(h, table_, kMax, kNow); }
  static Headers Post(std::string path, std::string ctype) {
    return {{":method", "POST"}, {":path", std::move(path)}, {"content-type", std::move(ctype)}};
  }
  RouteTable table_;
};

TEST_F(RouterTest, GetEndpoints) {
  RouteDecision d = Decide({{":method", "GET"}, {":path", "/metrics?x=1"}});
  EXPECT_EQ(d.action, Action::kServeGet);
  EXPECT_EQ(d.get, &table_.gets["/metrics"]);
  EXPECT_EQ(d.info.path, "/metrics") << "the query is not part of the path";
  EXPECT_FALSE(d.head);
  d = Decide({{":method", "HEAD"}, {":path", "/metrics"}});
  EXPECT_EQ(d.action, Action::kServeGet);
  EXPECT_TRUE(d.head);
  d = Decide({{":method", "GET"}, {":path", kUnary}});
  EXPECT_EQ(d.action, Action::kRespond);
  EXPECT_EQ(d.response.status, 405) << "an RPC path wants POST";
  EXPECT_EQ(d.response.content_type, "text/plain; charset=utf-8")
      << "no Connect error: the client's code is the status's (unknown)";
  d = Decide({{":method", "HEAD"}, {":path", "/nothing"}});
  EXPECT_EQ(d.action, Action::kRespond);
  EXPECT_EQ(d.response.status, 404);
  EXPECT_EQ(d.response.body, "not found\n");
  EXPECT_TRUE(d.head);
}

TEST_F(RouterTest, UnknownProcedure) {
  RouteDecision d = Decide(Post("/t.S/Nope", "application/grpc"));
  EXPECT_EQ(d.action, Action::kFail) << "gRPC hears it in its own protocol";
  EXPECT_EQ(d.status.code(), Code::kUnimplemented);
  EXPECT_EQ(d.status.message(), "unknown procedure /t.S/Nope");
  EXPECT_EQ(d.config.content_type.protocol, Protocol::kGrpc);
  d = Decide(Post("/t.S/Nope", "application/proto"));
  EXPECT_EQ(d.action, Action::kRespond);
  EXPECT_EQ(d.response.status, 404);
  EXPECT_EQ(d.response.body,
            "{\"code\":\"unimplemented\",\"message\":\"unknown procedure /t.S/Nope\"}");
}

TEST_F(RouterTest, WrongMethodOrContentType) {
  EXPECT_EQ(Decide({{":method", "PUT"}, {":path", kUnary}}).response.status, 405);
  EXPECT_EQ(Decide(Post(kUnary, "application/connect+proto")).response.status, 415)
      << "a unary route takes Connect unary";
  EXPECT_EQ(Decide(Post(kBidi, "application/proto")).response.status, 415)
      << "a stream route takes Connect streams";
  EXPECT_EQ(Decide(Post(kUnary, "application/json")).response.status, 415)
      << "JSON only with message types";
  RouteDecision d = Decide(Post(kUnary, "text/plain"));
  EXPECT_EQ(d.action, Action::kRespond);
  EXPECT_EQ(d.response.status, 415);
  EXPECT_EQ(d.response.content_type, "text/plain; charset=utf-8")
      << "no Connect error: the client's code is the status's (unknown)";
  EXPECT_EQ(d.response.body, "unsupported content-type text/plain\n");
}

TEST_F(RouterTest, CallsAndTheirConfig) {
  RouteDecision d = Decide(Post(kBidi, "application/connect+proto"));
  ASSERT_EQ(d.action, Action::kCall);
  EXPECT_EQ(d.route, &table_.routes[kBidi]);
  EXPECT_EQ(d.config.content_type.protocol, Protocol::kConnectStream);
  EXPECT_EQ(d.config.max_message, kMax);
  EXPECT_EQ(d.info.path, kBidi);
  EXPECT_EQ(d.info.protocol, Protocol::kConnectStream);
  EXPECT_EQ(d.info.deadline_ms, kNoDeadline);

  Headers h = Post(kBidi, "application/grpc");
  h.emplace_back("grpc-encoding", "gzip");
  h.emplace_back("grpc-accept-encoding", "gzip");
  h.emplace_back("grpc-timeout", "3S");
  d = Decide(h);
  ASSERT_EQ(d.action, Action::kCall);
  EXPECT_EQ(d.config.recv_encoding, Encoding::kGzip);
  EXPECT_EQ(d.config.send_encoding, Encoding::kGzip);
  EXPECT_EQ(d.info.deadline_ms, kNow + 3'000);

  h = Post(kUnary, "application/proto");
  h.emplace_back("connect-timeout-ms", "250");
  h.emplace_back("content-encoding", "gzip");
  d = Decide(h);
  ASSERT_EQ(d.action, Action::kCall);
  EXPECT_EQ(d.info.deadline_ms, kNow + 250);
  EXPECT_EQ(d.content_encoding, "gzip");
}

TEST_F(RouterTest, RefusedCallsFailInTheirProtocol) {
  Headers h = Post(kBidi, "application/connect+proto");
  h.emplace_back("connect-content-encoding", "br");
  RouteDecision d = Decide(h);
  EXPECT_EQ(d.action, Action::kFail);
  EXPECT_EQ(d.status.code(), Code::kUnimplemented);
  EXPECT_EQ(d.config.content_type.protocol, Protocol::kConnectStream);
  EXPECT_EQ(d.config.max_message, kMax);

  h = Post(kUnary, "application/proto");
  h.emplace_back("content-length", "1001");
  d = Decide(h);
  EXPECT_EQ(d.action, Action::kFail);
  EXPECT_EQ(d.status.code(), Code::kResourceExhausted);
  h.back().second = "1000";
  EXPECT_EQ(Decide(h).action, Action::kCall);
}

TEST(ContentLength, Above) {
  EXPECT_FALSE(ContentLengthAbove({}, 10));
  EXPECT_FALSE(ContentLengthAbove({{"content-length", "10"}}, 10));
  EXPECT_TRUE(ContentLengthAbove({{"content-length", "11"}}, 10));
  EXPECT_TRUE(ContentLengthAbove({{"content-length", "99999999999999999999999999"}}, 10));
  EXPECT_FALSE(ContentLengthAbove({{"content-length", "1x"}}, 10));
}

}  // namespace
}  // namespace brs::rpc::internal
