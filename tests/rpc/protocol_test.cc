#include "rpc/protocol.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace brs::rpc {
namespace {

TEST(Protocol, ContentTypes) {
  auto ct = ParseContentType("application/connect+proto");
  ASSERT_TRUE(ct.has_value());
  EXPECT_EQ(ct->protocol, Protocol::kConnectStream);
  EXPECT_EQ(ct->codec, Codec::kProto);
  ct = ParseContentType("Application/JSON; charset=utf-8");
  ASSERT_TRUE(ct.has_value());
  EXPECT_EQ(ct->protocol, Protocol::kConnectUnary);
  EXPECT_EQ(ct->codec, Codec::kJson);
  EXPECT_EQ(ParseContentType("application/grpc")->protocol, Protocol::kGrpc);
  EXPECT_EQ(ParseContentType("application/grpc+proto")->protocol, Protocol::kGrpc);
  EXPECT_FALSE(ParseContentType("text/plain").has_value());
  // gRPC with the JSON codec (the conformance suite's grpc+json cases).
  ct = ParseContentType("application/grpc+json");
  ASSERT_TRUE(ct.has_value());
  EXPECT_EQ(ct->protocol, Protocol::kGrpc);
  EXPECT_EQ(ct->codec, Codec::kJson);
  EXPECT_EQ(ContentTypeString(*ct), "application/grpc+json");
  EXPECT_FALSE(ParseContentType("").has_value());
  EXPECT_EQ(ContentTypeString({Protocol::kConnectStream, Codec::kJson}),
            "application/connect+json");
}

TEST(Protocol, HttpStatusMapping) {
  EXPECT_EQ(HttpStatusForCode(Code::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusForCode(Code::kUnimplemented), 501);
  EXPECT_EQ(HttpStatusForCode(Code::kResourceExhausted), 429);
  EXPECT_EQ(HttpStatusForCode(Code::kCanceled), 499);
  EXPECT_EQ(CodeForHttpStatus(404), Code::kUnimplemented);
  EXPECT_EQ(CodeForHttpStatus(503), Code::kUnavailable);
  EXPECT_EQ(CodeForHttpStatus(418), Code::kUnknown);
}

TEST(Protocol, ErrorJsonBytes) {
  EXPECT_EQ(ConnectErrorJson(PermissionDenied("no \"way\"\n")),
            "{\"code\":\"permission_denied\",\"message\":\"no \\\"way\\\"\\n\"}");
  EXPECT_EQ(ConnectEndStreamJson(Status::Ok()), "{}");
  EXPECT_EQ(ConnectEndStreamJson(Status(Code::kAborted, "")), "{\"error\":{\"code\":\"aborted\"}}");
}

TEST(Protocol, ErrorJsonRoundTripEveryCode) {
  for (int c = 1; c <= 16; ++c) {
    Status s(static_cast<Code>(c), "msg \x01 é");
    Status back = ParseConnectErrorJson(ConnectErrorJson(s), Code::kUnknown);
    EXPECT_EQ(back.code(), s.code());
    EXPECT_EQ(back.message(), s.message());
    Status end = ParseConnectEndStreamJson(ConnectEndStreamJson(s));
    EXPECT_EQ(end.code(), s.code());
  }
  EXPECT_TRUE(ParseConnectEndStreamJson("{\"metadata\":{\"a\":[\"b\"]}}").ok());
}

TEST(Protocol, GarbageJson) {
  EXPECT_EQ(ParseConnectErrorJson("<html>", Code::kUnavailable).code(), Code::kUnavailable);
  EXPECT_EQ(ParseConnectEndStreamJson("{\"error\":").code(), Code::kInternal);
  EXPECT_EQ(ParseConnectEndStreamJson("{\"error\":5}").code(), Code::kInternal);
}

// A code that is missing, null or not one of Connect's is the HTTP status's
// (the fallback), and the message stays; "unknown" named is unknown.
TEST(Protocol, ErrorJsonWithoutARecognizedCodeTakesTheFallback) {
  for (const char* json : {"{\"message\":\"oops\"}", "{\"code\":null,\"message\":\"oops\"}",
                           "{\"code\":\"foobar\",\"message\":\"oops\"}"}) {
    const Status s = ParseConnectErrorJson(json, Code::kUnavailable);
    EXPECT_EQ(s.code(), Code::kUnavailable) << json;
    EXPECT_EQ(s.message(), "oops") << json;
  }
  EXPECT_EQ(ParseConnectErrorJson("{\"code\":\"unknown\"}", Code::kUnavailable).code(),
            Code::kUnknown);
  const Status end = ParseConnectEndStreamJson("{\"error\":{\"message\":\"oops\"}}");
  EXPECT_EQ(end.code(), Code::kUnknown) << "an end-of-stream error has no status to fall back on";
  EXPECT_EQ(end.message(), "oops");
}

TEST(Protocol, GrpcPercentEncoding) {
  EXPECT_EQ(GrpcPercentEncode("a b%\n\xc3\xa9"), "a b%25%0A%C3%A9");
  EXPECT_EQ(GrpcPercentDecode("a b%25%0A%C3%A9"), "a b%\n\xc3\xa9");
  EXPECT_EQ(GrpcPercentDecode("bad%zz%4"), "bad%zz%4");
}

TEST(Protocol, ConnectErrorJsonCarriesDetails) {
  const Status s =
      Status(Code::kAborted, "busy")
          .WithDetails({{"google.rpc.RetryInfo", std::string("\x0a\x02\x08\x05", 4)}, {"x.Y", ""}});
  const std::string json = ConnectErrorJson(s);
  EXPECT_EQ(json,
            "{\"code\":\"aborted\",\"message\":\"busy\",\"details\":[{\"type\":\"google.rpc."
            "RetryInfo\",\"value\":\"CgIIBQ\"},{\"type\":\"x.Y\",\"value\":\"\"}]}");
  Status back = ParseConnectErrorJson(json, Code::kUnknown);
  EXPECT_EQ(back.code(), Code::kAborted);
  EXPECT_EQ(back.details(), s.details());
  // Padded base64 and a type URL are accepted; malformed entries dropped.
  back = ParseConnectErrorJson(
      "{\"code\":\"internal\",\"details\":[{\"type\":\"type.googleapis.com/a.B\",\"value\":"
      "\"CgIIBQ==\"},{\"type\":\"c.D\",\"value\":\"!!\"},{\"value\":\"AA\"}]}",
      Code::kUnknown);
  ASSERT_EQ(back.details().size(), 1u);
  EXPECT_EQ(back.details()[0].type, "a.B");
  EXPECT_EQ(back.details()[0].value, std::string("\x0a\x02\x08\x05", 4));
}

TEST(Protocol, GrpcStatusDetailsBinRoundTrips) {
  const Status s = Status(Code::kFailedPrecondition, "no")
                       .WithDetails({{"a.B", std::string("\x00\x01", 2)}, {"c.D", "xyz"}});
  const std::string bin = GrpcStatusDetailsBin(s);
  Status back = WithGrpcStatusDetails(Status(Code::kFailedPrecondition, "no"), bin);
  EXPECT_EQ(back.details(), s.details());
  // Malformed values leave the status without details.
  EXPECT_TRUE(WithGrpcStatusDetails(Status(Code::kInternal, "x"), "%%%").details().empty());
  EXPECT_TRUE(WithGrpcStatusDetails(Status(Code::kInternal, "x"), "GgE").details().empty());
  // An OK status never carries details.
  EXPECT_TRUE(Status().WithDetails({{"a.B", ""}}).details().empty());
}

}  // namespace
}  // namespace brs::rpc

namespace brs::rpc {
namespace {

TEST(Protocol, EndStreamJsonCarriesTrailersAsMetadata) {
  const Headers t{{"x-a", "1"}, {"x-b", "q\""}, {"x-a", "2"}};
  EXPECT_EQ(ConnectEndStreamJson(Status(), t),
            "{\"metadata\":{\"x-a\":[\"1\",\"2\"],\"x-b\":[\"q\\\"\"]}}");
  const std::string with_error = ConnectEndStreamJson(Status(Code::kAborted, ""), t);
  EXPECT_EQ(ParseConnectEndStreamJson(with_error).code(), Code::kAborted);
  Headers back;
  ParseConnectEndStreamMetadata(with_error, &back);
  std::sort(back.begin(), back.end());
  EXPECT_EQ(back, (Headers{{"x-a", "1"}, {"x-a", "2"}, {"x-b", "q\""}}));
  Headers none;
  ParseConnectEndStreamMetadata("{\"metadata\":{\"X-C\":[\"v\",5],\"d\":7}}", &none);
  EXPECT_EQ(none, (Headers{{"x-c", "v"}}));  // lowercased; malformed entries skipped
}

}  // namespace
}  // namespace brs::rpc
