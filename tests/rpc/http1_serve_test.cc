// ServeHttp1Request: how one parsed HTTP/1.1 request is answered, without
// sockets (the response bytes go to a string).
#include <google/protobuf/wrappers.pb.h>
#include <gtest/gtest.h>

#include "rpc/envelope.h"
#include "rpc/http1.h"
#include "rpc/protocol.h"

namespace brs::rpc::internal {
namespace {

constexpr char kCount[] = "/t.S/Count";
constexpr char kEcho[] = "/t.S/Echo";

class StringWriter final : public Http1ResponseWriter {
 public:
  bool Write(std::string bytes) override {
    out += bytes;
    return true;
  }
  bool peer_gone() const override { return false; }
  std::string out;
};

std::string Int(int64_t v) {
  google::protobuf::Int64Value m;
  m.set_value(v);
  return m.SerializeAsString();
}

std::string Enveloped(std::initializer_list<std::string_view> messages) {
  std::string out;
  for (std::string_view m : messages) EXPECT_TRUE(AppendEnvelope(0, m, &out).ok());
  return out;
}

// The chunked body's data, chunk sizes removed.
std::string Dechunk(std::string_view body) {
  std::string out;
  for (;;) {
    const size_t eol = body.find("\r\n");
    if (eol == std::string_view::npos) return out;
    const size_t n = std::stoul(std::string(body.substr(0, eol)), nullptr, 16);
    if (n == 0) return out;
    out.append(body.substr(eol + 2, n));
    body.remove_prefix(eol + 2 + n + 2);
  }
}

// The envelopes of a Connect stream response (head and chunking removed).
std::vector<Envelope> StreamEnvelopes(const std::string& response) {
  const size_t body = response.find("\r\n\r\n");
  EXPECT_NE(body, std::string::npos);
  EnvelopeDecoder dec;
  EXPECT_TRUE(dec.Feed(Dechunk(std::string_view(response).substr(body + 4))).ok());
  std::vector<Envelope> out;
  while (auto e = dec.Next()) out.push_back(std::move(*e));
  return out;
}

class Http1ServeTest : public ::testing::Test {
 protected:
  Http1ServeTest() {
    count_.kind = RouteKind::kServerStream;
    count_.types = {&google::protobuf::Int64Value::default_instance(),
                    &google::protobuf::Int64Value::default_instance()};
    // Count: n → the messages 0..n-1; it notes the call's deadline.
    count_.stream = [this](const CallInfo& info, Stream& s) -> Status {
      deadline_ms_ = info.deadline_ms;
      std::string m;
      BRS_ASSIGN_OR_RETURN(auto r, s.Read(&m));
      if (r != Stream::ReadResult::kMessage) return InvalidArgument("handler saw no request");
      google::protobuf::Int64Value n;
      if (!n.ParseFromString(m)) return InvalidArgument("not an Int64Value");
      for (int64_t i = 0; i < n.value(); ++i) BRS_RETURN_IF_ERROR(s.Write(Int(i)));
      return Status();
    };
    h_.get = [](const std::string&, const Headers&) { return std::nullopt; };
    h_.unary = [this](const std::string& path, const Headers& headers, Codec, std::string body,
                      ResponseMetadata*) -> std::optional<StatusOr<std::string>> {
      if (path != kEcho) return std::nullopt;
      unary_headers_ = headers;
      return StatusOr<std::string>(std::move(body));
    };
    h_.server_stream = [this](const std::string& path) -> const Route* {
      return path == kCount ? &count_ : nullptr;
    };
    h_.is_rpc_path = [](const std::string& path) { return path == kCount || path == kEcho; };
    h_.max_message = 1000;
  }

  Http1ResponseEnd Serve(std::string path, std::string ctype, std::string body,
                         Headers extra = {}) {
    Http1Request r;
    r.method = "POST";
    r.path = std::move(path);
    r.version = "HTTP/1.1";
    r.headers = {{"content-type", std::move(ctype)}};
    for (auto& h : extra) r.headers.push_back(std::move(h));
    r.body = std::move(body);
    Http1ResponseEnd end = ServeHttp1Request(std::move(r), h_, writer_);
    response_ = writer_.out + end.bytes;
    return end;
  }

