#include "rpc/message_codec.h"

#include <gtest/gtest.h>

#include "rpc/gzip.h"

namespace brs::rpc {
namespace {

TEST(MessageCodec, Encodings) {
  EXPECT_EQ(*ParseEncoding(""), Encoding::kIdentity);
  EXPECT_EQ(*ParseEncoding("identity"), Encoding::kIdentity);
  EXPECT_EQ(*ParseEncoding("gzip"), Encoding::kGzip);
  EXPECT_EQ(ParseEncoding("br").status().code(), Code::kUnimplemented);
  EXPECT_TRUE(AcceptsGzip("identity, gzip"));
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_FALSE(AcceptsGzip("identity,deflate"));
  EXPECT_FALSE(AcceptsGzip(""));
}

TEST(MessageCodec, GzipRoundTripThroughEnvelope) {
  std::string wire;
  ASSERT_TRUE(EncodeMessage(std::string(1000, 'q'), Encoding::kGzip, &wire).ok());
  EnvelopeDecoder d;
  ASSERT_TRUE(d.Feed(wire).ok());
  auto e = d.Next();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->flags, kFlagCompressed);
  auto m = DecodeMessage(*e, Encoding::kGzip, 1000);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*m, std::string(1000, 'q'));
  EXPECT_EQ(DecodeMessage(*e, Encoding::kGzip, 999).status().code(), Code::kResourceExhausted);
}

TEST(MessageCodec, CompressedFlagWithoutEncoding) {
  Envelope e{kFlagCompressed, *GzipCompress("x")};
  EXPECT_EQ(DecodeMessage(e, Encoding::kIdentity, 100).status().code(), Code::kInternal);
}

TEST(MessageCodec, InvalidGzip) {
  Envelope e{kFlagCompressed, "definitely not gzip"};
  EXPECT_EQ(DecodeMessage(e, Encoding::kGzip, 100).status().code(), Code::kInvalidArgument);
}

TEST(MessageCodec, IdentityPassThrough) {
  Envelope e{0, "abc"};
  EXPECT_EQ(*DecodeMessage(e, Encoding::kGzip, 3), "abc");
}

TEST(MessageCodec, GrpcTrailers) {
  EXPECT_TRUE(GrpcStatusFromTrailers("0", true, "").ok());
  Status s = GrpcStatusFromTrailers("7", true, "no%20way");
  EXPECT_EQ(s.code(), Code::kPermissionDenied);
  EXPECT_EQ(s.message(), "no way");
  EXPECT_EQ(GrpcStatusFromTrailers("99", true, "").code(), Code::kUnknown);
  EXPECT_EQ(GrpcStatusFromTrailers("x", true, "").code(), Code::kUnknown);
  EXPECT_EQ(GrpcStatusFromTrailers("", false, "").code(), Code::kInternal);
}

}  // namespace
}  // namespace brs::rpc
