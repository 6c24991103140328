#include "rpc/gzip.h"

#include <gtest/gtest.h>

namespace brs::rpc {
namespace {

TEST(Gzip, RoundTrip) {
  std::string in;
  for (int i = 0; i < 100000; ++i) in.push_back(static_cast<char>(i * 7 % 251));
  auto c = GzipCompress(in);
  ASSERT_TRUE(c.ok());
  ASSERT_GE(c->size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>((*c)[0]), 0x1f);  // gzip magic
  EXPECT_EQ(static_cast<unsigned char>((*c)[1]), 0x8b);
  auto d = GzipDecompress(*c, in.size());
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(*d, in);
}

TEST(Gzip, EmptyRoundTrip) {
  auto c = GzipCompress("");
  ASSERT_TRUE(c.ok());
  auto d = GzipDecompress(*c, 0);
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->empty());
}

TEST(Gzip, BombStopsAtLimit) {
  auto c = GzipCompress(std::string(1 << 20, 'a'));
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(GzipDecompress(*c, (1 << 20) - 1).status().code(), Code::kResourceExhausted);
}

TEST(Gzip, InvalidData) {
  EXPECT_EQ(GzipDecompress("not gzip at all", 1024).status().code(), Code::kInvalidArgument);
  auto c = GzipCompress("hello world");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(GzipDecompress(c->substr(0, c->size() - 3), 1024).status().code(),
            Code::kInvalidArgument);  // truncated
  EXPECT_EQ(GzipDecompress(*c + "x", 1024).status().code(), Code::kInvalidArgument);
}

}  // namespace
}  // namespace brs::rpc