  Route count_;
  Http1Handlers h_;
  StringWriter writer_;
  std::string response_;
  int64_t deadline_ms_ = 0;
  Headers unary_headers_;
};

TEST_F(Http1ServeTest, JsonServerStreamIsServedInJson) {
  Serve(kCount, "application/connect+json", Enveloped({"\"3\""}));
  ASSERT_EQ(response_.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response_;
  EXPECT_NE(response_.find("Content-Type: application/connect+json\r\n"), std::string::npos)
      << response_;
  auto envs = StreamEnvelopes(response_);
  ASSERT_EQ(envs.size(), 4u) << response_;
  EXPECT_EQ(envs[0].payload, "\"0\"");
  EXPECT_EQ(envs[1].payload, "\"1\"");
  EXPECT_EQ(envs[2].payload, "\"2\"");
  EXPECT_EQ(envs[3].flags, kFlagEndStream);
  EXPECT_EQ(envs[3].payload, "{}");
}

TEST_F(Http1ServeTest, ProtoServerStreamKeepsItsContentType) {
  Serve(kCount, "application/connect+proto", Enveloped({Int(2)}));
  EXPECT_NE(response_.find("Content-Type: application/connect+proto\r\n"), std::string::npos)
      << response_;
  auto envs = StreamEnvelopes(response_);
  ASSERT_EQ(envs.size(), 3u) << response_;
  EXPECT_EQ(envs[1].payload, Int(1));
  EXPECT_EQ(envs[2].payload, "{}");
}

TEST_F(Http1ServeTest, ServerStreamCarriesItsConnectTimeoutAsTheDeadline) {
  const int64_t before = SteadyNowMs();
  Serve(kCount, "application/connect+proto", Enveloped({Int(0)}),
        {{"connect-timeout-ms", "60000"}});
  const int64_t after = SteadyNowMs();
  EXPECT_GE(deadline_ms_, before + 60'000);
  EXPECT_LE(deadline_ms_, after + 60'000);
  Serve(kCount, "application/connect+proto", Enveloped({Int(0)}));
  EXPECT_EQ(deadline_ms_, kNoDeadline);
}

TEST_F(Http1ServeTest, ServerStreamWithoutOrWithTwoRequestsEndsUnimplemented) {
  for (const std::string& body : {std::string(), Enveloped({Int(1), Int(1)})}) {
    deadline_ms_ = 0;
    Serve(kCount, "application/connect+proto", body);
    ASSERT_EQ(response_.rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << response_;
    auto envs = StreamEnvelopes(response_);
    ASSERT_EQ(envs.size(), 1u) << response_;
    EXPECT_EQ(envs[0].flags, kFlagEndStream);
    EXPECT_EQ(ParseConnectEndStreamJson(envs[0].payload).code(), Code::kUnimplemented)
        << envs[0].payload;
    EXPECT_EQ(deadline_ms_, 0) << "the handler never ran";
  }
}

TEST_F(Http1ServeTest, CompressedRequestWithoutEncodingEndsInternal) {
  std::string body;
  ASSERT_TRUE(AppendEnvelope(kFlagCompressed, Int(1), &body).ok());
  Serve(kCount, "application/connect+proto", body);
  auto envs = StreamEnvelopes(response_);
  ASSERT_EQ(envs.size(), 1u) << response_;
  EXPECT_EQ(ParseConnectEndStreamJson(envs[0].payload).code(), Code::kInternal);
}

TEST_F(Http1ServeTest, UnknownContentTypeIs415WithoutAConnectError) {
  // No Connect error JSON in it: a Connect client takes its code from the
  // status (415: unknown), as connect-go's server answers.
  Serve(kEcho, "application/foo", "x");
  EXPECT_EQ(response_.rfind("HTTP/1.1 415 Unsupported Media Type\r\n", 0), 0u) << response_;
  EXPECT_NE(response_.find("Content-Type: text/plain"), std::string::npos) << response_;
  Serve(kCount, "image/jpeg", "x");
  EXPECT_EQ(response_.rfind("HTTP/1.1 415 ", 0), 0u) << response_;
}

}  // namespace
}  // namespace brs::rpc::internal
