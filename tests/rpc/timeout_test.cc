#include "rpc/timeout.h"

#include <gtest/gtest.h>

namespace brs::rpc {
namespace {

using std::chrono::milliseconds;

TEST(Timeout, ConnectValid) {
  auto t = ParseConnectTimeout("1500");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, milliseconds(1500));
}

TEST(Timeout, ConnectInvalid) {
  for (const char* v : {"", "0", "-1", "1.5", "12345678901", " 1", "1a"}) {
    EXPECT_EQ(ParseConnectTimeout(v).status().code(), Code::kInvalidArgument) << v;
  }
}

TEST(Timeout, GrpcUnits) {
  EXPECT_EQ(*ParseGrpcTimeout("2H"), milliseconds(7200000));
  EXPECT_EQ(*ParseGrpcTimeout("3M"), milliseconds(180000));
  EXPECT_EQ(*ParseGrpcTimeout("4S"), milliseconds(4000));
  EXPECT_EQ(*ParseGrpcTimeout("5m"), milliseconds(5));
  EXPECT_EQ(*ParseGrpcTimeout("1500u"), milliseconds(2));
  EXPECT_EQ(*ParseGrpcTimeout("1n"), milliseconds(1));
}

TEST(Timeout, GrpcInvalid) {
  for (const char* v : {"", "m", "5", "5x", "123456789m", "-5m", "5 m"}) {
    EXPECT_EQ(ParseGrpcTimeout(v).status().code(), Code::kInvalidArgument) << v;
  }
}

TEST(Timeout, GrpcFormatRoundTrips) {
  EXPECT_EQ(FormatGrpcTimeout(milliseconds(250)), "250m");
  EXPECT_EQ(FormatGrpcTimeout(milliseconds(100000000)), "100000S");
  EXPECT_EQ(*ParseGrpcTimeout(FormatGrpcTimeout(milliseconds(42))), milliseconds(42));
}

}  // namespace
}  // namespace brs::rpc
