#include "rpc/envelope.h"

#include <gtest/gtest.h>

namespace brs::rpc {
namespace {

TEST(Envelope, EncodesHeaderByteByByte) {
  std::string out;
  ASSERT_TRUE(AppendEnvelope(kFlagEndStream, "abc", &out).ok());
  EXPECT_EQ(out, std::string("\x02\x00\x00\x00\x03"
                             "abc",
                             8));
}

TEST(Envelope, RoundTripsAcrossSplitFeeds) {
  std::string wire;
  ASSERT_TRUE(AppendEnvelope(0, "hello", &wire).ok());
  ASSERT_TRUE(AppendEnvelope(kFlagCompressed, std::string(300, 'x'), &wire).ok());
  ASSERT_TRUE(AppendEnvelope(kFlagEndStream, "{}", &wire).ok());
  EnvelopeDecoder d;
  std::vector<Envelope> got;
  for (char c : wire) {
    ASSERT_TRUE(d.Feed(std::string_view(&c, 1)).ok());
    while (auto e = d.Next()) got.push_back(*e);
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].payload, "hello");
  EXPECT_EQ(got[0].flags, 0);
  EXPECT_EQ(got[1].payload, std::string(300, 'x'));
  EXPECT_EQ(got[1].flags, kFlagCompressed);
  EXPECT_EQ(got[2].flags, kFlagEndStream);
  EXPECT_TRUE(d.Finish().ok());
}

TEST(Envelope, OversizedLengthRejectedBeforePayload) {
  EnvelopeDecoder d(1024);
  Status s = d.Feed(std::string("\x00\x00\x00\x04\x01", 5));
  EXPECT_EQ(s.code(), Code::kResourceExhausted);
  EXPECT_FALSE(d.Next().has_value());
  EXPECT_EQ(d.Feed("more").code(), Code::kResourceExhausted);  // sticky
}

TEST(Envelope, ExactLimitAccepted) {
  EnvelopeDecoder d(4);
  ASSERT_TRUE(d.Feed(std::string("\x00\x00\x00\x00\x04"
                                 "abcd",
                                 9))
                  .ok());
  auto e = d.Next();
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->payload, "abcd");
}

TEST(Envelope, SecondOversizedEnvelopeFailsOnNext) {
  EnvelopeDecoder d(4);
  std::string wire(
      "\x00\x00\x00\x00\x01"
      "a"
      "\x00\x00\x00\x00\x05",
      11);
  ASSERT_TRUE(d.Feed(wire).ok());
  ASSERT_TRUE(d.Next().has_value());
  EXPECT_FALSE(d.Next().has_value());
  EXPECT_EQ(d.status().code(), Code::kResourceExhausted);
}

TEST(Envelope, UnknownFlagsRejected) {
  EnvelopeDecoder d;
  EXPECT_EQ(d.Feed(std::string("\x80\x00\x00\x00\x00", 5)).code(), Code::kInvalidArgument);
}

TEST(Envelope, LengthLongerThanBodyIsTruncation) {
  EnvelopeDecoder d;
  ASSERT_TRUE(d.Feed(std::string("\x00\x00\x00\x00\x09"
                                 "abc",
                                 8))
                  .ok());
  EXPECT_FALSE(d.Next().has_value());
  EXPECT_TRUE(d.status().ok());
  EXPECT_EQ(d.Finish().code(), Code::kInvalidArgument);
}

TEST(Envelope, TruncatedHeaderAtEnd) {
  EnvelopeDecoder d;
  ASSERT_TRUE(d.Feed(std::string("\x00\x00", 2)).ok());
  EXPECT_EQ(d.Finish().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace brs::rpc
