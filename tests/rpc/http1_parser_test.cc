// Http1RequestParser: request framing by Content-Length and by chunks, and
// the framings it refuses.
#include "rpc/http1_parser.h"

#include <gtest/gtest.h>

namespace brs::rpc::internal {
namespace {

using Result = Http1RequestParser::Result;

constexpr char kChunkedHead[] =
    "POST /t.S/Unary HTTP/1.1\r\nContent-Type: application/proto\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

// Feeds `bytes` one at a time; the result once it is not kNeedMore.
Result FeedBytewise(Http1RequestParser& p, std::string_view bytes, Http1Request* r,
                    Http1ErrorReply* e) {
  for (char c : bytes) {
    p.Feed(std::string_view(&c, 1));
    const Result got = p.Next(r, e);
    if (got != Result::kNeedMore) return got;
  }
  return Result::kNeedMore;
}

TEST(Http1Parser, ChunkedBodyIsAssembledWhateverTheSplit) {
  const std::string request = std::string(kChunkedHead) +
                              "5\r\nhello\r\n"
                              "1;ext=1\r\n \r\n"
                              "A\r\n0123456789\r\n"
                              "0\r\nx-trailer: dropped\r\n\r\n";
  Http1Request r;
  Http1ErrorReply e;
  Http1RequestParser bytewise(1000);
  ASSERT_EQ(FeedBytewise(bytewise, request, &r, &e), Result::kRequest) << e.body;
  EXPECT_EQ(r.body, "hello 0123456789");
  EXPECT_EQ(bytewise.buffered(), 0u);
  Http1RequestParser whole(1000);
  whole.Feed(request + "GET /metrics HTTP/1.1\r\n\r\n");
  ASSERT_EQ(whole.Next(&r, &e), Result::kRequest) << e.body;
  EXPECT_EQ(r.body, "hello 0123456789");
  ASSERT_EQ(whole.Next(&r, &e), Result::kRequest) << "the pipelined request after it";
  EXPECT_EQ(r.method, "GET");
}

TEST(Http1Parser, EmptyChunkedBody) {
  Http1RequestParser p(1000);
  p.Feed(std::string(kChunkedHead) + "0\r\n\r\n");
  Http1Request r;
  Http1ErrorReply e;
  ASSERT_EQ(p.Next(&r, &e), Result::kRequest) << e.body;
  EXPECT_EQ(r.body, "");
}

TEST(Http1Parser, ChunkedBodyAboveTheLimitIsRefusedOnItsSize) {
  // The second chunk's size line takes the body over 10 bytes: refused
  // before its data arrives.
  Http1RequestParser p(10);
  p.Feed(std::string(kChunkedHead) + "8\r\n12345678\r\n3\r\n");
  Http1Request r;
  Http1ErrorReply e;
  ASSERT_EQ(p.Next(&r, &e), Result::kError);
  EXPECT_EQ(e.status, 413);
  Http1RequestParser huge(10);
  huge.Feed(std::string(kChunkedHead) + "ffffffffffffffffffffffff\r\n");
  ASSERT_EQ(huge.Next(&r, &e), Result::kError);
  EXPECT_EQ(e.status, 413) << "a size past size_t is too large, not wrapped";
}

TEST(Http1Parser, MalformedChunksAreRefused) {
  struct Case {
    std::string body;
    int status;
  };
  const Case cases[] = {
      {"zz\r\n", 400},                                // not a size
      {"5x\r\nhello\r\n0\r\n\r\n", 400},              // junk after the size
      {"3\r\nhello\r\n0\r\n\r\n", 400},               // data longer than its size
      {std::string(2000, '1'), 400},                  // a size line without end
      {"1;" + std::string(2000, 'e') + "\r\n", 400},  // an extension too long
  };
  for (const Case& c : cases) {
    Http1RequestParser p(1 << 20);
    p.Feed(std::string(kChunkedHead) + c.body);
    Http1Request r;
    Http1ErrorReply e;
    EXPECT_EQ(p.Next(&r, &e), Result::kError) << c.body.substr(0, 40);
    EXPECT_EQ(e.status, c.status) << c.body.substr(0, 40);
  }
}

TEST(Http1Parser, OtherTransferEncodingsAndDoubleFramingAreRefused) {
  Http1Request r;
  Http1ErrorReply e;
  Http1RequestParser gzip(1000);
  gzip.Feed("POST /x HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
  ASSERT_EQ(gzip.Next(&r, &e), Result::kError);
  EXPECT_EQ(e.status, 501);
  Http1RequestParser both(1000);
  both.Feed("POST /x HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n");
  ASSERT_EQ(both.Next(&r, &e), Result::kError);
  EXPECT_EQ(e.status, 400) << "which framing counts would be ambiguous (request smuggling)";
}

TEST(Http1Parser, ContentLengthBody) {
  Http1RequestParser p(1000);
  Http1Request r;
  Http1ErrorReply e;
  ASSERT_EQ(FeedBytewise(p, "POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", &r, &e),
            Result::kRequest);
  EXPECT_EQ(r.body, "abc");
}

}  // namespace
}  // namespace brs::rpc::internal
